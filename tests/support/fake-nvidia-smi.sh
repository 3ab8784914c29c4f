#!/usr/bin/env bash
# TEST DOUBLE for nvidia-smi, never a GPU: answers the pod's telemetry query (whatever its
# arguments) with one H100-shaped CSV line whose utilisation and memory move with the clock, so
# the app's GPU chart has samples to draw on machines without a GPU.
s=$(date +%s)
echo "0, NVIDIA H100 80GB HBM3 (test double), $((20 + (s * 7) % 60)), $((20000 + (s * 131) % 9000)), 81559, 44"
