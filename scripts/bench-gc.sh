#!/usr/bin/env bash
# scripts/bench-gc.sh — gomm's garbage collector against Boehm GC, plain
# malloc/free and Go, the same workloads in the same run.
#
# Builds bench/gc_bench (gomm, boehm and malloc in one binary; boehm only if
# CMake found libgc) if missing, and the Go program bench/go/gcbench
# (standard library only, no network), then for each round and workload
# runs every implementation once, round-robin (round 1: gomm, boehm, malloc,
# go; round 2 starts one implementation later, ...) so that a noisy
# neighbour hits all of them alike. Each run is its own process (gc_bench
# forks a child per run; gcbench re-executes itself): peak RSS and CPU time
# come from wait4's rusage. Go runs with GOMAXPROCS=2 and its default
# GOGC=100; gomm with its defaults (GOMM_GOGC=100, concurrent marking)
# unless GOMM_* is set in the environment.
#
# Workloads (bench/gc_bench.c describes them):
#   trees     gc_bench trees 18
#   churn64   gc_bench churn 64 2048     (64 MiB live, 2 GiB allocated)
#   churn1g   gc_bench churn 1024 1024   (1 GiB live, 1 GiB allocated)
# --quick: trees 16, churn 64 256, churn 256 256 (a demo, ~1 min).
#
# Prints a Markdown report to stdout: per workload and implementation the
# median wall time, CPU time, peak RSS, cycles, max and p99 STW pause; then
# the ratios gomm/Boehm and gomm/Go (median over rounds of the ratio within
# each round) for wall time, peak RSS and max pause; then gomm against the
# gc issue's targets. Every run's check= must agree across implementations.
# Progress goes to stderr. Exit status is non-zero if any run failed.
#
# Usage: scripts/bench-gc.sh [--runs N] [--quick] [--out FILE] [--csv FILE]
#          [--workloads "trees churn64 churn1g"] [--impls "gomm boehm malloc go"]
#          [--build-dir DIR] [--no-build | --rebuild] [--timeout SECONDS]
#
#   --runs N      rounds (default 1: the 1 GiB workload takes ~1 min a run)
#   --workloads   subset of: trees churn64 churn1g (default: all)
#   --impls       subset of: gomm boehm malloc go (default: all four; malloc
#                 is skipped on churn1g unless --malloc-1g: it adds nothing
#                 to the GC comparison and ~40 s)
#   --build-dir   where bench/gc_bench is (default build/bench); configured
#                 (Release, no tests) and built there if missing; the Go
#                 program is built there too, as bench/gcbench-go
#   --timeout S   a run still going after S seconds fails (default 600)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/bench
RUNS=1
QUICK=0
OUT=""
CSV=""
WORKLOADS="trees churn64 churn1g"
IMPLS="gomm boehm malloc go"
DO_BUILD=1
TIMEOUT=600
MALLOC_1G=0

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
    --malloc-1g) MALLOC_1G=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench-gc: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
case $RUNS in '' | *[!0-9]* | 0) echo "bench-gc: --runs needs a positive integer" >&2; exit 2 ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) echo "bench-gc: --timeout needs a positive integer" >&2; exit 2 ;; esac
BUILD=$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)

args_for() { # workload -> gc_bench arguments
    case $1,$QUICK in
    trees,0) echo "trees 18" ;;
    trees,1) echo "trees 16" ;;
    churn64,0) echo "churn 64 2048" ;;
    churn64,1) echo "churn 64 256" ;;
    churn1g,0) echo "churn 1024 1024" ;;
    churn1g,1) echo "churn 256 256" ;;
    esac
}
label() {
    case $1,$QUICK in
    trees,0) echo "trees 18" ;;
    trees,1) echo "trees 16" ;;
    churn64,0) echo "churn 64 MiB live, 2 GiB allocated" ;;
    churn64,1) echo "churn 64 MiB live, 256 MiB allocated" ;;
    churn1g,0) echo "churn 1 GiB live, 1 GiB allocated" ;;
    churn1g,1) echo "churn 256 MiB live, 256 MiB allocated" ;;
    esac
}
live_mib() { local a; read -r -a a <<<"$(args_for "$1")"; if [ "${a[0]}" = churn ]; then echo "${a[1]}"; fi; }
for w in $WORKLOADS; do
    [ -n "$(args_for "$w")" ] || { echo "bench-gc: unknown workload '$w'" >&2; exit 2; }
done
for i in $IMPLS; do
    case $i in gomm | boehm | malloc | go) ;; *) echo "bench-gc: unknown implementation '$i'" >&2; exit 2 ;; esac
done

