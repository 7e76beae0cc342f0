/*
 * tools/json.h — a small JSON reader and string writer for `gomm run`,
 * which reads the race runtime's JSON report lines and writes JSON,
 * SARIF and JUnit XML.
 *
 * Invariants: a parsed value owns all its children and strings; strings
 * are NUL-terminated UTF-8 (a \u0000 escape ends the C string early, which
 * report strings never contain). Accessors accept NULL and wrong types and
 * then return the given default, so callers can walk optional keys without
 * checks.
 */
#ifndef GOMM_TOOLS_JSON_H
#define GOMM_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "tools.h"

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype t;
    bool b;
    double num;
    char *s;             /* J_STR */
    struct jval **items; /* J_ARR, J_OBJ: values */
    char **keys;         /* J_OBJ: keys, parallel to items */
    size_t n;
} jval;

/* Parses one JSON value that fills text[0..len) (blanks around it are
 * allowed). NULL on error, with a static message in *err. */
jval *json_parse(const char *text, size_t len, const char **err);
void json_free(jval *v);

const jval *json_get(const jval *obj, const char *key);
const jval *json_at(const jval *arr, size_t i);
size_t json_len(const jval *arr);
const char *json_str(const jval *v, const char *dflt);
long long json_int(const jval *v, long long dflt);
bool json_bool(const jval *v, bool dflt);
/* A "0x..." string as a number (addresses are strings in reports). */
unsigned long long json_hex(const jval *v, unsigned long long dflt);

/* Appends s as a JSON string literal (quotes included); NULL: null. */
void json_put_str(sbuf *b, const char *s);
/* Appends v as compact JSON (numbers that are integers print as such). */
void json_write(sbuf *b, const jval *v);

#endif /* GOMM_TOOLS_JSON_H */
