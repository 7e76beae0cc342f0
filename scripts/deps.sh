#!/usr/bin/env bash
# scripts/deps.sh — install what gomm needs on Debian 12, or say what is missing.
#
#   scripts/deps.sh build   compiler, cmake, ninja, cmocka, libdw (to build and test)
#   scripts/deps.sh bench   + the anchor allocators, Boehm GC (libgc-dev: the
#                           collector's anchor in bench/gc_bench) and /usr/bin/time
#
# As root it runs apt-get install for whatever is missing; otherwise it
# prints the exact command and fails. Installs nothing that is present.
set -euo pipefail

what=${1:-build}
# libdw-dev: elfutils, symbolizes race reports (function, file:line, inlined frames)
pkgs=(gcc clang cmake ninja-build pkg-config libcmocka-dev libdw-dev libclang-rt-14-dev python3 git)
case "$what" in
  build) ;;
  bench) pkgs+=(time libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 libgc-dev) ;;
  *) echo "deps.sh: unknown argument '$what' (expected build or bench)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "deps.sh: missing packages: ${missing[*]}" >&2
  echo "deps.sh: run as root:  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
