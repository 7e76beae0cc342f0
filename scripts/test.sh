#!/usr/bin/env bash
# scripts/test.sh — build gomm and run every test, in the release build and
# under clang's ThreadSanitizer and ASan+UBSan (our own code must be
# race-free and memory-safe). Exits non-zero if any build or test fails.
#
#   scripts/test.sh                 release, tsan, asan
#   scripts/test.sh release debug   only the presets named
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release tsan asan)

failed=()
for p in "${presets[@]}"; do
  echo "=== $p: configure and build" >&2
  if ! { cmake --preset "$p" >/dev/null && cmake --build --preset "$p"; }; then
    failed+=("$p(build)")
    continue
  fi
  echo "=== $p: ctest" >&2
  ctest --preset "$p" || failed+=("$p")
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all tests passed in: ${presets[*]}" >&2
