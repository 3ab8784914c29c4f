"""Model adapters: the real FireRedTTS2 (imported lazily, GPU); the CI test double lives in test_doubles/, outside this package.

An adapter turns (text, voice) into 80 ms float chunks at 24 kHz and caches what it can per
voice. `prepare_voice` is called once per voice profile; `stream` once per sentence. Given a
History (context.py), `stream` conditions on the speakers' prompts and the earlier turns that fit,
then appends the new turn to it.
"""
import os
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

from .context import TURN_FRAMES, ContextTooLong, History, Segment

SAMPLE_RATE = 24000
CHUNK = 1920  # 80 ms at 24 kHz


@dataclass
class Voice:
    voice_id: str
    audio_path: str
    transcript: str
    prepared: Any = None


class ModelError(Exception):
    """A synthesis failed; the worker reports it and keeps serving."""


def ensure_final_punctuation(transcript: str) -> str:
    # Upstream drops a prompt transcript's last character, and prompts read best as whole sentences.
    t = transcript.strip()
    return t if not t or t[-1] in ".!?。！？" else t + "."


def load_prompt_clip(path: str):
    """A reference clip as (1, samples) float at 16 kHz, its first channel. Upstream uses
    torchaudio.load, which from torchaudio 2.9 needs the separate torchcodec package: read the
    file with soundfile (or the standard library for WAV) and only resample with torchaudio."""
    import torch
    import torchaudio

    try:
        import soundfile

        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        audio = torch.from_numpy(data[:, 0].copy()).unsqueeze(0)
    except ImportError:
        import wave

        with wave.open(path, "rb") as w:
            if w.getsampwidth() != 2:
                raise ModelError(f"{path}: only 16-bit WAV can be read without soundfile")
            rate, channels = w.getframerate(), w.getnchannels()
            pcm = torch.frombuffer(bytearray(w.readframes(w.getnframes())), dtype=torch.int16)
        audio = (pcm.view(-1, channels)[:, 0].float() / 32768.0).unsqueeze(0)
    return torchaudio.functional.resample(audio, rate, 16000)


class EngineStream:
    """One synthesis running in the engine: iterate it for its chunks; it frees its engine slot when
    it ends, fails or is closed (also if closed before its first chunk, which a generator alone
    would not do). `then` runs once it has ended normally."""

    def __init__(self, chunks: Iterator[List[float]], release):
        self._chunks = chunks
        self._release = release
        self._after: list = []
        self._open = True

    def then(self, fn) -> None:
        self._after.append(fn)

    def __iter__(self) -> "EngineStream":
        return self

    def __next__(self) -> List[float]:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            for fn in self._after:
                fn()
            raise
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._open:
            self._open = False
            self._chunks.close()
            self._release()


