/* Unit tests for json.c: string escaping, parsing, field lookup. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "json.h"
#include "banned.h"

static const char doc[] =
	"{\"a\":\"x\",\"n\":12.5e3,\"big\":340282366920938463463374607431"
	"768211455,\"esc\":\"caf\\u00e9\\n\\\"q\\\"\",\"o\":{\"id\":\"7\","
	"\"z\":null,\"t\":true,\"arr\":[1],\"deep\":{\"k\":-3}},"
	"\"a.b\":\"dotted\"}";

static void writer(void)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_json_add_string(&b, "plain", 5);
	is_str(b.data, "\"plain\"", "a plain string");
	kc_buf_reset(&b);
	kc_json_add_string(&b, "q\"b\\n\nt\tr\rb\bf\f", 14);
	is_str(b.data, "\"q\\\"b\\\\n\\nt\\tr\\rb\\bf\\f\"",
	       "quote, backslash and named escapes");
	kc_buf_reset(&b);
	kc_json_add_string(&b, "\x01\x1f\0z\x7f", 5);
	is_str(b.data, "\"\\u0001\\u001f\\u0000z\x7f\"",
	       "other controls and NUL as \\u00XX, DEL as is");
	kc_buf_reset(&b);
	kc_json_add_string(&b, "caf\xc3\xa9", 5);
	is_str(b.data, "\"caf\xc3\xa9\"", "UTF-8 passes through");
	kc_buf_reset(&b);
	kc_json_add_string(&b, "", 0);
	is_str(b.data, "\"\"", "the empty string");
	kc_buf_reset(&b);
	kc_buf_addc(&b, '{');
	kc_json_add_key(&b, "Shard\"Id");
	kc_json_add_string(&b, "s", 1);
	kc_buf_addc(&b, '}');
	is_str(b.data, "{\"Shard\\\"Id\":\"s\"}", "kc_json_add_key");
	kc_buf_release(&b);
}

/* Every byte 1..127 written as a JSON string reads back unchanged. */
static void round_trip(void)
{
	struct kc_buf b = KC_BUF_INIT;
	struct kc_json *j;
	char raw[127];
	const char *out = NULL;
	size_t i, n = 0;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (char)(i + 1);
	kc_buf_addc(&b, '{');
	kc_json_add_key(&b, "v");
	kc_json_add_string(&b, raw, sizeof(raw));
	kc_buf_addc(&b, '}');
	j = kc_json_parse(b.data, b.len, NULL);
	ok(j && !kc_json_get(j, "v", &out, &n, NULL) && n == sizeof(raw) &&
		   !memcmp(out, raw, n),
	   "bytes 1..127 round trip through the writer and the parser");
	kc_json_free(j);
	kc_buf_release(&b);
}

static void get_ok(struct kc_json *j, const char *path, const char *want)
{
	const char *out = NULL, *why = NULL;
	size_t n = 0;
	int rc;

	rc = kc_json_get(j, path, &out, &n, &why);
	ok(rc == 0 && n == strlen(want) && !memcmp(out, want, n),
	   "get '%s' is '%s'", path, want);
}

static void get_fails(struct kc_json *j, const char *path, const char *msg)
{
	const char *out = NULL, *why = NULL;
	size_t n = 0;

	ok(kc_json_get(j, path, &out, &n, &why) == -1 && why &&
		   !strcmp(why, msg),
	   "get '%s' fails: %s", path, msg);
}

static void reader(void)
{
	struct kc_error e;
	struct kc_json *j;
	const char *out;
	size_t n;

	j = kc_json_parse(doc, strlen(doc), &e);
	if (!ok(j != NULL, "parse a document"))
		return;
	get_ok(j, "a", "x");
	get_ok(j, "n", "12.5e3");
	get_ok(j, "big", "340282366920938463463374607431768211455");
	get_ok(j, "esc", "caf\xc3\xa9\n\"q\"");
	get_ok(j, "o.id", "7");
	get_ok(j, "o.deep.k", "-3");
	get_fails(j, "o.z", "missing");
	get_fails(j, "nope", "missing");
	get_fails(j, "a.b", "missing");
	get_fails(j, "o.id.x", "missing");
	get_fails(j, "o.", "missing");
	get_fails(j, "o.t", "not a string or number");
	get_fails(j, "o.arr", "not a string or number");
	get_fails(j, "o", "not a string or number");
	ok(kc_json_get(j, "nope", &out, &n, NULL) == -1,
	   "type_msg may be NULL");
	kc_json_free(j);

	j = kc_json_parse("{\"k\":\"v\"}trailing", 9, &e);
	ok(j && !kc_json_get(j, "k", &out, &n, NULL) && n == 1,
	   "parses only the n bytes given");
	kc_json_free(j);
	kc_json_free(NULL);
}

static void bad_json(void)
{
	static const char *bad[] = { "", "{", "[1,]", "{} x", "{\"a\":}",
				     "{'a':1}", "nul", "{\"a\":1}{}" };
	struct kc_error e;
	struct kc_json *j;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.code = 0;
		e.msg[0] = '\0';
		j = kc_json_parse(bad[i], strlen(bad[i]), &e);
		ok(!j && e.code == KC_EDATA &&
			   !strncmp(e.msg, "invalid JSON: ", 14) &&
			   !strchr(e.msg, '\n') && strlen(e.msg) > 14,
		   "rejects '%s': %s", bad[i], e.msg);
		kc_json_free(j);
	}
	j = kc_json_parse("{\"a\":1}\0", 8, &e);
	ok(!j && e.code == KC_EDATA, "rejects a NUL byte: %s", e.msg);
}

int main(void)
{
	writer();
	round_trip();
	reader();
	bad_json();
	return done_testing();
}
