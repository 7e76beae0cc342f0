/*
 * tools/formats.c — `gomm run`'s output formats, built from the race
 * runtime's JSON reports (docs/race-reports.md):
 *   text   ThreadSanitizer's layout, regenerated field by field;
 *   json   the runtime's report lines as written, then one summary object;
 *   sarif  SARIF 2.1.0: one result per race, the current access as the
 *          location, the previous access (and the allocation) as related
 *          locations, both stacks, a stable fingerprint;
 *   junit  a <testsuite name="gomm-race">: one failing test case per new
 *          race, a skipped one per known (baselined) race, and one passing
 *          test case when nothing failed.
 * Only new races are printed (text, json, sarif); known ones are counted.
 *
 * Invariants: output is built in memory (sbuf) and written by the caller;
 * strings from reports are escaped for the target format (JSON escapes,
 * XML entities with characters XML 1.0 forbids dropped, URI
 * percent-encoding); a missing or malformed field prints as unknown, never
 * crashes.
 */
#define _GNU_SOURCE
#include "run.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gomm/gomm.h>

/* ---- frames ---- */

static bool runtime_function(const char *fn)
{
    static const char *const names[] = {
        "malloc",        "calloc",         "realloc",      "free",         "posix_memalign",
        "aligned_alloc", "memalign",       "valloc",       "pvalloc",      "reallocarray",
        "memcpy",        "memmove",        "memset",       "memcmp",       "strlen",
        "strnlen",       "strcpy",         "strncpy",      "strcat",       "strncat",
        "strcmp",        "strncmp",        "strchr",       "strrchr",      "strdup",
        "strndup",       "gm_malloc",      "gm_free",      "gm_realloc",   "gm_calloc",
        "__memcpy_chk",  "__memmove_chk",  "__memset_chk", "__strcpy_chk", "bcopy",
        "bzero",         "explicit_bzero", "__bzero",      "wmemcpy",      "mempcpy",
    };
    if (!fn)
        return false;
    if (!strncmp(fn, "__tsan_", 7) || !strncmp(fn, "__interceptor_", 14) ||
        !strncmp(fn, "___interceptor_", 15) || !strncmp(fn, "gm_race_", 8))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(fn, names[i]))
            return true;
    return false;
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

static bool runtime_frame(const jval *f)
{
    const char *module = base_name(json_str(json_get(f, "module"), NULL));
    if (module && !strncmp(module, "libgomm_race", 12))
        return true;
    return runtime_function(json_str(json_get(f, "function"), NULL));
}

const jval *top_user_frame(const jval *stack)
{
    size_t n = json_len(stack);
    for (size_t i = 0; i < n; i++)
        if (!runtime_frame(json_at(stack, i)))
            return json_at(stack, i);
    return json_at(stack, 0);
}

const jval *top_source_frame(const jval *stack)
{
    size_t n = json_len(stack);
    for (size_t i = 0; i < n; i++) {
        const jval *f = json_at(stack, i);
        if (!runtime_frame(f) && json_str(json_get(f, "file"), NULL))
            return f;
    }
    return top_user_frame(stack);
}

char *rel_path(const char *file, const char *srcroot)
{
    size_t n = srcroot ? strlen(srcroot) : 0;
    if (n && file[0] == '/' && !strncmp(file, srcroot, n) && file[n] == '/')
        file += n + 1;
    else if (n == 1 && srcroot[0] == '/' && file[0] == '/')
        file += 1;
    while (file[0] == '.' && file[1] == '/')
        file += 2;
    return xstrdup(file);
}

/* ---- text (ThreadSanitizer's layout) ---- */

static const char *thread_name(long tid, char *buf, size_t len)
{
    if (tid == 0)
        return "main thread";
    if (tid < 0)
        return "unknown thread";
    snprintf(buf, len, "thread T%ld", tid);
    return buf;
}

