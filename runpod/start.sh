#!/usr/bin/env bash
# Fireside pod entrypoint: fetch models to the persistent volume on first boot (progress, checksums,
# skipped when present), optionally start vLLM, then run the pod server. Signals are forwarded so a
# pod stop closes sessions cleanly.
#
# Every variable is documented in runpod/README.md. FIRESIDE_DRY_RUN=1 skips GPU-only steps (CI uses
# it with tiny fake models and the worker's test double).
set -euo pipefail

APP_DIR=${FIRESIDE_APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
VOLUME=${FIRESIDE_VOLUME:-/workspace}
MODELS=$VOLUME/models
FIRERED_DIR=${FIRESIDE_FIREREDTTS2_DIR:-$MODELS/fireredtts2}
FIRERED_REVISION=${FIRESIDE_FIREREDTTS2_REVISION:-main}
FIRERED_BASE_URL=${FIRESIDE_FIREREDTTS2_BASE_URL:-https://huggingface.co/FireRedTeam/FireRedTTS2/resolve/$FIRERED_REVISION}
FIRERED_MANIFEST=${FIRESIDE_FIREREDTTS2_MANIFEST:-$APP_DIR/runpod/fireredtts2-files.txt}
# Upstream's code (not a pip package: its setup.py declares no dependencies and misses a module),
# pinned to the commit the worker's adapter was checked against; fetched once to the volume.
FIRERED_COMMIT=${FIRESIDE_FIREREDTTS2_COMMIT:-404f3f6}
FIRERED_CODE_URL=${FIRESIDE_FIREREDTTS2_CODE_URL:-https://github.com/FireRedTeam/FireRedTTS2/archive/$FIRERED_COMMIT.tar.gz}
FIRERED_CODE=${FIRESIDE_FIREREDTTS2_CODE:-$MODELS/fireredtts2-code/$FIRERED_COMMIT}
# monologue (llm_pretrain.pt: cloned single voices) or dialogue (llm_posttrain.pt: multi-speaker
# continuity); each is an 8 GB checkpoint, so a pod fetches and loads one.
export FIRESIDE_FIREREDTTS2_MODE=${FIRESIDE_FIREREDTTS2_MODE:-monologue}
export FIRESIDE_MODELS_DIR=${FIRESIDE_MODELS_DIR:-$MODELS/cache}
export FIRESIDE_DATA_DIR=${FIRESIDE_DATA_DIR:-$VOLUME/data}
export FIRESIDE_HOST=${FIRESIDE_HOST:-0.0.0.0}
export FIRESIDE_PORT=${FIRESIDE_PORT:-8787}
export FIRESIDE_ASR_MODEL=${FIRESIDE_ASR_MODEL:-whisper-large-v3-turbo}
export FIRESIDE_TTS_ENGINE=${FIRESIDE_TTS_ENGINE:-fireredtts2}
export FIRESIDE_FIREREDTTS2_DIR=$FIRERED_DIR

log() { printf '[start.sh] %s\n' "$*" >&2; }
die() { printf '[start.sh] ERROR: %s\n' "$*" >&2; exit 1; }

case "$FIRESIDE_FIREREDTTS2_MODE" in monologue|dialogue) ;; *) die "FIRESIDE_FIREREDTTS2_MODE must be monologue or dialogue, not '$FIRESIDE_FIREREDTTS2_MODE'" ;; esac
[ -d "$VOLUME" ] || die "volume $VOLUME does not exist: attach a RunPod network volume or set FIRESIDE_VOLUME"
[ -w "$VOLUME" ] || die "volume $VOLUME is not writable"
mkdir -p "$MODELS" "$FIRESIDE_MODELS_DIR" "$FIRERED_DIR"

if [ -z "${FIRESIDE_TOKEN:-}" ] && [ "${FIRESIDE_DRY_RUN:-0}" != 1 ]; then
  die "FIRESIDE_TOKEN is empty: a pod is reachable from the internet, so set a token (see runpod/README.md)"
fi

# --- FireRedTTS2 weights -------------------------------------------------------------------------
fetch_firered() {
  local mode=$FIRESIDE_FIREREDTTS2_MODE
  local sums="$FIRERED_DIR/SHA256SUMS.$mode" complete="$FIRERED_DIR/.complete.$mode"
  if [ -f "$complete" ]; then
    log "FireRedTTS2 $mode weights present in $FIRERED_DIR, skipping download"
    (cd "$FIRERED_DIR" && sha256sum --quiet -c "SHA256SUMS.$mode") || die "FireRedTTS2 weights in $FIRERED_DIR fail their checksums; delete the folder to fetch them again"
    return
  fi
  [ -f "$FIRERED_MANIFEST" ] || die "manifest $FIRERED_MANIFEST is missing"
  : > "$sums.part"
  local auth=()
  [ -n "${FIRESIDE_HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $FIRESIDE_HF_TOKEN")
  while read -r path size sha only; do
    case "$path" in ''|'#'*) continue ;; esac
    [ -n "$only" ] && [ "$only" != "$mode" ] && continue # the other mode's checkpoint
    local dest="$FIRERED_DIR/$path"
    mkdir -p "$(dirname "$dest")"
    if [ -f "$dest" ] && { [ "$sha" = "-" ] || echo "$sha  $dest" | sha256sum --quiet -c; }; then
      log "have $path"
    else
      log "downloading $path"
      curl -fL --retry 3 --progress-bar "${auth[@]}" -o "$dest.part" "$FIRERED_BASE_URL/$path" \
        || die "download of $path from $FIRERED_BASE_URL failed (network, revision, or FIRESIDE_HF_TOKEN?)"
      if [ "$size" != "-" ] && [ "$(stat -c %s "$dest.part")" != "$size" ]; then
        rm -f "$dest.part"; die "$path: size differs from the manifest's $size bytes"
      fi
      if [ "$sha" != "-" ] && ! echo "$sha  $dest.part" | sha256sum --quiet -c; then
        rm -f "$dest.part"; die "$path: checksum mismatch (expected $sha)"
      fi
      mv "$dest.part" "$dest"
    fi
    (cd "$FIRERED_DIR" && sha256sum "$path") >> "$sums.part"
  done < "$FIRERED_MANIFEST"
  mv "$sums.part" "$sums"
  touch "$complete"
  log "FireRedTTS2 $mode weights ready in $FIRERED_DIR"
}

