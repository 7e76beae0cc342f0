#!/bin/sh
# tests/litmus/cli.sh GOMM [noprograms] — `gomm litmus` end to end: exit statuses (0 all
# pass, 1 a failure or error, 2 usage), verdicts in JSON, malformed files
# reported as file:line:col, skips when threads exceed CPUs, shard + merge
# equal to an unsharded run, JUnit that parses, --list, program tests.
# Every check is deterministic: failing shapes fail on outcomes that occur
# in every iteration. noprograms skips the program tests (sanitizer builds,
# whose race runtime cannot be linked into programs).
set -u
GOMM=$1
PROGRAMS=${2:-programs}
T=$(mktemp -d /tmp/gomm-litmus-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
export GOMM_LITMUS_CACHE="$T/cache"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect STATUS CMD...: run, keep stdout in $T/out and stderr in $T/err
expect() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    [ "$got" = "$want" ] || { fail "exit $got, wanted $want: $*"; sed 's/^/  | /' "$T/err" | head -20; }
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$T/out"; }

# ---- usage errors name the option ----
expect 2 "$GOMM" litmus --bogus
grep -q "unknown option '--bogus'" "$T/err" || fail "unknown option not named"
expect 2 "$GOMM" litmus --iterations 0 CoRR+rlx
grep -q -- "--iterations" "$T/err" || fail "--iterations not named"
expect 2 "$GOMM" litmus --format xml
grep -q -- "--format" "$T/err" || fail "--format not named"
expect 2 "$GOMM" litmus --shard 3/2
expect 2 "$GOMM" litmus 'NoSuchTest*'
grep -q "no file or bundled test matches 'NoSuchTest\*'" "$T/err" || fail "pattern not named"
expect 2 "$GOMM" litmus --merge
expect 0 "$GOMM" litmus --help
grep -q -- "--iterations" "$T/out" || fail "help lists no options"

# ---- --list ----
expect 0 "$GOMM" litmus --list
n=$(grep -c ' shape ' "$T/out")
[ "$n" -ge 40 ] || fail "--list shows $n shapes, wanted >= 40"

# ---- a malformed file: file:line:col, exit 1 ----
printf 'C bad\n{}\nP0(int *x) { *x = ; }\nexists (x=1)\n' >"$T/bad.litmus"
expect 1 "$GOMM" litmus --no-progress "$T/bad.litmus"
grep -q "$T/bad.litmus:3:19: error: expected an expression" "$T/out" ||
    fail "malformed file message"; grep error "$T/out" | head -3

# ---- deterministic pass and fail ----
cat >"$T/always.litmus" <<'EOF'
C Always
ExpectSC=Always
ExpectTSO=Always
ExpectC11=Always
{ x = 1; }
P0(int *x) { int r0 = *x; *x = r0 + 1; }
forall (0:r0=1 /\ x=2)
EOF
cat >"$T/wrong.litmus" <<'EOF'
C Wrong
ExpectSC=Never
ExpectTSO=Never
ExpectC11=Never
{ }
P0(atomic_int *x) { atomic_store_explicit(x, 1, memory_order_relaxed); int r0 = atomic_load_explicit(x, memory_order_relaxed); }
exists (0:r0=1)
EOF
expect 0 "$GOMM" litmus --iterations 20000 --format json "$T/always.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="pass", t; assert t["iterations"]==20000; assert t["histogram"]=={"0:r0=1; x=2;": 20000}, t["histogram"]; assert d["summary"]["pass"]==1' ||
    fail "always.litmus JSON"
expect 1 "$GOMM" litmus --iterations 20000 --format json "$T/wrong.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="fail", t; assert "wrong expectation: the file says ExpectTSO=Never" in t["note"], t["note"]; assert t["computed"]["TSO"]=="Always"' ||
    fail "wrong.litmus JSON"
expect 1 "$GOMM" litmus --iterations 20000 --no-progress "$T/wrong.litmus" "$T/always.litmus"
grep -q '^Test Wrong Allowed' "$T/out" || fail "no litmus7 Test line"
grep -q '^Observation Wrong Always 20000 0' "$T/out" || fail "no litmus7 Observation line"
grep -q '^fail Wrong: wrong expectation' "$T/out" || fail "no fail note"

# ---- an outcome outside the machine's model fails: a "compiler" that
# miscompiles the store (2 instead of 1) makes every iteration show it ----
cat >"$T/miscc" <<'EOF2'
#!/bin/sh
for a; do case "$a" in *.c) sed -i 's/(int32_t)INT64_C(1)/(int32_t)INT64_C(2)/' "$a" ;; esac; done
exec cc "$@"
EOF2
chmod +x "$T/miscc"
expect 1 "$GOMM" litmus --iterations 1000 --format json --cc "$T/miscc" "$T/always.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="fail", t; assert "forbids the state 0:r0=2; x=3;, observed 1000 times" in t["note"] and "compiler bug" in t["note"], t["note"]' ||
    fail "miscompiled run not caught"

# ---- a test without expectations is checked against the computed model ----
printf 'C Free\n{}\nP0(int *x) { *x = 1; }\nexists (x=1)\n' >"$T/free.litmus"
expect 0 "$GOMM" litmus --iterations 1000 --format json "$T/free.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="pass" and t["expect_source"]=="model" and t["expect"]=="Always", t' ||
    fail "computed expectation"
