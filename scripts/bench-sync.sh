#!/usr/bin/env bash
# scripts/bench-sync.sh — gomm's channels and sync primitives against Go
# and plain pthreads.
#
# Builds bench/sync_bench (gomm and pthread implementations, one binary)
# if missing, and the Go program of bench/go/ (standard library only, no
# network), then for each workload runs every implementation round-robin
# (round 1: gomm, go, pthread; round 2 starts one implementation later, ...)
# so that a noisy neighbour hits all of them alike. Go runs with
# GOMAXPROCS=2. Each run is one process that times its own loop and prints
# ns per op (wall) and CPU ns per op (user+sys of all its threads).
#
# Prints a Markdown report to stdout: medians per implementation, the ratios
# gomm/Go and gomm/pthread (the median over rounds of the ratio within each
# round, with its range), and gomm against the targets of the sync issue.
# Progress goes to stderr. Exit status is non-zero if any run failed (crash,
# wrong result, timeout); the tables are still printed from the runs that
# passed.
#
# Usage: scripts/bench-sync.sh [--runs N] [--quick] [--out FILE] [--csv FILE]
#          [--workloads "pingpong buffered ..."] [--impls "gomm go pthread"]
#          [--build-dir DIR] [--no-build | --rebuild] [--timeout SECONDS]
#
#   --runs N      runs per implementation and workload (default 5; 3 with --quick)
#   --quick       every op count / 10, 3 runs: a demo (~1 min)
#   --out FILE    also write the Markdown report to FILE
#   --csv FILE    write every run (wall and CPU ns/op, ops) to FILE
#   --workloads   subset of: pingpong buffered select mutex mutex2 once
#                 waitgroup spawn atomic (default: all)
#   --impls       subset of: gomm go pthread (default: all three)
#   --build-dir   where bench/sync_bench is (default build/bench); configured
#                 (Release, no tests) and built there if missing; the Go
#                 program is built there too, as bench/syncbench-go
#   --rebuild     rebuild sync_bench even if it exists; --no-build: never
#                 build anything (both binaries must exist)
#   --timeout S   a run still going after S seconds fails (default 120)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/bench
RUNS=""
QUICK=0
OUT=""
CSV=""
ALL_WORKLOADS="pingpong buffered select mutex mutex2 once waitgroup spawn atomic"
WORKLOADS=$ALL_WORKLOADS
IMPLS="gomm go pthread"
DO_BUILD=1
TIMEOUT=120

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
    --impls) IMPLS=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --rebuild) DO_BUILD=2; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bench-sync: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
if [ -z "$RUNS" ]; then
    if [ $QUICK = 1 ]; then RUNS=3; else RUNS=5; fi
fi
case $RUNS in '' | *[!0-9]* | 0) echo "bench-sync: --runs needs a positive integer" >&2; exit 2 ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) echo "bench-sync: --timeout needs a positive integer" >&2; exit 2 ;; esac
BUILD=$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)

# Op counts per workload and implementation: the same workload, but as many
# ops as give each run ~0.3-0.8 s on a 2 vCPU VM (a Go round trip costs
# ~0.3 us, a thread hand-off through the kernel ~10 us).
ops_for() { # workload impl
    local n
    case $1,$2 in
    pingpong,go) n=2000000 ;;
    pingpong,gomm) n=50000 ;;
    pingpong,pthread) n=25000 ;;
    buffered,go) n=10000000 ;;
    buffered,*) n=4000000 ;;
    select,*) n=3000000 ;;
    mutex,*) n=40000000 ;;
    mutex2,*) n=30000000 ;;
    once,go) n=1500000000 ;;
    once,*) n=400000000 ;;
    waitgroup,pthread) n=25000000 ;;
    waitgroup,*) n=40000000 ;;
    spawn,go) n=1000000 ;;
    spawn,*) n=20000 ;;
    atomic,*) n=80000000 ;;
    *) return ;;
    esac
    if [ $QUICK = 1 ]; then n=$((n / 10)); fi
    echo "$n"
}
describe() {
    case $1 in
    pingpong) echo "unbuffered ping-pong, two threads/goroutines, two channels; ns per round trip" ;;
    buffered) echo "cap-128 channel, one producer -> one consumer; ns per item" ;;
    select) echo "producer sends round-robin into 4 cap-128 channels, consumer receives with a 4-case select; ns per item" ;;
    mutex) echo "uncontended lock + counter++ + unlock, one thread; ns per op" ;;
    mutex2) echo "2 threads, each N/2 x (lock, counter++, unlock); wall / N" ;;
    once) echo "Once.Do after the first call; ns per call" ;;
    waitgroup) echo "Add(1) + Done, one thread; ns per pair" ;;
    spawn) echo "start a goroutine/thread that signals completion, wait for it, one at a time; ns per goroutine" ;;
    atomic) echo "seq_cst atomic add, one thread; ns per add" ;;
    esac
}
label() {
    case $1 in
    pingpong) echo "1. unbuffered ping-pong (round trip)" ;;
    buffered) echo "2. buffered cap 128 (per item)" ;;
    select) echo "3. select over 4 chans (per item)" ;;
    mutex) echo "4. mutex uncontended" ;;
    mutex2) echo "5. mutex, 2 threads contended" ;;
    once) echo "6. once fast path" ;;
    waitgroup) echo "7. waitgroup Add(1)+Done" ;;
    spawn) echo "x. spawn + join" ;;
    atomic) echo "x. atomic add" ;;
    esac
}
# What the pthread column is for each workload.
baseline() {
    case $1 in
    pingpong) echo "rendezvous queue (mutex + 3 condvars)" ;;
    buffered) echo "bounded ring, mutex + 2 condvars" ;;
    select) echo "4 rings under one mutex + one not-empty condvar" ;;
    mutex | mutex2) echo "pthread_mutex (default type)" ;;
    once) echo "pthread_once" ;;
    waitgroup) echo "counter under a mutex + condvar" ;;
    spawn) echo "pthread_create + pthread_join" ;;
    atomic) echo "C11 atomic_fetch_add" ;;
    esac
}
for w in $WORKLOADS; do
    [ -n "$(ops_for "$w" gomm)" ] || { echo "bench-sync: unknown workload '$w'" >&2; exit 2; }
