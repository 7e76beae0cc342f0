#!/usr/bin/env bash
# scripts/bench-litmus-model.sh — the memory-model enumerator's speed and
# memory (docs/BENCHMARKS.md, "Memory-model enumerator").
#
# Three workloads, each one `gomm litmus --model M ...` process per model
# (sc, tso, c11, rc11), timed from outside (wall clock around the process:
# process start, /usr/bin/time's exec and parsing included; /usr/bin/time
# gives the peak RSS):
#   herd37  the 37 lock-free C11 tests of research/litmus.md §2.3, by the
#           same names in litmus/shapes: herd7 7.58 took 0.11 s for them
#           with rc11.cat and 0.18 s with its default C model, peak RSS
#           21 MB, on this kind of machine;
#   suite   the whole bundled suite (litmus/shapes, 80 shapes);
#   iriw    generated 4-thread IRIW variants: every combination of the two
#           writers' store orders (rlx, rel, sc) and of the readers' first
#           load order (rlx, acq, sc), fence between the loads (none,
#           acq_rel, sc) and second load order, both readers alike
#           (3*3*3*3*3 = 243 tests).
# Each measurement is the median of --runs runs (default 5). The script also
# reports the enumerator's own time for IRIW+scfences (the "seconds" field of
# the JSON report: parsing and process start excluded) and the number of
# candidate executions examined per workload.
#
# Prints a Markdown table to stdout.
# Usage: scripts/bench-litmus-model.sh [--runs N] [--gomm PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
gomm=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --gomm) gomm=$2; shift 2 ;;
    *) echo "bench-litmus-model.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "$gomm" ]; then
  scripts/deps.sh build
  cmake --preset release >/dev/null
  cmake --build --preset release --target gomm >&2
  gomm=build/release/gomm
fi
tmp=$(mktemp -d /tmp/gomm-bench-litmus-model.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---- the workloads ----
herd37=(MP+rlx MP+rel+rlx MP+rel+acq MP+sc MP+fencerel+fenceacq MP+na+rel+acq MP+na+rlx
  MP+relseq-rmw SB+rlx SB+rel+acq SB+acqrelfences SB+scfence+rlx SB+scfences SB+sc SB+na
  LB+rlx LB+acq+rel LB+datas IRIW+rlx IRIW+rel+acq IRIW+scfences IRIW+sc WRC+rlx
  WRC+rel+acq 2+2W+rlx 2+2W+rel 2+2W+sc R+rlx R+sc S+rlx S+rel+acq CoRR+rlx CoWW+rlx
  CoWR+rlx CoRW+rlx FADD-atom CAS-excl)
mkdir -p "$tmp/herd37" "$tmp/iriw"
for s in "${herd37[@]}"; do cp "litmus/shapes/$s.litmus" "$tmp/herd37/"; done
n=0
for w0 in relaxed release seq_cst; do
  for w1 in relaxed release seq_cst; do
    for l0 in relaxed acquire seq_cst; do
      for f in none acq_rel seq_cst; do
        for l1 in relaxed acquire seq_cst; do
          n=$((n + 1))
          name="IRIW-gen$n"
          if [ "$f" = none ]; then fence=""; else
            fence="  atomic_thread_fence(memory_order_$f);"
          fi
          cat >"$tmp/iriw/$name.litmus" <<EOF
C $name
"IRIW: writers $w0/$w1, readers $l0 fence $f $l1"
{ }

P0(atomic_int *x) {
  atomic_store_explicit(x, 1, memory_order_$w0);
}

P1(atomic_int *x, atomic_int *y) {
  int r0 = atomic_load_explicit(x, memory_order_$l0);
$fence
  int r1 = atomic_load_explicit(y, memory_order_$l1);
}

P2(atomic_int *y) {
  atomic_store_explicit(y, 1, memory_order_$w1);
}

P3(atomic_int *x, atomic_int *y) {
  int r0 = atomic_load_explicit(y, memory_order_$l0);
$fence
  int r1 = atomic_load_explicit(x, memory_order_$l1);
}

exists (1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0)
EOF
        done
      done
    done
  done
done

# ---- the runs (python: wall clock around each process) ----
python3 - "$tmp" "$runs" "$gomm" <<'EOF'
import glob, json, os, statistics, subprocess, sys, time
tmp, runs, gomm = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def run(args, out):
    # /usr/bin/time reports the peak RSS of gomm alone (a child forked from
    # python would count python's pages until its exec)
    t0 = time.perf_counter()
    rc = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", out + ".rss", gomm, "litmus"] +
                         args + ["--format", "json", "--out", out])
    wall = time.perf_counter() - t0
    if rc:
        sys.exit(f"gomm litmus {' '.join(args[:2])} failed ({rc})")
    return wall, int(open(out + ".rss").read().split()[-1]) / 1024

workloads = {"herd37": sorted(glob.glob(f"{tmp}/herd37/*.litmus")),
             "suite": sorted(glob.glob("litmus/shapes/*.litmus")),
             "iriw": sorted(glob.glob(f"{tmp}/iriw/*.litmus"))}
meas = {}
for r in range(1, runs + 1):  # round-robin, so noise hits every cell alike
    for w, files in workloads.items():
        for m in ["sc", "tso", "c11", "rc11"]:
            out = f"{tmp}/{w}.{m}.{r}.json"
            meas[(w, m, r)] = run(["--model", m] + files, out)
    for m in ["c11", "rc11"]:
        run(["--model", m, "litmus/shapes/IRIW+scfences.litmus"], f"{tmp}/iriwsc.{m}.{r}.json")
models = ["sc", "tso", "c11", "rc11"]
herd = {("herd37", "rc11"): "0.11 s, 21 MB", ("herd37", "c11"): "0.18 s, 21 MB"}
print(f"median of {runs} runs; machine: {os.cpu_count()} CPUs\n")
print("| workload | tests | model | wall (process) | enumeration (sum over tests) "
      "| peak RSS | candidates | Ok / No / Undef | herd7 7.58 |")
print("|---|---|---|---|---|---|---|---|---|")
for w in ["herd37", "suite", "iriw"]:
    for m in models:
        walls, rss, enum = [], [], []
        doc = None
        for r in range(1, runs + 1):
            wall, mb = meas[(w, m, r)]
            walls.append(wall); rss.append(mb)
            doc = json.load(open(f"{tmp}/{w}.{m}.{r}.json"))
            enum.append(sum(t["seconds"] for t in doc["tests"]))
        s = doc["summary"]
        cands = sum(t["candidates"] for t in doc["tests"])
        print(f"| {w} | {s['tests']} | {s['model']} | {statistics.median(walls):.3f} s "
              f"| {statistics.median(enum)*1e3:.2f} ms | {statistics.median(rss):.1f} MB "
              f"| {cands} | {s['ok']} / {s['no']} / {s['undef']} | {herd.get((w, m), '')} |")
print()
for m in ["c11", "rc11"]:
    v = [json.load(open(f"{tmp}/iriwsc.{m}.{r}.json"))["tests"][0] for r in range(1, runs + 1)]
    print(f"IRIW+scfences under {v[0]['model']}: {statistics.median(t['seconds'] for t in v)*1e3:.3f} ms "
          f"enumeration, {v[0]['candidates']} candidates, {len(v[0]['states'])} states, "
          f"{v[0]['observation']}")
EOF
