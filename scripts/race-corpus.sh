#!/usr/bin/env bash
# scripts/race-corpus.sh — build and run the race corpus (tests/races/*.c)
# under gomm's race checker and check every program's verdict and lines
# against its header. Exits 0 only when every program (except those marked
# "known: gomm-bug") matches; 1 on a mismatch; 2 on a usage or setup error.
#
#   scripts/race-corpus.sh [--build-dir DIR] [--gomm PATH] [--cc clang|gcc]
#                          [--jobs N] [--keep] [--filter SUBSTR] [--results FILE]
#                          [--direct] [--tsan]
#
#   --build-dir DIR  a gomm build directory: DIR/gomm is used (default:
#                    $GOMM_BUILD_DIR, else build/release)
#   --gomm PATH      the gomm tool itself (overrides DIR/gomm)
#   --cc NAME        the compiler behind gomm cc (GOMM_CC), clang (default) or gcc
#   --jobs N         programs built and run at once (default: nproc)
#   --keep           keep the work directory (binaries, logs, JSON reports)
#   --filter SUBSTR  only the programs whose name contains SUBSTR
#   --results FILE   also write one tab-separated line per program
#                    (name category expected got lines status) to FILE
#   --direct         run the program itself with GOMM_OPTIONS=report_format=json
#                    instead of through `gomm run --format json`
#   --tsan           informational (scripts/compare-tsan): build with clang's own
#                    -fsanitize=thread runtime instead and read TSan's text reports
#
# RACE_CORPUS_MANUAL=1 builds without `gomm cc`: compile with -fsanitize=thread,
# link with DIR/libgomm_race_cc.a and checker/race-interceptors.dynlist by
# hand (docs/gomm-cc.md, "The commands, exactly"), and run directly.
#
# Each program's first comment is its header (tests/races/README.md):
#   /* race-corpus: expect=race|norace [lines=A,B] category=NAME [cflags=...]
#    * [known: gomm-bug <what>]
# A program matches when the verdict (race iff the run exits 66 with at least
# one report) equals `expect` and, for a race, some report's two accesses have
# exactly the lines A and B (either order) and every report names a line of
# the program for both accesses (a lost stack is a mismatch). An access's line
# is that of the first stack frame in the program's own source file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$here/.." "$@" <<'PYTHON'
import concurrent.futures, json, os, re, shutil, subprocess, sys, tempfile, time

src_root = os.path.realpath(sys.argv[1])
args = sys.argv[2:]

def usage(msg=None):
    if msg:
        print("race-corpus: " + msg, file=sys.stderr)
    print("usage: scripts/race-corpus.sh [--build-dir DIR] [--gomm PATH] [--cc clang|gcc] "
          "[--jobs N] [--keep] [--filter SUBSTR] [--results FILE] [--direct] [--tsan]",
          file=sys.stderr)
    sys.exit(2)

opt = {"build": os.environ.get("GOMM_BUILD_DIR") or os.path.join(src_root, "build", "release"),
       "gomm": None, "cc": "clang", "jobs": os.cpu_count() or 2, "keep": False,
       "filter": None, "results": None, "direct": False, "tsan": False}
i = 0
while i < len(args):
    a = args[i]
    def val():
        global i
        if i + 1 >= len(args):
            usage(a + " needs a value")
        i += 1
        return args[i]
    if a == "--build-dir": opt["build"] = val()
    elif a == "--gomm": opt["gomm"] = val()
    elif a == "--cc": opt["cc"] = val()
    elif a == "--jobs":
        try: opt["jobs"] = max(1, int(val()))
        except ValueError: usage("--jobs needs a number")
    elif a == "--keep": opt["keep"] = True
    elif a == "--filter": opt["filter"] = val()
    elif a == "--results": opt["results"] = val()
    elif a == "--direct": opt["direct"] = True
    elif a == "--tsan": opt["tsan"] = True
    elif a in ("-h", "--help"): usage()
    else: usage("unknown argument " + a)
    i += 1

if opt["cc"] not in ("clang", "gcc"):
    usage("--cc must be clang or gcc")
