"""The worker process as the pod drives it: N syntheses sent at once over its stdio protocol.

Starts `python -m fireside_tts_worker` on a model folder (tools/random_weights_run.py builds one
with RANDOM-INITIALISED weights), registers a voice, sends N `synthesize` requests together and
reports, per request, when it started, its first audio and its end (seconds after sending), and
the samples it streamed; plus what the worker offered (`maxStreams`) and its load-time step timings.

    python tools/worker_streams.py --model-dir /tmp/rw-tiny --clip ref.wav --device cuda --requests 8
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from fireside_tts_worker.framing import KIND_AUDIO, FrameWriter, read_frame  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--clip", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--requests", type=int, default=8)
    p.add_argument("--max-streams", type=int, default=8)
    p.add_argument("--frames", type=int, default=40, help="frames per request (random weights never end speech)")
    p.add_argument("--gen-type", default="dialogue")
    p.add_argument("--step-budget-ms", default="40", help="0 offers --max-streams untimed (CPU runs)")
    args = p.parse_args()
    cmd = [sys.executable, "-m", "fireside_tts_worker", "--model", "fireredtts2", "--model-dir", args.model_dir, "--device", args.device,
           "--gen-type", args.gen_type, "--max-streams", str(args.max_streams), "--max-frames", str(args.frames), "--step-budget-ms", args.step_budget_ms]
    if not args.device.startswith("cuda"):
        cmd.append("--no-bf16")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = FrameWriter(proc.stdin)

    def event():
        while True:
            kind, payload = read_frame(proc.stdout)
            if kind == KIND_AUDIO:
                return "audio", struct.unpack("<I", payload[:4])[0], (len(payload) - 4) // 2
            ev = json.loads(payload)
            if ev["ev"] != "heartbeat":
                return ev["ev"], ev.get("id"), ev

    kind, _, ready = event()
    assert kind == "ready", ready
    report = {"weights": "RANDOM-INITIALISED", "readyS": round(time.perf_counter() - t0, 1), "maxStreams": ready.get("maxStreams")}
    out.json({"op": "voice", "voice": "v1", "audioPath": args.clip, "transcript": "This is the reference clip of my voice."})
    kind, _, ev = event()
    assert kind == "voice_ready", ev
    sent = time.perf_counter()
    for i in range(args.requests):
        out.json({"op": "synthesize", "id": i + 1, "text": f"Sentence number {i + 1} of this test.", "voice": "v1",
                  "context": f"conversation-{i + 1}", "speaker": "S1"})
    rows = {i + 1: {"samples": 0} for i in range(args.requests)}
    open_ids = set(rows)
    while open_ids:
        kind, rid, data = event()
        at = round(time.perf_counter() - sent, 3)
        if kind == "audio":
            rows[rid].setdefault("firstAudioS", at)
            rows[rid]["samples"] += data
        elif kind == "started":
            rows[rid]["startedS"] = at
        elif kind in ("done", "error"):
            rows[rid]["endS"] = at
            rows[rid]["end"] = data
            open_ids.discard(rid)
    out.json({"op": "shutdown"})
    proc.wait(timeout=30)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    report["stepTimings"] = next((line for line in stderr.splitlines() if "step ms per batch" in line), None)
    report["requests"] = rows
    audio_s = sum(r["samples"] for r in rows.values()) / 24000
    wall = max(r["endS"] for r in rows.values())
    report["audioS"] = round(audio_s, 2)
    report["wallS"] = wall
    report["audioPerWallSecond"] = round(audio_s / wall, 2)
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
