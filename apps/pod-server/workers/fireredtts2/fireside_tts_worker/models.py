"""Model adapters: the real FireRedTTS2 (imported lazily, GPU) and a test double for CI.

An adapter turns (text, voice) into 80 ms float chunks at 24 kHz and caches what it can per
voice. `prepare_voice` is called once per voice profile; `stream` once per sentence.
"""
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

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


class ToneModelDouble:
    """TEST DOUBLE, not a voice: a tone whose length follows the text, in FireRedTTS2's chunk shape.

    Knobs (for tests): text containing FAIL raises ModelError; `empty_first_frame_once` makes the first
    stream end on its first frame (upstream pitfall 5) so the worker's retry is exercised.
    """

    name = "tone-double"
    device = "cpu"

    def __init__(self, chunk_delay_s: float = 0.0):
        self.chunk_delay_s = chunk_delay_s
        self.empty_first_frame_once = os.environ.get("FIRESIDE_DOUBLE_EMPTY_FIRST") == "1"

    def load(self) -> None:
        pass

    def warm_up(self) -> None:
        knob, self.empty_first_frame_once = self.empty_first_frame_once, False
        list(self.stream("warm up", None))
        self.empty_first_frame_once = knob

    def prepare_voice(self, voice: Voice) -> None:
        if not os.path.exists(voice.audio_path):
            raise ModelError(f"reference audio {voice.audio_path} does not exist")
        voice.prepared = {"audio_path": voice.audio_path}

    def stream(self, text: str, voice: Optional[Voice]) -> Iterator[List[float]]:
        import time

        if "FAIL" in text:
            raise ModelError("synthesis failed (requested by the test double)")
        if self.empty_first_frame_once:
            self.empty_first_frame_once = False
            return
        chunks = max(1, math.ceil(len(text) / 6))  # ~12 characters per second of speech
        freq = 220.0 if voice is None else 180.0 + (hash(voice.voice_id) % 100)
        for c in range(chunks):
            if self.chunk_delay_s:
                time.sleep(self.chunk_delay_s)
            yield [0.2 * math.sin(2 * math.pi * freq * (c * CHUNK + i) / SAMPLE_RATE) for i in range(CHUNK)]


class FireRedTTS2Model:
    """The real model (upstream FireRedTTS2_Stream). Needs torch, CUDA and the weights directory."""

    name = "fireredtts2"

    def __init__(self, model_dir: str, device: str = "cuda", bf16: bool = True, gen_type: str = "monologue"):
        self.model_dir = model_dir
        self.device = device
        self.bf16 = bf16
        self.gen_type = gen_type
        self._model = None

    def load(self) -> None:
        for required in ("config_llm.json", "config_codec.json", "codec.pt", "Qwen2.5-1.5B"):
            if not os.path.exists(os.path.join(self.model_dir, required)):
                raise ModelError(f"model directory {self.model_dir} lacks {required}")
        import torch  # noqa: F401  (imported here so CI never needs torch)
        from fireredtts2.fireredtts2 import FireRedTTS2_Stream

        self._model = FireRedTTS2_Stream(
            pretrained_dir=self.model_dir, gen_type=self.gen_type, device=self.device, use_bf16=self.bf16
        )

    def warm_up(self) -> None:
        for _ in self.stream("Hello there.", None):
            pass

    def prepare_voice(self, voice: Voice) -> None:
        # Upstream re-encodes prompt audio on every call; we at least load, downmix and resample it
        # once per profile (prepare_prompt) and keep the transcript ready.
        transcript = voice.transcript.strip()
        if transcript and transcript[-1] not in ".!?。！？":
            transcript += "."  # upstream drops the transcript's last character
        voice.prepared = {"audio_path": voice.audio_path, "transcript": transcript}

    def stream(self, text: str, voice: Optional[Voice]) -> Iterator[List[float]]:
        import torch

        kwargs: Dict[str, Any] = {"temperature": 0.75, "topk": 20}
        if voice is not None and voice.prepared:
            kwargs.update(prompt_wav=voice.prepared["audio_path"], prompt_text=voice.prepared["transcript"])
        try:
            with torch.inference_mode():
                for chunk in self._model.generate_monologue(text, **kwargs):
                    yield chunk.squeeze(0).float().cpu().tolist()
        except ValueError as err:  # "Inputs too long…"
            raise ModelError(str(err)) from err