fetch_firered_code() {
  if [ -f "$FIRERED_CODE/.complete" ]; then log "FireRedTTS2 code $FIRERED_COMMIT present in $FIRERED_CODE"; return; fi
  log "downloading FireRedTTS2 code $FIRERED_COMMIT"
  rm -rf "$FIRERED_CODE.part" && mkdir -p "$FIRERED_CODE.part"
  curl -fsSL --retry 3 "$FIRERED_CODE_URL" | tar xz -C "$FIRERED_CODE.part" --strip-components=1 \
    || die "download of FireRedTTS2's code from $FIRERED_CODE_URL failed"
  touch "$FIRERED_CODE.part/.complete"
  rm -rf "$FIRERED_CODE" && mv "$FIRERED_CODE.part" "$FIRERED_CODE"
}

# A failed download does not end the pod: the server finds FireRedTTS2 unable to load and serves
# with Piper, saying so in /ready (degraded) — see engines/fallbacks.ts.
if [ "$FIRESIDE_TTS_ENGINE" = fireredtts2 ]; then
  (fetch_firered_code) && export PYTHONPATH=$FIRERED_CODE${PYTHONPATH:+:$PYTHONPATH} \
    || log "WARNING: FireRedTTS2's code is unavailable; the pod will serve with Piper (degraded)"
  (fetch_firered) || log "WARNING: FireRedTTS2's weights are unavailable; the pod will serve with Piper (degraded)"
fi

# --- Whisper, the speaker encoder, the embedded LLM (the pod server's loader: progress + sha256) -
cd "$APP_DIR"
prefetch=("$FIRESIDE_ASR_MODEL" "${FIRESIDE_SPEAKER_MODEL:-resemblyzer-ge2e}")
[ "${FIRESIDE_LLM_ENGINE:-llama-cpp}" = llama-cpp ] && prefetch+=("${FIRESIDE_LLM_MODEL:-qwen2.5-1.5b-instruct}")
for id in "${prefetch[@]}"; do
  case "$id" in */*) continue ;; esac # a path: nothing to fetch
  node --import tsx apps/pod-server/src/models/cli.ts "$id" >&2 || die "could not fetch model $id"
done

# --- vLLM (optional) -----------------------------------------------------------------------------
children=()
forward() {
  log "received $1, stopping"
  for pid in "${children[@]}"; do kill -"$1" "$pid" 2>/dev/null || true; done
}
trap 'forward TERM' TERM
trap 'forward INT' INT

vllm_python=${FIRESIDE_VLLM_PYTHON:-python3}
if [ -z "${FIRESIDE_VLLM_MODEL:-}" ] || [ "${FIRESIDE_DRY_RUN:-0}" = 1 ]; then
  : # no vLLM asked for (or a dry run): llama.cpp serves
elif ! "$vllm_python" -c 'import vllm' 2>/dev/null; then
  log "WARNING: FIRESIDE_VLLM_MODEL is set but $vllm_python has no vLLM (build the image with --build-arg VLLM_VERSION=…); serving with llama.cpp"
else
  log "starting vLLM with $FIRESIDE_VLLM_MODEL"
  "$vllm_python" -m vllm.entrypoints.openai.api_server --model "$FIRESIDE_VLLM_MODEL" --host 127.0.0.1 --port 8000 \
    --gpu-memory-utilization "${FIRESIDE_VLLM_GPU_UTIL:-0.35}" --max-model-len "${FIRESIDE_VLLM_MAX_LEN:-8192}" \
    --download-dir "$MODELS/vllm" &
  children+=($!)
  for _ in $(seq 1 600); do
    curl -fs http://127.0.0.1:8000/v1/models >/dev/null && break
    # A vLLM that dies does not end the pod: the server finds the endpoint silent and serves with
    # llama.cpp, saying so in /ready (degraded) — see engines/fallbacks.ts.
    kill -0 "${children[0]}" 2>/dev/null || { log "WARNING: vLLM exited during start-up; the pod will serve degraded"; break; }
    sleep 1
  done
  export FIRESIDE_LLM_ENGINE=openai FIRESIDE_LLM_URL=http://127.0.0.1:8000/v1 FIRESIDE_LLM_MODEL=$FIRESIDE_VLLM_MODEL FIRESIDE_LLM_DEVICE=cuda
fi

# --- the pod server ------------------------------------------------------------------------------
log "starting the pod server on $FIRESIDE_HOST:$FIRESIDE_PORT"
node --import tsx apps/pod-server/src/cli.ts &
children+=($!)
server=$!
set +e
wait "$server"
code=$?
# wait returns early when a trapped signal arrives: wait again for the real exit
while kill -0 "$server" 2>/dev/null; do wait "$server"; code=$?; done
for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null; done
exit "$code"
