#!/usr/bin/env bash
# tests/tools/cc_run.sh CASE GOMM SRC_DIR [COMPILER] — end-to-end tests of
# `gomm cc` and `gomm run` (one CTest test per case and compiler).
#
# GOMM is the freshly built gomm; COMPILER (clang, gcc) becomes $GOMM_CC.
# Every case works in a fresh temporary directory, builds the programs of
# tests/tools/progs/ with gomm cc in the way the case names, runs them
# under gomm run and checks exit statuses and outputs. A check that does
# not hold prints what was seen and exits 1.
set -euo pipefail
case=$1
gomm=$2
src=$3
compiler=${4:-}
progs=$src/tests/tools/progs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cp "$progs"/*.c .
if [ -n "$compiler" ]; then
  export GOMM_CC=$compiler
fi
unset GOMM_OPTIONS TSAN_OPTIONS GOMM_LIBDIR GOMM_CC_VERBOSE || true

fail() {
  echo "FAIL ($case${compiler:+, $compiler}): $*" >&2
  exit 1
}

# expect STATUS CMD...: run CMD (stdout to out.txt, stderr to err.txt) and
# check its exit status
expect() {
  local want=$1 rc=0
  shift
  "$@" >out.txt 2>err.txt || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "--- stdout" >&2; cat out.txt >&2
    echo "--- stderr" >&2; cat err.txt >&2
    fail "$*: exit status $rc, want $want"
  fi
}

# has FILE TEXT: FILE contains TEXT (a fixed string)
has() {
  grep -qF -- "$2" "$1" || { echo "--- $1" >&2; cat "$1" >&2; fail "$1 lacks '$2'"; }
}
hasnt() {
  if grep -qF -- "$2" "$1"; then echo "--- $1" >&2; cat "$1" >&2; fail "$1 has '$2'"; fi
}

line_of() { grep -n -- "/\* $1 \*/" races.c | head -1 | cut -d: -f1; }
write_line=$(line_of RACE-A-WRITE)
read_line=$(line_of RACE-A-READ)
b_line=$(line_of RACE-B)

# instrumented PROG: the runtime is in it, and no TSan runtime of the compiler
# (whole outputs go to files first: grep -q in a pipe would SIGPIPE nm under pipefail)
instrumented() {
  nm "$1" >syms.txt
  grep -q ' T __tsan_init$' syms.txt || fail "$1 does not define __tsan_init (runtime not linked)"
  grep -q ' T __tsan_read4$' syms.txt || fail "$1 lacks the race runtime's __tsan_read4"
  ldd "$1" >libs.txt
  if grep -q 'libtsan\|clang_rt.tsan' libs.txt; then fail "$1 links the compiler's TSan runtime"; fi
}

# the racy and race-free runs of a races binary
check_races() {
  local bin=$1
  instrumented "$bin"
  expect 0 "$gomm" run -- "$bin" none
  has out.txt "races: none"
  has err.txt "gomm run: no races (1 process checked)"
  expect 66 "$gomm" run -- "$bin" a
  # text reports go to stderr, as TSan's do; PROG's output stays alone on stdout
  has out.txt "races: a"
  hasnt out.txt "WARNING:"
  has err.txt "WARNING: ThreadSanitizer: data race"
  has err.txt "races.c:$write_line"
  has err.txt "races.c:$read_line"
  has err.txt "SUMMARY: ThreadSanitizer: data race"
  has err.txt "gomm run: 1 new race"
}

case $case in
one_step)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  check_races ./races
  # -O2, with gcc's fixed-size memcpy (kept a call by gomm cc)
  "$gomm" cc -g -O2 -Wall races.c -o races2 -pthread
  check_races ./races2
  ;;
compile_link)
  "$gomm" cc -g -O1 -DX=1 -I. -c races.c -o races.o -MD -MF races.d
  [ -s races.d ] || fail "no dependency file from -MD -MF"
  has races.d "races.o:"
  nm races.o >syms.txt
  grep -q ' U __tsan_func_entry' syms.txt || fail "races.o is not instrumented"
  "$gomm" cc races.o -o races -lpthread
  check_races ./races
  # a response file holding the whole one-step command
  printf '%s\n' "-g -O1 races.c" "-o 'races rsp' -lpthread" >args.rsp
  "$gomm" cc @args.rsp
  check_races "./races rsp"
  ;;
make)
  cat >Makefile <<'EOF'
# one-step (make's built-in rule for a program from one .c) and two-step
all: races races_twostep
races_twostep: races.o
	$(CC) $(LDFLAGS) races.o $(LDLIBS) -o $@
