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

from fireside_tts_worker.context import ContextTooLong, Contexts, History, Segment  # noqa: E402
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


class DialogueContext(unittest.TestCase):
    def seg(self, text, length):
        return Segment("[S1]", text, None, None, length)

    def test_keeps_the_newest_turns_that_fit_and_drops_older_ones_for_good(self):
        h = History(budget=1000)
        for i in range(5):
            h.append(self.seg(f"turn {i}", 200))
        # 300 reserved for prompts and the new text leaves room for three 200-position turns.
        self.assertEqual([s.text for s in h.window(300)], ["turn 2", "turn 3", "turn 4"])
        self.assertEqual(h.dropped, 2)
        self.assertEqual([s.text for s in h.window(0)], ["turn 2", "turn 3", "turn 4"])  # dropped stay dropped

    def test_prompts_alone_over_the_budget_is_a_clear_error(self):
        with self.assertRaises(ContextTooLong) as ctx:
            History(budget=1000).window(1000)
        self.assertIn("shorter reference clips", str(ctx.exception))

    def test_contexts_are_kept_per_key_and_the_least_recently_used_evicted(self):
        c = Contexts(limit=2, budget=500)
        c.get("a").append(self.seg("x", 10))
        c.get("b")
        c.get("a")  # touch a: b is now the oldest
        c.get("c")
        self.assertEqual(c.sizes(), {"a": 1, "c": 0})
        self.assertIsNone(c.get(None))
        self.assertTrue(c.end("a"))
        self.assertFalse(c.end("a"))


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
        return ready

    def stop(self):
        if self.proc.stdin.closed:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc_stderr = self.proc.stderr.read()
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

    def audio_chunks(self, n):
        """Reads until `n` audio chunks have arrived: the request is under way (no clock involved)."""
        got = 0
        while got < n:
            kind, _ = self.next_frame()
            if kind == KIND_AUDIO:
                got += 1
        return got

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
        before = self.audio_chunks(5)
        self.send({"op": "cancel", "id": 2})
        samples, chunks, done = self.collect(2)
        self.assertTrue(done["cancelled"])
        # Stopped between chunks, long before the 100 it would have made (a few may be in the pipe).
        self.assertLess(before + chunks, 30)

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
            self.assertEqual(self.next_event(), {"ev": "stats", "voices": ["v1"], "prepareCalls": 1, "contexts": {}})
        self.send({"op": "voice", "voice": "v2", "audioPath": "/nonexistent.wav", "transcript": "x"})
        err = self.next_event()
        self.assertEqual((err["ev"], err["code"]), ("error", "E_VOICE"))
        self.send({"op": "synthesize", "id": 5, "text": "Hi.", "voice": "nobody"})
        _, _, err = self.collect(5)
        self.assertEqual(err["code"], "E_VOICE_UNKNOWN")

    def test_dialogue_turns_build_a_context_trimmed_to_the_budget_and_ended_on_request(self):
        # Double: prompts take 120 positions, a turn ~4 + chars/4 text + chars/6 frames + 1.
        self.start("--context-budget", "400")
        with tempfile.NamedTemporaryFile(suffix=".wav") as ref:
            for v in ("alice", "bob"):
                self.send({"op": "voice", "voice": v, "audioPath": ref.name, "transcript": "Hello."})
                self.next_event()
            line = "A line of dialogue that is about sixty characters long, yes."
            for i in range(4):
                speaker, voice = ("S1", "alice") if i % 2 == 0 else ("S2", "bob")
                self.send({"op": "synthesize", "id": 20 + i, "text": line, "voice": voice, "context": "job1", "speaker": speaker})
                self.collect(20 + i)
                self.send({"op": "stats"})
                sizes = self.next_event()["contexts"]
                # Turn sizes ~30: prompts (120 each once both speakers joined) leave room for all four here.
                self.assertEqual(sizes, {"job1": i + 1})
            # A long turn pushes the oldest out: 400 − 240 (two prompts) − 129 (its text) leaves room for
            # one 30-position turn; the context is then that turn and the long one.
            self.send({"op": "synthesize", "id": 30, "text": "word " * 100, "voice": "alice", "context": "job1", "speaker": "S1"})
            self.collect(30)
            self.send({"op": "stats"})
            self.assertEqual(self.next_event()["contexts"], {"job1": 2})
            # Another job has its own context; ending one leaves the other.
            self.send({"op": "synthesize", "id": 31, "text": "Hi.", "voice": "bob", "context": "job2", "speaker": "S2"})
            self.collect(31)
            self.send({"op": "end_context", "context": "job1"})
            self.send({"op": "stats"})
            self.assertEqual(self.next_event()["contexts"], {"job2": 1})
            self.send({"op": "synthesize", "id": 32, "text": "Hi.", "voice": "bob", "context": "job2", "speaker": "S9"})
            _, _, err = self.collect(32)
            self.assertEqual(err["code"], "E_BAD_MESSAGE")

    def test_a_cancelled_turn_does_not_join_the_context(self):
        self.start("--chunk-delay-s", "0.05")
        self.send({"op": "synthesize", "id": 40, "text": "Short.", "voice": None, "context": "s", "speaker": "S1"})
        self.collect(40)
        self.send({"op": "synthesize", "id": 41, "text": "x" * 600, "voice": None, "context": "s", "speaker": "S1"})
        self.next_event()
        self.audio_chunks(2)
        self.send({"op": "cancel", "id": 41})
        _, _, done = self.collect(41)
        self.assertTrue(done["cancelled"])
        self.send({"op": "stats"})
        self.assertEqual(self.next_event()["contexts"], {"s": 1})

    def test_model_prints_on_stdout_do_not_corrupt_the_frame_stream(self):
        # Upstream print()s while loading and generating; stdout is our binary channel.
        self.start(env={"FIRESIDE_DOUBLE_NOISY": "1"})
        self.send({"op": "synthesize", "id": 50, "text": "Hello there.", "voice": None})
        self.assertEqual(self.next_event(), {"ev": "started", "id": 50})
        samples, chunks, done = self.collect(50)
        self.assertEqual(done["samples"], samples)
        self.assertEqual(samples, chunks * 1920)
        self.stop()
        # what the model printed went to stderr instead
        self.assertIn(b"LLM Loaded", self.proc_stderr)

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

    def events_until_done(self, ids):
        """Every frame up to the `done` of each id: [(kind, id, event or None)] in arrival order."""
        seen, remaining = [], set(ids)
        while remaining:
            kind, payload = self.next_frame()
            if kind == KIND_AUDIO:
                seen.append(("audio", struct.unpack("<I", payload[:4])[0], None))
                continue
            ev = json.loads(payload)
            if ev["ev"] == "heartbeat":
                continue
            seen.append((ev["ev"], ev.get("id"), ev))
            if ev["ev"] in ("done", "error") and ev.get("id") in remaining:
                remaining.discard(ev["id"])
        return seen

    def test_streams_up_to_max_streams_at_once_and_queues_the_rest(self):
        self.start("--max-streams", "2", "--chunk-delay-s", "0.01")
        for i in (60, 61, 62):
            self.send({"op": "synthesize", "id": i, "text": "x" * 60, "voice": None})  # 10 chunks each
        seen = self.events_until_done([60, 61, 62])
        order = [(k, i) for k, i, _ in seen]
        started = [i for k, i in order if k == "started"]
        self.assertEqual(started, [60, 61, 62])
        # Once both run, 60 and 61 take turns chunk by chunk; 62 starts only once one of them is done.
        first_done = min(order.index(("done", 60)), order.index(("done", 61)))
        both = [i for k, i in order[order.index(("started", 61)) + 1 : first_done] if k == "audio"]
        self.assertGreaterEqual(len(both), 8)
        self.assertTrue(all(a != b for a, b in zip(both, both[1:])), both)
        self.assertGreater(order.index(("started", 62)), first_done)
        for i in (60, 61, 62):
            done = next(ev for k, j, ev in seen if k == "done" and j == i)
            self.assertEqual((done["samples"], done["cancelled"]), (10 * 1920, False))

    def test_the_ready_event_says_how_many_streams_run_at_once(self):
        self.assertEqual(self.start("--max-streams", "3")["maxStreams"], 3)

    def test_turns_of_one_context_run_in_order_even_with_free_slots(self):
        self.start("--max-streams", "4", "--chunk-delay-s", "0.01")
        self.send({"op": "synthesize", "id": 70, "text": "x" * 60, "voice": None, "context": "c1", "speaker": "S1"})
        self.send({"op": "synthesize", "id": 71, "text": "y" * 60, "voice": None, "context": "c1", "speaker": "S1"})
        self.send({"op": "synthesize", "id": 72, "text": "z" * 60, "voice": None, "context": "c2", "speaker": "S1"})
        order = [(k, i) for k, i, _ in self.events_until_done([70, 71, 72])]
        self.assertLess(order.index(("started", 72)), order.index(("done", 70)))  # another context runs beside it
        self.assertGreater(order.index(("started", 71)), order.index(("done", 70)))  # its own next turn waits
        self.send({"op": "stats"})
        self.assertEqual(self.next_event()["contexts"], {"c1": 2, "c2": 1})

    def test_a_request_cancelled_while_queued_ends_without_starting(self):
        self.start("--max-streams", "1", "--chunk-delay-s", "0.02")
        self.send({"op": "synthesize", "id": 80, "text": "x" * 120, "voice": None})
        self.send({"op": "synthesize", "id": 81, "text": "y" * 60, "voice": None})
        self.send({"op": "cancel", "id": 81})
        seen = self.events_until_done([80, 81])
        self.assertNotIn(("started", 81), [(k, i) for k, i, _ in seen])
        self.assertNotIn(81, [i for k, i, _ in seen if k == "audio"])
        done = next(ev for k, i, ev in seen if k == "done" and i == 81)
        self.assertEqual((done["samples"], done["cancelled"]), (0, True))
        done = next(ev for k, i, ev in seen if k == "done" and i == 80)
        self.assertFalse(done["cancelled"])

    def test_shutdown_exits_cleanly(self):
        self.start()
        self.send({"op": "shutdown"})
        self.assertEqual(self.proc.wait(timeout=5), 0)


if __name__ == "__main__":
    unittest.main()
