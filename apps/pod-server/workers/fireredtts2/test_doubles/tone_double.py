"""TEST DOUBLE, kept out of the shipped worker package (the pod image leaves test_doubles/ out):
a tone model in FireRedTTS2's chunk shape, for the worker's tests and CPU dry runs (--model tone-double)."""
import math
import os
from typing import Iterator, List, Optional

from fireside_tts_worker.context import ContextTooLong, History, Segment
from fireside_tts_worker.models import CHUNK, SAMPLE_RATE, ModelError, Voice


class ToneModelDouble:
    """TEST DOUBLE, not a voice: a tone whose length follows the text, in FireRedTTS2's chunk shape.

    It keeps contexts the way the real adapter does (prompt lengths, per-turn lengths, trimming),
    so the worker's continuity logic is tested without a GPU; `last_window` records what the last
    call was conditioned on.
    Knobs (for tests): text containing FAIL raises ModelError; `empty_first_frame_once` makes the first
    stream end on its first frame (upstream pitfall 5) so the worker's retry is exercised;
    FIRESIDE_DOUBLE_NOISY=1 prints to stdout while loading and streaming, as upstream does.
    """

    name = "tone-double"
    device = "cpu"
    supports_context = True
    PROMPT_LENGTH = 120  # positions a prepared voice prompt takes (a ~9 s clip would take ~150)

    def __init__(self, chunk_delay_s: float = 0.0, max_streams: int = 1):
        self.chunk_delay_s = chunk_delay_s
        self.max_streams = max_streams
        self.empty_first_frame_once = os.environ.get("FIRESIDE_DOUBLE_EMPTY_FIRST") == "1"
        self.last_window: List[tuple] = []

    def load(self) -> None:
        self.noisy = os.environ.get("FIRESIDE_DOUBLE_NOISY") == "1"
        if self.noisy:
            print("[INFO] LLM Loaded...")  # what upstream's constructor prints
            os.write(1, b"native library chatter on fd 1\n")

    def warm_up(self) -> None:
        knob, self.empty_first_frame_once = self.empty_first_frame_once, False
        list(self.stream("warm up", None))
        self.empty_first_frame_once = knob

    def prepare_voice(self, voice: Voice) -> None:
        if not os.path.exists(voice.audio_path):
            raise ModelError(f"reference audio {voice.audio_path} does not exist")
        voice.prepared = {"audio_path": voice.audio_path, "length": self.PROMPT_LENGTH}

    @staticmethod
    def text_length(text: str) -> int:
        return 4 + len(text) // 4  # speaker tag, text markers, ~4 characters per token

    def stream(self, text: str, voice: Optional[Voice], speaker: str = "[S1]", history: Optional[History] = None) -> Iterator[List[float]]:
        import time

        if "FAIL" in text:
            raise ModelError("synthesis failed (requested by the test double)")
        if history is not None:
            prompts = sum(v.prepared["length"] for v in history.voices.values() if v is not None and v.prepared)
            try:
                window = history.window(prompts + self.text_length(text))
            except ContextTooLong as err:
                raise ModelError(str(err)) from err
            self.last_window = [(s.speaker, s.text) for s in window]
        if self.empty_first_frame_once:
            self.empty_first_frame_once = False
            return
        if getattr(self, "noisy", False):
            print(f"[INFO] text_list: {[text]}")
        chunks = max(1, math.ceil(len(text) / 6))  # ~12 characters per second of speech
        freq = 220.0 if voice is None else 180.0 + (hash(voice.voice_id) % 100)
        for c in range(chunks):
            if self.chunk_delay_s:
                time.sleep(self.chunk_delay_s)
            yield [0.2 * math.sin(2 * math.pi * freq * (c * CHUNK + i) / SAMPLE_RATE) for i in range(CHUNK)]
        if history is not None:
            history.append(Segment(speaker, text, None, None, self.text_length(text) + chunks + 1))
