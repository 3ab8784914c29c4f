"""The worker loop: requests arrive on stdin, audio and events leave on stdout.

A reader thread takes requests off stdin so that `cancel` is seen while a synthesis runs; the
synthesis checks for it between 80 ms chunks. A heartbeat thread proves the process is alive.
Up to `maxStreams` (the `ready` event says how many) syntheses stream at once, a chunk from each
in turn; more wait in arrival order, and turns of one context wait for the one before.
Requests (JSON):
  {"op": "voice", "voice": id, "audioPath": p, "transcript": t}   register a voice (prepared once)
  {"op": "synthesize", "id": n, "text": t, "voice": id|null,       stream a sentence; with a context
   "context": key?, "speaker": "S1".."S4"?}                        key, conditioned on its earlier turns
  {"op": "end_context", "context": key}                            forget a dialogue's or session's turns
  {"op": "cancel", "id": n}                                        stop between chunks
  {"op": "stats"} / {"op": "ping"} / {"op": "shutdown"}
Events: ready {model, device, sampleRate, maxStreams}, voice_ready, started, audio frames, done {id, samples, cancelled},
        error {id?, code, message}, stats {voices, prepareCalls, contexts}, heartbeat, pong.
"""
import array
import json
import queue
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Set

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
        # Streams the model advances together (a batched model's slots; 1 for a sequential one).
        self.max_streams = max(1, int(getattr(model, "max_streams", 1)))
        self.active: "OrderedDict[int, Job]" = OrderedDict()
        self.waiting: List[Job] = []
        self.highest_id = -1

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
        self.writer.json(
            {
                "ev": "ready",
                "model": self.model.name,
                "device": getattr(self.model, "device", "cpu"),
                "sampleRate": 24000,
                "maxStreams": self.max_streams,
            }
        )
        while True:
            # Block for requests only when nothing is streaming; otherwise take what arrived and go on.
            stop = self.take_requests(block=not self.active and not self.waiting)
            if stop:
                break
            self.admit()
            self.advance()
        for job in list(self.active.values()):  # shutdown or end of input mid-stream
            self.close_job(job, cancelled=True)
        self.stopping.set()

    def take_requests(self, block: bool) -> bool:
        """Handles queued requests; True when it is time to exit."""
        while True:
            try:
                msg = self.requests.get(block=block)
            except queue.Empty:
                return False
            block = False
            if msg is None or msg.get("op") == "shutdown":
                return True
            op = msg.get("op")
            if op == "voice":
                self.register_voice(msg)
            elif op == "synthesize":
                self.enqueue(msg)
            elif op == "end_context":
                self.contexts.end(str(msg.get("context", "")))
            elif op == "stats":
                self.writer.json(
                    {"ev": "stats", "voices": sorted(self.voices), "prepareCalls": self.prepare_calls, "contexts": self.contexts.sizes()}
                )
            else:
                self.writer.json({"ev": "error", "code": "E_BAD_MESSAGE", "message": f"unknown op {op!r}"})

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

    def enqueue(self, msg: dict) -> None:
        """Checks a synthesize request and queues it; it starts when a stream slot is free."""
        try:
            request_id = int(msg["id"])
        except (KeyError, TypeError, ValueError):
            self.writer.json({"ev": "error", "code": "E_BAD_MESSAGE", "message": "synthesize needs a numeric id"})
            return
        self.highest_id = max(self.highest_id, request_id)
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
        context = msg.get("context") if getattr(self.model, "supports_context", False) else None
        self.waiting.append(Job(request_id, str(msg.get("text", "")), voice, speaker, str(context) if context else None))

    def admit(self) -> None:
        """Starts waiting jobs in arrival order while slots are free. Turns of one context run one
        after another: each is conditioned on the one before."""
        busy = {job.context for job in self.active.values() if job.context}
        for job in list(self.waiting):
            if self.is_cancelled(job.id):
                self.waiting.remove(job)
                self.finish(job.id, 0, cancelled=True)
                continue
            if len(self.active) >= self.max_streams:
                break
            if job.context and job.context in busy:
                continue
            self.waiting.remove(job)
            if job.context:
                busy.add(job.context)
            history = self.contexts.get(job.context)
            if history is not None:
                history.voices[job.speaker] = job.voice
            job.history = history
            # A batched model starts the stream here, so everything admitted now shares one prefill.
            if not self.open_stream(job):
                continue
            self.active[job.id] = job
            self.writer.json({"ev": "started", "id": job.id})
        self.forget_stale_cancels()

    def advance(self) -> None:
        """One chunk from every running stream (a batched model makes them all in one step)."""
        for job in list(self.active.values()):
            if self.is_cancelled(job.id):
                self.close_job(job, cancelled=True)
                continue
            try:
                chunk = next(job.stream)
            except StopIteration:
                if job.samples == 0 and job.attempt < EMPTY_FIRST_FRAME_RETRIES:
                    job.attempt += 1  # upstream's generator can end on its first frame; retry that once
                    if not self.open_stream(job):
                        del self.active[job.id]
                    continue
                self.close_job(job, cancelled=False)
                continue
            except Exception as err:  # ModelError, or CUDA running out of memory: this stream fails, the rest go on
                del self.active[job.id]
                job.stream.close()
                self.writer.json({"ev": "error", "id": job.id, "code": "E_ENGINE", "message": str(err) or type(err).__name__})
                continue
            self.writer.audio(job.id, to_pcm16(chunk))
            job.samples += len(chunk)

    def open_stream(self, job: "Job") -> bool:
        """Starts the job's synthesis; a model that refuses it (context too long, out of memory)
        fails this job only."""
        try:
            job.stream = self.model.stream(job.text, job.voice, job.speaker, job.history)
            return True
        except Exception as err:
            self.writer.json({"ev": "error", "id": job.id, "code": "E_ENGINE", "message": str(err) or type(err).__name__})
            return False

    def close_job(self, job: "Job", cancelled: bool) -> None:
        self.active.pop(job.id, None)
        if cancelled and job.stream is not None:
            job.stream.close()  # the model frees the stream's slot between frames
        self.finish(job.id, job.samples, cancelled=cancelled)

    def forget_stale_cancels(self) -> None:
        # A cancel for a request that already ended would otherwise stay in the set for good.
        known = set(self.active) | {job.id for job in self.waiting}
        with self.lock:
            self.cancelled = {i for i in self.cancelled if i in known or i > self.highest_id}

    def finish(self, request_id: int, samples: int, cancelled: bool) -> None:
        with self.lock:
            self.cancelled.discard(request_id)
        self.writer.json({"ev": "done", "id": request_id, "samples": samples, "cancelled": cancelled})


@dataclass
class Job:
    id: int
    text: str
    voice: Optional[Voice]
    speaker: str
    context: Optional[str]
    history: Any = None
    stream: Optional[Iterator] = None
    samples: int = 0
    attempt: int = 0
