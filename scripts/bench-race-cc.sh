#!/usr/bin/env bash
# scripts/bench-race-cc.sh — `gomm cc` against ThreadSanitizer: the same
# unmodified pthreads C programs built uninstrumented, with clang's and
# gcc's own -fsanitize=thread, and with `gomm cc`, run in the same session,
# as ratios.
#
# Builds gomm (Release, no tests) in its own build directory, then every
# program five ways in BUILD/race-cc:
#   plain   clang -O2 -g                      (the baseline)
#   gomm    gomm cc -O2 -g (GOMM_CC=clang)    (gomm's race runtime)
#   tsan    clang -O2 -g -fsanitize=thread    (LLVM 14's TSan v3)
#   gplain  gcc -O2 -g                        (gcc TSan's baseline)
#   gtsan   gcc -O2 -g -fsanitize=thread      (gcc 12's libtsan, TSan v2)
# The programs:
#   mem     bench/race_cc/mem.c: 2 threads, a private 64 MiB array each,
#           4 passes of write then sum, a shared counter under a pthread
#           mutex every 1024 elements (research/tsan.md §5)
#   mutex   bench/race_cc/lock.c mutex: 4 threads contend one mutex over a
#           small struct
#   queue   bench/race_cc/lock.c queue: 2 producers, 2 consumers, a
#           64-slot queue behind a mutex and two condition variables
#   scale   bench/race_cc/scale.c: 4 threads, 10^8 accesses over private
#           arrays, then exactly one race (must be reported once)
#   traffic_*  the corpus' scale cases (tests/races/traffic_*.c): 50 MB of
#           traffic between the two accesses of a race (or no race)
#   sync    bench/sync_bench.c, both implementations: pthread (all five
#           builds) and gomm (plain, linked with libgomm, and gomm cc,
#           which links the race runtime; clang TSan with the plain libgomm
#           is run once per workload to count its reports, which are false
#           positives: libgomm's synchronization is invisible to TSan)
#
# For each workload the builds take turns, and the first build rotates each
# round. Each run is measured by /usr/bin/time (wall, user+sys, peak RSS of
# the process); mem, lock and scale also print the wall and CPU of their
# work (threads started to threads joined), and sync_bench its ns per op of
# the timed loop. The Markdown report gives medians and, per round, the
# ratios to the baseline (gcc TSan to gcc plain, the rest to clang plain)
# and gomm/TSan, as median (min–max) over the rounds.
#
# Runs use default options (TSAN_OPTIONS, GOMM_OPTIONS unset), except that
# the sync_bench runs set TSAN_OPTIONS=atexit_sleep_ms=0: sync_bench leaves
# an idle thread running, and TSan then sleeps 1 s at exit; that sleep is
# not in the per-op figures, and skipping it saves time.
#
# A run fails when it crashes, times out, computes a wrong result (exit 2),
# or when gomm's verdict is wrong: a report on a race-free program, or not
# exactly one report where the program has one race. TSan's verdicts are
# tabulated, not judged. Failures are listed under the tables and make the
# exit status 1.
#
# Usage: scripts/bench-race-cc.sh [--runs N] [--quick] [--out FILE]
#          [--csv FILE] [--build-dir DIR] [--workloads "mem mutex ..."]
#          [--no-gcc] [--timeout SECONDS]
#
#   --runs N      rounds (default 5; 3 with --quick)
#   --quick       smaller sizes (mem 16 MiB arrays, scale 4 MiB, op counts
#                 / 10, no corpus cases), 3 rounds: a demo (~1 min)
#   --out FILE    also write the Markdown report to FILE
#   --csv FILE    write every run to FILE
#   --build-dir   gomm's build directory (default build/bench-race-cc);
#                 configured (Release, no tests) if it has no CMakeCache.txt;
#                 gomm, libgomm_race_cc.a and libgomm.a are always brought up
#                 to date, the programs always rebuilt
#   --workloads   subset of: mem mutex queue scale traffic sync-pthread
#                 sync-gomm (default: all)
#   --no-gcc      skip the gcc builds (gplain, gtsan)
#   --timeout S   a run still going after S seconds fails (default 120)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/bench-race-cc
RUNS=""
QUICK=0
OUT=""
CSV=""
WORKLOADS="mem mutex queue scale traffic sync-pthread sync-gomm"
GCC=1
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
    --build-dir) BUILD=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --no-gcc) GCC=0; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bench-race-cc: unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
