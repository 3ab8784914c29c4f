"""python -m fireside_tts_worker --model-dir DIR [--model fireredtts2|tone-double] [--device cuda]"""
import argparse
import os
import sys

from .context import CONTEXT_BUDGET, Contexts
from .models import FireRedTTS2Model, ModelError
from .worker import Worker


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", choices=["fireredtts2", "tone-double"], default="fireredtts2")
    p.add_argument("--model-dir", default="")
    p.add_argument("--device", default="cuda")
    p.add_argument("--no-bf16", action="store_true")
    p.add_argument("--gen-type", choices=["monologue", "dialogue"], default="monologue")
    p.add_argument("--heartbeat-s", type=float, default=1.0)
    p.add_argument("--context-budget", type=int, default=CONTEXT_BUDGET, help="sequence positions of prompts and earlier turns per call")
    p.add_argument("--max-frames", type=int, default=0, help="cap frames per call (random-weight runs never end speech)")
    p.add_argument("--max-streams", type=int, default=8, help="syntheses streamed at once (batched on the GPU)")
    p.add_argument(
        "--step-budget-ms",
        type=float,
        default=0.0,
        help="time each batch size at load and offer only as many streams as step within this (0: offer --max-streams)",
    )
    p.add_argument("--chunk-delay-s", type=float, default=0.0, help="tone-double only: seconds per chunk")
    args = p.parse_args()
    # stdout carries the binary frame protocol. Upstream prints progress with print() (and native
    # libraries may write to fd 1), which would corrupt it: keep a private handle on the real stdout
    # for frames and point fd 1 and sys.stdout at stderr for everything else.
    frames_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if args.model == "tone-double":
        # The test double sits beside this package (test_doubles/), not in it: it is not in the pod image.
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from test_doubles.tone_double import ToneModelDouble

        model = ToneModelDouble(chunk_delay_s=args.chunk_delay_s, max_streams=args.max_streams)
    else:
        model = FireRedTTS2Model(
            args.model_dir, device=args.device, bf16=not args.no_bf16, gen_type=args.gen_type, max_frames=args.max_frames or None,
            max_streams=args.max_streams,
            step_budget_ms=args.step_budget_ms,
        )
    try:
        model.load()
        model.warm_up()
    except (ModelError, ImportError) as err:
        sys.stderr.write(f"fireside-tts-worker: cannot load {args.model}: {err}\n")
        return 3
    Worker(model, frames_out, heartbeat_s=args.heartbeat_s, contexts=Contexts(budget=args.context_budget)).run(sys.stdin.buffer)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # The stdin reader thread may still block on read; a normal interpreter exit would abort on it.
    os._exit(code)