done
for i in $IMPLS; do
    case $i in gomm | go | pthread) ;; *) echo "bench-sync: unknown implementation '$i'" >&2; exit 2 ;; esac
done

# ---- build ----
NOTES=()
want() { [[ " $IMPLS " == *" $1 "* ]]; }
CBENCH=$BUILD/bench/sync_bench
GOBENCH=$BUILD/bench/syncbench-go
if want gomm || want pthread; then
    if [ $DO_BUILD = 2 ] || { [ $DO_BUILD = 1 ] && [ ! -x "$CBENCH" ]; }; then
        if [ ! -f "$BUILD/CMakeCache.txt" ]; then
            gen=()
            command -v ninja >/dev/null && gen=(-G Ninja)
            cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOMM_BUILD_TESTS=OFF >&2
        fi
        cmake --build "$BUILD" --target sync_bench >&2
    fi
    [ -x "$CBENCH" ] || { echo "bench-sync: $CBENCH not built" >&2; exit 2; }
fi
GO_VERSION="–"
declare -a ACTIVE=()
for i in $IMPLS; do
    if [ "$i" = go ]; then
        if [ $DO_BUILD != 0 ]; then
            if command -v go >/dev/null; then
                # the module has no dependencies: never touch the network
                (cd "$ROOT/bench/go" && env -u GOTOOLCHAIN GOFLAGS=-mod=mod GOPROXY=off \
                    go build -o "$GOBENCH" .) >&2
            else
                NOTES+=("go: no Go toolchain found (Debian: apt-get install golang-go), Go skipped")
                echo "bench-sync: note: no Go toolchain, Go skipped" >&2
                continue
            fi
        fi
        if [ ! -x "$GOBENCH" ]; then
            NOTES+=("go: $GOBENCH missing, Go skipped")
            continue
        fi
        GO_VERSION=$(go version 2>/dev/null | awk '{ print $3 }' || echo '?')
    fi
    ACTIVE+=("$i")