[ -n "$RUNS" ] || { if [ $QUICK = 1 ]; then RUNS=3; else RUNS=5; fi; }
case $RUNS in '' | *[!0-9]* | 0) echo "bench-race-cc: --runs needs a positive integer" >&2; exit 2 ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) echo "bench-race-cc: --timeout needs a positive integer" >&2; exit 2 ;; esac
for w in $WORKLOADS; do
    case $w in mem | mutex | queue | scale | traffic | sync-pthread | sync-gomm) ;;
    *) echo "bench-race-cc: unknown workload '$w'" >&2; exit 2 ;;
    esac
done
inws() { [[ " $WORKLOADS " == *" $1 "* ]]; }
for tool in clang cmake /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-race-cc: needs $tool" >&2; exit 2; }
done
[ $GCC = 0 ] || command -v gcc >/dev/null || { echo "bench-race-cc: no gcc; use --no-gcc" >&2; exit 2; }
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
BIN=$BUILD/race-cc
mkdir -p "$BIN"

# ---- build ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    gen=()
    command -v ninja >/dev/null && gen=(-G Ninja)
    cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DGOMM_BUILD_TESTS=OFF >&2
fi
cmake --build "$BUILD" --target gomm gomm_race_cc gomm_static >&2
GOMM=$BUILD/gomm
LIBGOMM=$BUILD/libgomm.a
if [ ! -x "$GOMM" ] || [ ! -f "$LIBGOMM" ]; then
    echo "bench-race-cc: gomm or libgomm.a not built in $BUILD" >&2
    exit 2
fi

BUILDS="plain gomm tsan"
[ $GCC = 1 ] && BUILDS="$BUILDS gplain gtsan"
INC=(-I"$ROOT/include" -I"$BUILD/include" -I"$ROOT/bench")
compile() { # build name source [extra link args...]
    local b=$1 n=$2 src=$3
    shift 3
    local out=$BIN/$n.$b
    case $b in
    plain) clang -O2 -g "${INC[@]}" "$src" -o "$out" "$@" -pthread ;;
    gomm) GOMM_CC=clang "$GOMM" cc -O2 -g "${INC[@]}" "$src" -o "$out" "$@" -pthread ;;
    tsan) clang -O2 -g -fsanitize=thread "${INC[@]}" "$src" -o "$out" "$@" -pthread ;;
    gplain) gcc -O2 -g "${INC[@]}" "$src" -o "$out" "$@" -pthread ;;
    gtsan) gcc -O2 -g -fsanitize=thread "${INC[@]}" "$src" -o "$out" "$@" -pthread ;;
    esac
}
CORPUS=()
if inws traffic && [ $QUICK = 0 ]; then
    for f in "$ROOT"/tests/races/traffic_*.c; do CORPUS+=("$(basename "$f" .c)"); done
fi
echo "bench-race-cc: building the programs in $BIN" >&2
for b in $BUILDS; do
    { inws mem || inws mutex || inws queue || inws scale; } &&
        for p in mem lock scale; do compile "$b" "$p" "$ROOT/bench/race_cc/$p.c"; done
    for c in "${CORPUS[@]+"${CORPUS[@]}"}"; do compile "$b" "$c" "$ROOT/tests/races/$c.c"; done
    # sync_bench: plain builds link libgomm.a; gomm cc drops it for the runtime
    if inws sync-pthread || inws sync-gomm; then compile "$b" sync_bench "$ROOT/bench/sync_bench.c" "$LIBGOMM"; fi
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GOMM_REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')
CLANGV=$(clang --version | head -n 1)
GCCV=$([ $GCC = 1 ] && gcc --version | head -n 1 || echo none)

