#!/usr/bin/env bash
# Makes (once) the Python environment the frame engine's tests and benchmark run in, from PyPI:
# torch, torchtune and friends pinned in requirements-engine.txt (~3 GB of wheels, mostly CUDA
# libraries that torch's Linux wheel needs even on CPU). Prints the environment's python.
#   tools/engine_env.sh [DIR]   (default: <repo>/.cache/fireredtts2-venv)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/../../../.." && pwd)
venv=${1:-$repo/.cache/fireredtts2-venv}
req=$here/requirements-engine.txt
stamp=$venv/.requirements
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
  echo "$venv/bin/python"
  exit 0
fi
{
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
} >&2
echo "$venv/bin/python"
