/*
 * tools/json.c — a recursive-descent JSON parser into a small DOM, and a
 * JSON string writer (see json.h).
 *
 * Invariants: the parser never reads past text+len; nesting is limited to
 * 64 levels (the runtime's objects nest 5 deep), so a hostile line cannot
 * exhaust the stack; on error everything allocated so far is freed.
 * \u escapes become UTF-8 (surrogate pairs combined; a lone surrogate
 * becomes U+FFFD).
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct parser {
    const char *p, *end;
    const char *err;
    int depth;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static jval *new_val(jtype t)
{
    jval *v = xcalloc(1, sizeof *v);
    v->t = t;
    return v;
}

static bool lit(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
        return false;
    ps->p += n;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(parser *ps, unsigned *out)
{
    if (ps->end - ps->p < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    ps->p += 4;
    *out = v;
    return true;
}

static void put_utf8(sbuf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        sb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        sb_putn(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        sb_putn(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        sb_putn(b, u, 4);
    }
}

/* After the opening quote; returns the decoded string or NULL. */
static char *parse_string(parser *ps)
{
    sbuf b = {0};
    sb_put(&b, "");
    while (ps->p < ps->end) {
        char c = *ps->p++;
        if (c == '"')
            return b.s;
        if ((unsigned char)c < 0x20) {
            ps->err = "control character in a string";
            break;
        }
        if (c != '\\') {
            sb_putc(&b, c);
            continue;
        }
        if (ps->p >= ps->end)
            break;
        char e = *ps->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            sb_putc(&b, e);
            break;
        case 'b':
            sb_putc(&b, '\b');
            break;
        case 'f':
            sb_putc(&b, '\f');
            break;
        case 'n':
            sb_putc(&b, '\n');
            break;
        case 'r':
            sb_putc(&b, '\r');
            break;
        case 't':
            sb_putc(&b, '\t');
            break;
        case 'u': {
            unsigned cp;
            if (!hex4(ps, &cp)) {
                ps->err = "bad \\u escape";
                sb_free(&b);
                return NULL;
            }
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned lo;
                if (ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                    ps->p += 2;
                    if (hex4(ps, &lo) && lo >= 0xdc00 && lo < 0xe000)
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    else
                        cp = 0xfffd;
                } else {
                    cp = 0xfffd;
                }
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                cp = 0xfffd;
            }
            put_utf8(&b, cp);
            break;
        }
        default:
            ps->err = "bad escape in a string";
            sb_free(&b);
            return NULL;
        }
    }
    if (!ps->err)
        ps->err = "unterminated string";
    sb_free(&b);
    return NULL;
}

static jval *parse_value(parser *ps);

static void push_item(jval *v, jval *item, char *key)
{
    if ((v->n & (v->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        size_t cap = v->n ? v->n * 2 : 1;
        v->items = xrealloc(v->items, cap * sizeof *v->items);
        if (v->t == J_OBJ)
            v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
    }
    v->items[v->n] = item;
    if (v->t == J_OBJ)
        v->keys[v->n] = key;
    v->n++;
}

static jval *parse_container(parser *ps, bool obj)
{
    if (++ps->depth > MAX_DEPTH) {
        ps->err = "nested too deeply";
        return NULL;
    }
    jval *v = new_val(obj ? J_OBJ : J_ARR);
    char close = obj ? '}' : ']';
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (obj) {
            if (ps->p >= ps->end || *ps->p != '"') {
                ps->err = "expected a key";
                break;
            }
            ps->p++;
            key = parse_string(ps);
            if (!key)
                break;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                ps->err = "expected ':'";
                free(key);
                break;
            }
            ps->p++;
        }
        jval *item = parse_value(ps);
        if (!item) {
            free(key);
            break;
        }
        push_item(v, item, key);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        ps->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
        break;
    }
    json_free(v);
    return NULL;
}

