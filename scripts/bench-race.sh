#!/usr/bin/env bash
# scripts/bench-race.sh — the race checker's overhead: the same programs
# linked with the plain library and with libgomm_race, as ratios.
#
# Builds (Release, no tests, in its own build directory) four binaries from
# two sources: bench/sync_bench and bench/sync_bench_race (bench/sync_bench.c,
# its gomm implementation), bench/race_bench and bench/race_bench_race
# (bench/race_bench.c: the memory-heavy program of research/tsan.md §5 and an
# allocation churn). For each workload it runs the builds round-robin (round
# 1: plain, race; round 2 starts one build later, ...) so that a noisy
# neighbour hits all of them alike. The race_bench workloads have a third
# build, "bare": the plain binary with -b, which makes no gm_race_* calls at
# all (the program as written without annotations).
#
# Each run is one process that times its own work (wall, and user+sys CPU
# of all its threads over the same interval); peak RSS is the process's
# maximum resident set (/usr/bin/time). The checker runs with its default
# options (TSAN_OPTIONS and GOMM_OPTIONS are unset for the runs).
#
# Prints a Markdown report to stdout: per workload the median wall, CPU and
# peak RSS of each build, and the ratios race/plain (the median over rounds
# of the ratio within each round, with its range). For the memory program it
# also quotes the ThreadSanitizer figures of research/tsan.md §5 as a
# reference measured earlier on this machine, not in this run. Progress goes
# to stderr. Exit status is non-zero if any run failed (crash, wrong result,
# a race report, timeout); the tables are still printed from the runs that
# passed.
#
# Usage: scripts/bench-race.sh [--runs N] [--quick] [--out FILE] [--csv FILE]
#          [--workloads "mem mem1 churn pingpong ..."] [--build-dir DIR]
#          [--no-build | --rebuild] [--timeout SECONDS]
#
#   --runs N      runs per build and workload (default 5; 3 with --quick)
#   --quick       smaller sizes (16 MiB arrays, churn and sync op counts / 10),
#                 3 runs: a demo (~30 s)
#   --out FILE    also write the Markdown report to FILE
#   --csv FILE    write every run (wall, CPU, RSS) to FILE
#   --workloads   subset of: mem mem1 churn pingpong buffered select mutex
#                 mutex2 once waitgroup spawn atomic (default: all)
#   --build-dir   where to build (default build/bench-race); configured
#                 (Release, no tests) if it has no CMakeCache.txt
#   --rebuild     build even if the binaries exist (the default builds only
#                 what is missing); --no-build: never build
#   --timeout S   a run still going after S seconds fails (default 120)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/bench-race
RUNS=""
QUICK=0
OUT=""
CSV=""
MEM_WORKLOADS="mem mem1 churn"
SYNC_WORKLOADS="pingpong buffered select mutex mutex2 once waitgroup spawn atomic"
WORKLOADS="$MEM_WORKLOADS $SYNC_WORKLOADS"
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
    --build-dir) BUILD=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --rebuild) DO_BUILD=2; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bench-race: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
if [ -z "$RUNS" ]; then
    if [ $QUICK = 1 ]; then RUNS=3; else RUNS=5; fi
fi
case $RUNS in '' | *[!0-9]* | 0) echo "bench-race: --runs needs a positive integer" >&2; exit 2 ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) echo "bench-race: --timeout needs a positive integer" >&2; exit 2 ;; esac
BUILD=$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)

is_mem() { [[ " $MEM_WORKLOADS " == *" $1 "* ]]; }