# ---- build ----
NOTES=()
want() { [[ " $IMPLS " == *" $1 "* ]]; }
CBENCH=$BUILD/bench/gc_bench
GOBENCH=$BUILD/bench/gcbench-go
if want gomm || want boehm || want malloc; then
    if [ $DO_BUILD = 2 ] || { [ $DO_BUILD = 1 ] && [ ! -x "$CBENCH" ]; }; then
        if [ ! -f "$BUILD/CMakeCache.txt" ]; then
            gen=()
            command -v ninja >/dev/null && gen=(-G Ninja)
            cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOMM_BUILD_TESTS=OFF >&2
        fi
        cmake --build "$BUILD" --target gc_bench >&2
    fi
    [ -x "$CBENCH" ] || { echo "bench-gc: $CBENCH not built" >&2; exit 2; }
fi
GO_VERSION="–"
declare -a ACTIVE=()
for i in $IMPLS; do
    if [ "$i" = go ]; then
        if [ $DO_BUILD != 0 ]; then
            if command -v go >/dev/null; then
                mkdir -p "$BUILD/bench"
                (cd "$ROOT/bench/go" && env -u GOTOOLCHAIN GOFLAGS=-mod=mod GOPROXY=off \
                    go build -o "$GOBENCH" ./gcbench) >&2
            else
                NOTES+=("go: no Go toolchain found (Debian: apt-get install golang-go), Go skipped")
                continue
            fi
        fi
        if [ ! -x "$GOBENCH" ]; then
            NOTES+=("go: $GOBENCH missing, Go skipped")
            continue
        fi
        GO_VERSION=$(go version 2>/dev/null | awk '{ print $3 }' || echo '?')
    fi
    if [ "$i" = boehm ] && ! ldd "$CBENCH" 2>/dev/null | grep -q 'libgc\.so'; then
        NOTES+=("boehm: gc_bench built without libgc (install libgc-dev and --rebuild), Boehm skipped")
        continue
    fi
    ACTIVE+=("$i")
done
[ ${#ACTIVE[@]} -gt 0 ] || { echo "bench-gc: nothing to run" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GOMM_INFO="not built"
if [ -x "$CBENCH" ]; then
    GOMM_INFO="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), gc_bench built $(date -u -r "$CBENCH" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$CBENCH" | cut -c1-12)"
    cp "$CBENCH" "$TMP/gc_bench"
fi
[ -x "$GOBENCH" ] && cp "$GOBENCH" "$TMP/gcbench-go"

# ---- run ----
RES=$TMP/results # round workload impl maxrss cpu time cycles pmax p99 gccpu check
: >"$RES"
FAIL=0
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
n=${#ACTIVE[@]}
for ((r = 0; r < RUNS; r++)); do
    for w in $WORKLOADS; do
        for ((k = 0; k < n; k++)); do
            i=${ACTIVE[$(((r + k) % n))]}
            [ "$i" = malloc ] && [ "$w" = churn1g ] && [ $MALLOC_1G = 0 ] && continue
            read -r -a a <<<"$(args_for "$w")"
            case $i in
            go) cmd=(env GOMAXPROCS=2 "$TMP/gcbench-go" "${a[@]}") ;;
            *) cmd=("$TMP/gc_bench" "${a[@]}" "$i") ;;
            esac
            echo "bench-gc: round $((r + 1))/$RUNS $w $i (load $(cut -d' ' -f1 /proc/loadavg))" >&2
            rc=0
            timeout -k 5 "$TIMEOUT" "${cmd[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
            line=$(grep '^gc_bench ' "$TMP/out" | tail -1 || true)
            if [ $rc != 0 ] || [[ "$line" != *check=* ]]; then
                echo "bench-gc: $w $i FAILED (exit $rc): $line $(head -c 300 "$TMP/err")" >&2
                NOTES+=("$w $i round $((r + 1)): FAILED (exit $rc)")
                FAIL=1
                continue
            fi
            echo "bench-gc:   $line" >&2
            echo "$line" | awk -v r=$((r + 1)) -v w="$w" -v i="$i" '{
                for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
                print r, w, i, v["maxrss_mib"], v["cpu_s"], v["time_s"], v["cycles"], v["pause_max_ms"], v["pause_p99_ms"], v["gc_cpu"], v["check"]
            }' >>"$RES"
        done
    done
done
ELAPSED=$(($(date +%s) - T0))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "$CSV" ]; then
    { echo "round,workload,impl,maxrss_mib,cpu_s,time_s,cycles,pause_max_ms,pause_p99_ms,gc_cpu,check"
      tr ' ' ',' <"$RES"; } >"$CSV"
fi

