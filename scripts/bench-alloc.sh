#!/usr/bin/env bash
# scripts/bench-alloc.sh — run bench/alloc_bench against every allocator.
#
# Builds libgomm_malloc.so and alloc_bench if missing, then for each
# workload runs every allocator round-robin (run 1: glibc, jemalloc, ...,
# run 2 starts one allocator later, ...) so that a noisy neighbour hits all
# allocators alike. Every run is timed by /usr/bin/time (wall, user+sys CPU,
# peak RSS). Prints a Markdown report to stdout: the machine, the medians per
# allocator with ratios to glibc, and gomm against its targets (faster than
# glibc; within 1.2x of mimalloc's time on a-c; peak RSS within 1.2x of
# mimalloc's). Progress goes to stderr.
#
# Allocators are swapped in with LD_PRELOAD on the same binary; glibc is no
# preload. A missing allocator is skipped with a note. Exit status is
# non-zero if any run failed (crash, corruption found by the benchmark's
# canaries, timeout) — the table is still printed from the runs that passed.
#
# Usage: scripts/bench-alloc.sh [--runs N] [--quick] [--out FILE] [--csv FILE]
#          [--workloads "a b c d e eb"] [--allocators "glibc jemalloc ..."]
#          [--build-dir DIR] [--no-build | --rebuild] [--gomm LIB]
#          [--timeout SECONDS]
#
#   --runs N      runs per allocator and workload (default 5; 3 with --quick)
#   --quick       every op count / 10, for a demo; 3 runs
#   --out FILE    also write the Markdown report to FILE
#   --csv FILE    write every run (wall, user, sys, max RSS, ops) to FILE
#   --build-dir   where libgomm_malloc.so and bench/alloc_bench are
#                 (default build/release); built there if missing
#   --rebuild     run the build even if both exist; --no-build: never build
#   --gomm LIB    benchmark this libgomm_malloc.so instead of the build dir's
#   --timeout S   a run still going after S seconds fails (default 600)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/release
RUNS=""
QUICK=0
OUT=""
CSV=""
WORKLOADS="a b c d e eb"
ALLOCATORS="glibc jemalloc tcmalloc mimalloc gomm"
DO_BUILD=1
TIMEOUT=600
GOMM_LIB=""

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --csv) CSV=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --allocators) ALLOCATORS=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --rebuild) DO_BUILD=2; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --gomm) GOMM_LIB=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bench-alloc: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
if [ -z "$RUNS" ]; then
    if [ $QUICK = 1 ]; then RUNS=3; else RUNS=5; fi
fi
case $RUNS in '' | *[!0-9]* | 0) echo "bench-alloc: --runs needs a positive integer" >&2; exit 2 ;; esac

# Op counts per workload (see bench/alloc_bench.c for what an op is).
# Full: sized so a 5-run full pass takes ~5-10 min on a 2 vCPU host.
ops_for() {
    if [ $QUICK = 1 ]; then
        case $1 in a) echo 2000000 ;; b) echo 500000 ;; c) echo 2000000 ;; d) echo 1000 ;;
        e | eb) echo 5000000 ;; esac
    else
        case $1 in a) echo 20000000 ;; b) echo 5000000 ;; c) echo 20000000 ;; d) echo 10000 ;;
        e | eb) echo 50000000 ;; esac
    fi
}
describe() {
    case $1 in
    a) echo "2 threads x 1000 live objects, 8..512 B, free random slot + malloc" ;;
    b) echo "producer -> consumer via 1024-slot SPSC ring, 64 B, every free cross-thread" ;;
    c) echo "larson-like: 2 lanes x 5000 live (8..1000 B), new thread per lane per generation (50k ops), lanes swap arrays" ;;
    d) echo "2 threads x 8 live blocks, 64 KiB..4 MiB, a word written per 4 KiB page" ;;
    e) echo "1 thread, malloc(64) + free in a tight loop" ;;
    eb) echo "1 thread, 100 x malloc(64) then free the 100 (allocation order)" ;;
    esac
}
for w in $WORKLOADS; do
    [ -n "$(ops_for "$w")" ] || { echo "bench-alloc: unknown workload '$w'" >&2; exit 2; }