clean:
	rm -f races races_twostep races.o
EOF
  make -s CC="$gomm cc" CFLAGS="-g -O1" LDLIBS=-lpthread >make.log 2>&1 || { cat make.log >&2; fail "make failed"; }
  check_races ./races
  check_races ./races_twostep
  ;;
cmake)
  mkdir proj
  cp races.c proj/
  cat >proj/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(gommccprobe C)
find_package(Threads REQUIRED)
add_executable(races races.c)
target_link_libraries(races PRIVATE Threads::Threads)
EOF
  gen=()
  if command -v ninja >/dev/null; then gen=(-G Ninja); fi
  CC="$gomm cc" cmake "${gen[@]}" -S proj -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >cmake.log 2>&1 ||
    { cat cmake.log >&2; fail "cmake configure with CC='gomm cc' failed"; }
  grep -q "Check for working C compiler: .*gomm - skipped\|Check for working C compiler: .*gomm - works\|Detecting C compiler ABI info - done" cmake.log ||
    { cat cmake.log >&2; fail "cmake did not probe gomm cc"; }
  cmake --build build >build.log 2>&1 || { cat build.log >&2; fail "cmake build failed"; }
  check_races build/races
  ;;
probes)
  [ "$("$gomm" cc --version)" = "$("$compiler" --version)" ] || fail "--version differs from $compiler's"
  expect 0 "$gomm" cc -v
  expect 0 "$gomm" cc -dumpmachine
  printf '#if defined(__SANITIZE_THREAD__)\nsanitized\n#elif defined(__has_feature)\n#if __has_feature(thread_sanitizer)\nsanitized\n#endif\n#endif\n' >probe.c
  expect 0 "$gomm" cc -E probe.c
  has out.txt sanitized
  expect 0 "$gomm" cc -M races.c
  has out.txt "races.o: races.c"
  expect 0 "$gomm" cc -MM races.c
  has out.txt "races.o: races.c"
  expect 0 "$gomm" cc -fsyntax-only races.c
  expect 0 "$gomm" cc -S races.c -o races.s
  has races.s __tsan_func_entry
  # -### shows the real link: our runtime, never the compiler's TSan
  expect 0 "$gomm" cc -### races.c -o races -lpthread
  has err.txt libgomm_race_cc.a
  has err.txt race-interceptors.dynlist
  hasnt err.txt libtsan
  hasnt err.txt clang_rt.tsan
  # GOMM_CC_VERBOSE=1 prints the commands gomm cc runs
  GOMM_CC_VERBOSE=1 "$gomm" cc races.c -o races -lpthread 2>verbose.txt
  has verbose.txt "gomm cc: "
  has verbose.txt -fsanitize=thread
  has verbose.txt "-Wl,--whole-archive"
  # -static is refused, with the reason
  expect 2 "$gomm" cc races.c -o races_static -static -lpthread
  has err.txt "gomm cc: -static is not supported"
  # a -fsanitize=thread the user gives at link time is dropped
  "$gomm" cc -fsanitize=thread -g -c races.c -o races.o
  "$gomm" cc -fsanitize=thread races.o -o races_fs -lpthread
  instrumented ./races_fs
  # GOMM_LIBDIR that holds no runtime: a clear error
  GOMM_LIBDIR=$tmp expect 2 "$gomm" cc races.o -o races_nolib -lpthread
  has err.txt "cannot find the race runtime libgomm_race_cc.a"
  ;;
shared)
  # the races live in a shared library; the executable provides the runtime
  sed 's/^int main(/int races_main(/' races.c >librace.c
  printf 'int races_main(int, char **);\nint main(int c, char **v) { return races_main(c, v); }\n' >main.c
  "$gomm" cc -g -O1 -shared -fPIC librace.c -o librace.so -lpthread
  nm -D librace.so >syms.txt
  if grep -q ' T __tsan_init$' syms.txt; then fail "librace.so got a runtime"; fi
  grep -q ' U __tsan_func_entry' syms.txt || fail "librace.so is not instrumented"
  "$gomm" cc -g main.c -o main -L. -lrace -Wl,-rpath,"$tmp"
  expect 0 "$gomm" run -- ./main none
  expect 66 "$gomm" run -- ./main a
  has err.txt "librace.c:$write_line"
  ;;
gomm_api)
  # a program on gomm's API: -lgomm is dropped (the race runtime, linked
  # whole, is the race build of libgomm)
  bin=$(dirname "$gomm")
  cp "$src/tests/install/consumer/race.c" api.c
  "$gomm" cc -g -O1 -I"$src/include" -I"$bin/include" -DGOMM_RACE=1 api.c -o api -L"$bin" -lgomm -pthread
  instrumented ./api
  expect 66 "$gomm" run -- ./api
  has err.txt "api.c:"
  has out.txt "race consumer ran"
  ;;
