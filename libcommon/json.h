/* json.h: writing JSON text, and reading fields of a JSON object (yajl). */
#ifndef KC_JSON_H
#define KC_JSON_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

/* Appends s[0..n) to b as a quoted JSON string, escaping as RFC 8259 asks. */
void kc_json_add_string(struct kc_buf *b, const char *s, size_t n);

/* Appends "key": (quoted key and a colon) to b. */
void kc_json_add_key(struct kc_buf *b, const char *key);

/*
 * A parsed JSON document (an opaque yajl tree). kc_json_parse returns NULL
 * and fills e (KC_EDATA, with yajl's reason) on bad JSON, including text
 * nested deeper than KC_JSON_MAX_DEPTH; kc_json_free frees.
 */
struct kc_json;
#define KC_JSON_MAX_DEPTH 256
struct kc_json *kc_json_parse(const char *text, size_t n, struct kc_error *e);
void kc_json_free(struct kc_json *j);

/*
 * Looks up a dotted path ("user.id") of object members from the root.
 * On success sets *out and *outlen to the value's text: a string's contents
 * (unescaped), or a number's literal; *out points into j and stays valid
 * until kc_json_free. Returns 0; -1 when a member is missing, null, or
 * not a string or number (then *type_msg says which: "missing", "not a
 * string or number").
 */
int kc_json_get(struct kc_json *j, const char *path, const char **out,
		size_t *outlen, const char **type_msg);

/* Like kc_json_get, but only a string will do ("not a string" otherwise). */
int kc_json_get_string(struct kc_json *j, const char *path, const char **out,
		       size_t *outlen, const char **type_msg);

/*
 * Appends the compact JSON text in[0..n) to out re-indented the way the AWS
 * CLI prints (4 spaces, "key": value), ending with a newline. The input
 * must be valid JSON produced by this program; it is not re-validated.
 */
void kc_json_pretty(const char *in, size_t n, struct kc_buf *out);

#endif