done

# ---- tools ----
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench-alloc: installing GNU time (package 'time')" >&2
        apt-get install -y -q time >&2 || { apt-get update -q >&2 && apt-get install -y -q time >&2; }
    else
        echo "bench-alloc: /usr/bin/time missing: install GNU time (Debian: sudo apt-get install time)" >&2
        exit 2
    fi
fi

# ---- build ----
# Build only what is missing (--rebuild: always run the build; --no-build:
# never). A fresh build directory is configured without the tests, which
# the benchmark does not need.
BENCH=$BUILD/bench/alloc_bench
GOMM_LIB=${GOMM_LIB:-$BUILD/libgomm_malloc.so}
if [ $DO_BUILD = 2 ] || { [ $DO_BUILD = 1 ] && { [ ! -x "$BENCH" ] || [ ! -f "$GOMM_LIB" ]; }; }; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        gen=()
        command -v ninja >/dev/null && gen=(-G Ninja)
        cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOMM_BUILD_TESTS=OFF >&2
    fi
    cmake --build "$BUILD" --target gomm_malloc alloc_bench >&2
fi
[ -x "$BENCH" ] || { echo "bench-alloc: $BENCH not built" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Snapshot the binaries: a rebuild during the run must not mix versions.
cp "$BENCH" "$TMP/alloc_bench"
BENCH=$TMP/alloc_bench
GOMM_INFO="not built"
if [ -f "$GOMM_LIB" ]; then
    GOMM_INFO="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), built $(date -u -r "$GOMM_LIB" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$GOMM_LIB" | cut -c1-12)"
    cp "$GOMM_LIB" "$TMP/libgomm_malloc.so"
    GOMM_LIB=$TMP/libgomm_malloc.so
fi

# ---- allocators ----
libpath() { # first existing candidate
    local f
    for f in "$@"; do
        [ -e "$f" ] && { echo "$f"; return; }
    done
}
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
declare -A LIB
declare -a ACTIVE=()
NOTES=()
for a in $ALLOCATORS; do
    case $a in
    glibc) LIB[$a]="" ;;
    jemalloc) LIB[$a]=$(libpath /usr/lib/"$MULTIARCH"/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2) ;;
    tcmalloc) LIB[$a]=$(libpath /usr/lib/"$MULTIARCH"/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4 /usr/local/lib/libtcmalloc_minimal.so.4) ;;
    mimalloc) LIB[$a]=$(libpath /usr/lib/"$MULTIARCH"/libmimalloc.so.2 /usr/lib64/libmimalloc.so.2 /usr/local/lib/libmimalloc.so.2) ;;
    gomm) LIB[$a]=$(libpath "$GOMM_LIB") ;;
    *) echo "bench-alloc: unknown allocator '$a'" >&2; exit 2 ;;
    esac
    if [ "$a" != glibc ] && [ -z "${LIB[$a]}" ]; then
        NOTES+=("$a: not found on this machine, skipped")
        echo "bench-alloc: note: $a not found, skipped" >&2
        continue
    fi
    ACTIVE+=("$a")
done
[ ${#ACTIVE[@]} -gt 0 ] || { echo "bench-alloc: no allocator to run" >&2; exit 2; }

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
version_of() {
    case $1 in
    glibc) ldd --version 2>/dev/null | sed -n '1s/.* //p' ;;
    jemalloc) pkgver libjemalloc2 ;;
    tcmalloc) pkgver libtcmalloc-minimal4 ;;
    mimalloc) pkgver libmimalloc2.0 ;;
    gomm) echo "($GOMM_INFO)" ;;
    esac
}

# ---- run ----
declare -A WALL CPU RSS OPS NRUN
FAILED=0
FAILS=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
[ -n "$CSV" ] && echo "workload,allocator,run,wall_s,user_s,sys_s,maxrss_kib,ops" >"$CSV"

