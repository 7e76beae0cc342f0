#!/usr/bin/env bash
# scripts/run.sh — gomm's main job on a fresh machine: build gomm and run
# the litmus suite (docs/litmus.md): the bundled memory-model shapes on this
# machine's CPUs, then the program tests under the race checker. Extra
# arguments go to `gomm litmus` (e.g. 'SB*' --iterations 5000000, or
# --format json --out litmus.json). Exit status: gomm litmus's (0 when no
# test failed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/gomm litmus "$@"
