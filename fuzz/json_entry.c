/*
 * json_entry.c: libFuzzer harness for what `kput --json` does with an
 * input line (put_json_entry in cmd/kput/main.c): parse it, take Data,
 * PartitionKey and ExplicitHashKey, decode the base64 and the 128-bit
 * integer. The input up to its first newline is the line, as kput splits
 * its input into lines before parsing.
 *
 * Beyond not crashing: a refusal carries a reason; base64 decodes into
 * exactly the room its contract promises and re-encodes to text that
 * decodes to the same bytes; a hash key prints back as it was written
 * (no leading zeros are accepted); and a partition key written back as a
 * JSON string the way kget --json writes it, also through the pretty
 * printer, parses back to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "error.h"
#include "hashkey.h"
#include "json.h"
#include "fuzz.h"
#include "banned.h"

static void check_hash_key(const char *s, size_t n)
{
	char back[40];
	kc_u128 v;

	if (kc_u128_parse(s, n, &v))
		return;
	CHECK(kc_u128_format(v, back) == n && memcmp(back, s, n) == 0);
}

static void check_base64(const char *s, size_t n)
{
	size_t room = n / 4 * 3;
	char *raw = malloc(room ? room : 1), *text, *raw2;
	long len, len2;

	CHECK(raw != NULL);
	len = kc_base64_decode(s, n, raw);
	if (len >= 0) {
		CHECK((size_t)len <= room && (size_t)len + 2 >= room);
		text = malloc(kc_base64_encoded_len((size_t)len) + 1);
		raw2 = malloc(room ? room : 1);
		CHECK(text != NULL && raw2 != NULL);
		kc_base64_encode(raw, (size_t)len, text);
		CHECK(kc_base64_encoded_len((size_t)len) == n);
		len2 = kc_base64_decode(text, n, raw2);
		CHECK(len2 == len && memcmp(raw, raw2, (size_t)len) == 0);
		free(text);
		free(raw2);
	}
	free(raw);
}

/* A key written as kget --json writes it must read back unchanged. */
static void check_string_round_trip(const char *s, size_t n)
{
	struct kc_buf compact = KC_BUF_INIT, pretty = KC_BUF_INIT;
	struct kc_json *j;
	struct kc_error e;
	const char *back, *why;
	size_t backlen;

	kc_buf_adds(&compact, "{\"PartitionKey\":");
	kc_json_add_string(&compact, s, n);
	kc_buf_adds(&compact, ",\"n\":[{},[],1]}");
	kc_json_pretty(compact.data, compact.len, &pretty);
	for (int i = 0; i < 2; i++) {
		const struct kc_buf *b = i ? &pretty : &compact;
		j = kc_json_parse(b->data, b->len, &e);
		CHECK(j != NULL);
		CHECK(kc_json_get_string(j, "PartitionKey", &back, &backlen,
					 &why) == 0);
		CHECK(backlen == n && memcmp(back, s, n) == 0);
		kc_json_free(j);
	}
	kc_buf_release(&compact);
	kc_buf_release(&pretty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data, *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - line) : size;
	const char *val, *why;
	struct kc_json *j;
	struct kc_error e;
	size_t len;
	char *text = malloc(n ? n : 1);

	CHECK(text != NULL);
	if (n)
		memcpy(text, line, n);
	e.code = 0;
	j = kc_json_parse(text, n, &e);
	free(text);
	if (!j) {
		CHECK(e.code == KC_EDATA &&
		      strncmp(e.msg, "invalid JSON: ", 14) == 0);
		return 0;
	}
	why = NULL;
	if (kc_json_get_string(j, "Data", &val, &len, &why) == 0) {
		CHECK(strlen(val) == len);
		check_base64(val, len);
	} else {
		CHECK(why != NULL);
	}
	why = NULL;
	if (kc_json_get(j, "PartitionKey", &val, &len, &why) == 0)
		check_string_round_trip(val, len);
	else
		CHECK(why != NULL);
	if (kc_json_get(j, "ExplicitHashKey", &val, &len, &why) == 0)
		check_hash_key(val, len);
	/* Paths as -K takes them, down to the root. */
	(void)kc_json_get(j, "a.b", &val, &len, &why);
	(void)kc_json_get(j, "Data.", &val, &len, &why);
	(void)kc_json_get(j, "", &val, &len, &why);
	kc_json_free(j);
	return 0;
}