# ---- report ----
report() {
    local size="full size"
    [ $QUICK = 1 ] && size="--quick sizes"
    echo "### Results ($size, $RUNS round(s), $START, ${ELAPSED} s)"
    echo
    echo "- gomm: $GOMM_INFO. Go: $GO_VERSION, GOMAXPROCS=2, GOGC=${GOGC:-100}."
    echo "- $(nproc) CPUs; load average $LOAD0 at the start, $LOAD1 at the end."
    for note in "${NOTES[@]+"${NOTES[@]}"}"; do echo "- $note"; done
    echo
    echo "| workload | impl | wall s | CPU s | peak RSS MiB | cycles | pause max ms | pause p99 ms | GC share of CPU |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for w in $WORKLOADS; do
        for i in gomm boehm malloc go; do
            awk -v w="$w" -v i="$i" -v lab="$(label "$w")" '
            function med(a, n,   j, k, t) {
                for (j = 2; j <= n; j++) { t = a[j]; for (k = j - 1; k >= 1 && a[k] > t; k--) a[k + 1] = a[k]; a[k + 1] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            $2 == w && $3 == i { n++; rss[n] = $4; cpu[n] = $5; t[n] = $6; cyc[n] = $7; pm[n] = $8; p99[n] = $9; gc[n] = $10 }
            END {
                if (!n) exit
                name = i == "boehm" ? "Boehm" : i == "malloc" ? "malloc/free" : i == "go" ? "Go" : i
                gcl = i == "malloc"
                printf "| %s | %s | %.2f | %.2f | %.1f | %s | %s | %s | %s |\n", lab, name, med(t, n), med(cpu, n), med(rss, n),
                    gcl ? "—" : sprintf("%d", med(cyc, n)), gcl ? "—" : sprintf("%.3f", med(pm, n)),
                    gcl ? "—" : sprintf("%.3f", med(p99, n)), gcl ? "—" : sprintf("%.2f", med(gc, n))
            }' "$RES"
        done
    done
    echo
    echo "Ratios, gomm / other (median over rounds of the ratio within a round; lower is better for gomm):"
    echo
    echo "| workload | vs | wall | CPU | peak RSS | pause max | pause p99 |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for w in $WORKLOADS; do
        for o in boehm go; do
            awk -v w="$w" -v o="$o" -v lab="$(label "$w")" '
            function med(a, n,   j, k, t) {
                for (j = 2; j <= n; j++) { t = a[j]; for (k = j - 1; k >= 1 && a[k] > t; k--) a[k + 1] = a[k]; a[k + 1] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            function q(x, y) { return y > 0 ? x / y : 0 }
            $2 == w && $3 == "gomm" { g[$1] = $0 }
            $2 == w && $3 == o { b[$1] = $0 }
            END {
                for (r in g) if (r in b) {
                    split(g[r], x, " "); split(b[r], y, " "); n++
                    t[n] = q(x[6], y[6]); c[n] = q(x[5], y[5]); s[n] = q(x[4], y[4]); pm[n] = q(x[8], y[8]); pp[n] = q(x[9], y[9])
                }
                if (!n) exit
                printf "| %s | %s | %.2fx | %.2fx | %.2fx | %.3fx | %.3fx |\n", lab, o == "go" ? "Go" : "Boehm",
                    med(t, n), med(c, n), med(s, n), med(pm, n), med(pp, n)
            }' "$RES"
        done
    done
    echo
    # check= must agree across implementations of a workload
    awk '{ k[$2] = k[$2] " " $11 } END { for (w in k) { split(k[w], a, " "); for (j in a) if (a[j] != a[1]) print "- **check mismatch** on " w ":" k[w] } }' "$RES"
    echo "Against the gc issue's targets (gomm, medians):"
    echo
    for w in $WORKLOADS; do
        awk -v w="$w" -v lab="$(label "$w")" -v live="$(live_mib "$w")" '
        function med(a, n,   j, k, t) {
            for (j = 2; j <= n; j++) { t = a[j]; for (k = j - 1; k >= 1 && a[k] > t; k--) a[k + 1] = a[k]; a[k + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $2 == w && $3 == "gomm" { n++; t[n] = $6; rss[n] = $4; pm[n] = $8 }
        $2 == w && $3 == "boehm" { nb++; tb[nb] = $6 }
        END {
            if (!n) exit
            gt = med(t, n); s = "- " lab ": total time " sprintf("%.2f s", gt)
            if (nb) { bt = med(tb, nb); s = s sprintf(" vs Boehm %.2f s: %s", bt, gt <= bt ? "**met**" : "not met") }
            s = s sprintf("; max pause %.3f ms%s", med(pm, n), live >= 1024 ? (med(pm, n) < 1 ? " (< 1 ms at 1 GiB live: **met**)" : " (< 1 ms at 1 GiB live: not met)") : "")
            if (live != "") { r = med(rss, n) / live; s = s sprintf("; peak RSS %.2fx live (<= 1.5x: %s)", r, r <= 1.5 ? "**met**" : "not met") }
            print s
        }' "$RES"
    done
}
if [ -n "$OUT" ]; then report | tee "$OUT"; else report; fi
exit $FAIL