static void text_frame_source(sbuf *b, const jval *f)
{
    const char *file = json_str(json_get(f, "file"), NULL);
    if (!file) {
        sb_put(b, "<null>");
        return;
    }
    sb_put(b, file);
    long long line = json_int(json_get(f, "line"), 0);
    long long col = json_int(json_get(f, "column"), 0);
    if (line > 0) {
        sb_printf(b, ":%lld", line);
        if (col > 0)
            sb_printf(b, ":%lld", col);
    }
}

static void text_frame_module(sbuf *b, const jval *f)
{
    const char *module = json_str(json_get(f, "module"), NULL);
    if (module)
        sb_printf(b, "(%s+0x%llx)", base_name(module), json_hex(json_get(f, "offset"), 0));
    else
        sb_printf(b, "(0x%012llx)", json_hex(json_get(f, "pc"), 0));
}

static void text_stack(sbuf *b, const jval *holder)
{
    const jval *stack = json_get(holder, "stack");
    bool lost = json_bool(json_get(holder, "stack_lost"), false);
    size_t n = json_len(stack);
    if (lost || n == 0) {
        sb_put(b, "    [failed to restore the stack]\n");
        if (lost)
            sb_put(b, "    The history of that thread was overwritten: run with a larger "
                      "GOMM_OPTIONS=history_size (at most 7) to keep more of it.\n");
        sb_put(b, "\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const jval *f = json_at(stack, i);
        sb_printf(b, "    #%zu %s ", i, json_str(json_get(f, "function"), "<null>"));
        text_frame_source(b, f);
        sb_put(b, " ");
        text_frame_module(b, f);
        sb_put(b, "\n");
    }
    sb_put(b, "\n");
}

static void text_access(sbuf *b, const jval *a, bool first)
{
    bool write = !strcmp(json_str(json_get(a, "op"), "read"), "write") ||
                 json_bool(json_get(a, "free"), false);
    bool atomic = json_bool(json_get(a, "atomic"), false);
    const char *what;
    if (first)
        what = atomic ? (write ? "Atomic write" : "Atomic read") : (write ? "Write" : "Read");
    else
        what = atomic ? (write ? "Previous atomic write" : "Previous atomic read")
                      : (write ? "Previous write" : "Previous read");
    char tb[32];
    sb_printf(b, "  %s of size %lld at 0x%012llx by %s:\n", what, json_int(json_get(a, "size"), 0),
              json_hex(json_get(a, "addr"), 0),
              thread_name(json_int(json_get(a, "tid"), -1), tb, sizeof tb));
    text_stack(b, a);
}

static void text_location(sbuf *b, const jval *l)
{
    const char *kind = json_str(json_get(l, "kind"), NULL);
    char tb[32];
    if (!kind)
        return;
    long tid = (long)json_int(json_get(l, "tid"), -1);
    if (!strcmp(kind, "heap")) {
        sb_printf(b, "  Location is heap block of size %lld at 0x%012llx%s allocated by %s:\n",
                  json_int(json_get(l, "size"), 0), json_hex(json_get(l, "start"), 0),
                  json_bool(json_get(l, "freed"), false) ? " (already freed)" : "",
                  thread_name(tid, tb, sizeof tb));
        text_stack(b, l);
    } else if (!strcmp(kind, "stack")) {
        sb_printf(b, "  Location is stack of %s.\n\n", thread_name(tid, tb, sizeof tb));
    } else if (!strcmp(kind, "tls")) {
        sb_printf(b, "  Location is TLS of %s.\n\n", thread_name(tid, tb, sizeof tb));
    } else if (!strcmp(kind, "global")) {
        sb_printf(b, "  Location is global '%s' ", json_str(json_get(l, "name"), "<null>"));
        long long size = json_int(json_get(l, "size"), 0);
        if (size)
            sb_printf(b, "of size %lld ", size);
        const char *module = json_str(json_get(l, "module"), NULL);
        sb_printf(b, "at 0x%012llx (%s+0x%llx)\n\n", json_hex(json_get(l, "start"), 0),
                  module ? base_name(module) : "<null>", json_hex(json_get(l, "offset"), 0));
    }
}

static void text_threads(sbuf *b, const jval *threads)
{
    size_t n = json_len(threads);
    for (size_t i = 0; i < n; i++) {
        const jval *t = json_at(threads, i);
        long tid = (long)json_int(json_get(t, "tid"), -1);
        bool repeated = false;
        for (size_t j = 0; j < i; j++)
            if (json_int(json_get(json_at(threads, j), "tid"), -2) == tid)
                repeated = true;
        if (tid == 0 || repeated)
            continue;
        bool stack =
            json_bool(json_get(t, "stack_lost"), false) || json_len(json_get(t, "stack")) > 0;
        long parent = (long)json_int(json_get(t, "parent_tid"), -1);
        sb_printf(b, "  Thread T%ld (tid=%lld, %s)", tid, json_int(json_get(t, "os_tid"), 0),
                  json_bool(json_get(t, "running"), false) ? "running" : "finished");
        if (parent >= 0) {
            char tb[32];
            sb_printf(b, " created by %s", thread_name(parent, tb, sizeof tb));
            sb_put(b, stack ? " at:\n" : "\n");
        } else if (stack) {
            sb_put(b, " created at:\n");
        } else {
            sb_put(b, " (the checker did not see its creation)\n\n");
            continue;
        }
        text_stack(b, t);
    }
}

/* The frame the SUMMARY line names: the first frame of the first stack
 * that has one (current, previous, allocation, the threads'). */
static const jval *summary_frame(const jval *o)
{
    const jval *holders[] = {json_get(o, "current"), json_get(o, "previous"),
                             json_get(o, "location"), json_at(json_get(o, "threads"), 0),
                             json_at(json_get(o, "threads"), 1)};
    for (size_t i = 0; i < sizeof holders / sizeof holders[0]; i++) {
        const jval *h = holders[i];
        if (h && !json_bool(json_get(h, "stack_lost"), false) && json_len(json_get(h, "stack")))
            return json_at(json_get(h, "stack"), 0);
    }
    return NULL;
}

void format_race_text(sbuf *b, const race *rc)
{
    const jval *o = rc->obj;
    if (!o) {
        sb_printf(b,
                  "==================\ngomm run: an unreadable report (%s):\n%s\n"
                  "==================\n",
                  rc->origin, rc->raw);
        return;
    }
    const char *tool = json_str(json_get(o, "tool"), "ThreadSanitizer");
    sb_put(b, "==================\n");
    sb_printf(b, "WARNING: %s: %s (pid=%lld)\n", tool, rc->type, json_int(json_get(o, "pid"), 0));
    text_access(b, json_get(o, "current"), true);
    text_access(b, json_get(o, "previous"), false);
    text_location(b, json_get(o, "location"));
    text_threads(b, json_get(o, "threads"));
    sb_printf(b, "SUMMARY: %s: %s", tool, rc->type);
    const jval *f = summary_frame(o);
    if (f) {
        sb_put(b, " ");
        if (json_str(json_get(f, "file"), NULL))
            text_frame_source(b, f);
        else
            text_frame_module(b, f);
        const char *fn = json_str(json_get(f, "function"), NULL);
        if (fn)
            sb_printf(b, " in %s", fn);
    }
    sb_put(b, "\n==================\n");
}

void format_text(sbuf *b, const run_result *r)
{
    for (size_t i = 0; i < r->nraces; i++)
        if (!r->races[i].known)
            format_race_text(b, &r->races[i]);
}

/* ---- JSON lines ---- */

void format_json(sbuf *b, const run_result *r)
{
    for (size_t i = 0; i < r->nraces; i++) {
        const race *rc = &r->races[i];
        if (rc->known)
            continue;
        if (rc->obj) {
            sb_put(b, rc->raw);
        } else {
            sb_put(b, "{\"type\":\"unreadable\",\"origin\":");
            json_put_str(b, rc->origin);
            sb_put(b, ",\"line\":");
            json_put_str(b, rc->raw);
            sb_put(b, "}");
        }
        sb_put(b, "\n");
    }
    sb_printf(b,
              "{\"type\":\"summary\",\"tool\":\"gomm run\",\"races\":%zu,\"known\":%zu,"
              "\"suppressed\":%ld,\"processes\":%d,\"program_status\":%d,\"exit_status\":%d}\n",
              r->nnew, r->nknown, r->suppressed, r->processes, r->program_status, r->exit_status);
}

/* ---- short descriptions ---- */

static const char *rule_id(const race *rc)
{
    return !strcmp(rc->type, "heap-use-after-free") ? "heap-use-after-free" : "data-race";
}

static void access_words(sbuf *b, const jval *a, bool previous)
{
    bool is_free = json_bool(json_get(a, "free"), false);
    bool write = !strcmp(json_str(json_get(a, "op"), "read"), "write") || is_free;
    bool atomic = json_bool(json_get(a, "atomic"), false);
    char tb[32];
    const char *who = thread_name(json_int(json_get(a, "tid"), -1), tb, sizeof tb);
    if (is_free && previous) {
        sb_printf(b, "free by %s", who);
        return;
    }
    sb_printf(b, "%s%s%s of size %lld by %s", previous ? "previous " : "", atomic ? "atomic " : "",
              write ? "write" : "read", json_int(json_get(a, "size"), 0), who);
}

/* "func (file:line)" of a frame, file relative to srcroot. */
static void frame_words(sbuf *b, const jval *f, const char *srcroot)
{
    const char *fn = json_str(json_get(f, "function"), NULL);
    const char *file = json_str(json_get(f, "file"), NULL);
    sb_put(b, fn ? fn : "<unknown function>");
    if (file) {
        char *rel = rel_path(file, srcroot);
        sb_printf(b, " (%s", rel);
        long long line = json_int(json_get(f, "line"), 0);
        if (line > 0)
            sb_printf(b, ":%lld", line);
        sb_put(b, ")");
        free(rel);
    } else if (json_str(json_get(f, "module"), NULL)) {
        sb_printf(b, " (%s+0x%llx)", base_name(json_str(json_get(f, "module"), NULL)),
                  json_hex(json_get(f, "offset"), 0));
    }
}

/* "data race: writer (race.c:12) vs reader (race.c:20)" */
static void race_title(sbuf *b, const race *rc, const char *srcroot)
{
    sb_printf(b, "%s: ", rc->type);
    if (!rc->obj) {
        sb_printf(b, "unreadable report (%s)", rc->origin);
        return;
    }
    if (rc->top[0])
        frame_words(b, rc->top[0], srcroot);
    else
        sb_put(b, "<no stack>");
    sb_put(b, " vs ");
    if (rc->top[1])
        frame_words(b, rc->top[1], srcroot);
    else
        sb_put(b, "<no stack>");
}

/* ---- SARIF 2.1.0 ---- */

static void uri_encode(sbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/!$&'()*+,;=:@", *p))
            sb_putc(b, (char)*p);
        else
            sb_printf(b, "%%%02X", *p);
    }
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void sarif_artifact(sbuf *b, const char *file, const char *srcroot)
{
    sb_put(b, "\"artifactLocation\":{\"uri\":\"");
    char *rel = rel_path(file, srcroot);
    if (rel[0] == '/') {
        sb_put(b, "file://");
        uri_encode(b, rel);
        sb_put(b, "\"}");
    } else {
        uri_encode(b, rel);
        sb_put(b, "\",\"uriBaseId\":\"%SRCROOT%\"}");
    }
    free(rel);
}

/* A SARIF location object for a frame (physical when it has a file, else
 * its module; logical: the function). */
static void sarif_location(sbuf *b, const jval *f, const char *srcroot, int id, const char *msg)
{
    sb_put(b, "{");
    if (id >= 0)
        sb_printf(b, "\"id\":%d,", id);
    const char *file = json_str(json_get(f, "file"), NULL);
    const char *module = json_str(json_get(f, "module"), NULL);
    bool comma = false;
    if (file || module) {
        sb_put(b, "\"physicalLocation\":{");
        sarif_artifact(b, file ? file : module, srcroot);
        long long line = json_int(json_get(f, "line"), 0);
        long long col = json_int(json_get(f, "column"), 0);
        if (file && line > 0) {
            sb_printf(b, ",\"region\":{\"startLine\":%lld", line);
            if (col > 0)
                sb_printf(b, ",\"startColumn\":%lld", col);
            sb_put(b, "}");
        } else if (!file && module) {
            sb_printf(b, ",\"address\":{\"relativeAddress\":%llu}",
                      json_hex(json_get(f, "offset"), 0));
        }
        sb_put(b, "}");
        comma = true;
    }
    const char *fn = json_str(json_get(f, "function"), NULL);
    if (fn) {
        sb_put(b, comma ? ",\"logicalLocations\":[{\"name\":" : "\"logicalLocations\":[{\"name\":");
        json_put_str(b, fn);
        sb_put(b, ",\"kind\":\"function\"}]");
        comma = true;
    }
    if (msg) {
        sb_put(b, comma ? ",\"message\":{\"text\":" : "\"message\":{\"text\":");
        json_put_str(b, msg);
        sb_put(b, "}");
    }
    sb_put(b, "}");
}

static void sarif_stack(sbuf *b, const jval *holder, const char *what, const char *srcroot)
{
    sb_put(b, "{\"message\":{\"text\":");
    json_put_str(b, what);
    sb_put(b, "},\"frames\":[");
    const jval *stack = json_get(holder, "stack");
    for (size_t i = 0; i < json_len(stack); i++) {
        const jval *f = json_at(stack, i);
        sb_put(b, i ? ",{\"location\":" : "{\"location\":");
        sarif_location(b, f, srcroot, -1, NULL);
        const char *module = json_str(json_get(f, "module"), NULL);
        if (module) {
            sb_put(b, ",\"module\":");
            json_put_str(b, base_name(module));
        }
        sb_put(b, "}");
    }
    sb_put(b, "]}");
}

static void sarif_result(sbuf *b, const race *rc, const char *srcroot, bool baseline)
{
    const char *rule = rule_id(rc);
    sb_put(b, "{\"ruleId\":");
    json_put_str(b, rule);
    sb_printf(b, ",\"ruleIndex\":%d,\"level\":\"error\"", strcmp(rule, "data-race") ? 1 : 0);
    sbuf msg = {0};
    const jval *o = rc->obj;
    const jval *cur = json_get(o, "current"), *prev = json_get(o, "previous");
    const jval *loc = json_get(o, "location");
    const jval *cur_f = top_source_frame(json_get(cur, "stack"));
    const jval *prev_f = top_source_frame(json_get(prev, "stack"));
    const jval *alloc_f = top_source_frame(json_get(loc, "stack"));
    if (!o) {
        sb_printf(&msg, "An unreadable race report (%s): %s", rc->origin, rc->raw);
    } else {
        sb_put(&msg, !strcmp(rule, "data-race") ? "Data race: " : "Heap use after free: ");
        access_words(&msg, cur, false);
        if (cur_f) {
            sb_put(&msg, " in ");
            sb_put(&msg, json_str(json_get(cur_f, "function"), "<unknown function>"));
        }
        sb_put(&msg, " is not ordered with the ");
        access_words(&msg, prev, true);
        if (prev_f) {
            sb_put(&msg, " in [");
            frame_words(&msg, prev_f, srcroot);
            sb_put(&msg, "](1)");
        }
        const char *kind = json_str(json_get(loc, "kind"), NULL);
        if (kind && !strcmp(kind, "heap")) {
            sb_printf(&msg, ". The heap block of size %lld was allocated",
                      json_int(json_get(loc, "size"), 0));
            if (alloc_f) {
                sb_put(&msg, " in [");
                frame_words(&msg, alloc_f, srcroot);
                sb_put(&msg, "](2)");
            }
        } else if (kind && !strcmp(kind, "global")) {
            sb_printf(&msg, ". The memory is the global '%s'",
                      json_str(json_get(loc, "name"), "?"));
        } else if (kind && (!strcmp(kind, "stack") || !strcmp(kind, "tls"))) {
            char tb[32];
            sb_printf(&msg, ". The memory is on the %s of %s",
                      !strcmp(kind, "stack") ? "stack" : "TLS",
                      thread_name(json_int(json_get(loc, "tid"), -1), tb, sizeof tb));
        }
        sb_put(&msg, ".");
    }
    sb_put(b, ",\"message\":{\"text\":");
    json_put_str(b, msg.s);
    sb_put(b, "},\"locations\":[");
    if (cur_f)
        sarif_location(b, cur_f, srcroot, -1, NULL);
    sb_put(b, "]");
    if (prev_f || alloc_f) {
        sb_put(b, ",\"relatedLocations\":[");
        if (prev_f) {
            sbuf m = {0};
            access_words(&m, prev, true);
            sarif_location(b, prev_f, srcroot, 1, m.s);
            sb_free(&m);
        }
        if (alloc_f) {
            sbuf m = {0};
            sb_printf(&m, "allocation of the heap block of size %lld",
                      json_int(json_get(loc, "size"), 0));
            if (prev_f)
                sb_put(b, ",");
            sarif_location(b, alloc_f, srcroot, 2, m.s);
            sb_free(&m);
        }
        sb_put(b, "]");
    }
    if (o) {
        sb_put(b, ",\"stacks\":[");
        sbuf m = {0};
        sb_put(&m, "");
        access_words(&m, cur, false);
        sarif_stack(b, cur, m.s, srcroot);
        m.len = 0;
        sb_put(&m, "");
        access_words(&m, prev, true);
        sb_put(b, ",");
        sarif_stack(b, prev, m.s, srcroot);
        if (json_len(json_get(loc, "stack"))) {
            sb_put(b, ",");
            sarif_stack(b, loc, "allocation", srcroot);
        }
        sb_free(&m);
        sb_put(b, "]");
    }
    sb_printf(b, ",\"partialFingerprints\":{\"gommRaceKey/v1\":\"%016llx\"}",
              (unsigned long long)fnv1a(rc->key));
    if (baseline)
        sb_put(b, ",\"baselineState\":\"new\"");
    sb_printf(b, ",\"properties\":{\"pid\":%d,\"key\":", rc->pid);
    json_put_str(b, rc->key);
    sb_put(b, "}}");
    sb_free(&msg);
}

void format_sarif(sbuf *b, const run_result *r)
{
    sb_put(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
              "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"gomm\","
              "\"fullName\":\"gomm race checker\",");
    sb_put(b, "\"version\":");
    json_put_str(b, gm_version());
    sb_put(b, ",\"semanticVersion\":");
    json_put_str(b, gm_version());
    sb_put(b,
           ",\"rules\":["
           "{\"id\":\"data-race\",\"name\":\"DataRace\",\"shortDescription\":{\"text\":\"Data "
           "race\"},\"fullDescription\":{\"text\":\"Two threads access the same memory, at "
           "least one of them writes, at least one access is not atomic, and neither happens "
           "before the other.\"},\"help\":{\"text\":\"Order the two accesses with a lock, an "
           "atomic release/acquire pair, a channel or a join, or make both accesses "
           "atomic.\"},\"defaultConfiguration\":{\"level\":\"error\"},\"properties\":{\"tags\":["
           "\"concurrency\",\"data-race\"],\"precision\":\"high\",\"problem.severity\":"
           "\"error\"}},"
           "{\"id\":\"heap-use-after-free\",\"name\":\"HeapUseAfterFree\",\"shortDescription\":"
           "{\"text\":\"Heap use after free\"},\"fullDescription\":{\"text\":\"A thread accesses "
           "a heap block that another thread freed, with no synchronization between the free "
           "and the access.\"},\"help\":{\"text\":\"Free the block only after every other "
           "thread's last access to it happens before the free.\"},\"defaultConfiguration\":{"
           "\"level\":\"error\"},\"properties\":{\"tags\":[\"concurrency\",\"memory-safety\"],"
           "\"precision\":\"high\",\"problem.severity\":\"error\"}}]}},");
    sb_put(b, "\"originalUriBaseIds\":{\"%SRCROOT%\":{\"uri\":\"file://");
    uri_encode(b, r->srcroot);
    if (strcmp(r->srcroot, "/"))
        sb_put(b, "/");
    sb_put(b, "\"}},");
    sb_printf(b,
              "\"invocations\":[{\"executionSuccessful\":true,\"exitCode\":%d,"
              "\"properties\":{\"programStatus\":%d,\"processes\":%d,\"knownRaces\":%zu,"
              "\"suppressed\":%ld}}],",
              r->exit_status, r->program_status, r->processes, r->nknown, r->suppressed);
    sb_put(b, "\"results\":[");
    bool comma = false;
    bool baseline = r->nknown > 0;
    for (size_t i = 0; i < r->nraces; i++) {
        if (r->races[i].known)
            continue;
        if (comma)
            sb_put(b, ",");
        sarif_result(b, &r->races[i], r->srcroot, baseline);
        comma = true;
    }
    sb_put(b, "]}]}\n");
}

/* ---- JUnit XML ---- */

void xml_escape(sbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            sb_put(b, "&amp;");
            break;
        case '<':
            sb_put(b, "&lt;");
            break;
        case '>':
            sb_put(b, "&gt;");
            break;
        case '"':
            sb_put(b, "&quot;");
            break;
        case '\'':
            sb_put(b, "&apos;");
            break;
        default:
            if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
                break; /* not allowed in XML 1.0 */
            sb_putc(b, (char)*p);
        }
    }
}

