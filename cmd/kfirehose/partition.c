/*
 * partition.c: --partition-key NAME=JQ, Firehose's inline parsing for
 * dynamic partitioning (MetadataExtraction with JQ-1.6). The queries are
 * checked one by one at startup, so that an error names its key, and then
 * compiled together into one jq program that runs once per record:
 *
 *   [(try ([limit(2; (Q1))] | {v: .}) catch {e: .}), ...]
 *
 * Each query must give exactly one string, number or boolean.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jq.h>
#include <jv.h>

#include "firehose.h"
#include "banned.h"

/* Firehose's limit on partitioning keys per delivery stream. */
#define KEYS_MAX 50
#define NAME_MAX_LEN 64

struct pkey {
	char *name;
	char *query;
};

struct fh_partitioner {
	struct pkey *k;
	size_t n;
	jq_state *jq;
	struct kc_buf msg;           /* what jq's error callback said */
	struct kc_buf val;
};

/* jq reports compile errors here instead of on stderr; keeps the first line. */
static void on_error(void *data, jv msg)
{
	struct kc_buf *b = data;
	const char *s, *nl;

	if (jv_get_kind(msg) == JV_KIND_STRING && !b->len) {
		s = jv_string_value(msg);
		nl = strchr(s, '\n');
		kc_buf_add(b, s, nl ? (size_t)(nl - s) : strlen(s));
		/* "... at <top-level>, line 1:" introduces the quoted source. */
		while (b->len && (b->data[b->len - 1] == ':' || b->data[b->len - 1] == ' '))
			b->data[--b->len] = '\0';
	}
	jv_free(msg);
}

/* Compiles text; on failure leaves jq's first message in p->msg. */
static int compile(struct fh_partitioner *p, const char *text)
{
	kc_buf_reset(&p->msg);
	return jq_compile(p->jq, text) ? 0 : -1;
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* Splits NAME=JQ into p->k[p->n]. */
static int add_key(struct fh_partitioner *p, const char *arg, struct kc_error *e)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : 0;
	struct pkey *k;

	if (!eq || !valid_name(arg, nlen))
		return kc_error_set(e, KC_EUSAGE,
				    "--partition-key '%s': expected NAME=JQ with a "
				    "NAME of 1 to %d letters, digits, _ or -",
				    arg, NAME_MAX_LEN);
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->k[i].name) == nlen && !memcmp(p->k[i].name, arg, nlen))
			return kc_error_set(e, KC_EUSAGE,
					    "--partition-key '%s': key '%.*s' given twice",
					    arg, (int)nlen, arg);
	if (!eq[1] || strspn(eq + 1, " \t\n") == strlen(eq + 1))
		return kc_error_set(e, KC_EUSAGE, "--partition-key '%s': empty query",
				    arg);
	k = &p->k[p->n++];
	k->name = kc_xmalloc(nlen + 1);
	memcpy(k->name, arg, nlen);
	k->name[nlen] = '\0';
	k->query = kc_xstrdup(eq + 1);
	return 0;
}

int fh_partition_open(const struct fh_config *c, struct fh_partitioner **pp,
		      struct kc_error *e)
{
	const char *args[KEYS_MAX + 1];
	size_t n = fh_config_all(c, "partition-key", args, KEYS_MAX + 1);
	struct fh_partitioner *p;
	struct kc_buf prog = KC_BUF_INIT;

	*pp = NULL;
	if (!n)
		return 0;
	if (n > KEYS_MAX)
		return kc_error_set(e, KC_EUSAGE,
				    "--partition-key: %zu keys; Firehose allows at most %d",
				    n, KEYS_MAX);
	p = kc_xcalloc(1, sizeof(*p));
	p->k = kc_xcalloc(n, sizeof(*p->k));
	for (size_t i = 0; i < n; i++)
		if (add_key(p, args[i] ? args[i] : "", e)) {
			fh_partition_close(p);
			return -KC_EUSAGE;
		}
	p->jq = jq_init();
	if (!p->jq) {
		fh_partition_close(p);
		return kc_error_set(e, KC_EFAIL, "--partition-key: cannot start jq");
	}
	jq_set_error_cb(p->jq, on_error, &p->msg);
	for (size_t i = 0; i < p->n; i++)
		if (compile(p, p->k[i].query)) {
			kc_error_set(e, KC_EUSAGE, "--partition-key '%s=%s': %s", p->k[i].name,
				     p->k[i].query, p->msg.len ? p->msg.data : "jq: compile error");
			fh_partition_close(p);
			return -KC_EUSAGE;
		}
	/* Newlines end a trailing # comment of a query. */
	kc_buf_addc(&prog, '[');
	for (size_t i = 0; i < p->n; i++)
		kc_buf_addf(&prog, "%s(try ([limit(2; (\n%s\n))] | {v: .}) catch {e: .})",
			    i ? ",\n" : "", p->k[i].query);
	kc_buf_addc(&prog, ']');
	if (compile(p, prog.data)) {
		kc_error_set(e, KC_EUSAGE, "--partition-key: %s",
			     p->msg.len ? p->msg.data : "jq: compile error");
		kc_buf_release(&prog);
		fh_partition_close(p);
		return -KC_EUSAGE;
	}
	kc_buf_release(&prog);
	*pp = p;
	return 0;
}