# ... unless the model's loop unrolling cut its paths: reported, not checked
printf 'C Spin\n{}\nP0(atomic_int *x) { int r0 = 0; while (atomic_load_explicit(x, memory_order_relaxed) == 0) r0 = 1; }\nexists (0:r0=1)\n' >"$T/spin.litmus"
expect 0 "$GOMM" litmus --iterations 20 --format json "$T/spin.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="unchecked" and t["loop_bound_hits"]==20, t' ||
    fail "unchecked verdict"

# ---- more threads than CPUs: skipped, never oversubscribed ----
ncpu=$(nproc)
{
    echo "C Many"; echo "{}"
    i=0; while [ $i -le "$ncpu" ]; do echo "P$i(int *x$i) { *x$i = 1; }"; i=$((i + 1)); done
    echo "exists (x0=1)"
} >"$T/many.litmus"
expect 0 "$GOMM" litmus --format json "$T/many.litmus"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="skip", t; assert "CPUs" in t["note"]' ||
    fail "skip verdict"

# ---- shard + merge == one run ----
set -- SB+rlx MP+rel+acq CoWW+rlx LB+rlx 2+2W+rlx
expect 0 "$GOMM" litmus --list "$@"
awk '{print $1}' "$T/out" | sort >"$T/all"
expect 0 "$GOMM" litmus --iterations 5000 --shard 1/2 --format json --out "$T/s1.json" "$@"
expect 0 "$GOMM" litmus --iterations 5000 --shard 2/2 --format json --out "$T/s2.json" "$@"
expect 0 "$GOMM" litmus --merge "$T/s1.json" "$T/s2.json" --format json
json "$T/out" 'print("\n".join(sorted(t["name"] for t in d["tests"])))' >"$T/merged"
cmp -s "$T/all" "$T/merged" || { fail "shards do not add up"; diff "$T/all" "$T/merged"; }
json "$T/out" 'assert d["summary"]["tests"]==5 and d["summary"]["pass"]==5, d["summary"]; assert all(sum(t["histogram"].values())==5000 for t in d["tests"])' ||
    fail "merged summary"
expect 0 "$GOMM" litmus --merge "$T/s1.json" "$T/s2.json" --format junit --out "$T/j.xml"
python3 -c "import xml.etree.ElementTree as E,sys; r=E.parse(sys.argv[1]).getroot(); assert r.get('tests')=='5', r.attrib" "$T/j.xml" ||
    fail "JUnit does not parse"
expect 2 "$GOMM" litmus --merge "$T/s1.json" "$T/wrong.json.missing"
echo '{"x": 1}' >"$T/notours.json"
expect 2 "$GOMM" litmus --merge "$T/notours.json"
grep -q "not a gomm litmus JSON report" "$T/err" || fail "merge of a foreign file"

# ---- program tests (built with gomm cc, run under gomm run) ----
if [ "$PROGRAMS" = programs ]; then
cat >"$T/prog_race.c" <<'EOF'
/* litmus-program: expect=race lines=9,15 threads=2 category=mixed */
#include <pthread.h>
#include <stdio.h>
static int shared;
static void *other(void *arg)
{
    (void)arg;
    shared = 1; /* racy */
    return NULL;
}
int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, other, NULL);
    printf("%d\n", shared); /* racy */
    pthread_join(t, NULL);
    return 0;
}
EOF
expect 1 "$GOMM" litmus --runs 2 --format json "$T/prog_race.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="fail" and "expected a race at lines 9,15, got one at 8,15" in t["note"], t["note"]' ||
    fail "program with wrong lines"
sed -i 's/lines=9,15/lines=8,15/' "$T/prog_race.c"
expect 0 "$GOMM" litmus --runs 2 --format json "$T/prog_race.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="pass", t; assert t["runs"]==2 and t["races"]==1 and len(t["reports"])==1' ||
    fail "racy program"
sed -i 's/expect=race lines=8,15/expect=norace/' "$T/prog_race.c"
expect 1 "$GOMM" litmus --runs 1 --format json "$T/prog_race.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="fail" and "expected no race" in t["note"], t' ||
    fail "norace program that races"
printf '/* litmus-program: expect=race lines=2,3 */\nint a; /* race */\nint b;\nint c; /* race */\nint main(void) { return 0; }\n' >"$T/prog_marks.c"
expect 1 "$GOMM" litmus --format json "$T/prog_marks.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="error" and "race comments mark line(s) 2,4, the header says lines=2,3" in t["note"], t["note"]' ||
    fail "stale lines= not caught"
printf '/* litmus-program: expect=maybe */\nint main(void) { return 0; }\n' >"$T/prog_bad.c"
expect 1 "$GOMM" litmus --format json "$T/prog_bad.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="error" and "prog_bad.c:1:20: error: expect= must be race or norace" in t["note"], t["note"]' ||
    fail "program header error"
printf '/* litmus-program: expect=norace */\n#include <stdio.h>\nint main(void) { fprintf(stderr, "invariant failed: x\\n"); return 3; }\n' >"$T/prog_inv.c"
expect 1 "$GOMM" litmus --runs 1 --format json "$T/prog_inv.c"
json "$T/out" 't=d["tests"][0]; assert t["verdict"]=="fail" and "invariant failed" in t["note"], t["note"]' ||
    fail "invariant failure"
fi

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all gomm litmus CLI checks passed"
