"""Run the worker's real FireRedTTS2 adapter on upstream's architecture with RANDOM weights.

Model hubs are unreachable from our build machines, so this builds a model directory the adapter
can load (configs, a small byte-level tokenizer standing in for Qwen2.5's, randomly initialised
LLM and codec checkpoints) and drives FireRedTTS2Model through what the pod does: load, warm-up,
prepare a voice (the prompt encode), stream a cloned monologue sentence, and three dialogue turns
sharing a context. It prints JSON: timings per step, first-chunk latency and per-chunk real-time
factor. Random weights never emit end-of-speech, so each call is capped at --frames frames; the
audio is noise, only the shapes, the code path and the timings mean anything.

    python tools/random_weights_run.py --work /tmp/frtts2 --clip ref.flac [--size full --device cuda]

Needs torch, torchaudio, torchtune, torchao, transformers, tokenizers, einops, librosa, soundfile
and upstream's `fireredtts2` package importable. Not part of CI (it needs gigabytes of wheels).
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

# Codec dimensions are not published in upstream's code (config_codec.json ships with the weights);
# these are consistent with its modules: 50 Hz encoders, ×4 downsampling to 12.5 Hz, 16 codebooks,
# ×4 up and ×2 in the decoder to 100 Hz, iSTFT hop 240 → 24 kHz.
CODEC = {
    "tiny": {"width": 256, "enc_layers": 2, "dec_layers": 2, "heads": 4, "codebook_dim": 8},
    "full": {"width": 768, "enc_layers": 12, "dec_layers": 12, "heads": 12, "codebook_dim": 8},
}
# The LLM settings of upstream's fine-tuning example (bin/finetune_example/config_finetune_1.5b_0.2b.json).
LLM = {"tiny": ("qwen-200m", "qwen-200m"), "full": ("qwen-1.5b", "qwen-200m")}
# Upstream's LLM predicts 2051 ids per codebook (2048 codes plus specials). A trained model keeps to
# the codes; random weights sample anything, so the random codec gets 2051 entries to decode them.
AUDIO_VOCAB = 2051
QWEN_TEXT_VOCAB = 151936
CODEBOOKS = 16


def llm_settings(size: str, text_vocab: int) -> dict:
    backbone, decoder = LLM[size]
    return {
        "llm_models": {
            "backbone_flavor": backbone,
            "decoder_flavor": decoder,
            "text_vocab_size": text_vocab,
            "audio_vocab_size": AUDIO_VOCAB,
            "audio_num_codebooks": CODEBOOKS,
            "decoder_loss_weight": 0.6,
        }
    }


def codec_settings(size: str) -> dict:
    c = CODEC[size]
    w = c["width"]
    return {
        "codec": {
            "ssl_adaptor": {"in_dim": 1280, "embed_dim": w, "out_dim": w, "num_layers": c["enc_layers"], "num_heads": c["heads"], "ffn_dim": 4 * w},
            "acoustic_encoder": {"num_mels": 128, "embed_dim": w, "num_layers": c["enc_layers"], "num_heads": c["heads"], "ffn_dim": 4 * w},
            "downsample": {"embed_dim": 2 * w, "avg_pooler": 4},
            "rvq": {"input_dim": 2 * w, "rvq_dim": w, "output_dim": w, "num_quantizers": CODEBOOKS, "codebook_size": AUDIO_VOCAB, "codebook_dim": c["codebook_dim"]},
            "upsample": {"embed_dim": w, "stride": 4},
            "semantic_decoder": {"in_dim": w, "embed_dim": w, "out_dim": 1280, "num_layers": c["enc_layers"], "num_heads": c["heads"], "ffn_dim": 4 * w},
            "acoustic_decoder": {"embed_dim": w, "num_layers": c["dec_layers"], "num_heads": c["heads"], "hop_length": 240, "causal": True},
        }
    }


def build_model_dir(work: str, size: str) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from fireredtts2.codec.model import RedCodec
    from fireredtts2.llm.llm import Model, ModelArgs
    from fireredtts2.llm.utils import init_weights, load_custom_tokenizer

    os.makedirs(os.path.join(work, "Qwen2.5-1.5B"), exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = ["Hello there, how are you today? The quick brown fox jumps over the lazy dog.", "我们今天谈谈声音。"] * 50
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>").save_pretrained(os.path.join(work, "Qwen2.5-1.5B"))
    vocab = len(load_custom_tokenizer(os.path.join(work, "Qwen2.5-1.5B")))

    llm_config = llm_settings(size, QWEN_TEXT_VOCAB if size == "full" else vocab + 64)
    with open(os.path.join(work, "config_llm.json"), "w") as f:
        json.dump(llm_config, f)
    with open(os.path.join(work, "config_codec.json"), "w") as f:
        json.dump(codec_settings(size), f)
    torch.manual_seed(0)
    codec = RedCodec.from_config(os.path.join(work, "config_codec.json"))
    torch.save({"generator": codec.state_dict()}, os.path.join(work, "codec.pt"))
    del codec
    model = init_weights(Model(ModelArgs(use_text_loss=True, **llm_config["llm_models"])))
    state = {"model": model.state_dict()}
    for name in ("llm_pretrain.pt", "llm_posttrain.pt"):
        torch.save(state, os.path.join(work, name))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", required=True, help="model directory to build (reused when present)")
    p.add_argument("--clip", required=True, help="reference clip for the voice prompt")
    p.add_argument("--transcript", default="This is the reference clip of my voice.")
    p.add_argument("--size", choices=["tiny", "full"], default="tiny")
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--frames", type=int, default=25, help="frames per call (80 ms each)")
    args = p.parse_args()
    sys.stdout = sys.stderr  # upstream print()s progress; keep stdout for the JSON report

    import torch

    from fireside_tts_worker.context import History
    from fireside_tts_worker.models import FireRedTTS2Model, Voice

    report = {"weights": "random-initialised", "size": args.size, "device": args.device, "framesPerCall": args.frames}
    if args.device.startswith("cuda"):
        report["gpu"] = torch.cuda.get_device_name(0)
    t = time.perf_counter()
    if not os.path.exists(os.path.join(args.work, "codec.pt")):
        build_model_dir(args.work, args.size)
    report["buildS"] = round(time.perf_counter() - t, 2)

    results = {}
    for gen_type in ("monologue", "dialogue"):
        r = results[gen_type] = {}
        model = FireRedTTS2Model(args.work, device=args.device, bf16=args.bf16, gen_type=gen_type, max_frames=args.frames)
        t = time.perf_counter()
        model.load()
        r["loadS"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        model.warm_up()
        r["warmUpS"] = round(time.perf_counter() - t, 2)
        voices = [Voice(f"v{i}", args.clip, args.transcript) for i in (1, 2)]
        t = time.perf_counter()
        for v in voices:
            model.prepare_voice(v)
        r["preparePromptMs"] = round((time.perf_counter() - t) * 500, 1)
        r["promptFrames"] = int(voices[0].prepared["audio_tokens"].size(0))

        def timed(stream):
            start = time.perf_counter()
            stamps, samples = [], 0
            for chunk in stream:
                stamps.append(time.perf_counter() - start)
                samples += len(chunk)
            gaps = [b - a for a, b in zip(stamps, stamps[1:])]
            return {
                "firstChunkMs": round(stamps[0] * 1000, 1) if stamps else None,
                "chunks": len(stamps),
                "audioS": round(samples / 24000, 3),
                "wallS": round(stamps[-1], 3) if stamps else None,
                "rtfPerChunk": round(sum(gaps) / len(gaps) / 0.08, 3) if gaps else None,
            }

        if gen_type == "monologue":
            r["sentence"] = timed(model.stream("Hello, this is a cloned voice speaking.", voices[0]))
        else:
            history = History()
            history.voices = {"[S1]": voices[0], "[S2]": voices[1]}
            r["turns"] = []
            for i, (speaker, text) in enumerate([("[S1]", "Welcome to the show."), ("[S2]", "Thanks for having me."), ("[S1]", "Let us begin.")]):
                turn = timed(model.stream(text, voices[i % 2], speaker, history))
                turn["contextTurns"] = len(history.segments)
                turn["contextPositions"] = sum(s.length for s in history.segments)
                r["turns"].append(turn)
            r["oneOff"] = timed(model.stream("A sentence without a context.", voices[0]))
        del model
        if args.device.startswith("cuda"):
            r["peakGpuMemGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
    report["results"] = results
    sys.__stdout__.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
