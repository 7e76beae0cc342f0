#!/usr/bin/env bash
# scripts/run.sh — gomm's main job on a fresh machine. Until the litmus
# runner lands, that is the allocator's demonstration: a short benchmark of
# gomm's malloc against glibc, jemalloc, tcmalloc and mimalloc on the same
# binaries (LD_PRELOAD), printed as a table. Extra arguments go to
# scripts/bench-alloc.sh (e.g. --runs 5 for the full-size run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release
if [ $# -eq 0 ]; then
  set -- --quick
fi
exec scripts/bench-alloc.sh "$@"
