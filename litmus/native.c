/*
 * litmus/native.c — compile and run one litmus test on this machine.
 *
 * The generated program (litmus/gen.c) is compiled once with the system
 * compiler (-O2 -pthread, as litmus7 does) into a cache directory named by
 * the 64-bit FNV-1a hash of the source and the compiler command, so reruns
 * skip the compiler; a compile goes to a temporary name that is renamed
 * into place, so concurrent runs of gomm never see a half-written binary.
 * The program's stdout is the harness's report (litmus/harness.c:
 * `state COUNT V0 V1 ...` lines), parsed here.
 *
 * Invariants: a failure leaves no partial output and returns a message
 * that names what failed (the compiler's or harness's stderr, truncated
 * to fit). Child processes are always reaped. Not thread-safe (callers
 * run one test at a time per thread; the cache rename makes concurrent
 * processes safe).
 */
#define _GNU_SOURCE
#include "native.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen.h"

char *lt_cache_dir(void)
{
    const char *e = getenv("GOMM_LITMUS_CACHE");
    char *d = NULL;
    if (e && *e)
        d = strdup(e);
    else if ((e = getenv("XDG_CACHE_HOME")) && *e) {
        if (asprintf(&d, "%s/gomm/litmus", e) < 0)
            d = NULL;
    } else if ((e = getenv("HOME")) && *e) {
        if (asprintf(&d, "%s/.cache/gomm/litmus", e) < 0)
            d = NULL;
    } else if (asprintf(&d, "/tmp/gomm-litmus-%u", (unsigned)getuid()) < 0) {
        d = NULL;
    }
    return d;
}

int lt_mkdir_p(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int r = mkdir(p, 0777) && errno != EEXIST ? -1 : 0;
    free(p);
    return r;
}

uint64_t lt_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Runs argv with stdout and stderr captured (each at most cap bytes kept,
 * the rest drained). Returns the wait status, or -1 (errno) when it could
 * not run. */
static int run_capture(char *const argv[], char **out, size_t *outlen, char **errout)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC))
        return -1;
    if (pipe2(pe, O_CLOEXEC)) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t cap[2] = {1 << 16, 1 << 14}, len[2] = {0, 0};
    char *buf[2] = {malloc(cap[0] + 1), malloc(cap[1] + 1)};
    int fds[2] = {po[0], pe[0]};
    int open_fds = 2;
    while (open_fds) {
        fd_set rs;
        FD_ZERO(&rs);
        int mx = -1;
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0) {
                FD_SET(fds[i], &rs);
                if (fds[i] > mx)
                    mx = fds[i];
            }
        if (select(mx + 1, &rs, NULL, NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i] < 0 || !FD_ISSET(fds[i], &rs))
                continue;
            char tmp[8192];
            ssize_t r = read(fds[i], tmp, sizeof tmp);
            if (r <= 0) {
                if (r < 0 && errno == EINTR)
                    continue;
                close(fds[i]);
                fds[i] = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && len[0] + (size_t)r > cap[0] && buf[0]) {
                /* stdout is the report: grow */
                while (len[0] + (size_t)r > cap[0])
                    cap[0] *= 2;
                char *nb = realloc(buf[0], cap[0] + 1);
                if (!nb) {
                    free(buf[0]);
                    buf[0] = NULL;
                }
                buf[0] = nb;
            }
            if (buf[i]) {
                size_t k = (size_t)r < cap[i] - len[i] ? (size_t)r : cap[i] - len[i];
                memcpy(buf[i] + len[i], tmp, k);
                len[i] += k;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            st = -1;
            break;
        }
    for (int i = 0; i < 2; i++)
        if (buf[i])
            buf[i][len[i]] = '\0';
    *out = buf[0];
    if (outlen)
        *outlen = len[0];
    *errout = buf[1];
    return st;
}

static void status_text(int st, char *buf, size_t n)
{
    if (WIFEXITED(st))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(buf, n, "wait status %d", st);
}

int lt_allowed_cpus(int *cpus, int max)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set)) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        for (int i = 0; i < c && n < max; i++)
            cpus[n++] = i;
        return n;
    }
    for (int i = 0; i < CPU_SETSIZE && n < max; i++)
        if (CPU_ISSET(i, &set))
            cpus[n++] = i;
    return n;
}

