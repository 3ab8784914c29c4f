"""The worker's logic against the tone test double, as a real subprocess over real pipes."""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from fireside_tts_worker.framing import KIND_AUDIO, KIND_JSON, FrameWriter, FramingError, read_frame  # noqa: E402


class Framing(unittest.TestCase):
    def test_round_trip_json_and_audio(self):
        buf = io.BytesIO()
        w = FrameWriter(buf)
        w.json({"ev": "ready"})
        w.audio(7, struct.pack("<3h", 1, -2, 3))
        buf.seek(0)
        self.assertEqual(read_frame(buf), (KIND_JSON, b'{"ev":"ready"}'))
        kind, payload = read_frame(buf)
        self.assertEqual(kind, KIND_AUDIO)
        self.assertEqual(struct.unpack("<I3h", payload), (7, 1, -2, 3))
        self.assertIsNone(read_frame(buf))

    def test_truncated_and_oversize_frames_are_errors(self):
        with self.assertRaises(FramingError):
            read_frame(io.BytesIO(b"\x05\x00"))
        with self.assertRaises(FramingError):
            read_frame(io.BytesIO(struct.pack("<IB", 10, 1) + b"ab"))
        with self.assertRaises(FramingError):
            read_frame(io.BytesIO(struct.pack("<I", 1 << 30)))


class WorkerProcess(unittest.TestCase):
    def start(self, *args, env=None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fireside_tts_worker", "--model", "tone-double", "--heartbeat-s", "0.2", *args],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.addCleanup(self.stop)
        ready = self.next_event()
        self.assertEqual(ready["ev"], "ready")
        self.assertEqual(ready["sampleRate"], 24000)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            s.close()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(struct.pack("<IB", len(body) + 1, 1) + body)
        self.proc.stdin.flush()

    def next_frame(self):
        kind, payload = read_frame(self.proc.stdout)
        return kind, payload

    def next_event(self, skip_heartbeats=True):
        while True:
            kind, payload = self.next_frame()
            if kind != KIND_JSON:
                continue
            ev = json.loads(payload)
            if skip_heartbeats and ev["ev"] == "heartbeat":
                continue
            return ev

    def collect(self, request_id):
        """Audio samples and the closing event of one request."""
        samples = 0
        chunks = 0
        while True:
            kind, payload = self.next_frame()
            if kind == KIND_AUDIO:
                (rid,) = struct.unpack("<I", payload[:4])
                self.assertEqual(rid, request_id)
                samples += (len(payload) - 4) // 2
                chunks += 1
                continue
            ev = json.loads(payload)
            if ev["ev"] in ("done", "error") and ev.get("id") == request_id:
                return samples, chunks, ev

    def test_streams_80ms_chunks_and_reports_the_total(self):
        self.start()
        self.send({"op": "synthesize", "id": 1, "text": "Hello there, how are you today?", "voice": None})
        self.assertEqual(self.next_event(), {"ev": "started", "id": 1})
        samples, chunks, done = self.collect(1)
        self.assertEqual(done, {"ev": "done", "id": 1, "samples": samples, "cancelled": False})
        self.assertEqual(samples, chunks * 1920)
        self.assertGreaterEqual(chunks, 5)

    def test_cancel_stops_between_chunks(self):
        self.start("--chunk-delay-s", "0.05")
        self.send({"op": "synthesize", "id": 2, "text": "x" * 600, "voice": None})  # 100 chunks, 5 s
        self.next_event()
        time.sleep(0.3)
        t = time.monotonic()
        self.send({"op": "cancel", "id": 2})
        samples, chunks, done = self.collect(2)
        self.assertLess(time.monotonic() - t, 0.5)
        self.assertTrue(done["cancelled"])
        self.assertLess(chunks, 30)

    def test_voices_are_prepared_once_and_unknown_voices_refused(self):
        self.start()
        with tempfile.NamedTemporaryFile(suffix=".wav") as ref:
            self.send({"op": "voice", "voice": "v1", "audioPath": ref.name, "transcript": "Hello."})
            self.assertEqual(self.next_event(), {"ev": "voice_ready", "voice": "v1"})
            self.send({"op": "synthesize", "id": 3, "text": "First sentence.", "voice": "v1"})
            self.collect(3)
            self.send({"op": "synthesize", "id": 4, "text": "Second sentence.", "voice": "v1"})
            _, _, done = self.collect(4)
            self.assertFalse(done["cancelled"])
            self.send({"op": "stats"})
            self.assertEqual(self.next_event(), {"ev": "stats", "voices": ["v1"], "prepareCalls": 1})
        self.send({"op": "voice", "voice": "v2", "audioPath": "/nonexistent.wav", "transcript": "x"})
        err = self.next_event()
        self.assertEqual((err["ev"], err["code"]), ("error", "E_VOICE"))
        self.send({"op": "synthesize", "id": 5, "text": "Hi.", "voice": "nobody"})
        _, _, err = self.collect(5)
        self.assertEqual(err["code"], "E_VOICE_UNKNOWN")

    def test_a_failing_synthesis_is_reported_and_the_worker_keeps_serving(self):
        self.start()
        self.send({"op": "synthesize", "id": 6, "text": "please FAIL now", "voice": None})
        self.next_event()
        _, _, err = self.collect(6)
        self.assertEqual(err["code"], "E_ENGINE")
        self.send({"op": "synthesize", "id": 7, "text": "And this works.", "voice": None})
        samples, _, done = self.collect(7)
        self.assertGreater(samples, 0)

    def test_a_stream_that_ends_on_its_first_frame_is_retried(self):
        self.start(env={"FIRESIDE_DOUBLE_EMPTY_FIRST": "1"})
        self.send({"op": "synthesize", "id": 8, "text": "Retry me please.", "voice": None})
        self.next_event()
        samples, _, done = self.collect(8)
        self.assertGreater(samples, 0)

    def test_heartbeats_flow_and_bad_input_gets_typed_errors(self):
        self.start()
        t = time.monotonic()
        while True:
            kind, payload = self.next_frame()
            if json.loads(payload)["ev"] == "heartbeat":
                break
        self.assertLess(time.monotonic() - t, 1.0)
        self.proc.stdin.write(struct.pack("<IB", 4, 1) + b"{x}")
        self.proc.stdin.flush()
        self.assertEqual(self.next_event()["code"], "E_BAD_JSON")
        self.send({"op": "fly"})
        self.assertEqual(self.next_event()["code"], "E_BAD_MESSAGE")
        self.send({"op": "ping"})
        self.assertEqual(self.next_event(), {"ev": "pong"})

    def test_shutdown_exits_cleanly(self):
        self.start()
        self.send({"op": "shutdown"})
        self.assertEqual(self.proc.wait(timeout=5), 0)


if __name__ == "__main__":
    unittest.main()