void format_junit(sbuf *b, const run_result *r)
{
    size_t tests = r->nraces + (r->nnew == 0 ? 1 : 0);
    sb_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(b,
              "<testsuite name=\"gomm-race\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
              "skipped=\"%zu\">\n",
              tests, r->nnew, r->nknown);
    sb_put(b, "  <properties>\n    <property name=\"program\" value=\"");
    xml_escape(b, r->program);
    sb_printf(b,
              "\"/>\n    <property name=\"program_status\" value=\"%d\"/>\n"
              "    <property name=\"processes\" value=\"%d\"/>\n"
              "    <property name=\"suppressed\" value=\"%ld\"/>\n  </properties>\n",
              r->program_status, r->processes, r->suppressed);
    for (size_t i = 0; i < r->nraces; i++) {
        const race *rc = &r->races[i];
        sbuf title = {0};
        race_title(&title, rc, r->srcroot);
        sb_put(b, "  <testcase classname=\"gomm-race\" name=\"");
        xml_escape(b, title.s);
        sb_put(b, "\"");
        const jval *f =
            rc->top[0] ? top_source_frame(json_get(json_get(rc->obj, "current"), "stack")) : NULL;
        const char *file = json_str(json_get(f, "file"), NULL);
        if (file) {
            char *rel = rel_path(file, r->srcroot);
            sb_put(b, " file=\"");
            xml_escape(b, rel);
            sb_printf(b, "\" line=\"%lld\"", json_int(json_get(f, "line"), 0));
            free(rel);
        }
        sb_put(b, ">\n");
        if (rc->known) {
            sb_put(b, "    <skipped message=\"known race (baseline)\"/>\n");
        } else {
            sb_put(b, "    <failure type=\"");
            xml_escape(b, rc->type);
            sb_put(b, "\" message=\"");
            xml_escape(b, title.s);
            sb_put(b, "\">");
            sbuf text = {0};
            format_race_text(&text, rc);
            xml_escape(b, text.s);
            sb_free(&text);
            sb_put(b, "</failure>\n");
        }
        sb_put(b, "  </testcase>\n");
        sb_free(&title);
    }
    if (r->nnew == 0)
        sb_printf(b, "  <testcase classname=\"gomm-race\" name=\"no %sdata races\"/>\n",
                  r->nknown ? "new " : "");
    sb_put(b, "</testsuite>\n");
}