manual = os.environ.get("RACE_CORPUS_MANUAL", "") not in ("", "0")
build = os.path.realpath(opt["build"])
gomm = opt["gomm"] or os.path.join(build, "gomm")
corpus = os.path.join(src_root, "tests", "races")
dynlist = os.path.join(src_root, "checker", "race-interceptors.dynlist")
runtime_cc = os.path.join(build, "libgomm_race_cc.a")

if opt["tsan"]:
    if opt["cc"] != "clang":
        usage("--tsan uses clang's own ThreadSanitizer; --cc gcc does not apply")
    if not shutil.which("clang"):
        usage("clang not found")
elif manual:
    if not os.path.exists(runtime_cc):
        usage("RACE_CORPUS_MANUAL=1: %s not found (build gomm first)" % runtime_cc)
    if not shutil.which(opt["cc"]):
        usage(opt["cc"] + " not found")
elif not os.access(gomm, os.X_OK):
    usage("no gomm tool at %s (use --build-dir or --gomm)" % gomm)

# ---- the headers ----
HEADER = re.compile(r"/\*\s*race-corpus:(.*?)\*/", re.S)

def parse_header(path):
    text = open(path, encoding="utf-8").read()
    m = HEADER.search(text[:2000])
    if not m:
        return None, "no race-corpus header"
    body = m.group(1)
    h = {"expect": None, "lines": None, "category": "?", "cflags": [], "known": None,
         "what": ""}
    first = body.split("\n", 1)[0]
    for tok in first.split():
        if "=" not in tok:
            continue
        k, v = tok.split("=", 1)
        if k == "expect": h["expect"] = v
        elif k == "lines":
            try: h["lines"] = tuple(sorted(int(x) for x in v.split(",")))
            except ValueError: return None, "bad lines= " + v
        elif k == "category": h["category"] = v
        elif k == "cflags": h["cflags"] = v.split(",")
    km = re.search(r"known:\s*(gomm-bug\b[^\n*]*)", body)
    if km:
        h["known"] = km.group(1).strip()
    wm = re.search(r"What:\s*(.*)", body)
    if wm:
        h["what"] = wm.group(1).strip()
    if h["expect"] not in ("race", "norace"):
        return None, "expect= must be race or norace"
    if h["expect"] == "race" and (not h["lines"] or len(h["lines"]) != 2):
        return None, "a race needs lines=A,B"
    # the /* race */ marks in the source must agree with lines=
    marks = [i + 1 for i, l in enumerate(text.split("\n")) if "/* race */" in l]
    if len(marks) == 1:
        marks = marks * 2
    if h["expect"] == "race" and marks and tuple(sorted(marks)) != h["lines"]:
        return None, "lines=%d,%d but /* race */ marks lines %s" % (h["lines"] + (",".join(map(str, marks)),))
    if h["expect"] == "norace" and marks:
        return None, "a norace program with /* race */ marks"
    return h, None

# ---- building ----
CFLAGS = ["-g", "-O1", "-Wall", "-Wextra"]
GCC_NOBUILTIN = ["-fno-builtin-memcpy", "-fno-builtin-memmove", "-fno-builtin-memset"]
LINK_RT = ["-Wl,--whole-archive", runtime_cc, "-Wl,--no-whole-archive",
           "-Wl,--dynamic-list=" + dynlist, "-ldw", "-lpthread", "-ldl", "-latomic"]

def run(cmd, env=None, timeout=300, cwd=None):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        return "timeout", out, err

def build_prog(src, exe, h):
    flags = CFLAGS + h["cflags"]
    if opt["tsan"]:
        cmds = [["clang", "-fsanitize=thread"] + flags + [src, "-o", exe, "-latomic"]]
    elif manual:
        cc = opt["cc"]
        obj = exe + ".o"
        extra = GCC_NOBUILTIN if cc == "gcc" else []
        cmds = [[cc, "-fsanitize=thread"] + extra + flags + ["-c", src, "-o", obj],
                [cc, obj, "-o", exe] + LINK_RT]
    else:
        cmds = [[gomm, "cc"] + flags + [src, "-o", exe]]
    env = dict(os.environ)
    env["GOMM_CC"] = opt["cc"]
    log = ""
    for c in cmds:
        rc, out, err = run(c, env=env)
        log += "$ " + " ".join(c) + "\n" + out + err
        if rc != 0:
            return False, log
    return True, log

