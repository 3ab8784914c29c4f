#!/usr/bin/env bash
# Installs what Fireside needs on Debian/Ubuntu: system tools (espeak-ng for the Piper voice's
# phonemes; sox for decoding and test speech; flite for test speech; a compiler for SQLite's native
# module; PostgreSQL, Redis and HAProxy, which the fleet's tests start on loopback ports; Chromium
# for the desktop renderer's end-to-end tests; as root, mmdebstrap and buildah to build the pod
# image), pnpm, and the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Fireside needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
missing=()
pkgs=(espeak-ng sox libsox-fmt-all flite build-essential python3 postgresql redis-server haproxy)
# The pod image's test builds runpod/Dockerfile on a base made from Debian's packages, as root
# (or through passwordless sudo).
if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then pkgs+=(mmdebstrap buildah); fi
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
# Chromium runs the desktop renderer's end-to-end tests. Debian ships it as "chromium"; where apt has
# none (Ubuntu's is a snap), the browser tests say they were skipped — except in CI, where they fail.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium \
    || echo "WARNING: could not install Chromium; the desktop end-to-end tests will be skipped." >&2
fi

# promtool checks the pod's alert rules (runpod/alerts.yml) in the tests. It comes with Debian's
# prometheus package, which would also install and start a Prometheus server: unpack the package
# into .cache/ instead (no root, no service).
fetch_promtool() {
  mkdir -p .cache/promtool && cd .cache/promtool && apt-get download prometheus >/dev/null 2>&1 \
    && dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb
}
if ! command -v promtool >/dev/null 2>&1 && [ ! -x .cache/promtool/usr/bin/promtool ] && command -v apt-get >/dev/null 2>&1; then
  (fetch_promtool) || { $sudo_cmd apt-get update -qq && (fetch_promtool); } \
    || echo "WARNING: could not fetch promtool; the alert rule tests will be skipped." >&2
fi

command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10
# Electron's binary and onnxruntime's GPU providers are downloaded by install scripts; the CPU
# server needs neither (the desktop app's own build fetches Electron where it can).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
pnpm install --frozen-lockfile