static int compile(const lt_test *t, const lt_native_opts *o, char **binary, char *err,
                   size_t errlen)
{
    char *src = NULL;
    size_t srclen = 0;
    FILE *mf = open_memstream(&src, &srclen);
    if (!mf || lt_gen_c(t, mf) || fclose(mf)) {
        snprintf(err, errlen, "%s: error: cannot generate the harness program", t->file);
        free(src);
        return -1;
    }
    const char *cc = o->cc ? o->cc : getenv("GOMM_LITMUS_CC");
    if (!cc || !*cc)
        cc = "cc";
    static const char flags[] = "-O2 -pthread -std=gnu11 -w";
    uint64_t h = lt_fnv(0xcbf29ce484222325ull, src, srclen);
    h = lt_fnv(h, cc, strlen(cc));
    h = lt_fnv(h, flags, sizeof flags);
    char *dir = o->cache_dir ? strdup(o->cache_dir) : lt_cache_dir();
    if (!dir || lt_mkdir_p(dir)) {
        snprintf(err, errlen, "%s: error: cannot create the cache directory %s: %s", t->file,
                 dir ? dir : "?", strerror(errno));
        free(dir);
        free(src);
        return -1;
    }
    char *bin = NULL, *csrc = NULL, *tmpbin = NULL;
    if (asprintf(&bin, "%s/%016llx", dir, (unsigned long long)h) < 0 ||
        asprintf(&csrc, "%s/%016llx.%d.c", dir, (unsigned long long)h, (int)getpid()) < 0 ||
        asprintf(&tmpbin, "%s/%016llx.%d.tmp", dir, (unsigned long long)h, (int)getpid()) < 0) {
        snprintf(err, errlen, "out of memory");
        free(dir);
        free(src);
        return -1;
    }
    free(dir);
    int rc = 0;
    if (access(bin, X_OK) != 0) {
        FILE *f = fopen(csrc, "w");
        if (!f || fwrite(src, 1, srclen, f) != srclen || fclose(f)) {
            snprintf(err, errlen, "%s: error: cannot write %s: %s", t->file, csrc, strerror(errno));
            rc = -1;
            goto out;
        }
        char *argv[] = {(char *)cc, "-O2", "-pthread", "-std=gnu11", "-w",
                        csrc,       "-o",  tmpbin,     NULL};
        char *cout = NULL, *cerr = NULL;
        int st = run_capture(argv, &cout, NULL, &cerr);
        if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            char stx[64];
            if (st == -1)
                snprintf(stx, sizeof stx, "%s", strerror(errno));
            else
                status_text(st, stx, sizeof stx);
            snprintf(err, errlen, "%s: error: compiling the harness with %s failed (%s)%s%s",
                     t->file, cc, stx, cerr && *cerr ? ":\n" : "", cerr ? cerr : "");
            unlink(tmpbin);
            rc = -1;
        } else if (rename(tmpbin, bin)) {
            snprintf(err, errlen, "%s: error: cannot rename %s: %s", t->file, tmpbin,
                     strerror(errno));
            rc = -1;
        }
        free(cout);
        free(cerr);
        if (!o->keep_source)
            unlink(csrc);
        else {
            char *keep = NULL;
            if (asprintf(&keep, "%s.c", bin) >= 0) {
                rename(csrc, keep);
                free(keep);
            }
        }
    }
out:
    free(src);
    free(csrc);
    free(tmpbin);
    if (rc)
        free(bin);
    else
        *binary = bin;
    return rc;
}

