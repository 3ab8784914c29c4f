"""How many live FireRedTTS2 streams one device serves: the worker's frame engine per batch size,
next to upstream's own eager loop (Model.generate_frame, batch 1), measured in the same run.

RANDOM-INITIALISED WEIGHTS (model hubs are unreachable from our machines): upstream's architecture
at --size full (Qwen2.5-1.5B backbone + 200M decoder, 16 codebooks, the codec) or tiny; the audio
is noise and only the shapes and timings mean anything. Every stream gets a prompt shaped like a
cloned voice's (text tokens, then ~10 s of prompt audio frames) and makes --frames frames; each
frame is decoded to audio by the codec's streaming decoder, as the worker does.

Per batch size: first chunk (text in → first audio out, every stream arriving at once), per-stream
real-time factor (frame period ÷ 80 ms: under 1 keeps up), the step's time (every stream's frame
and its audio), peak GPU memory, and the largest batch whose streams all stay real time. The
upstream loop decodes each frame with the codec's own per-stream decoder, as upstream does.

    python tools/bench_streams.py --size full --device cuda --dtype bf16 --out result.json
    python tools/bench_streams.py --size tiny --device cpu --batches 1,2,4 --frames 10   (CPU figures)

Needs torch, torchtune and upstream's `fireredtts2` importable (FIRESIDE_FIREREDTTS2_SRC may name
a checkout). Not part of CI.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "tools"))
if os.environ.get("FIRESIDE_FIREREDTTS2_SRC"):
    sys.path.insert(0, os.environ["FIRESIDE_FIREREDTTS2_SRC"])

FRAME_S = 0.08


def build(size: str, device: str, dtype):
    """Upstream's LLM and codec, randomly initialised in memory on the device (no checkpoints)."""
    import torch
    from fireredtts2.codec.model import RedCodec, RedCodecInfer
    from fireredtts2.llm.llm import Model, ModelArgs
    from random_weights_run import QWEN_TEXT_VOCAB, codec_settings, llm_settings

    torch.manual_seed(0)
    with torch.device(device):
        llm = Model(ModelArgs(use_text_loss=True, **llm_settings(size, QWEN_TEXT_VOCAB if size == "full" else 1000)["llm_models"]))
        torch.nn.init.xavier_uniform_(llm.audio_head)  # a bare nn.Parameter: torch.empty until initialised
        with torch.no_grad():
            for emb in (llm.text_embeddings, llm.audio_embeddings):
                emb.weight.normal_(0.0, 0.02)  # upstream's init_weights
        llm = llm.to(dtype).eval()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(codec_settings(size), f)
        codec = RedCodecInfer(RedCodec.from_config(f.name)).eval()  # the codec stays float32, as upstream keeps it
        os.unlink(f.name)
    return llm, codec


def prompt(i: int, text_tokens: int, prompt_frames: int, text_vocab: int, audio_vocab: int):
    import torch

    g = torch.Generator().manual_seed(100 + i)
    text = text_tokens + i % 7  # a little variety in length across streams
    n = text + prompt_frames
    tokens = torch.zeros(n, 17, dtype=torch.long)
    mask = torch.zeros(n, 17, dtype=torch.bool)
    tokens[:text, -1] = torch.randint(1, text_vocab, (text,), generator=g)
    mask[:text, -1] = True
    tokens[text:, :16] = torch.randint(1, audio_vocab - 3, (prompt_frames, 16), generator=g)
    mask[text:, :16] = True
    return tokens, mask


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def summary(values):
    values = sorted(values)
    return {"p50": round(statistics.median(values), 1), "max": round(values[-1], 1)} if values else None


def upstream_loop(llm, codec, tokens, mask, frames: int, device: str):
    """Upstream's eager loop, as FireRedTTS2.generate drives it (host sync per frame for the end
    check), with the codec's streaming decode per frame, batch 1."""
    import torch

    llm.reset_caches()
    t0 = time.perf_counter()
    stamps, cache, previous = [], {}, None
    cur, cur_mask = tokens.to(device)[None], mask.to(device)[None]
    pos = torch.arange(tokens.size(0), device=device)[None]
    for _ in range(frames):
        sample = llm.generate_frame(cur, cur_mask, pos, 0.9, 20)
        if torch.all(sample == 0):
            break
        if previous is not None:
            chunk, cache = codec.decode_one_token(previous.unsqueeze(-1), cache, last_token=False)
            chunk.cpu()
            stamps.append(time.perf_counter() - t0)
        previous = sample.long()
        zero = torch.zeros(1, 1, dtype=torch.long, device=device)
        cur = torch.cat([sample.long(), zero], dim=1).unsqueeze(1)
        cur_mask = torch.cat([torch.ones_like(sample).bool(), zero.bool()], dim=1).unsqueeze(1)
        pos = pos[:, -1:] + 1
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    return {
        "firstChunkMs": round(stamps[0] * 1000, 1),
        "rtf": round(statistics.mean(gaps) / FRAME_S, 3),
        "framePeriodMs": round(statistics.mean(gaps) * 1000, 1),
    }