# ---- the runs ----
q() { if [ $QUICK = 1 ]; then echo "$2"; else echo "$1"; fi; }
SB_OPS() { # sync_bench op counts: the slowest build (a TSan) <~1 s on a quiet machine
    local n
    case $1 in
    pingpong) n=10000 ;; buffered) n=500000 ;; select) n=300000 ;; mutex) n=3000000 ;;
    mutex2) n=2000000 ;; once) n=10000000 ;; waitgroup) n=1500000 ;; spawn) n=1000 ;;
    atomic) n=5000000 ;;
    esac
    [ $QUICK = 1 ] && n=$((n / 10))
    echo "$n"
}
SB_WL="pingpong buffered select mutex mutex2 once waitgroup spawn atomic"

# job: "id|program|args|builds|expected reports"
JOBS=()
inws mem && JOBS+=("mem|mem|-t 2 -m $(q 64 16) -p 4|$BUILDS|0")
inws mutex && JOBS+=("mutex|lock|mutex -t 4 -n $(q 2000000 200000)|$BUILDS|0")
inws queue && JOBS+=("queue|lock|queue -t 4 -n $(q 200000 20000)|$BUILDS|0")
inws scale && JOBS+=("scale|scale|-t 4 -m $(q 16 4) -p 6|$BUILDS|1")
for c in "${CORPUS[@]+"${CORPUS[@]}"}"; do
    e=1
    [[ $c == *_norace ]] && e=0
    JOBS+=("$c|$c||$BUILDS|$e")
done
if inws sync-pthread; then
    for w in $SB_WL; do JOBS+=("sync-pthread-$w|sync_bench|pthread $w -n $(SB_OPS "$w")|$BUILDS|0"); done
fi
if inws sync-gomm; then
    for w in $SB_WL; do JOBS+=("sync-gomm-$w|sync_bench|gomm $w -n $(SB_OPS "$w")|plain gomm|0"); done
fi

CSVF=$TMP/runs.csv
echo "job,build,round,rc,wall_s,user_s,sys_s,maxrss_kib,work_wall_ns,work_cpu_ns,reports,status" >"$CSVF"
FAILS=$TMP/fails
: >"$FAILS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

