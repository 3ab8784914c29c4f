"""Length-prefixed frames on stdio, shared with apps/pod-server/src/engines/tts/fireredtts2-worker.ts.

Each frame: u32 little-endian length of what follows, u8 kind, payload.
  kind 1 = JSON (UTF-8), either direction
  kind 2 = audio, worker -> server: u32 request id, then PCM16 little-endian mono samples (24 kHz)
Audio is never base64.
"""
import json
import struct
import threading
from typing import BinaryIO, Optional, Tuple

KIND_JSON = 1
KIND_AUDIO = 2
MAX_FRAME = 16 * 1024 * 1024


class FramingError(Exception):
    pass


def read_frame(stream: BinaryIO) -> Optional[Tuple[int, bytes]]:
    """Returns (kind, payload), or None at a clean end of stream."""
    header = stream.read(4)
    if not header:
        return None
    if len(header) < 4:
        raise FramingError("truncated frame header")
    (length,) = struct.unpack("<I", header)
    if length < 1 or length > MAX_FRAME:
        raise FramingError(f"frame length {length} out of range")
    body = stream.read(length)
    if len(body) < length:
        raise FramingError("truncated frame body")
    return body[0], body[1:]


class FrameWriter:
    """Thread-safe: the generation loop and the heartbeat thread both write."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._lock = threading.Lock()

    def _write(self, kind: int, payload: bytes) -> None:
        with self._lock:
            self._stream.write(struct.pack("<IB", len(payload) + 1, kind) + payload)
            self._stream.flush()

    def json(self, message: dict) -> None:
        self._write(KIND_JSON, json.dumps(message, separators=(",", ":")).encode("utf-8"))

    def audio(self, request_id: int, pcm16: bytes) -> None:
        self._write(KIND_AUDIO, struct.pack("<I", request_id) + pcm16)
