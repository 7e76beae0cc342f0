#!/usr/bin/env bash
# scripts/bench-litmus.sh — the litmus harness's observation rate and speed
# (docs/BENCHMARKS.md, "Litmus harness").
#
# For SB+rlx, R+rlx and MP+rlx it runs `gomm litmus SHAPE --mode M` for each
# start rendezvous M: timebase (gomm's default: timestamp-counter starts),
# user (litmus7's default barrier, a per-iteration flag raised by thread 0,
# re-implemented in the same harness) and none (free running). Runs go
# round-robin (shape x mode, then the next round), so a noisy neighbour hits
# every mode alike. Each run reports weak outcomes per million iterations
# (states SC forbids) and iterations per second of the harness (its own
# clock, batches included; compilation is cached and excluded).
#
# Prints a Markdown table to stdout: per shape and mode the median and range
# of weak/M and of iterations/s over the rounds, and the ratio of timebase
# to user within each round (median). litmus7 itself cannot be built here
# (herdtools7 needs OCaml packages Debian 12 lacks); its figures measured on
# this kind of VM are in ../shared/research/litmus.md §3.3 and quoted in
# docs/BENCHMARKS.md next to these.
#
# Usage: scripts/bench-litmus.sh [--runs N] [--iterations N] [--gomm PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
iters=1000000
gomm=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --iterations) iters=$2; shift 2 ;;
    --gomm) gomm=$2; shift 2 ;;
    *) echo "bench-litmus.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "$gomm" ]; then
  scripts/deps.sh build
  cmake --preset release >/dev/null
  cmake --build --preset release >&2
  gomm=build/release/gomm
fi
tmp=$(mktemp -d /tmp/gomm-bench-litmus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
shapes=(SB+rlx R+rlx MP+rlx)
modes=(timebase user none)
# compile once, outside the measured runs
"$gomm" litmus "${shapes[@]}" --iterations 1000 --format json --out "$tmp/warm.json" >/dev/null || true
for r in $(seq 1 "$runs"); do
  for s in "${shapes[@]}"; do
    for m in "${modes[@]}"; do
      echo "round $r: $s $m" >&2
      "$gomm" litmus "$s" --mode "$m" --iterations "$iters" --seed "$r" --format json \
        --out "$tmp/$r.$s.$m.json" >/dev/null || true
    done
  done
done
python3 - "$tmp" "$runs" "$iters" <<'EOF'
import json, os, statistics, sys
tmp, runs, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shapes = ["SB+rlx", "R+rlx", "MP+rlx"]
modes = ["timebase", "user", "none"]
res = {}
for r in range(1, runs + 1):
    for s in shapes:
        for m in modes:
            p = os.path.join(tmp, f"{r}.{s}.{m}.json")
            try:
                t = json.load(open(p))["tests"][0]
            except Exception:
                continue
            ips = t["iterations"] / t["seconds"] if t["seconds"] else 0
            res[(r, s, m)] = (t["weak_per_million"] or 0.0, ips, t["verdict"])
def med(xs): return statistics.median(xs) if xs else float("nan")
print(f"{runs} rounds of {iters} iterations per run; machine: {os.cpu_count()} CPUs\n")
print("| shape | rendezvous | weak/M median | weak/M range | iterations/s median | range | verdicts |")
print("|---|---|---|---|---|---|---|")
for s in shapes:
    for m in modes:
        v = [res[(r, s, m)] for r in range(1, runs + 1) if (r, s, m) in res]
        w = [x[0] for x in v]; i = [x[1] for x in v]
        verd = ",".join(sorted(set(x[2] for x in v)))
        print(f"| {s} | {m} | {med(w):,.0f} | {min(w, default=0):,.0f}-{max(w, default=0):,.0f} | "
              f"{med(i)/1e6:.2f} M | {min(i, default=0)/1e6:.2f}-{max(i, default=0)/1e6:.2f} M | {verd} |")
print()
print("| shape | weak/M timebase/user (median of per-round ratios) | iterations/s timebase/user |")
print("|---|---|---|")
for s in shapes:
    wr, ir = [], []
    for r in range(1, runs + 1):
        a, b = res.get((r, s, "timebase")), res.get((r, s, "user"))
        if a and b:
            if b[0] > 0: wr.append(a[0] / b[0])
            if b[1] > 0: ir.append(a[1] / b[1])
    ws = f"{med(wr):.0f}x" if wr else "n/a (user saw none)"
    print(f"| {s} | {ws} | {med(ir):.2f}x |")
EOF