run_one() { # workload allocator run
    local w=$1 a=$2 r=$3 ops rc=0 line wall user sys rss nops
    ops=$(ops_for "$w")
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" \
        env LD_PRELOAD="${LIB[$a]}" "$BENCH" "$w" -n "$ops" -T "$TIMEOUT" \
        >"$TMP/out" 2>"$TMP/err" || rc=$?
    line=$(tail -n 1 "$TMP/time")
    nops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' "$TMP/out")
    if [ $rc != 0 ] || [ -z "$nops" ]; then
        FAILED=$((FAILED + 1))
        local why
        why=$(grep -v '^[0-9. ]*$' "$TMP/time" | head -n 1 || true)
        FAILS+=("$w/$a run $r: exit $rc ${why:+($why) }$(head -c 300 "$TMP/err" | tr '\n' ' ')")
        echo "  [$w $r/$RUNS] $a: FAILED (exit $rc) $why" >&2
        sed 's/^/    /' "$TMP/err" | head -n 5 >&2
        return
    fi
    read -r wall user sys rss <<<"$line"
    local cpu
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    WALL[$w,$a]+="$wall "
    CPU[$w,$a]+="$cpu "
    RSS[$w,$a]+="$rss "
    OPS[$w]=$nops
    NRUN[$w,$a]=$((${NRUN[$w,$a]:-0} + 1))
    [ -n "$CSV" ] && echo "$w,$a,$r,$wall,$user,$sys,$rss,$nops" >>"$CSV"
    printf '  [%s %d/%d] %-9s wall %6.2f s  cpu %6.2f s  rss %7.1f MiB\n' "$w" "$r" "$RUNS" "$a" \
        "$wall" "$cpu" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" >&2
}

