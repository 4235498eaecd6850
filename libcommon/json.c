/* json.c: JSON text out (into a kc_buf), JSON fields in (yajl's tree). */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "banned.h"

struct kc_json {
	yajl_val root;
};

/* Writes the escape of c (a quote, backslash or control) to out; its length. */
static size_t escape(unsigned char c, char out[6])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	switch (c) {
	case '"':
	case '\\':
		out[1] = (char)c;
		return 2;
	case '\b':
		out[1] = 'b';
		return 2;
	case '\f':
		out[1] = 'f';
		return 2;
	case '\n':
		out[1] = 'n';
		return 2;
	case '\r':
		out[1] = 'r';
		return 2;
	case '\t':
		out[1] = 't';
		return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

void kc_json_add_string(struct kc_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;
	char esc[6];

	kc_buf_grow(b, n + 2);
	kc_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
			continue;
		kc_buf_add(b, s + run, i - run);
		kc_buf_add(b, esc, escape(p[i], esc));
		run = i + 1;
	}
	kc_buf_add(b, s + run, n - run);
	kc_buf_addc(b, '"');
}

void kc_json_add_key(struct kc_buf *b, const char *key)
{
	kc_json_add_string(b, key, strlen(key));
	kc_buf_addc(b, ':');
}

/* Cuts yajl's message to its first line, without a final period. */
static void first_line(char *msg)
{
	size_t n = strcspn(msg, "\n");

	while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == '.'))
		n--;
	msg[n] = '\0';
}

/*
 * The deepest nesting of arrays and objects in text, ignoring brackets in
 * strings. yajl builds and frees its tree recursively, so a line of a
 * million brackets would exhaust the stack: such input is refused first.
 */
static size_t depth_of(const char *text, size_t n)
{
	size_t depth = 0, max = 0;
	int in_string = 0;

	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return max;
}

struct kc_json *kc_json_parse(const char *text, size_t n, struct kc_error *e)
{
	struct kc_json *j;
	char why[256] = "";
	char *copy;
	yajl_val root;

	if (memchr(text, '\0', n)) {
		kc_error_set(e, KC_EDATA, "invalid JSON: a NUL byte");
		return NULL;
	}
	if (depth_of(text, n) > KC_JSON_MAX_DEPTH) {
		kc_error_set(e, KC_EDATA, "invalid JSON: nested deeper than %d levels",
			     KC_JSON_MAX_DEPTH);
		return NULL;
	}
	copy = kc_xmalloc(n + 1);
	memcpy(copy, text, n);
	copy[n] = '\0';
	root = yajl_tree_parse(copy, why, sizeof(why));
	free(copy);
	if (!root) {
		first_line(why);
		kc_error_set(e, KC_EDATA, "invalid JSON: %s",
			     *why ? why : "empty input");
		return NULL;
	}
	j = kc_xmalloc(sizeof(*j));
	j->root = root;
	return j;
}

void kc_json_free(struct kc_json *j)
{
	if (!j)
		return;
	yajl_tree_free(j->root);
	free(j);
}

/* The member of object v named key[0..n), or NULL; the first of duplicates. */
static yajl_val member(yajl_val v, const char *key, size_t n)
{
	size_t i;

	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];

		if (!strncmp(k, key, n) && k[n] == '\0')
			return v->u.object.values[i];
	}
	return NULL;
}

/* An empty path names the root; null counts as missing. */
/* The value at a dotted path of object members, or NULL. */
static yajl_val lookup(struct kc_json *j, const char *path)
{
	yajl_val v = j->root;
	size_t n;

	while (v && *path) {
		n = strcspn(path, ".");
		v = member(v, path, n);
		path += n;
		if (*path == '.' && !*++path)
			v = NULL;
	}
	return v;
}

static int found(yajl_val v, int strings_only, const char **out, size_t *outlen,
		 const char **type_msg)
{
	const char *msg = "missing", *text = NULL;

	if (YAJL_IS_STRING(v))
		text = v->u.string;
	else if (YAJL_IS_NUMBER(v) && !strings_only)
		text = v->u.number.r;
	else if (v && !YAJL_IS_NULL(v))
		msg = strings_only ? "not a string" : "not a string or number";
	if (!text) {
		if (type_msg)
			*type_msg = msg;
		return -1;
	}
	*out = text;
	*outlen = strlen(text);
	return 0;
}

int kc_json_get(struct kc_json *j, const char *path, const char **out,
		size_t *outlen, const char **type_msg)
{
	return found(lookup(j, path), 0, out, outlen, type_msg);
}

int kc_json_get_string(struct kc_json *j, const char *path, const char **out,
		       size_t *outlen, const char **type_msg)
{
	return found(lookup(j, path), 1, out, outlen, type_msg);
}

static void newline(struct kc_buf *out, int depth)
{
	kc_buf_addc(out, '\n');
	for (int i = 0; i < depth; i++)
		kc_buf_adds(out, "    ");
}

/* Copies the string starting at in[i] (a quote) to out; returns its end. */
static size_t copy_string(const char *in, size_t n, size_t i, struct kc_buf *out)
{
	size_t start = i++;

	while (i < n && in[i] != '"')
		i += in[i] == '\\' ? 2 : 1;
	kc_buf_add(out, in + start, i + 1 - start);
	return i + 1;
}

void kc_json_pretty(const char *in, size_t n, struct kc_buf *out)
{
	int depth = 0;

	for (size_t i = 0; i < n;) {
		char c = in[i];
		if (c == '"') {
			i = copy_string(in, n, i, out);
			continue;
		}
		i++;
		if (c == '{' || c == '[') {
			char close = c == '{' ? '}' : ']';
			kc_buf_addc(out, c);
			if (i < n && in[i] == close) {
				kc_buf_addc(out, close);
				i++;
				continue;
			}
			newline(out, ++depth);
		} else if (c == '}' || c == ']') {
			newline(out, --depth);
			kc_buf_addc(out, c);
		} else if (c == ',') {
			kc_buf_addc(out, c);
			newline(out, depth);
		} else if (c == ':') {
			kc_buf_adds(out, ": ");
		} else if (c != ' ' && c != '\n' && c != '\t') {
			kc_buf_addc(out, c);
		}
	}
	kc_buf_addc(out, '\n');
}