run_one() { # id program args build round expected
    local id=$1 prog=$2 args=$3 b=$4 r=$5 exp=$6 rc=0 st=ok
    local -a a env_args=(env -u TSAN_OPTIONS -u GOMM_OPTIONS)
    read -r -a a <<<"$args"
    [ "$prog" = sync_bench ] && { env_args+=(TSAN_OPTIONS=atexit_sleep_ms=0); a+=(-T "$TIMEOUT"); }
    [[ $prog == mem || $prog == lock || $prog == scale ]] && a+=(-T "$TIMEOUT")
    rm -f "$TMP/time"
    "${env_args[@]}" timeout -k 5 $((TIMEOUT + 10)) /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" \
        "$BIN/$prog.$b" "${a[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
    local t wall user sys rss ww="" wc="" nrep
    t=$(tail -n 1 "$TMP/time" 2>/dev/null || true)
    read -r wall user sys rss <<<"$t"
    nrep=$(grep -c '^WARNING: ThreadSanitizer' "$TMP/err" || true)
    if [ "$prog" = sync_bench ]; then
        ww=$(sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/out")
        wc=$(sed -n 's/.* cpu_ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/out")
    else
        ww=$(sed -n 's/.* wall_ns=\([0-9]*\).*/\1/p' "$TMP/out")
        wc=$(sed -n 's/.* cpu_ns=\([0-9]*\).*/\1/p' "$TMP/out")
    fi
    local okrc="0"
    [ "$b" != plain ] && [ "$b" != gplain ] && [ "$exp" != 0 ] && okrc="66"
    case $rc in
    124 | 137) st="timeout" ;;
    142) st="SIGALRM (hung past -T)" ;;
    esac
    if [ "$st" = ok ]; then
        if [ "$b" = gomm ] && [ "$nrep" != "$exp" ]; then
            st="gomm reported $nrep race(s), expected $exp"
        elif [ "$b" = plain ] || [ "$b" = gplain ] || [ "$b" = gomm ]; then
            [ "$rc" = "$okrc" ] || st="exit $rc, expected $okrc"
        else # TSan: its verdict is recorded; only a crash or wrong result fails
            [ "$rc" = 0 ] || [ "$rc" = 66 ] || st="exit $rc"
        fi
        [ -n "$wall" ] || st="no /usr/bin/time output"
    fi
    echo "$id,$b,$r,$rc,$wall,$user,$sys,$rss,$ww,$wc,$nrep,${st//,/;}" >>"$CSVF"
    if [ "$st" != ok ]; then
        echo "$id/$b round $r: $st: $(head -c 300 "$TMP/err" | tr '\n' ' ')" >>"$FAILS"
        echo "  [$id $r/$RUNS] $b: FAILED: $st" >&2
        sed 's/^/    /' "$TMP/err" | head -n 8 >&2
        return
    fi
    printf '  [%s %d/%d] %-6s wall %6.2f s  cpu %6.2f s  rss %7.1f MiB  reports %s\n' "$id" "$r" "$RUNS" "$b" \
        "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        "$(awk -v x="$rss" 'BEGIN { print x / 1024 }')" "$nrep" >&2
}

for job in "${JOBS[@]}"; do
    IFS='|' read -r id prog args builds exp <<<"$job"
    read -r -a BL <<<"$builds"
    K=${#BL[@]}
    echo "bench-race-cc: $id ($prog $args)" >&2
    for ((r = 1; r <= RUNS; r++)); do
        for ((j = 0; j < K; j++)); do
            run_one "$id" "$prog" "$args" "${BL[$(((j + r - 1) % K))]}" "$r" "$exp"
        done
    done
done
# TSan on gomm's own API: one run per workload, to count its (false) reports
if inws sync-gomm; then
    for w in $SB_WL; do
        echo "bench-race-cc: sync-gomm-$w under clang TSan with the plain libgomm (verdict only)" >&2
        RUNS_SAVED=$RUNS
        RUNS=1 # for the progress line only: one run, not a round
        run_one "sync-gomm-$w" sync_bench "gomm $w -n $(SB_OPS "$w")" tsan 1 0
        RUNS=$RUNS_SAVED
    done
fi
T_END=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "$CSV" ] && cp "$CSVF" "$CSV"

# ---- report ----
SHA=""
for b in $BUILDS; do
    for p in mem scale sync_bench; do
        [ -f "$BIN/$p.$b" ] && SHA+="${SHA:+, }$p.$b $(sha256sum "$BIN/$p.$b" | cut -c1-12)"
    done
done
report() {
    python3 - "$CSVF" "$FAILS" <<PYTHON
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
fails = [l.rstrip("\n") for l in open(sys.argv[2]) if l.strip()]
runs = $RUNS
print("### gomm cc against ThreadSanitizer ($( [ $QUICK = 1 ] && echo quick || echo full ) size, $RUNS round(s), $(date -u '+%Y-%m-%d %H:%M UTC'))")
print()
print("- Machine: $(nproc) vCPU ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), Linux $(uname -r), glibc $(ldd --version 2>/dev/null | sed -n '1s/.* //p'); load average $LOAD_START at start, $LOAD_END at end; $((T_END - T_START)) s of runs.")
print("- gomm $GOMM_REV (Release); $CLANGV; $GCCV. sha256: $SHA.")
print("- Builds, all -O2 -g: plain = clang; gomm = \`gomm cc\` (GOMM_CC=clang); tsan = clang -fsanitize=thread (LLVM 14, TSan v3); gplain = gcc; gtsan = gcc -fsanitize=thread (gcc 12, libtsan v2). gtsan's ratios are to gplain, the others' to plain.")
print("- Whole process by /usr/bin/time (start-up and exit included); \"work\" = the program's own clock around its threads. Cells: medians. Ratios: within each round, median (min–max) over the rounds.")

def val(r, k):
    try:
        return float(r[k])
    except (ValueError, KeyError):
        return None
ok = [r for r in rows if r["status"] == "ok"]
def get(job, b, rnd, metric):
    for r in ok:
        if r["job"] == job and r["build"] == b and int(r["round"]) == rnd:
            u, s, pw = val(r, "user_s"), val(r, "sys_s"), val(r, "wall_s")
            pc = None if u is None or s is None else u + s
            if metric == "pcpu":
                return pc
            if metric == "rss":
                v = val(r, "maxrss_kib")
                return None if v is None else v / 1024
            if metric == "pwall":
                return pw
            # work clocks, in s (sync_bench: ns per op); the process's if none
            if metric == "w":
                v = val(r, "work_wall_ns")
                return pw if v is None else v / 1e9
            if metric == "c":
                v = val(r, "work_cpu_ns")
                return pc if v is None else v / 1e9
            return val(r, metric)
    return None
def med(job, b, metric):
    xs = [get(job, b, k, metric) for k in range(1, runs + 1)]
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
def ratio(job, a, b, metric):
    xs = []
    for k in range(1, runs + 1):
        x, y = get(job, a, k, metric), get(job, b, k, metric)
        if x is not None and y:
            xs.append(x / y)
    return (statistics.median(xs), min(xs), max(xs)) if xs else None
def fr(t, rng=True):
    if t is None:
        return "–"
    return f"{t[0]:.2f} ({t[1]:.2f}–{t[2]:.2f})" if rng else f"{t[0]:.2f}"
def fn(x, d=2):
    if x is None:
        return "–"
    if d == "ns":
        x *= 1e9
        return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:.0f}"
    return f"{x:.{d}f}"
builds = "$BUILDS".split()
base = {"gtsan": "gplain"}
jobs = []
for r in rows:
    if r["job"] not in jobs:
        jobs.append(r["job"])
progs = [j for j in jobs if not j.startswith("sync-")]
quick = $QUICK
labels = {"mem": "mem (2 thr, 2 x %d MiB)" % (16 if quick else 64), "mutex": "mutex (4 thr)",
          "queue": "queue (2+2 thr, condvars)",
          "scale": "scale (4 thr, %s accesses, 1 race)" % ("2.5e7" if quick else "1e8")}
def reports(job, b):
    xs = sorted({r["reports"] for r in rows if r["job"] == job and r["build"] == b and r["status"] == "ok"})
    return "/".join(xs) if xs else "–"
if progs:
    print()
    print("**Programs** (a–c). wall and CPU: the program's own clock around its threads (the corpus' traffic_* programs have none: theirs are the whole process's); process wall and peak RSS: /usr/bin/time.")
    print()
    print("| workload | build | wall s | CPU s | process wall s | peak RSS MiB | reports | wall ×base | CPU ×base | RSS ×base | process wall ×base |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for j in progs:
        for b in builds:
            if not any(r["job"] == j and r["build"] == b for r in rows):
                continue
            bb = base.get(b, "plain")
            if b in ("plain", "gplain"):
                rat = ["1"] * 4
            else:
                rat = [fr(ratio(j, b, bb, m)) for m in ("w", "c", "rss", "pwall")]
            name = f"**{b}**" if b == "gomm" else b
            print(f"| {labels.get(j, j)} | {name} | {fn(med(j, b, 'w'), 3)} | {fn(med(j, b, 'c'), 3)} | {fn(med(j, b, 'pwall'))} | "
                  f"{fn(med(j, b, 'rss'), 1)} | {reports(j, b)} | " + " | ".join(rat) + " |")
    print()
    print("**gomm cc against TSan** (a–c). Slowdown (CPU) and memory (peak RSS), each ×its own baseline; then gomm/clang TSan within each round. Target: gomm ≤ clang TSan, i.e. the last three columns ≤ 1.")
    print()
    print("| workload | CPU× gomm | CPU× TSan | CPU× gcc TSan | RSS× gomm | RSS× TSan | RSS× gcc TSan | wall gomm/TSan | CPU gomm/TSan | RSS gomm/TSan |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for j in progs:
        print(f"| {labels.get(j, j)} | {fr(ratio(j, 'gomm', 'plain', 'c'), False)} | {fr(ratio(j, 'tsan', 'plain', 'c'), False)} | "
              f"{fr(ratio(j, 'gtsan', 'gplain', 'c'), False)} | {fr(ratio(j, 'gomm', 'plain', 'rss'), False)} | "
              f"{fr(ratio(j, 'tsan', 'plain', 'rss'), False)} | {fr(ratio(j, 'gtsan', 'gplain', 'rss'), False)} | "
              f"**{fr(ratio(j, 'gomm', 'tsan', 'w'))}** | **{fr(ratio(j, 'gomm', 'tsan', 'c'))}** | **{fr(ratio(j, 'gomm', 'tsan', 'rss'))}** |")
for impl in ("pthread", "gomm"):
    sj = [j for j in jobs if j.startswith(f"sync-{impl}-")]
    if not sj:
        continue
    print()
    if impl == "pthread":
        print("**sync_bench, pthread implementation** (d): ns per op of the timed loop (wall), peak RSS of the process; ratios per round.")
        print()
        print("| workload | plain ns/op | gomm ns/op | TSan ns/op | gcc TSan ns/op | gomm ×plain | TSan ×plain | gcc TSan ×gcc plain | **gomm/TSan** | CPU gomm/TSan | RSS MiB plain / gomm / TSan |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for j in sj:
            w = j.split("-", 2)[2]
            print(f"| {w} | {fn(med(j, 'plain', 'w'), 'ns')} | {fn(med(j, 'gomm', 'w'), 'ns')} | "
                  f"{fn(med(j, 'tsan', 'w'), 'ns')} | {fn(med(j, 'gtsan', 'w'), 'ns')} | "
                  f"{fr(ratio(j, 'gomm', 'plain', 'w'))} | {fr(ratio(j, 'tsan', 'plain', 'w'))} | "
                  f"{fr(ratio(j, 'gtsan', 'gplain', 'w'))} | **{fr(ratio(j, 'gomm', 'tsan', 'w'))}** | "
                  f"{fr(ratio(j, 'gomm', 'tsan', 'c'))} | "
                  f"{fn(med(j, 'plain', 'rss'), 1)} / {fn(med(j, 'gomm', 'rss'), 1)} / {fn(med(j, 'tsan', 'rss'), 1)} |")
    else:
        print("**sync_bench, gomm implementation** (d): gomm cc (the race runtime) against plain (libgomm). TSan cannot check this program: \"TSan reports\" is the number of reports clang TSan (linked with the plain libgomm) printed in one run; the program is race-free, so each is false.")
        print()
        print("| workload | plain ns/op | gomm ns/op | gomm ×plain | CPU ×plain | RSS MiB plain / gomm | TSan reports |")
        print("|---|---:|---:|---:|---:|---|---:|")
        for j in sj:
            w = j.split("-", 2)[2]
            print(f"| {w} | {fn(med(j, 'plain', 'w'), 'ns')} | {fn(med(j, 'gomm', 'w'), 'ns')} | "
                  f"{fr(ratio(j, 'gomm', 'plain', 'w'))} | {fr(ratio(j, 'gomm', 'plain', 'c'))} | "
                  f"{fn(med(j, 'plain', 'rss'), 1)} / {fn(med(j, 'gomm', 'rss'), 1)} | {reports(j, 'tsan')} |")
if fails:
    print()
    print(f"**{len(fails)} run(s) FAILED:**")
    print()
    for f in fails:
        print("- " + f)
PYTHON
}
report | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi

if [ -s "$FAILS" ]; then
    echo "bench-race-cc: $(wc -l <"$FAILS") run(s) failed" >&2
    exit 1
fi