def engine_batch(engine, prompts, frames: int, device: str):
    """All streams arrive at once; the first step prefills them (batched) and every step makes one
    frame of each stream and decodes it to audio (the codec runs inside the step)."""
    sync(device)
    t0 = time.perf_counter()
    slots = [engine.start(t, m, 0.9, 20, seed=i) for i, (t, m) in enumerate(prompts)]  # prefilled by the first step
    first = {}
    step_ms, periods = [], []
    last = None
    for _ in range(frames):
        a = time.perf_counter()
        engine.step()
        for s in slots:
            engine.audio(s)
            first.setdefault(s, time.perf_counter() - t0)
        c = time.perf_counter()
        step_ms.append((c - a) * 1000)
        if last is not None:
            periods.append(c - last)
        last = c
    for s in slots:
        engine.stop(s)
    period = statistics.mean(periods[1:] or periods)  # the first period still holds the joins
    return {
        "streams": len(prompts),
        "firstChunkMs": summary([v * 1000 for v in first.values()]),
        "framePeriodMs": round(period * 1000, 2),
        "rtfPerStream": round(period / FRAME_S, 3),
        "stepMs": summary(step_ms[1:]),
        "realTime": period <= FRAME_S,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=["tiny", "full"], default="tiny")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", choices=["bf16", "fp32"], default="fp32")
    p.add_argument("--batches", default="1,2,4,8,16")
    p.add_argument("--frames", type=int, default=40, help="frames per stream (80 ms each)")
    p.add_argument("--text-tokens", type=int, default=40)
    p.add_argument("--prompt-frames", type=int, default=125, help="the voice prompt's audio frames (125 = 10 s)")
    p.add_argument("--no-graphs", action="store_true", help="eager engine on CUDA too")
    p.add_argument("--skip-upstream", action="store_true")
    p.add_argument("--out", default="")
    args = p.parse_args()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # upstream print()s; stdout is for the JSON

    import torch

    from fireside_tts_worker.frame_engine import FrameEngine

    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    batches = [int(b) for b in args.batches.split(",")]
    report = {
        "weights": "RANDOM-INITIALISED (no hub access): timings of the real architecture, not of trained speech",
        "size": args.size,
        "device": args.device,
        "gpu": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None,
        "dtype": args.dtype,
        "torch": torch.__version__,
        "framesPerStream": args.frames,
        "promptPositions": args.text_tokens + args.prompt_frames,
    }
    t = time.perf_counter()
    llm, codec = build(args.size, args.device, dtype)
    report["buildS"] = round(time.perf_counter() - t, 1)
    vocab = llm.config.audio_vocab_size
    text_vocab = llm.text_embeddings.num_embeddings
    prompts = [prompt(i, args.text_tokens, args.prompt_frames, text_vocab, vocab) for i in range(max(batches))]

    with torch.inference_mode():
        if not args.skip_upstream:
            llm.setup_caches(1)
            upstream_loop(llm, codec, *prompts[0], 4, args.device)  # warm-up
            report["upstreamEagerLoop"] = upstream_loop(llm, codec, *prompts[0], args.frames, args.device)
            sys.stderr.write(f"upstream eager loop: {report['upstreamEagerLoop']}\n")
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
            base = torch.cuda.memory_allocated()
        t = time.perf_counter()
        engine = FrameEngine(llm, max_streams=max(batches), cuda_graphs=False if args.no_graphs else None, codec=codec, max_frames=args.frames + 8)
        report["engine"] = {"cudaGraphs": engine.use_graphs, "slots": engine.slots, "setupS": round(time.perf_counter() - t, 1)}
        if args.device.startswith("cuda"):
            report["engine"]["cacheGiB"] = round((torch.cuda.memory_allocated() - base) / 2**30, 2)
        engine_batch(engine, prompts[:1], 4, args.device)  # warm-up
        rows = []
        for b in batches:
            if args.device.startswith("cuda"):
                torch.cuda.reset_peak_memory_stats()
            row = engine_batch(engine, prompts[:b], args.frames, args.device)
            if args.device.startswith("cuda"):
                row["peakGpuGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            rows.append(row)
            sys.stderr.write(f"engine batch {b}: {row}\n")
        report["engine"]["batches"] = rows
        ok = [r["streams"] for r in rows if r["realTime"]]
        report["largestRealTimeBatch"] = max(ok) if ok else 0
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    real_stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