formats)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  # JSON lines: the runtime's objects, then a summary
  expect 66 "$gomm" run --format json -- ./races ab
  python3 - out.txt <<'EOF' || fail "JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith('{')]
races = [l for l in lines if l["type"] in ("data race", "heap-use-after-free")]
assert len(races) == 2, lines
assert lines[-1]["type"] == "summary" and lines[-1]["races"] == 2 and lines[-1]["exit_status"] == 66, lines[-1]
EOF
  # SARIF 2.1.0, to a file, locations relative to the current directory
  expect 66 "$gomm" run --format sarif --out r.sarif -- ./races ab
  python3 - r.sarif "$write_line" "$read_line" "$b_line" <<'EOF' || fail "SARIF"
import json, sys
d = json.load(open(sys.argv[1]))
w, r, b = (int(x) for x in sys.argv[2:5])
assert d["version"] == "2.1.0", d["version"]
res = d["runs"][0]["results"]
assert len(res) == 2, len(res)
rules = [x["id"] for x in d["runs"][0]["tool"]["driver"]["rules"]]
for x in res:
    assert x["ruleId"] == "data-race" and x["level"] == "error", x
    assert x["ruleId"] in rules
    loc = x["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "races.c", loc
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert x["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "races.c"
    assert x["message"]["text"], x
    assert x["partialFingerprints"]
lines = sorted({x["locations"][0]["physicalLocation"]["region"]["startLine"] for x in res} |
               {x["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] for x in res})
assert lines == sorted({w, r, b}), (lines, w, r, b)
EOF
  # no race: an empty result list
  expect 0 "$gomm" run --format sarif --out none.sarif -- ./races none
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"]=="2.1.0" and d["runs"][0]["results"]==[]' none.sarif ||
    fail "SARIF without races"
  # JUnit: one failing test case per race, one passing when none
  expect 66 "$gomm" run --format junit --out r.xml -- ./races ab
  python3 - r.xml 2 <<'EOF' || fail "JUnit with races"
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
assert t.tag == "testsuite" and t.get("name") == "gomm-race", t.tag
n = int(sys.argv[2])
assert int(t.get("failures")) == n and int(t.get("tests")) == n, t.attrib
cases = t.findall("testcase")
assert len(cases) == n and all(c.find("failure") is not None for c in cases)
assert "WARNING: ThreadSanitizer: data race" in cases[0].find("failure").text
EOF
  expect 0 "$gomm" run --format junit -- ./races none
  python3 - out.txt <<'EOF' || fail "JUnit without races"
import sys, xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
t = ET.fromstring(text[text.index("<?xml"):])
assert int(t.get("failures")) == 0 and int(t.get("tests")) == 1, t.attrib
c = t.findall("testcase")
assert len(c) == 1 and c[0].find("failure") is None
EOF
  # text without --out: on stderr, before gomm run's summary; json stays on stdout
  expect 66 "$gomm" run --format text -- ./races ab
  hasnt out.txt "WARNING:"
  [ "$(grep -c '^WARNING: ThreadSanitizer: data race' err.txt)" = 2 ] || { cat err.txt >&2; fail "text on stderr: want 2 reports"; }
  [ "$(grep -n '^SUMMARY: ThreadSanitizer' err.txt | tail -1 | cut -d: -f1)" -lt "$(grep -n '^gomm run: 2 new races' err.txt | cut -d: -f1)" ] ||
    { cat err.txt >&2; fail "text on stderr: the reports must come before gomm run's summary"; }
  expect 66 "$gomm" run --format json -- ./races ab
  has out.txt '"type":"summary"'
  hasnt err.txt '"type":"summary"'
  # text, to a file: PROG's own output stays on stdout
  expect 66 "$gomm" run --format text --out r.txt -- ./races ab
  has out.txt "races: ab"
  hasnt out.txt "WARNING:"
  [ "$(grep -c '^WARNING: ThreadSanitizer: data race' r.txt)" = 2 ] || { cat r.txt >&2; fail "text: want 2 reports"; }
  has r.txt "races.c:$b_line"
  ;;
baseline)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  # adopt: write the known races; the run that writes them passes
  expect 0 "$gomm" run --write-baseline known.txt -- ./races a
  has err.txt "wrote 1 race to known.txt"
  [ "$(grep -vc '^#' known.txt)" = 1 ] || { cat known.txt >&2; fail "baseline: want 1 entry"; }
  has known.txt "race_a_read"
  has known.txt "races.c:$write_line"
  # the known race passes
  expect 0 "$gomm" run --baseline known.txt -- ./races a
  has err.txt "0 new races, 1 known from the baseline"
  hasnt err.txt "WARNING:"
  # a new race fails, and only it is printed
  expect 66 "$gomm" run --baseline known.txt -- ./races ab
  [ "$(grep -c '^WARNING:' err.txt)" = 1 ] || fail "want only the new race printed"
  has err.txt "races.c:$b_line"
  expect 66 "$gomm" run --baseline known.txt --format sarif --out new.sarif -- ./races ab
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["runs"][0]["results"]; assert len(r)==1 and r[0]["baselineState"]=="new", r' new.sarif ||
    fail "SARIF with a baseline"
  # lines moved by an edit: the known race still matches
  { printf '/* moved */\n\n\n'; cat "$progs/races.c"; } >races.c
  "$gomm" cc -g -O1 races.c -o moved -lpthread
  expect 0 "$gomm" run --baseline known.txt -- ./moved a
  # a malformed baseline is a usage error
  printf 'data race\tonly two\n' >bad.txt
  expect 2 "$gomm" run --baseline bad.txt -- ./races a
  has err.txt "bad.txt:1: expected 5 tab-separated fields"
  expect 2 "$gomm" run --baseline missing.txt -- ./races a
  has err.txt "cannot read 'missing.txt'"
  ;;
uninstrumented)
  cc -g races.c -o plain -lpthread
  expect 2 "$gomm" run -- ./plain a
  has err.txt "gomm run: ./plain was not built with gomm cc (no process of the run loaded the race runtime)"
  has out.txt "races: a"
  expect 2 "$gomm" run -- ./no-such-program
  has err.txt "cannot run './no-such-program'"
  ;;
exit_status)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  # PROG's own failure passes through when there is no race
  expect 3 "$gomm" run -- ./races none 3
  has err.txt "./races exited with status 3 (no new race)"
  # killed by a signal: 128+N
  printf '#include <signal.h>\nint main(void) { raise(SIGTERM); return 0; }\n' >killed.c
  "$gomm" cc killed.c -o killed
  expect 143 "$gomm" run -- ./killed
  # races win over the program's status
  expect 66 "$gomm" run -- ./races a
  expect 66 "$gomm" run -- ./races a 5
  expect 66 "$gomm" run --exit-status=race -- ./races a 5
  # --exit-status=program: PROG's own status, races still reported
  expect 5 "$gomm" run --exit-status=program -- ./races a 5
  has err.txt "races.c:$write_line"
  expect 0 "$gomm" run --exit-status program -- ./races a
  has err.txt "1 new race"
  expect 3 "$gomm" run --exit-status=program -- ./races none 3
  expect 2 "$gomm" run --exit-status=maybe -- ./races a
  has err.txt "--exit-status: 'maybe' is not one of race, program"
  ;;
multiprocess)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  cc spawn.c -o spawn
  # the parent is not instrumented; its child's races count
  expect 66 "$gomm" run -- ./spawn ./races a
  has err.txt "races.c:$write_line"
  has err.txt "(1 process checked)"
  expect 0 "$gomm" run -- ./spawn ./races none
  # two instrumented processes, the same race in both: reported once
  expect 66 "$gomm" run -- sh -c './races a; ./races a; ./spawn ./races a'
  has err.txt "1 new race, 0 known from the baseline (3 processes checked)"
  ;;
suppressions)
  "$gomm" cc -g -O1 races.c -o races -lpthread
  printf 'race:race_a_write\n' >supp.txt
  expect 0 "$gomm" run --suppressions supp.txt -- ./races a
  has err.txt "1 report suppressed"
  expect 66 "$gomm" run --suppressions supp.txt -- ./races ab
  has err.txt "races.c:$b_line"
  hasnt err.txt "races.c:$write_line"
  # the user's own GOMM_OPTIONS are kept (gomm run appends its own)
  GOMM_OPTIONS="suppressions=$tmp/supp.txt" expect 0 "$gomm" run -- ./races a
  expect 2 "$gomm" run --suppressions missing.supp -- ./races a
  has err.txt "cannot read 'missing.supp'"
  ;;
mmap)
  # munmap gives the unmapped pages' shadow back to the kernel
  "$gomm" cc -g -O1 mmap_rss.c -o mmap_rss
  expect 0 "$gomm" run -- ./mmap_rss
  has out.txt "resident"
  ;;
*)
  fail "unknown case '$case'"
  ;;
esac
echo "ok: $case${compiler:+ ($compiler)}"