class FireRedTTS2Model:
    """The real model (upstream FireRedTTS2_Stream). Needs torch, CUDA and the weights directory.

    Upstream's own generate_* calls re-encode every prompt clip with the codec's Whisper-sized
    encoder on each call. This adapter encodes a voice's clip once (prepare_voice) and builds the
    token sequence itself from upstream's tokenizers, driving its frame generator and streaming
    codec decoder directly:
    - monologue checkpoint: prompt transcript + text as one [S1] segment continuing the prompt's
      audio tokens (upstream's monologue recipe), each sentence independent;
    - dialogue checkpoint: every speaker's prompt, then earlier turns (their sampled tokens, not
      re-encoded audio) trimmed oldest first to the context budget, then the new turn.
    """

    name = "fireredtts2"
    MONOLOGUE_FRAMES = 400  # upstream's cap for one monologue call (32 s)

    def __init__(
        self,
        model_dir: str,
        device: str = "cuda",
        bf16: bool = True,
        gen_type: str = "monologue",
        max_frames: Optional[int] = None,
        max_streams: int = 8,
        step_budget_ms: float = 0.0,
    ):
        self.model_dir = model_dir
        self.max_streams = max_streams
        # With a budget, load() times each batch size and offers only as many streams as fit it.
        self.step_budget_ms = step_budget_ms
        self.step_timings: Dict[int, float] = {}
        self.max_frames = max_frames  # a cap for random-weight runs, which never emit end-of-speech
        self.device = device
        self.bf16 = bf16
        self.gen_type = gen_type
        self.supports_context = gen_type == "dialogue"
        self._model = None

    def load(self) -> None:
        checkpoint = "llm_posttrain.pt" if self.gen_type == "dialogue" else "llm_pretrain.pt"
        for required in ("config_llm.json", "config_codec.json", "codec.pt", checkpoint, "Qwen2.5-1.5B"):
            if not os.path.exists(os.path.join(self.model_dir, required)):
                raise ModelError(f"model directory {self.model_dir} lacks {required}")
        import torch  # noqa: F401  (imported here so CI never needs torch)
        from fireredtts2.fireredtts2 import FireRedTTS2_Stream

        from .frame_engine import FrameEngine

        self._model = FireRedTTS2_Stream(
            pretrained_dir=self.model_dir, gen_type=self.gen_type, device=self.device, use_bf16=self.bf16
        )
        # Upstream's weights, served by our frame engine: every stream's frame, and its audio from
        # the codec, in one step.
        self.engine = FrameEngine(
            self._model._model,
            max_streams=self.max_streams,
            codec=self._model._audio_tokenizer,
            max_frames=max(self.MONOLOGUE_FRAMES, TURN_FRAMES) + 2,
        )
        if self.step_budget_ms > 0:
            from .frame_engine import streams_within

            self.step_timings = self.engine.time_steps(stop_above_ms=self.step_budget_ms)
            self.max_streams = streams_within(self.step_timings, self.step_budget_ms, self.max_streams)
            print(f"[fireside] step ms per batch {self.step_timings}: {self.max_streams} streams fit {self.step_budget_ms} ms")
        self._frames: Dict[int, deque] = {}

    def warm_up(self) -> None:
        for _ in self.stream("Hello there.", None):
            pass

    def prepare_voice(self, voice: Voice) -> None:
        import torch

        m = self._model
        try:
            with torch.inference_mode():
                audio = load_prompt_clip(voice.audio_path).to(m.device)  # first channel, 16 kHz
                tokens, mask = m._tokenize_audio(audio)  # (frames + EOS, 17): the costly encode, done once
        except Exception as err:  # unreadable clip, CUDA OOM: the voice fails, the worker lives
            raise ModelError(f"cannot prepare voice {voice.voice_id}: {err}") from err
        voice.prepared = {"transcript": ensure_final_punctuation(voice.transcript), "audio_tokens": tokens, "audio_mask": mask}

    def _text(self, text: str, speaker: str):
        return self._model._tokenize_text_segment(text, speaker)

    def stream(self, text: str, voice: Optional[Voice], speaker: str = "[S1]", history: Optional[History] = None) -> "EngineStream":
        """Starts the stream now (its prefill joins the engine's next step together with every
        stream started before that step) and returns the iterator of its chunks."""
        import torch
        from fireredtts2.utils.spliter import clean_text

        text = clean_text(text=text)
        try:
            with torch.inference_mode():
                if self.supports_context:  # dialogue checkpoint: every call is a dialogue turn
                    if history is None:  # a one-off (a quality check): a context of just this voice
                        history = History()
                        history.voices[speaker] = voice
                    return self._dialogue_turn(text, speaker, history)
                if voice is not None and voice.prepared:
                    return self._monologue(text, voice)
                return self._dialogue_turn(text, "[S1]", History())  # no prompt: a random voice
        except ValueError as err:  # upstream's "Inputs too long…"
            raise ModelError(str(err)) from err
        except ContextTooLong as err:
            raise ModelError(str(err)) from err

    def _monologue(self, text: str, voice: Voice) -> "EngineStream":
        import torch
        from fireredtts2.utils.spliter import clean_text

        p = voice.prepared
        prompt_text = clean_text(text=p["transcript"])
        text_tokens, text_mask = self._text(prompt_text[:-1] + "," + text, "[S1]")
        # Continue the prompt's audio: drop its EOS frame and the two frames before it, as upstream does.
        tokens = torch.cat([text_tokens, p["audio_tokens"]], dim=0)[:-3]
        mask = torch.cat([text_mask, p["audio_mask"]], dim=0)[:-3]
        # The first two frames re-create the two prompt frames cut above; upstream does not play them.
        return self._generate(tokens, mask, self.max_frames or self.MONOLOGUE_FRAMES, temperature=0.75, topk=20, skip=2)

    def _dialogue_turn(self, text: str, speaker: str, history: History) -> "EngineStream":
        import torch

        prompts = []
        for tag, v in sorted(history.voices.items()):
            if v is None or not v.prepared:
                continue
            t, m = self._text(tag + v.prepared["transcript"], tag)
            prompts.append((torch.cat([t, v.prepared["audio_tokens"]]), torch.cat([m, v.prepared["audio_mask"]])))
        new_tokens, new_mask = self._text(text, speaker)
        reserved = sum(t.size(0) for t, _ in prompts) + new_tokens.size(0)
        window = history.window(reserved)
        tokens = torch.cat([t for t, _ in prompts] + [s.tokens for s in window] + [new_tokens], dim=0)
        mask = torch.cat([m for _, m in prompts] + [s.mask for s in window] + [new_mask], dim=0)
        frames: List[Any] = []
        # The speakers' prompts open every turn's sequence: their prefill is kept and reused.
        prefix_key = tuple((tag, v.voice_id) for tag, v in sorted(history.voices.items()) if v is not None and v.prepared)
        prefix_length = sum(t.size(0) for t, _ in prompts)
        stream = self._generate(
            tokens, mask, self.max_frames or TURN_FRAMES, temperature=0.9, topk=20, frames=frames, prefix=(prefix_key, prefix_length)
        )
        stream.then(lambda: self._remember(history, speaker, text, new_tokens, new_mask, frames))
        return stream

    @staticmethod
    def _remember(history: History, speaker: str, text: str, new_tokens, new_mask, frames: List[Any]) -> None:
        """A finished turn joins the dialogue's context (a cancelled one does not)."""
        import torch

        if frames:
            # The turn joins the context as the tokens it was made from, with an EOS frame, as prompts are.
            codes = torch.cat(frames + [torch.zeros_like(frames[0])], dim=0)  # (n + 1, 16)
            audio = torch.zeros(codes.size(0), 17, dtype=torch.long, device=codes.device)
            audio_mask = torch.zeros(codes.size(0), 17, dtype=torch.bool, device=codes.device)
            audio[:, :-1] = codes
            audio_mask[:, :-1] = True
            history.append(
                Segment(
                    speaker,
                    text,
                    torch.cat([new_tokens, audio]),
                    torch.cat([new_mask, audio_mask]),
                    new_tokens.size(0) + audio.size(0),
                )
            )

    def _generate(
        self, tokens, mask, max_frames: int, temperature: float, topk: int, frames: Optional[list] = None, skip: int = 0, prefix=(None, 0)
    ) -> "EngineStream":
        """Starts one sequence in the shared engine and returns the stream of its audio: its frames
        and their audio come from the engine's steps (one step makes a frame of every open stream
        and decodes it); the first `skip` frames are not played; `frames` collects the played
        (1, 16) codes. Each frame is played as soon as it is made, and the last frame's tail after it."""
        if tokens.size(0) >= self.engine.max_sequence - max_frames:
            raise ModelError(f"context of {tokens.size(0)} positions leaves no room for {max_frames} frames")
        try:
            slot = self.engine.start(
                tokens, mask, temperature, topk, seed=secrets.randbits(62), prefix_key=prefix[0] or None, prefix_length=prefix[1], skip=skip
            )
        except Exception as err:  # no free slot, CUDA out of memory: this request fails, the worker lives
            raise ModelError(f"cannot start a stream: {err}") from err
        self._frames[slot] = deque()
        return EngineStream(self._chunks(slot, max_frames, frames, skip), lambda: self._release(slot))

    def _chunks(self, slot: int, max_frames: int, frames: Optional[list], skip: int) -> Iterator[List[float]]:
        codec = self.engine.codec
        tail = None
        for step in range(max_frames):
            codes, audio = self._next_frame(slot)
            if not bool(codes.any()):
                break  # end of speech
            if step < skip:
                continue
            if frames is not None:
                frames.append(codes.view(1, -1).to(self._model.device))
            yield audio[codec.first_trim if tail is None else 0 : codec.chunk].tolist()
            tail = audio[codec.chunk :]
        if tail is not None:
            yield tail.tolist()

    def _release(self, slot: int) -> None:
        self.engine.stop(slot)
        self._frames.pop(slot, None)

    def _next_frame(self, slot: int):
        """This stream's next (codes, audio); when none are waiting, one engine step makes the next
        frame of every open stream (the others find theirs waiting)."""
        queue = self._frames[slot]
        if not queue:
            for s, codes in self.engine.step().items():
                if s in self._frames:
                    self._frames[s].append((codes, self.engine.audio(s)))
        return queue.popleft()