static int parse_report(const lt_test *t, char *text, lt_native_out *out, char *err, size_t errlen)
{
    int nv = t->nvars;
    int cap = 16;
    out->states = calloc((size_t)cap * (size_t)(nv ? nv : 1), sizeof *out->states);
    out->counts = calloc((size_t)cap, sizeof *out->counts);
    bool header = false, end = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strcmp(line, "gomm-litmus-harness 1")) {
            header = true;
            continue;
        }
        if (!strcmp(line, "end")) {
            end = true;
            continue;
        }
        if (!strncmp(line, "iterations ", 11))
            out->iterations = strtol(line + 11, NULL, 10);
        else if (!strncmp(line, "seconds ", 8))
            out->seconds = strtod(line + 8, NULL);
        else if (!strncmp(line, "late ", 5))
            out->late = strtol(line + 5, NULL, 10);
        else if (!strncmp(line, "loopbound ", 10))
            out->loopbound = strtol(line + 10, NULL, 10);
        else if (!strncmp(line, "period ", 7))
            out->period = strtol(line + 7, NULL, 10);
        else if (!strncmp(line, "ticks_per_second ", 17))
            out->ticks_per_second = strtod(line + 17, NULL);
        else if (!strncmp(line, "state ", 6)) {
            if (out->nstates == cap) {
                cap *= 2;
                int64_t *ns =
                    realloc(out->states, sizeof *ns * (size_t)cap * (size_t)(nv ? nv : 1));
                long *nc = realloc(out->counts, sizeof *nc * (size_t)cap);
                if (ns)
                    out->states = ns;
                if (nc)
                    out->counts = nc;
                if (!ns || !nc) {
                    snprintf(err, errlen, "out of memory");
                    return -1;
                }
            }
            char *p = line + 6, *e;
            out->counts[out->nstates] = strtol(p, &e, 10);
            for (int v = 0; v < nv; v++) {
                p = e;
                out->states[(size_t)out->nstates * (size_t)nv + (size_t)v] = strtoll(p, &e, 10);
                if (e == p) {
                    snprintf(err, errlen, "%s: error: malformed harness output line '%.60s'",
                             t->file, line);
                    return -1;
                }
            }
            out->nstates++;
        }
    }
    if (!header || !end) {
        snprintf(err, errlen, "%s: error: the harness's output is incomplete", t->file);
        return -1;
    }
    return 0;
}

int lt_native_run(const lt_test *t, const lt_native_opts *o, lt_native_out *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *bin = NULL;
    if (compile(t, o, &bin, err, errlen))
        return -1;
    out->binary = bin;
    char a_n[32], a_t[32], a_s[32], a_p[32], a_d[32], a_seed[32], a_c[64 * 6];
    char *argv[24];
    int k = 0;
    argv[k++] = bin;
    snprintf(a_n, sizeof a_n, "%ld", o->iterations);
    argv[k++] = "-n";
    argv[k++] = a_n;
    if (o->seconds > 0) {
        snprintf(a_t, sizeof a_t, "%ld", (long)(o->seconds * 1000));
        argv[k++] = "-t";
        argv[k++] = a_t;
    }
    if (o->size > 0) {
        snprintf(a_s, sizeof a_s, "%ld", o->size);
        argv[k++] = "-s";
        argv[k++] = a_s;
    }
    if (o->mode) {
        argv[k++] = "-m";
        argv[k++] = (char *)o->mode;
    }
    if (o->period > 0) {
        snprintf(a_p, sizeof a_p, "%ld", o->period);
        argv[k++] = "-p";
        argv[k++] = a_p;
    }
    if (o->delay >= 0) {
        snprintf(a_d, sizeof a_d, "%ld", o->delay);
        argv[k++] = "-d";
        argv[k++] = a_d;
    }
    if (o->seed) {
        snprintf(a_seed, sizeof a_seed, "%llu", (unsigned long long)(o->seed & ((1ull << 62) - 1)));
        argv[k++] = "-S";
        argv[k++] = a_seed;
    }
    if (o->cpus) {
        size_t w = 0;
        for (int i = 0; i < t->nthreads; i++)
            w += (size_t)snprintf(a_c + w, sizeof a_c - w, "%s%d", i ? "," : "", o->cpus[i]);
        argv[k++] = "-c";
        argv[k++] = a_c;
    }
    argv[k] = NULL;
    char *sout = NULL, *serr = NULL;
    int st = run_capture(argv, &sout, NULL, &serr);
    int rc = 0;
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char stx[96];
        if (st == -1)
            snprintf(stx, sizeof stx, "%s", strerror(errno));
        else
            status_text(st, stx, sizeof stx);
        snprintf(err, errlen, "%s: error: the harness program %s failed (%s)%s%s", t->file, bin,
                 stx, serr && *serr ? ":\n" : "", serr ? serr : "");
        rc = -1;
    } else if (!sout) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else {
        rc = parse_report(t, sout, out, err, errlen);
    }
    free(sout);
    free(serr);
    if (rc)
        lt_native_out_free(out);
    return rc;
}

void lt_native_out_free(lt_native_out *out)
{
    free(out->states);
    free(out->counts);
    free(out->binary);
    memset(out, 0, sizeof *out);
}