K=${#ACTIVE[@]}
for w in $WORKLOADS; do
    echo "bench-alloc: workload $w ($(describe "$w"); $(ops_for "$w") ops)" >&2
    for ((r = 1; r <= RUNS; r++)); do
        for ((j = 0; j < K; j++)); do
            run_one "$w" "${ACTIVE[$(((j + r - 1) % K))]}" "$r"
        done
    done
done
T_END=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----
median() { # of the space-separated numbers on stdin; empty if none
    tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minimum() { tr ' ' '\n' | awk 'NF' | sort -g | awk 'NR == 1'; }
ratio() { # a b -> a/b with 2 decimals, or – if either is missing/zero
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'
}
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { if (x == "") print "–"; else printf f, x }'; }

declare -A MW MC MR MINW
for w in $WORKLOADS; do
    for a in "${ACTIVE[@]}"; do
        MW[$w,$a]=$(median <<<"${WALL[$w,$a]:-}")
        MINW[$w,$a]=$(minimum <<<"${WALL[$w,$a]:-}")
        MC[$w,$a]=$(median <<<"${CPU[$w,$a]:-}")
        MR[$w,$a]=$(median <<<"${RSS[$w,$a]:-}")
    done
done

verdict() { # ratio1 ratio2 limit strict(1: < limit, 0: <= limit)
    awk -v x="$1" -v y="$2" -v l="$3" -v s="$4" 'BEGIN {
        if (x == "–" || y == "–") { print "–"; exit }
        px = s ? x < l : x <= l; py = s ? y < l : y <= l
        if (px && py) print "yes"; else if (!px && !py) print "**no**"
        else if (px) print "wall only"; else print "CPU only" }'
}

report() {
    local cpu_model kernel mem
    cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    kernel=$(uname -r)
    mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
    echo "### Allocator benchmark ($( [ $QUICK = 1 ] && echo quick || echo full ) size, $RUNS run(s) per allocator and workload, $(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- Machine: $(nproc) vCPU ($cpu_model), $mem, Linux $kernel; load average $LOAD_START at start, $LOAD_END at end; $((T_END - T_START)) s total."
    printf -- "- Allocators:"
    local sep=" "
    for a in "${ACTIVE[@]}"; do
        printf '%s%s %s' "$sep" "$a" "$(version_of "$a")"
        sep=", "
    done
    echo " (LD_PRELOAD on the same binary; glibc = no preload)."
    for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "- Note: $n"; done
    echo "- Workloads and op counts:"
    for w in $WORKLOADS; do echo "  - **$w** — $(describe "$w"); ${OPS[$w]:-$(ops_for "$w")} ops"; done
    echo "- Medians of the runs (n = runs that passed); wall min in parentheses. CPU = user + sys summed over"
    echo "  threads; CPU ns/op = median CPU / ops. Peak RSS = /usr/bin/time max RSS. ÷glibc = ratio of medians."
    echo
    echo "| wl | allocator | n | wall s, median (min) | wall ÷glibc | CPU s | CPU ns/op | CPU ÷glibc | peak RSS MiB | RSS ÷glibc |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for w in $WORKLOADS; do
        for a in "${ACTIVE[@]}"; do
            local mw=${MW[$w,$a]} mc=${MC[$w,$a]} mr=${MR[$w,$a]}
            local gw=${MW[$w,glibc]:-} gc=${MC[$w,glibc]:-} gr=${MR[$w,glibc]:-}
            local nsop="–"
            [ -n "$mc" ] && nsop=$(awk -v c="$mc" -v n="${OPS[$w]}" 'BEGIN { x = c * 1e9 / n; printf (x < 100 ? "%.1f" : "%.0f"), x }')
            printf '| %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n' "$w" "$a" "${NRUN[$w,$a]:-0}" \
                "$(fmt "$mw" %.2f)" "$(fmt "${MINW[$w,$a]}" %.2f)" "$(ratio "$mw" "$gw")" \
                "$(fmt "$mc" %.2f)" "$nsop" "$(ratio "$mc" "$gc")" \
                "$(fmt "$( [ -n "$mr" ] && awk -v k="$mr" 'BEGIN { print k / 1024 }')" %.1f)" "$(ratio "$mr" "$gr")"
        done
    done
    local have_gomm=0 have_mi=0 have_glibc=0 a
    for a in "${ACTIVE[@]}"; do
        case $a in gomm) have_gomm=1 ;; mimalloc) have_mi=1 ;; glibc) have_glibc=1 ;; esac
    done
    if [ $have_gomm = 1 ]; then
        echo
        echo "gomm against its targets (ratios of medians; a time target is met when both wall and CPU meet it):"
        echo
        echo "| wl | wall ÷glibc | CPU ÷glibc | faster than glibc | wall ÷mimalloc | CPU ÷mimalloc | time ≤1.2× mimalloc (a–c) | RSS ÷mimalloc | RSS ≤1.2× mimalloc |"
        echo "|---|---:|---:|---|---:|---:|---|---:|---|"
        for w in $WORKLOADS; do
            local wg cg wm cm rm v1 v2 v3
            wg=$(ratio "${MW[$w,gomm]}" "${MW[$w,glibc]:-}")
            cg=$(ratio "${MC[$w,gomm]}" "${MC[$w,glibc]:-}")
            wm=$(ratio "${MW[$w,gomm]}" "${MW[$w,mimalloc]:-}")
            cm=$(ratio "${MC[$w,gomm]}" "${MC[$w,mimalloc]:-}")
            rm=$(ratio "${MR[$w,gomm]}" "${MR[$w,mimalloc]:-}")
            v1=$(verdict "$wg" "$cg" 1 1)
            case $w in a | b | c) v2=$(verdict "$wm" "$cm" 1.2 0) ;; *) v2="(no target)" ;; esac
            v3=$(verdict "$rm" "$rm" 1.2 0)
            [ $have_glibc = 1 ] || v1="–"
            [ $have_mi = 1 ] || { v2="–"; v3="–"; }
            echo "| $w | $wg | $cg | $v1 | $wm | $cm | $v2 | $rm | $v3 |"
        done
    fi
    if [ $FAILED -gt 0 ]; then
        echo
        echo "**$FAILED run(s) FAILED:**"
        echo
        for f in "${FAILS[@]}"; do echo "- $f"; done
    fi
}

report | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi

if [ $FAILED -gt 0 ]; then
    echo "bench-alloc: $FAILED run(s) failed" >&2
    exit 1
fi