done
[ ${#ACTIVE[@]} -gt 0 ] || { echo "bench-sync: nothing to run" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Snapshot the binaries: a rebuild during the run must not mix versions.
GOMM_INFO="not built"
if [ -x "$CBENCH" ]; then
    GOMM_INFO="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), sync_bench built $(date -u -r "$CBENCH" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$CBENCH" | cut -c1-12)"
    cp "$CBENCH" "$TMP/sync_bench"
fi
[ -x "$GOBENCH" ] && cp "$GOBENCH" "$TMP/syncbench-go"

# ---- run ----
declare -A NS CPU OPS NRUN VAL
FAILED=0
FAILS=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
[ -n "$CSV" ] && echo "workload,impl,run,ops,elapsed_s,ns_per_op,cpu_ns_per_op" >"$CSV"

run_one() { # workload impl run
    local w=$1 i=$2 r=$3 ops rc=0 line cmd
    ops=$(ops_for "$w" "$i")
    case $i in
    go) cmd=(env GOMAXPROCS=2 "$TMP/syncbench-go" "$w" -n "$ops" -T "$TIMEOUT") ;;
    *) cmd=("$TMP/sync_bench" "$i" "$w" -n "$ops" -T "$TIMEOUT") ;;
    esac
    timeout -k 5 $((TIMEOUT + 10)) "${cmd[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
    line=$(grep '^sync_bench ' "$TMP/out" | tail -n 1 || true)
    local ns cpu el
    ns=$(sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
    cpu=$(sed -n 's/.* cpu_ns_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
    el=$(sed -n 's/.* elapsed_s=\([0-9.]*\).*/\1/p' <<<"$line")
    if [ $rc != 0 ] || [ -z "$ns" ]; then
        FAILED=$((FAILED + 1))
        local why=""
        case $rc in 124 | 137) why="(timeout)" ;; 142) why="(SIGALRM: hung past -T)" ;; esac
        FAILS+=("$w/$i run $r: exit $rc $why $(head -c 300 "$TMP/err" | tr '\n' ' ')")
        echo "  [$w $r/$RUNS] $i: FAILED (exit $rc) $why" >&2
        sed 's/^/    /' "$TMP/err" | head -n 5 >&2
        return
    fi
    NS[$w,$i]+="$ns "
    CPU[$w,$i]+="$cpu "
    VAL[$w,$i,$r]=$ns
    OPS[$w,$i]=$ops
    NRUN[$w,$i]=$((${NRUN[$w,$i]:-0} + 1))
    [ -n "$CSV" ] && echo "$w,$i,$r,$ops,$el,$ns,$cpu" >>"$CSV"
    printf '  [%s %d/%d] %-8s %12.2f ns/op  cpu %12.2f ns/op  (%s s)\n' "$w" "$r" "$RUNS" "$i" \
        "$ns" "$cpu" "$el" >&2
}

K=${#ACTIVE[@]}
for w in $WORKLOADS; do
    echo "bench-sync: workload $w ($(describe "$w"))" >&2
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
maximum() { tr ' ' '\n' | awk 'NF' | sort -g | tail -n 1; }
ratio() { # a b -> a/b with 2 decimals, or – if either is missing/zero
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'
}
fmtns() { # adaptive precision
    awk -v x="$1" 'BEGIN { if (x == "") print "–"; else if (x < 10) printf "%.2f", x;
        else if (x < 1000) printf "%.1f", x; else printf "%.0f", x }'
}
# Per-round ratios a/b (runs of the same round, back to back): "median min max".
round_ratios() { # workload implA implB
    local w=$1 a=$2 b=$3 r list=""
    for ((r = 1; r <= RUNS; r++)); do
        local x=${VAL[$w,$a,$r]:-} y=${VAL[$w,$b,$r]:-}
        [ -n "$x" ] && [ -n "$y" ] && list+="$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.4f", x / y }') "
    done
    [ -n "$list" ] || { echo ""; return; }
    echo "$(median <<<"$list") $(minimum <<<"$list") $(maximum <<<"$list")"
}
fmtratio() { # "median min max" -> "0.85 (0.71–1.02)"
    [ -n "$1" ] || { echo "–"; return; }
    awk -v s="$1" 'BEGIN { split(s, v, " "); printf "%.2f (%.2f–%.2f)", v[1], v[2], v[3] }'
}
verdict() { # "median min max" limit strict(1: < limit, 0: <= limit)
    [ -n "$1" ] || { echo "–"; return; }
    awk -v s="$1" -v l="$2" -v st="$3" 'BEGIN { split(s, v, " ");
        ok = st ? v[1] < l : v[1] <= l; all = st ? v[3] < l : v[3] <= l; none = st ? v[2] >= l : v[2] > l
        if (ok && all) print "met"; else if (ok) print "met (median; not every round)";
        else if (none) print "**missed**"; else print "**missed** (median; some rounds met it)" }'
}
have() { [[ " ${ACTIVE[*]} " == *" $1 "* ]]; }

declare -A MNS MINNS MCPU
for w in $WORKLOADS; do
    for i in "${ACTIVE[@]}"; do
        MNS[$w,$i]=$(median <<<"${NS[$w,$i]:-}")
        MINNS[$w,$i]=$(minimum <<<"${NS[$w,$i]:-}")
        MCPU[$w,$i]=$(median <<<"${CPU[$w,$i]:-}")
    done
done

cell() { # workload impl -> "median (min)"
    local m=${MNS[$1,$2]:-}
    if [ -z "$m" ]; then echo "–"; else echo "$(fmtns "$m") ($(fmtns "${MINNS[$1,$2]}"))"; fi
}