# Arguments per workload. race_bench: the tsan.md shape (64 MiB per
# goroutine, 4 passes); sync_bench: op counts that give a plain run
# ~0.1-0.3 s and a race run ~0.3-1.5 s on a quiet 2 vCPU VM (the hand-off
# workloads, pingpong and spawn, take 10x longer when a neighbour is busy).
args_for() { # workload
    local n
    case $1 in
    mem) if [ $QUICK = 1 ]; then echo "mem -g 2 -m 16"; else echo "mem -g 2 -m 64"; fi; return ;;
    mem1) if [ $QUICK = 1 ]; then echo "mem -g 1 -m 16"; else echo "mem -g 1 -m 64"; fi; return ;;
    churn) if [ $QUICK = 1 ]; then echo "churn -g 2 -n 400"; else echo "churn -g 2 -n 4000"; fi; return ;;
    pingpong) n=100000 ;;
    buffered) n=2000000 ;;
    select) n=800000 ;;
    mutex) n=20000000 ;;
    mutex2) n=10000000 ;;
    once) n=150000000 ;;
    waitgroup) n=20000000 ;;
    spawn) n=10000 ;;
    atomic) n=40000000 ;;
    *) return ;;
    esac
    if [ $QUICK = 1 ]; then n=$((n / 10)); fi
    echo "gomm $1 -n $n"
}
describe() {
    local mib=64 ch=4000
    [ $QUICK = 1 ] && { mib=16; ch=400; }
    case $1 in
    mem) echo "2 goroutines, each a private $mib MiB uint64_t array, 4 passes of write then sum, every element access announced (8 B); a shared counter under a gm_mutex every 1024 elements" ;;
    mem1) echo "the same with 1 goroutine" ;;
    churn) echo "$ch goroutines, 2 at a time, each 64 rounds of 16 x (gm_malloc(64), 64-byte announced write), then 16 x (announced read, check, gm_free)" ;;
    pingpong) echo "unbuffered ping-pong, two goroutines, two channels; per round trip" ;;
    buffered) echo "cap-128 channel, one producer -> one consumer; per item" ;;
    select) echo "producer sends round-robin into 4 cap-128 channels, consumer receives with a 4-case select; per item" ;;
    mutex) echo "uncontended gm_mutex lock + counter++ + unlock, one thread; per op" ;;
    mutex2) echo "2 goroutines, each N/2 x (lock, counter++, unlock); wall / N" ;;
    once) echo "gm_once_do after the first call; per call" ;;
    waitgroup) echo "gm_waitgroup Add(1) + Done, one thread; per pair" ;;
    spawn) echo "gm_go a goroutine that bumps an atomic and signals Done, wait, one at a time; per goroutine" ;;
    atomic) echo "seq_cst gm_atomic_i64_add, one thread; per add" ;;
    esac
}
label() {
    case $1 in
    mem) echo "mem (2 goroutines)" ;;
    mem1) echo "mem1 (1 goroutine)" ;;
    churn) echo "churn (malloc/free 64 B)" ;;
    *) echo "$1" ;;
    esac
}
for w in $WORKLOADS; do
    [ -n "$(args_for "$w")" ] || { echo "bench-race: unknown workload '$w'" >&2; exit 2; }
done
inws() { [[ " $WORKLOADS " == *" $1 "* ]]; }
ANY_MEM=0
ANY_SYNC=0
for w in $WORKLOADS; do
    if is_mem "$w"; then ANY_MEM=1; else ANY_SYNC=1; fi
done

# ---- build ----
TARGETS=()
[ $ANY_MEM = 1 ] && TARGETS+=(race_bench race_bench_race)
[ $ANY_SYNC = 1 ] && TARGETS+=(sync_bench sync_bench_race)
missing=0
for t in "${TARGETS[@]}"; do [ -x "$BUILD/bench/$t" ] || missing=1; done
if [ $DO_BUILD = 2 ] || { [ $DO_BUILD = 1 ] && [ $missing = 1 ]; }; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        gen=()
        command -v ninja >/dev/null && gen=(-G Ninja)
        cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOMM_BUILD_TESTS=OFF >&2
    fi
    cmake --build "$BUILD" --target "${TARGETS[@]}" >&2