# ---- reports ----
def same_file(f, src):
    if not f:
        return False
    if os.path.isabs(f):
        return os.path.realpath(f) == src
    return os.path.basename(f) == os.path.basename(src)

def own_line(stack, src):
    for fr in stack:
        if same_file(fr.get("file"), src):
            return fr.get("line")
    return None

def parse_json_reports(text, src):
    reps = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if "current" not in d or "previous" not in d:
            continue
        reps.append({"type": d.get("type"),
                     "cur": own_line(d["current"].get("stack") or [], src),
                     "prev": own_line(d["previous"].get("stack") or [], src)})
    return reps

FRAME = re.compile(r"^\s+#\d+\s+\S+\s+(\S+?):(\d+)(?::\d+)?\s")

def parse_tsan_text(text, src):
    """TSan's text reports: the first frame in the program's file under the
    current access and under the previous one."""
    reps, other = [], []
    cur = None
    section = None
    for line in text.splitlines():
        if line.startswith("WARNING: ThreadSanitizer: "):
            kind = line[len("WARNING: ThreadSanitizer: "):].split(" (pid")[0]
            if kind in ("data race", "heap-use-after-free"):
                cur = {"type": kind, "cur": None, "prev": None}
                reps.append(cur)
            else:
                other.append(kind)
                cur = None
            section = None
            continue
        if cur is None:
            continue
        s = line.strip()
        if re.match(r"(Read|Write|Atomic read|Atomic write) of size", s):
            section = "cur"
        elif s.startswith("Previous "):
            section = "prev"
        elif s.startswith(("Location is", "Mutex ", "Thread T", "SUMMARY:", "As if")):
            section = None
        elif section:
            m = FRAME.match(line)
            if m and cur[section] is None and same_file(m.group(1), src):
                cur[section] = int(m.group(2))
    return reps, other

def check(name, src, workdir):
    h, err = parse_header(src)
    res = {"name": name, "category": "?", "expect": "?", "got": "error", "lines": "",
           "status": "FAIL", "note": "", "time": 0.0}
    if h is None:
        res["note"] = err
        return res
    res.update(category=h["category"], expect=h["expect"])
    exe = os.path.join(workdir, name)
    t0 = time.time()
    ok, log = build_prog(src, exe, h)
    open(exe + ".build.log", "w").write(log)
    if not ok:
        res["got"] = "build-error"
        res["note"] = "build failed: " + exe + ".build.log"
        res["time"] = time.time() - t0
        return res
    warned = re.search(r"\bwarning:", log) is not None
    env = dict(os.environ)
    other = []
    if opt["tsan"]:
        env["TSAN_OPTIONS"] = "exitcode=66 halt_on_error=0 report_signal_unsafe=0"
        rc, out, errtext = run([exe], env=env, timeout=120, cwd=workdir)
        reports, other = parse_tsan_text(errtext, src)
        raw = errtext
    elif opt["direct"] or manual:
        env["GOMM_OPTIONS"] = ("report_format=json " + env.get("GOMM_OPTIONS", "")).strip()
        rc, out, errtext = run([exe], env=env, timeout=120, cwd=workdir)
        reports = parse_json_reports(errtext, src)
        raw = errtext
    else:
        jout = exe + ".json"
        rc, out, errtext = run([gomm, "run", "--format", "json", "--out", jout, "--", exe],
                               env=env, timeout=120, cwd=workdir)
        raw = open(jout).read() if os.path.exists(jout) else ""
        reports = parse_json_reports(raw, src)
        raw += errtext
    res["time"] = time.time() - t0
    open(exe + ".run.log", "w").write("exit: %s\n--- stdout\n%s--- stderr/reports\n%s" % (rc, out, raw))
    pairs = sorted({tuple(sorted((r["cur"] or 0, r["prev"] or 0))) for r in reports})
    res["lines"] = " ".join("%s,%s" % (a or "?", b or "?") for a, b in pairs)
    if rc == "timeout":
        res["got"] = "timeout"
    elif rc == 66 and (reports or other):
        res["got"] = "race" if reports else "other"
    elif rc == 0 and not reports:
        res["got"] = "norace"
    else:
        res["got"] = "exit%s" % rc
        if reports:
            res["got"] += "+race"
    if other:
        res["note"] = "also: " + ", ".join(sorted(set(other)))
    match = res["got"] == h["expect"]
    if match and h["expect"] == "race":
        match = h["lines"] in pairs
        if not match:
            res["note"] = "expected lines %d,%d" % h["lines"]
        elif any(r["cur"] is None or r["prev"] is None for r in reports):
            match = False  # every report must name both lines (no lost stack)
            res["note"] = "a report has no line of this program (stack lost?)"
    if warned:
        res["note"] = (res["note"] + "; " if res["note"] else "") + "compiler warnings"
    if h["known"] and not opt["tsan"]:
        res["status"] = "XPASS" if match else "KNOWN"
        res["note"] = (res["note"] + "; " if res["note"] else "") + h["known"]
    else:
        res["status"] = "OK" if match else "FAIL"
    return res