report() {
    local cpu_model kernel glibc gccv
    cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    kernel=$(uname -r)
    glibc=$(ldd --version 2>/dev/null | sed -n '1s/.* //p')
    gccv=$(gcc -dumpfullversion 2>/dev/null || echo '?')
    echo "### Channels and sync benchmark ($( [ $QUICK = 1 ] && echo quick || echo full ) size, $RUNS run(s) per implementation and workload, $(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- Machine: $(nproc) vCPU ($cpu_model), Linux $kernel, gcc $gccv, glibc $glibc; load average $LOAD_START at start, $LOAD_END at end; $((T_END - T_START)) s total."
    echo "- gomm: $GOMM_INFO. Go: $GO_VERSION, GOMAXPROCS=2."
    for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "- Note: $n"; done
    echo "- Each run is one process timing its own loop (thread start and one warm-up exchange excluded); the implementations take turns, round-robin. ns/op = wall; cells are median (min) over the runs."
    echo "- gomm/Go and gomm/pthread: the ratio within each round (runs back to back), median (min–max) over the rounds. Below 1: gomm is faster."
    echo
    echo "| workload | gomm ns/op | Go ns/op | pthread ns/op | gomm/Go | gomm/pthread | pthread baseline |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    for w in $WORKLOADS; do
        local rg="" rp=""
        have gomm && have go && rg=$(round_ratios "$w" gomm go)
        have gomm && have pthread && rp=$(round_ratios "$w" gomm pthread)
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$w")" \
            "$(cell "$w" gomm)" "$(cell "$w" go)" "$(cell "$w" pthread)" \
            "$(fmtratio "$rg")" "$(fmtratio "$rp")" "$(baseline "$w")"
    done
    echo
    echo "CPU time per op (user+sys of all threads, median; above the wall ns/op when both threads are busy, e.g. spinning):"
    echo
    echo "| workload | gomm CPU ns/op | Go CPU ns/op | pthread CPU ns/op | gomm/Go | gomm/pthread |"
    echo "|---|---:|---:|---:|---:|---:|"
    for w in $WORKLOADS; do
        printf '| %s | %s | %s | %s | %s | %s |\n' "$(label "$w")" \
            "$(fmtns "${MCPU[$w,gomm]:-}")" "$(fmtns "${MCPU[$w,go]:-}")" "$(fmtns "${MCPU[$w,pthread]:-}")" \
            "$(ratio "${MCPU[$w,gomm]:-}" "${MCPU[$w,go]:-}")" "$(ratio "${MCPU[$w,gomm]:-}" "${MCPU[$w,pthread]:-}")"
    done
    echo
    echo "Op counts per run:"
    for w in $WORKLOADS; do
        printf -- '- %s: %s' "$w" "$(describe "$w")"
        local sep=" — "
        for i in "${ACTIVE[@]}"; do
            printf '%s%s %s' "$sep" "$i" "${OPS[$w,$i]:-$(ops_for "$w" "$i")}"
            sep=", "
        done
        echo
    done
    if have gomm; then
        echo
        echo "gomm against the targets of the sync issue (per-round ratio, median (min–max)):"
        echo
        echo "| target | ratio | verdict |"
        echo "|---|---:|---|"
        inws() { [[ " $WORKLOADS " == *" $1 "* ]]; }
        local rr
        if have go && inws buffered; then
            rr=$(round_ratios buffered gomm go)
            echo "| buffered throughput ≥ Go's (gomm/Go ns per item ≤ 1) | $(fmtratio "$rr") | $(verdict "$rr" 1 0) |"
        fi
        if have go && inws pingpong; then
            rr=$(round_ratios pingpong gomm go)
            echo "| unbuffered round trip ≤ 2× Go's (gomm/Go ≤ 2) | $(fmtratio "$rr") | $(verdict "$rr" 2 0) |"
        fi
        if have pthread && inws mutex; then
            rr=$(round_ratios mutex gomm pthread)
            echo "| uncontended mutex ≤ pthread_mutex (gomm/pthread ≤ 1) | $(fmtratio "$rr") | $(verdict "$rr" 1 0) |"
        fi
        if have pthread; then
            local w
            for w in pingpong buffered select; do
                inws "$w" || continue
                rr=$(round_ratios "$w" gomm pthread)
                echo "| $w faster than the pthread queue (gomm/pthread < 1) | $(fmtratio "$rr") | $(verdict "$rr" 1 1) |"
            done
        fi
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
    echo "bench-sync: $FAILED run(s) failed" >&2
    exit 1
fi