static const char *kind_name(jv_kind k)
{
	switch (k) {
	case JV_KIND_NULL:
		return "null";
	case JV_KIND_ARRAY:
		return "an array";
	case JV_KIND_OBJECT:
		return "an object";
	default:
		return "no scalar";
	}
}

/* Text of jq's error value err (consumed) into p->msg. */
static void error_text(struct fh_partitioner *p, jv err)
{
	kc_buf_reset(&p->msg);
	if (jv_get_kind(err) == JV_KIND_STRING) {
		kc_buf_adds(&p->msg, jv_string_value(err));
		jv_free(err);
	} else {
		jv s = jv_dump_string(err, 0);

		kc_buf_adds(&p->msg, jv_string_value(s));
		kc_buf_adds(&p->msg, " (not a string)");
		jv_free(s);
	}
}

/*
 * Adds key i's value from its result r ({v: [outputs]} or {e: error},
 * consumed) to keys, or fails naming the key.
 */
static int add_value(struct fh_partitioner *p, size_t i, jv r, struct fh_keys *keys,
		     struct kc_error *e)
{
	const struct pkey *k = &p->k[i];
	jv outs, v;
	int rc = 0;

	if (jv_object_has(jv_copy(r), jv_string("e"))) {
		error_text(p, jv_object_get(r, jv_string("e")));
		return kc_error_set(e, KC_EDATA, "partition key '%s': %s: jq: error: %s",
				    k->name, k->query, p->msg.data);
	}
	outs = jv_object_get(r, jv_string("v"));
	if (jv_array_length(jv_copy(outs)) != 1) {
		int none = jv_array_length(jv_copy(outs)) == 0;

		jv_free(outs);
		return kc_error_set(e, KC_EDATA, "partition key '%s': %s gave %s",
				    k->name, k->query,
				    none ? "no value" : "more than one value");
	}
	v = jv_array_get(outs, 0);
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		fh_keys_add(keys, k->name, strlen(k->name), jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_NUMBER:
	case JV_KIND_TRUE:
	case JV_KIND_FALSE: {
		jv s = jv_dump_string(jv_copy(v), 0);

		fh_keys_add(keys, k->name, strlen(k->name), jv_string_value(s),
			    strlen(jv_string_value(s)));
		jv_free(s);
		break;
	}
	default:
		rc = kc_error_set(e, KC_EDATA, "partition key '%s': %s gave %s", k->name,
				  k->query, kind_name(jv_get_kind(v)));
	}
	jv_free(v);
	return rc;
}

int fh_partition_eval(struct fh_partitioner *p, const char *data, size_t len,
		      struct fh_keys *keys, struct kc_error *e)
{
	jv in, res;
	int rc = 0;

	if (len > (size_t)INT32_MAX)
		return kc_error_set(e, KC_EDATA, "record is not JSON: too large");
	in = jv_parse_sized(data, (int)len);
	if (!jv_is_valid(in)) {
		jv msg = jv_invalid_get_msg(in);
		const char *m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg)
								  : "empty record";
		const char *end = strstr(m, " (while parsing");

		rc = kc_error_set(e, KC_EDATA, "record is not JSON: %.*s",
				  end ? (int)(end - m) : (int)strlen(m), m);
		jv_free(msg);
		return rc;
	}
	jq_start(p->jq, in, 0);
	res = jq_next(p->jq);
	if (jv_get_kind(res) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(res)) != (int)p->n) {
		/* Only a halt can get here: the program is one array. */
		jv_free(res);
		while (jv_is_valid(res = jq_next(p->jq)))
			jv_free(res);
		jv_free(res);
		return kc_error_set(e, KC_EDATA, "partition keys: jq stopped (halt)");
	}
	for (size_t i = 0; i < p->n && !rc; i++)
		rc = add_value(p, i, jv_array_get(jv_copy(res), (int)i), keys, e);
	jv_free(res);
	/* Finish the program so that jq frees its stack. */
	while (jv_is_valid(res = jq_next(p->jq)))
		jv_free(res);
	jv_free(res);
	return rc;
}

void fh_partition_close(struct fh_partitioner *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->k[i].name);
		free(p->k[i].query);
	}
	free(p->k);
	if (p->jq)
		jq_teardown(&p->jq);
	kc_buf_release(&p->msg);
	kc_buf_release(&p->val);
	free(p);
}