static jval *parse_number(parser *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    bool digits = false;
    while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
                               *ps->p == 'E' || *ps->p == '+' || *ps->p == '-')) {
        if (*ps->p >= '0' && *ps->p <= '9')
            digits = true;
        ps->p++;
    }
    if (!digits) {
        ps->err = "unexpected character";
        return NULL;
    }
    char tmp[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof tmp) {
        ps->err = "number too long";
        return NULL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *endp;
    double d = strtod(tmp, &endp);
    if (*endp) {
        ps->err = "bad number";
        return NULL;
    }
    jval *v = new_val(J_NUM);
    v->num = d;
    return v;
}

static jval *parse_value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        ps->err = "unexpected end";
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        ps->p++;
        return parse_container(ps, c == '{');
    }
    if (c == '"') {
        ps->p++;
        char *s = parse_string(ps);
        if (!s)
            return NULL;
        jval *v = new_val(J_STR);
        v->s = s;
        return v;
    }
    if (lit(ps, "null"))
        return new_val(J_NULL);
    bool truth = lit(ps, "true");
    if (truth || lit(ps, "false")) {
        jval *v = new_val(J_BOOL);
        v->b = truth;
        return v;
    }
    return parse_number(ps);
}

jval *json_parse(const char *text, size_t len, const char **err)
{
    parser ps = {text, text + len, NULL, 0};
    jval *v = parse_value(&ps);
    if (v) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            json_free(v);
            v = NULL;
            ps.err = "trailing characters";
        }
    }
    if (!v && err)
        *err = ps.err ? ps.err : "invalid JSON";
    return v;
}

void json_free(jval *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

const jval *json_get(const jval *obj, const char *key)
{
    if (!obj || obj->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

const jval *json_at(const jval *arr, size_t i)
{
    if (!arr || arr->t != J_ARR || i >= arr->n)
        return NULL;
    return arr->items[i];
}

size_t json_len(const jval *arr)
{
    return arr && arr->t == J_ARR ? arr->n : 0;
}

const char *json_str(const jval *v, const char *dflt)
{
    return v && v->t == J_STR ? v->s : dflt;
}

long long json_int(const jval *v, long long dflt)
{
    return v && v->t == J_NUM ? (long long)v->num : dflt;
}

bool json_bool(const jval *v, bool dflt)
{
    return v && v->t == J_BOOL ? v->b : dflt;
}

unsigned long long json_hex(const jval *v, unsigned long long dflt)
{
    if (!v)
        return dflt;
    if (v->t == J_NUM)
        return (unsigned long long)v->num;
    if (v->t != J_STR)
        return dflt;
    char *end;
    unsigned long long x = strtoull(v->s, &end, 0);
    return *end ? dflt : x;
}

void json_put_str(sbuf *b, const char *s)
{
    if (!s) {
        sb_put(b, "null");
        return;
    }
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_put(b, "\\\"");
            break;
        case '\\':
            sb_put(b, "\\\\");
            break;
        case '\n':
            sb_put(b, "\\n");
            break;
        case '\r':
            sb_put(b, "\\r");
            break;
        case '\t':
            sb_put(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                sb_printf(b, "\\u%04x", *p);
            else
                sb_putc(b, (char)*p);
        }
    }
    sb_putc(b, '"');
}

void json_write(sbuf *b, const jval *v)
{
    if (!v) {
        sb_put(b, "null");
        return;
    }
    switch (v->t) {
    case J_NULL:
        sb_put(b, "null");
        break;
    case J_BOOL:
        sb_put(b, v->b ? "true" : "false");
        break;
    case J_NUM:
        if (v->num == (double)(long long)v->num && v->num > -9e15 && v->num < 9e15)
            sb_printf(b, "%lld", (long long)v->num);
        else
            sb_printf(b, "%.17g", v->num);
        break;
    case J_STR:
        json_put_str(b, v->s);
        break;
    case J_ARR:
        sb_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                sb_putc(b, ',');
            json_write(b, v->items[i]);
        }
        sb_putc(b, ']');
        break;
    case J_OBJ:
        sb_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                sb_putc(b, ',');
            json_put_str(b, v->keys[i]);
            sb_putc(b, ':');
            json_write(b, v->items[i]);
        }
        sb_putc(b, '}');
        break;
    }
}