progs = sorted(f[:-2] for f in os.listdir(corpus) if f.endswith(".c"))
if opt["filter"]:
    progs = [p for p in progs if opt["filter"] in p]
if not progs:
    usage("no programs in " + corpus + (" matching " + opt["filter"] if opt["filter"] else ""))

work = tempfile.mkdtemp(prefix="race-corpus.")
mode = ("clang's own TSan" if opt["tsan"] else
        ("manual link, " + opt["cc"]) if manual else
        ("gomm cc (%s) + %s" % (opt["cc"], "direct run" if opt["direct"] else "gomm run")))
print("race-corpus: %d programs, %s, %d jobs, work dir %s" % (len(progs), mode, opt["jobs"], work),
      flush=True)
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(max_workers=opt["jobs"]) as ex:
    results = list(ex.map(lambda p: check(p, os.path.join(corpus, p + ".c"), work), progs))
elapsed = time.time() - t0

w = max(len(r["name"]) for r in results)
print("%-*s  %-10s  %-8s  %-11s  %-13s  %s" % (w, "program", "category", "expected", "got", "lines", "status"))
for r in results:
    line = "%-*s  %-10s  %-8s  %-11s  %-13s  %s" % (w, r["name"], r["category"], r["expect"],
                                                    r["got"], r["lines"] or "-", r["status"])
    if r["note"]:
        line += "  (" + r["note"] + ")"
    print(line)

cats = {}
for r in results:
    c = cats.setdefault(r["category"], [0, 0])
    c[0] += 1
    c[1] += r["status"] in ("OK", "XPASS")
print("\nby category: " + ", ".join("%s %d/%d" % (k, v[1], v[0]) for k, v in sorted(cats.items())))
n_ok = sum(r["status"] == "OK" for r in results)
n_fail = sum(r["status"] == "FAIL" for r in results)
n_known = sum(r["status"] == "KNOWN" for r in results)
n_xpass = sum(r["status"] == "XPASS" for r in results)
slow = max(results, key=lambda r: r["time"])
print("race-corpus: %d programs: %d OK, %d FAIL, %d known gomm bugs%s; %.1f s (slowest: %s %.1f s)"
      % (len(results), n_ok, n_fail, n_known,
         (", %d known bugs now pass" % n_xpass) if n_xpass else "", elapsed, slow["name"], slow["time"]))

if opt["results"]:
    with open(opt["results"], "w") as f:
        for r in results:
            f.write("\t".join([r["name"], r["category"], r["expect"], r["got"], r["lines"] or "-",
                               r["status"], r["note"]]) + "\n")
if opt["keep"] or n_fail:
    print("race-corpus: logs kept in " + work)
else:
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if n_fail else 0)
PYTHON
