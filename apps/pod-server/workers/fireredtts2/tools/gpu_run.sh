#!/usr/bin/env bash
# The FireRedTTS2 frame engine on a CUDA machine, in one go:
#  1. its tests in float64 with CUDA graphs, against upstream's generate_frame loop (codes must match);
#  2. the worker adapter end to end on the tiny random-weight model (load, voice prompt, monologue,
#     dialogue turns through the engine);
#  3. the stream benchmark at full size, bf16, batch 1/2/4/8/16/32, next to upstream's eager loop;
#  4. the same engine without CUDA graphs;
#  5. the worker process over its stdio protocol, 8 requests at once (tiny model from step 2).
# RANDOM-INITIALISED WEIGHTS throughout (no model hub access): timings of the architecture only.
#   tools/gpu_run.sh OUT_DIR CLIP.wav
# Needs torch (CUDA), torchtune, torchao 0.10 and upstream's source at FIRESIDE_FIREREDTTS2_SRC.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?OUT_DIR}
clip=${2:?CLIP.wav}
cd "$here"
export PYTHONUNBUFFERED=1 PYTHONPATH="${FIRESIDE_FIREREDTTS2_SRC:-}:${PYTHONPATH:-}"
status=0
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
echo "== 1. frame engine and batched codec tests on CUDA (LLM float64, codec float32, CUDA graphs)"
FIRESIDE_TEST_DEVICE=cuda timeout 150 python3 -m unittest tests.test_frame_engine tests.test_codec_streams -v 2>&1 | tee "$out/tests-cuda.log" | grep -E "oracle|ok$|FAIL|ERROR|Ran|OK" || status=1
echo "== 2. worker adapter, tiny random-weight model, CUDA"
timeout 110 python3 tools/random_weights_run.py --work /tmp/rw-tiny --clip "$clip" --device cuda --frames 12 > "$out/adapter-cuda.json" 2> "$out/adapter-cuda.log" || { status=1; tail -20 "$out/adapter-cuda.log"; }
head -c 3000 "$out/adapter-cuda.json"
echo "== 3. stream benchmark, full size, bf16"
timeout 200 python3 tools/bench_streams.py --size full --device cuda --dtype bf16 --batches 1,2,4,8,16,32 --out "$out/bench-cuda.json" 2> "$out/bench-cuda.log" || { status=1; tail -30 "$out/bench-cuda.log"; }
grep -E "upstream eager|engine batch" "$out/bench-cuda.log"
echo "== 4. the same engine without CUDA graphs (what the graphs buy)"
timeout 90 python3 tools/bench_streams.py --size full --device cuda --dtype bf16 --no-graphs --skip-upstream --batches 1,8 --frames 20 --out "$out/bench-cuda-eager.json" 2> "$out/bench-cuda-eager.log" || { status=1; tail -30 "$out/bench-cuda-eager.log"; }
grep -E "engine batch" "$out/bench-cuda-eager.log"
echo "== 5. the worker process: 8 requests at once over stdio (tiny random-weight model)"
timeout 120 python3 tools/worker_streams.py --model-dir /tmp/rw-tiny --clip "$clip" --device cuda --requests 8 > "$out/worker-cuda.json" 2> "$out/worker-cuda.log" || { status=1; tail -20 "$out/worker-cuda.log"; }
head -c 1500 "$out/worker-cuda.json"
exit $status
