"""The worker loop: requests arrive on stdin, audio and events leave on stdout.

A reader thread takes requests off stdin so that `cancel` is seen while a synthesis runs; the
synthesis checks for it between 80 ms chunks. A heartbeat thread proves the process is alive.
Requests (JSON):
  {"op": "voice", "voice": id, "audioPath": p, "transcript": t}   register a voice (prepared once)
  {"op": "synthesize", "id": n, "text": t, "voice": id|null,       stream a sentence; with a context
   "context": key?, "speaker": "S1".."S4"?}                        key, conditioned on its earlier turns
  {"op": "end_context", "context": key}                            forget a dialogue's or session's turns
  {"op": "cancel", "id": n}                                        stop between chunks
  {"op": "stats"} / {"op": "ping"} / {"op": "shutdown"}
Events: ready, voice_ready, started, audio frames, done {id, samples, cancelled},
        error {id?, code, message}, stats {voices, prepareCalls, contexts}, heartbeat, pong.
"""
import array
import json
import queue
import sys
import threading
import time
from typing import BinaryIO, Dict, Optional, Set

from .framing import KIND_JSON, FrameWriter, FramingError, read_frame
from .context import Contexts
from .models import ModelError, Voice

EMPTY_FIRST_FRAME_RETRIES = 1


def to_pcm16(chunk) -> bytes:
    out = array.array("h", (max(-32768, min(32767, int(round(x * 32768)))) for x in chunk))
    if sys.byteorder != "little":
        out.byteswap()
    return out.tobytes()


class Worker:
    def __init__(self, model, out: BinaryIO, heartbeat_s: float = 1.0, contexts: Optional[Contexts] = None):
        self.model = model
        self.writer = FrameWriter(out)
        self.heartbeat_s = heartbeat_s
        self.voices: Dict[str, Voice] = {}
        self.requests: "queue.Queue[Optional[dict]]" = queue.Queue()
        self.cancelled: Set[int] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.prepare_calls = 0
        self.contexts = contexts or Contexts()

    # -- input ------------------------------------------------------------------------------
    def read_loop(self, stream: BinaryIO) -> None:
        try:
            while True:
                frame = read_frame(stream)
                if frame is None:
                    break
                kind, payload = frame
                if kind != KIND_JSON:
                    self.writer.json({"ev": "error", "code": "E_BAD_FRAME", "message": f"unexpected frame kind {kind}"})
                    continue
                try:
                    msg = json.loads(payload.decode("utf-8"))
                except ValueError as err:
                    self.writer.json({"ev": "error", "code": "E_BAD_JSON", "message": str(err)})
                    continue
                if msg.get("op") == "cancel":
                    with self.lock:
                        self.cancelled.add(int(msg.get("id", -1)))
                elif msg.get("op") == "ping":
                    self.writer.json({"ev": "pong"})
                else:
                    self.requests.put(msg)
        except FramingError as err:
            self.writer.json({"ev": "error", "code": "E_BAD_FRAME", "message": str(err)})
        finally:
            self.requests.put(None)  # end of input: finish and exit

    def heartbeat_loop(self) -> None:
        while not self.stopping.wait(self.heartbeat_s):
            self.writer.json({"ev": "heartbeat", "t": time.time()})

    # -- work -------------------------------------------------------------------------------
    def run(self, stdin: BinaryIO) -> None:
        threading.Thread(target=self.read_loop, args=(stdin,), daemon=True).start()
        threading.Thread(target=self.heartbeat_loop, daemon=True).start()
        self.writer.json({"ev": "ready", "model": self.model.name, "device": getattr(self.model, "device", "cpu"), "sampleRate": 24000})
        while True:
            msg = self.requests.get()
            if msg is None or msg.get("op") == "shutdown":
                break
            op = msg.get("op")
            if op == "voice":
                self.register_voice(msg)
            elif op == "synthesize":
                self.synthesize(msg)
            elif op == "end_context":
                self.contexts.end(str(msg.get("context", "")))
            elif op == "stats":
                self.writer.json(
                    {"ev": "stats", "voices": sorted(self.voices), "prepareCalls": self.prepare_calls, "contexts": self.contexts.sizes()}
                )
            else:
                self.writer.json({"ev": "error", "code": "E_BAD_MESSAGE", "message": f"unknown op {op!r}"})
        self.stopping.set()

    def register_voice(self, msg: dict) -> None:
        voice = Voice(voice_id=str(msg["voice"]), audio_path=str(msg["audioPath"]), transcript=str(msg.get("transcript", "")))
        try:
            self.prepare_calls += 1
            self.model.prepare_voice(voice)
        except ModelError as err:
            self.writer.json({"ev": "error", "voice": voice.voice_id, "code": "E_VOICE", "message": str(err)})
            return
        self.voices[voice.voice_id] = voice
        self.writer.json({"ev": "voice_ready", "voice": voice.voice_id})

    def is_cancelled(self, request_id: int) -> bool:
        with self.lock:
            return request_id in self.cancelled

    def synthesize(self, msg: dict) -> None:
        request_id = int(msg["id"])
        voice_id = msg.get("voice")
        voice = None
        if voice_id:
            voice = self.voices.get(voice_id)
            if voice is None:
                self.writer.json({"ev": "error", "id": request_id, "code": "E_VOICE_UNKNOWN", "message": f"voice {voice_id!r} is not registered"})
                return
        speaker = f"[{msg.get('speaker') or 'S1'}]"
        if speaker not in ("[S1]", "[S2]", "[S3]", "[S4]"):
            self.writer.json({"ev": "error", "id": request_id, "code": "E_BAD_MESSAGE", "message": f"speaker {speaker} is not S1..S4"})
            return
        history = self.contexts.get(msg.get("context")) if getattr(self.model, "supports_context", False) else None
        if history is not None:
            history.voices[speaker] = voice
        if self.is_cancelled(request_id):
            self.finish(request_id, 0, cancelled=True)
            return
        self.writer.json({"ev": "started", "id": request_id})
        samples = 0
        try:
            for attempt in range(EMPTY_FIRST_FRAME_RETRIES + 1):
                for chunk in self.model.stream(str(msg["text"]), voice, speaker, history):
                    if self.is_cancelled(request_id):
                        self.finish(request_id, samples, cancelled=True)
                        return
                    self.writer.audio(request_id, to_pcm16(chunk))
                    samples += len(chunk)
                if samples > 0 or attempt == EMPTY_FIRST_FRAME_RETRIES:
                    break  # upstream's generator can end on its first frame; retry that once
        except ModelError as err:
            self.writer.json({"ev": "error", "id": request_id, "code": "E_ENGINE", "message": str(err)})
            return
        self.finish(request_id, samples, cancelled=False)

    def finish(self, request_id: int, samples: int, cancelled: bool) -> None:
        with self.lock:
            self.cancelled.discard(request_id)
        self.writer.json({"ev": "done", "id": request_id, "samples": samples, "cancelled": cancelled})