fi
for t in "${TARGETS[@]}"; do
    [ -x "$BUILD/bench/$t" ] || { echo "bench-race: $BUILD/bench/$t not built" >&2; exit 2; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Snapshot the binaries: a rebuild during the run must not mix versions.
BIN_INFO=""
for t in "${TARGETS[@]}"; do
    cp "$BUILD/bench/$t" "$TMP/$t"
    BIN_INFO+="${BIN_INFO:+, }$t $(sha256sum "$TMP/$t" | cut -c1-12)"
done
GOMM_REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')
BUILT=$(date -u -r "$BUILD/bench/${TARGETS[0]}" '+%Y-%m-%d %H:%M UTC')
NOTES=()
TIMECMD=()
if [ -x /usr/bin/time ]; then
    TIMECMD=(/usr/bin/time -f '%M' -o "$TMP/rss")
else
    NOTES+=("no /usr/bin/time (Debian: apt-get install time): peak RSS is race_bench's own ru_maxrss, and missing for sync_bench")
fi

# ---- run ----
# impls per workload: bare (race_bench -b) only for the race_bench workloads
impls_for() { if is_mem "$1"; then echo "bare plain race"; else echo "plain race"; fi; }
declare -A WALL CPU RSS NRUN VAL
FAILED=0
FAILS=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
[ -n "$CSV" ] && echo "workload,impl,run,args,wall_ns,cpu_ns,maxrss_kib" >"$CSV"

run_one() { # workload impl run
    local w=$1 i=$2 r=$3 rc=0 line bin wall cpu rss="" why=""
    local -a a
    read -r -a a <<<"$(args_for "$w")"
    if is_mem "$w"; then
        bin=$TMP/race_bench
        [ "$i" = race ] && bin=$TMP/race_bench_race
        [ "$i" = bare ] && a+=(-b)
    else
        bin=$TMP/sync_bench
        [ "$i" = race ] && bin=$TMP/sync_bench_race
    fi
    rm -f "$TMP/rss"
    env -u TSAN_OPTIONS -u GOMM_OPTIONS timeout -k 5 $((TIMEOUT + 10)) \
        "${TIMECMD[@]}" "$bin" "${a[@]}" -T "$TIMEOUT" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if is_mem "$w"; then
        line=$(grep '^race_bench ' "$TMP/out" | tail -n 1 || true)
        wall=$(sed -n 's/.* wall_ns=\([0-9]*\).*/\1/p' <<<"$line")
        cpu=$(sed -n 's/.* cpu_ns=\([0-9]*\).*/\1/p' <<<"$line")
        [ -n "$line" ] && [ ${#TIMECMD[@]} = 0 ] && rss=$(sed -n 's/.* maxrss_kib=\([0-9]*\).*/\1/p' <<<"$line")
    else
        line=$(grep '^sync_bench ' "$TMP/out" | tail -n 1 || true)
        wall=$(sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
        cpu=$(sed -n 's/.* cpu_ns_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
    fi
    [ -s "$TMP/rss" ] && rss=$(grep -E '^[0-9]+$' "$TMP/rss" | tail -n 1 || true)
    # a report from the checker is a failure even if the exit status hid it
    if grep -qE '^(WARNING: .*\(pid=[0-9]+\)|SUMMARY: )' "$TMP/err"; then
        why="(race report in a correct program)"
        [ $rc = 0 ] && rc=66
    fi
    case $rc in 124 | 137) why="(timeout)" ;; 142) why="(SIGALRM: hung past -T)" ;; esac
    if [ $rc != 0 ] || [ -z "$wall" ]; then
        FAILED=$((FAILED + 1))
        FAILS+=("$w/$i run $r: exit $rc $why: $(head -c 300 "$TMP/err" | tr '\n' ' ')")
        echo "  [$w $r/$RUNS] $i: FAILED (exit $rc) $why" >&2
        sed 's/^/    /' "$TMP/err" | head -n 8 >&2
        return
    fi
    WALL[$w,$i]+="$wall "
    CPU[$w,$i]+="$cpu "
    [ -n "$rss" ] && RSS[$w,$i]+="$rss "
    VAL[W,$w,$i,$r]=$wall
    VAL[C,$w,$i,$r]=$cpu
    VAL[R,$w,$i,$r]=$rss
    NRUN[$w,$i]=$((${NRUN[$w,$i]:-0} + 1))
    [ -n "$CSV" ] && echo "$w,$i,$r,${a[*]},$wall,$cpu,$rss" >>"$CSV"
    if is_mem "$w"; then
        printf '  [%s %d/%d] %-5s wall %7.3f s  cpu %7.3f s  rss %7.1f MiB\n' "$w" "$r" "$RUNS" "$i" \
            "$(awk -v x="$wall" 'BEGIN { print x / 1e9 }')" "$(awk -v x="$cpu" 'BEGIN { print x / 1e9 }')" \
            "$(awk -v x="${rss:-0}" 'BEGIN { print x / 1024 }')" >&2
    else
        printf '  [%s %d/%d] %-5s %12.2f ns/op  cpu %12.2f ns/op  rss %7.1f MiB\n' "$w" "$r" "$RUNS" "$i" \
            "$wall" "$cpu" "$(awk -v x="${rss:-0}" 'BEGIN { print x / 1024 }')" >&2
    fi
}

for w in $WORKLOADS; do
    echo "bench-race: workload $w ($(describe "$w"))" >&2
    read -r -a IM <<<"$(impls_for "$w")"
    K=${#IM[@]}
    for ((r = 1; r <= RUNS; r++)); do
        for ((j = 0; j < K; j++)); do
            run_one "$w" "${IM[$(((j + r - 1) % K))]}" "$r"
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
# Per-round ratios a/b of one metric (W wall, C CPU, R RSS): "median min max".
round_ratios() { # metric workload implA implB
    local m=$1 w=$2 ia=$3 ib=$4 r list=""
    for ((r = 1; r <= RUNS; r++)); do
        local x=${VAL[$m,$w,$ia,$r]:-} y=${VAL[$m,$w,$ib,$r]:-}
        [ -n "$x" ] && [ -n "$y" ] && list+="$(awk -v x="$x" -v y="$y" 'BEGIN { if (y + 0 > 0) printf "%.4f", x / y }') "
    done
    list=$(tr -s ' ' <<<"$list")
    [ -n "${list// /}" ] || { echo ""; return; }
    echo "$(median <<<"$list") $(minimum <<<"$list") $(maximum <<<"$list")"
}
fmtratio() { # "median min max" -> "4.30 (4.10–4.52)"
    [ -n "$1" ] || { echo "–"; return; }
    awk -v s="$1" 'BEGIN { split(s, v, " "); printf "%.2f (%.2f–%.2f)", v[1], v[2], v[3] }'
}
fmtr() { # "median min max" -> "4.30"
    [ -n "$1" ] || { echo "–"; return; }
    awk -v s="$1" 'BEGIN { split(s, v, " "); printf "%.2f", v[1] }'
}
fmtns() { # adaptive precision
    awk -v x="$1" 'BEGIN { if (x == "") print "–"; else if (x < 10) printf "%.2f", x;
        else if (x < 1000) printf "%.1f", x; else printf "%.0f", x }'
}
fmts() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.3f", x / 1e9 }'; }
fmtmib() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.1f", x / 1024 }'; }

report() {
    local cpu_model kernel glibc gccv w i
    cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    kernel=$(uname -r)
    glibc=$(ldd --version 2>/dev/null | sed -n '1s/.* //p')
    gccv=$(sed -n 's/^CMAKE_C_COMPILER:[^=]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null | head -n 1)
    gccv=$("${gccv:-cc}" --version 2>/dev/null | head -n 1 || echo '?')
    echo "### Race checker overhead ($([ $QUICK = 1 ] && echo quick || echo full) size, $RUNS run(s) per build and workload, $(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- Machine: $(nproc) vCPU ($cpu_model), Linux $kernel, glibc $glibc; compiler $gccv; load average $LOAD_START at start, $LOAD_END at end; $((T_END - T_START)) s total."
    echo "- gomm: $GOMM_REV, built $BUILT (Release, benchmarks -O2); sha256 $BIN_INFO."
    echo "- plain: linked with libgomm (gm_race_* are no-op calls); race: linked with libgomm_race, default options; bare: the plain race_bench with -b (no gm_race_* calls at all)."
    for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "- Note: $n"; done
    echo "- Cells are medians over the runs; the builds take turns, round-robin. Ratios: the ratio within each round (runs back to back), median (min–max) over the rounds."
    if [ $ANY_MEM = 1 ]; then
        echo
        echo "Memory-heavy program and allocation churn (race_bench; wall and CPU of the whole workload, peak RSS of the process):"
        echo
        echo "| workload | build | wall s | CPU s | peak RSS MiB | wall ×plain | CPU ×plain | RSS ×plain |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|"
        for w in $WORKLOADS; do
            is_mem "$w" || continue
            for i in bare plain race; do
                local k="$w,$i" wr="–" cr="–" rr="–"
                if [ "$i" != plain ]; then
                    wr=$(fmtratio "$(round_ratios W "$w" "$i" plain)")
                    cr=$(fmtratio "$(round_ratios C "$w" "$i" plain)")
                    rr=$(fmtratio "$(round_ratios R "$w" "$i" plain)")
                else
                    wr=1 cr=1 rr=1
                fi
                printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$w")" "$i" \
                    "$(fmts "$(median <<<"${WALL[$k]:-}")")" "$(fmts "$(median <<<"${CPU[$k]:-}")")" \
                    "$(fmtmib "$(median <<<"${RSS[$k]:-}")")" "$wr" "$cr" "$rr"
            done
        done
        if inws churn; then
            local wp wr
            wp=$(median <<<"${WALL[churn,plain]:-}")
            wr=$(median <<<"${WALL[churn,race]:-}")
            local ops
            ops=$(awk -v q=$QUICK 'BEGIN { print (q ? 400 : 4000) * 64 * 16 }')
            echo
            echo "churn per malloc+free pair (wall / $ops pairs, goroutine starts included): plain $(fmtns "$(awk -v x="$wp" -v n="$ops" 'BEGIN { if (x != "") print x / n }')") ns, race $(fmtns "$(awk -v x="$wr" -v n="$ops" 'BEGIN { if (x != "") print x / n }')") ns."
        fi
        if inws mem; then
            echo
            echo "The memory program against ThreadSanitizer. **The TSan rows were measured earlier, not in this run**: research/tsan.md §5, the same program written on pthreads, on this machine under heavy load (median of 10 runs). The same-run TSan comparison belongs to the compiler-instrumentation issue. TSan's baseline is the uninstrumented build, so compare it with race/bare; its \"no-op runtime\" row is the analogue of plain/bare."
            echo
            echo "| build | wall × | CPU × | RSS × | measured |"
            echo "|---|---:|---:|---:|---|"
            echo "| gomm race / plain | $(fmtr "$(round_ratios W mem race plain)") | $(fmtr "$(round_ratios C mem race plain)") | $(fmtr "$(round_ratios R mem race plain)") | this run |"
            echo "| gomm race / bare | $(fmtr "$(round_ratios W mem race bare)") | $(fmtr "$(round_ratios C mem race bare)") | $(fmtr "$(round_ratios R mem race bare)") | this run |"
            echo "| gomm plain / bare (cost of the no-op annotation calls) | $(fmtr "$(round_ratios W mem plain bare)") | $(fmtr "$(round_ratios C mem plain bare)") | $(fmtr "$(round_ratios R mem plain bare)") | this run |"
            echo "| clang 14 TSan (v3) / clang plain | 4.46 | 4.30 | 3.54 | earlier (tsan.md §5) |"
            echo "| gcc 12 TSan (libtsan v2) / gcc plain | 7.53 | 6.83 | 5.39 | earlier (tsan.md §5) |"
            echo "| clang instrumented + no-op runtime / plain | 1.18 | 1.13 | 1.02 | earlier (tsan.md §5) |"
            echo "| gcc instrumented + no-op runtime / plain | 1.21 | 1.15 | 1.00 | earlier (tsan.md §5) |"
        fi
    fi
    if [ $ANY_SYNC = 1 ]; then
        echo
        echo "Channels and sync primitives (sync_bench, gomm implementation; wall and CPU per op of the timed loop, peak RSS of the process):"
        echo
        echo "| workload | plain ns/op | race ns/op | plain CPU ns/op | race CPU ns/op | plain RSS MiB | race RSS MiB | wall ×plain | CPU ×plain | RSS ×plain |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for w in $WORKLOADS; do
            is_mem "$w" && continue
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$w" \
                "$(fmtns "$(median <<<"${WALL[$w,plain]:-}")")" "$(fmtns "$(median <<<"${WALL[$w,race]:-}")")" \
                "$(fmtns "$(median <<<"${CPU[$w,plain]:-}")")" "$(fmtns "$(median <<<"${CPU[$w,race]:-}")")" \
                "$(fmtmib "$(median <<<"${RSS[$w,plain]:-}")")" "$(fmtmib "$(median <<<"${RSS[$w,race]:-}")")" \
                "$(fmtratio "$(round_ratios W "$w" race plain)")" "$(fmtratio "$(round_ratios C "$w" race plain)")" \
                "$(fmtratio "$(round_ratios R "$w" race plain)")"
        done
    fi
    echo
    echo "Workloads and sizes:"
    for w in $WORKLOADS; do
        # shellcheck disable=SC2016 # literal backquotes: Markdown code
        printf -- '- %s: %s — `%s %s`\n' "$w" "$(describe "$w")" \
            "$(is_mem "$w" && echo race_bench || echo sync_bench)" "$(args_for "$w")"
    done
    if [ $FAILED -gt 0 ]; then
        echo
        echo "**$FAILED run(s) FAILED:**"
        echo
        for f in "${FAILS[@]}"; do echo "- $f"; done
    fi
}

report | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi

if [ $FAILED -gt 0 ]; then
    echo "bench-race: $FAILED run(s) failed" >&2
    exit 1
fi
