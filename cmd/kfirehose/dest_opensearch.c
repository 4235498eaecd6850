/*
 * dest_opensearch.c: the OpenSearch destination: one _bulk request per
 * attempt, an index action per record, the index name rotated by the
 * record's arrival time and, by default, document ids derived from the
 * record's source position so that retries and restarts overwrite
 * documents instead of duplicating them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

#include "http.h"
#include "json.h"
#include "banned.h"

#define INDEX_NAME_MAX 80
#define TYPE_NAME_MAX 100
#define RESPONSE_MAX (64 << 20)

enum rotation { NO_ROTATION, ONE_HOUR, ONE_DAY, ONE_WEEK, ONE_MONTH };

static const char *const rotation_names[] = {
	"NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth",
};

struct os_dest {
	struct fh_http *http;
	char *url;               /* .../_bulk */
	const char *index;
	const char *type;        /* NULL: no _type */
	enum rotation rotation;
	int document_ids;        /* FIREHOSE_DEFAULT */
	struct kc_buf body;
	size_t *sent;            /* sent[k]: the batch index of the k-th action */
	size_t sent_cap;
	struct fh_http_response resp;
};

static const char *const options[] = {
	"index-name", "type-name", "index-rotation-period", "document-id-options", NULL,
};

/* The errorCode of an exchange without a usable response. */
static const char *const failure_codes[] = {
	[FH_HTTP_TIMEOUT] = "OS.RequestTimeout",
	[FH_HTTP_CONNECT] = "OS.ConnectionFailed",
	[FH_HTTP_TLS] = "OS.SSLHandshakeFailure",
	[FH_HTTP_RESET] = "OS.ConnectionReset",
	[FH_HTTP_TOO_LARGE] = "OS.ResponseTooLarge",
};

static void os_close(void *state)
{
	struct os_dest *d = state;

	if (!d)
		return;
	fh_http_close(d->http);
	free(d->url);
	free(d->sent);
	kc_buf_release(&d->body);
	fh_http_response_release(&d->resp);
	free(d);
}

/* OpenSearch's rules for index names, checked before any request. */
static int check_index_name(const char *name, struct kc_error *e)
{
	size_t n = strlen(name);

	if (!n || n > INDEX_NAME_MAX)
		return kc_error_set(e, KC_EUSAGE, "--index-name '%s': 1 to %d characters",
				    name, INDEX_NAME_MAX);
	if (strchr("_-+", name[0]) || !strcmp(name, ".") || !strcmp(name, ".."))
		return kc_error_set(e, KC_EUSAGE, "--index-name '%s': must not start with "
				    "'_', '-' or '+', nor be '.' or '..'", name);
	for (const char *p = name; *p; p++)
		if ((*p >= 'A' && *p <= 'Z') || strchr("\\/*?\"<>| ,#:", *p) ||
		    (unsigned char)*p < 0x20)
			return kc_error_set(e, KC_EUSAGE, "--index-name '%s': must be lower "
					    "case, without spaces or any of \\/*?\"<>|,#:", name);
	return 0;
}

static int os_open(const struct fh_config *c, const char *url, void **state,
		   struct kc_error *e)
{
	struct os_dest *d;
	const char *v;
	int rc;

	/* The contract passes what follows "opensearch:"; take the whole --to too. */
	if (!strncmp(url, "opensearch:", 11))
		url += 11;
	if ((rc = fh_http_check_url("--to opensearch:", url, e)))
		return rc;
	if (!(v = fh_config_get(c, "index-name")))
		return kc_error_set(e, KC_EUSAGE, "--index-name is required with an "
				    "opensearch destination");
	if ((rc = check_index_name(v, e)))
		return rc;
	d = kc_xcalloc(1, sizeof(*d));
	fh_http_response_init(&d->resp);
	d->index = v;
	d->rotation = ONE_DAY;          /* Firehose's default */
	d->document_ids = 1;
	if ((v = fh_config_get(c, "index-rotation-period"))) {
		size_t i;
		for (i = 0; i < 5 && strcmp(v, rotation_names[i]); i++)
			;
		if (i == 5) {
			rc = kc_error_set(e, KC_EUSAGE, "--index-rotation-period '%s': not one "
					  "of NoRotation, OneHour, OneDay, OneWeek, OneMonth", v);
			goto fail;
		}
		d->rotation = (enum rotation)i;
	}
	if ((v = fh_config_get(c, "document-id-options"))) {
		if (!strcmp(v, "NO_DOCUMENT_ID"))
			d->document_ids = 0;
		else if (strcmp(v, "FIREHOSE_DEFAULT")) {
			rc = kc_error_set(e, KC_EUSAGE, "--document-id-options '%s': not one "
					  "of FIREHOSE_DEFAULT, NO_DOCUMENT_ID", v);
			goto fail;
		}
	}
	if ((v = fh_config_get(c, "type-name")) && *v) {
		if (strlen(v) > TYPE_NAME_MAX) {
			rc = kc_error_set(e, KC_EUSAGE, "--type-name '%s': at most %d characters",
					  v, TYPE_NAME_MAX);
			goto fail;
		}
		d->type = v;
	}
	d->url = fh_http_url(url, "/_bulk");
	if ((rc = fh_http_open(c, &d->http, e)))
		goto fail;
	*state = d;
	return 0;
fail:
	os_close(d);
	return rc;
}

static int leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/*
 * The week of the year by the US convention Firehose documents for
 * OneWeek: weeks start on Sunday, and week 1 is the one holding January 1
 * (the first week with a Saturday in the year). The last days of December
 * belong to week 1 of the next year when that week holds January 1.
 */
static void us_week(const struct tm *t, int *year, int *week)
{
	int jan1 = ((t->tm_wday - t->tm_yday) % 7 + 7) % 7;
	int days = leap(t->tm_year + 1900) ? 366 : 365;

	*year = t->tm_year + 1900;
	*week = (t->tm_yday + jan1) / 7 + 1;
	if (t->tm_yday + (6 - t->tm_wday) >= days) {
		++*year;
		*week = 1;
	}
}

/* The index of a record that arrived at ms: the name plus the rotation suffix. */
static void index_name(const struct os_dest *d, int64_t ms, char out[128])
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm t;
	int year, week;

	gmtime_r(&s, &t);
	switch (d->rotation) {
	case NO_ROTATION:
		snprintf(out, 128, "%s", d->index);
		break;
	case ONE_HOUR:
		snprintf(out, 128, "%s-%04d-%02d-%02d-%02d", d->index, t.tm_year + 1900,
			 t.tm_mon + 1, t.tm_mday, t.tm_hour);
		break;
	case ONE_DAY:
		snprintf(out, 128, "%s-%04d-%02d-%02d", d->index, t.tm_year + 1900,
			 t.tm_mon + 1, t.tm_mday);
		break;
	case ONE_WEEK:
		us_week(&t, &year, &week);
		snprintf(out, 128, "%s-%04d-w%02d", d->index, year, week);
		break;
	case ONE_MONTH:
		snprintf(out, 128, "%s-%04d-%02d", d->index, t.tm_year + 1900, t.tm_mon + 1);
		break;
	}
}

/* Whether p[0..n) is one JSON object (and nothing else); why if not. */
static int json_object(const char *p, size_t n, char *why, size_t whysz)
{
	yajl_handle h;
	size_t i = 0;
	int ok;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i >= n || p[i] != '{' || memchr(p, '\0', n)) {
		snprintf(why, whysz, "not a JSON object");
		return 0;
	}
	h = yajl_alloc(NULL, NULL, NULL);
	ok = yajl_parse(h, (const unsigned char *)p, n) == yajl_status_ok &&
	     yajl_complete_parse(h) == yajl_status_ok;
	if (!ok) {
		unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)p, n);
		size_t len = strcspn((const char *)msg, "\n");
		while (len > 0 && (msg[len - 1] == ' ' || msg[len - 1] == '.'))
			len--;
		snprintf(why, whysz, "invalid JSON (%.*s)", (int)len, (const char *)msg);
		yajl_free_error(h, msg);
	}
	yajl_free(h);
	return ok;
}

static void add_action(struct os_dest *d, const struct fh_record *r)
{
	char index[128], id[FH_RECORD_ID_MAX];
	struct kc_buf *o = &d->body;

	index_name(d, r->arrival_ms, index);
	kc_buf_adds(o, "{\"index\":{\"_index\":");
	kc_json_add_string(o, index, strlen(index));
	if (d->type) {
		kc_buf_adds(o, ",\"_type\":");
		kc_json_add_string(o, d->type, strlen(d->type));
	}
	if (d->document_ids) {
		fh_record_id(r, id);
		kc_buf_adds(o, ",\"_id\":");
		kc_json_add_string(o, id, strlen(id));
	}
	kc_buf_adds(o, "}}\n");
}

/* Appends the document on one line: in valid JSON, CR and LF are whitespace. */
static void add_document(struct os_dest *d, const struct fh_record *r)
{
	struct kc_buf *o = &d->body;
	size_t start = o->len;

	kc_buf_add(o, r->data, r->len);
	for (size_t i = start; i < o->len; i++)
		if (o->data[i] == '\n' || o->data[i] == '\r')
			o->data[i] = ' ';
	kc_buf_addc(o, '\n');
}

static void set(struct fh_result *r, size_t i, enum fh_status st, const char *code,
		const char *msg)
{
	r->status[i] = st;
	snprintf(r->code[i], sizeof(r->code[i]), "%s", code);
	snprintf(r->message[i], sizeof(r->message[i]), "%s", msg);
}

/* Every sent record gets status st with code and msg. */
static void set_sent(struct os_dest *d, size_t k, struct fh_result *r,
		     enum fh_status st, const char *code, const char *msg)
{
	for (size_t j = 0; j < k; j++)
		set(r, d->sent[j], st, code, msg);
}

/* Applies one bulk item's outcome to record i. */
static void item_result(yajl_val item, size_t i, struct fh_result *r)
{
	yajl_val op = YAJL_IS_OBJECT(item) && item->u.object.len == 1
		      ? item->u.object.values[0] : NULL;
	yajl_val status = fh_http_member(op, "status");
	yajl_val error = fh_http_member(op, "error");
	yajl_val type = fh_http_member(error, "type");
	yajl_val reason = fh_http_member(error, "reason");
	long long s;
	char code[64], msg[256];

	if (!YAJL_IS_INTEGER(status)) {
		set(r, i, FH_RETRY, "OS.InvalidResponse",
		    "an item of the bulk response has no status");
		return;
	}
	s = YAJL_GET_INTEGER(status);
	if (s >= 200 && s < 300)
		return;
	snprintf(code, sizeof(code), "%s",
		 YAJL_IS_STRING(type) ? type->u.string : "OS.BulkItemFailure");
	if (YAJL_IS_STRING(reason))
		fh_http_excerpt(reason->u.string, strlen(reason->u.string), sizeof(msg) - 1,
				msg, sizeof(msg));
	else if (YAJL_IS_STRING(error))
		fh_http_excerpt(error->u.string, strlen(error->u.string), sizeof(msg) - 1,
				msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "the bulk item failed with status %lld", s);
	/* Rejections and server errors may pass; other client errors will not. */
	set(r, i, s == 429 || s >= 500 ? FH_RETRY : FH_FAIL, code, msg);
}

static void bulk_results(struct os_dest *d, size_t k, struct fh_result *r)
{
	char why[128], msg[256];
	yajl_val root = fh_http_json(&d->resp.body, why, sizeof(why));
	yajl_val errors = fh_http_member(root, "errors");
	yajl_val items = fh_http_member(root, "items");

	if (!root) {
		snprintf(msg, sizeof(msg), "the bulk response is %s", why);
		set_sent(d, k, r, FH_RETRY, "OS.InvalidResponse", msg);
		return;
	}
	if (YAJL_IS_FALSE(errors)) {
		yajl_tree_free(root);
		return;
	}
	if (!YAJL_IS_ARRAY(items) || items->u.array.len != k) {
		snprintf(msg, sizeof(msg), "the bulk response has %s items for %zu actions",
			 YAJL_IS_ARRAY(items) ? "a wrong number of" : "no", k);
		set_sent(d, k, r, FH_RETRY, "OS.InvalidResponse", msg);
	} else {
		for (size_t j = 0; j < k; j++)
			item_result(items->u.array.values[j], d->sent[j], r);
	}
	yajl_tree_free(root);
}

static int os_deliver(void *state, const struct fh_batch *b, struct fh_result *r)
{
	static const char *const headers[] = { "Content-Type: application/x-ndjson" };
	struct os_dest *d = state;
	struct fh_http_response *resp = &d->resp;
	char why[128], code[64], msg[256];
	size_t k = 0;

	kc_buf_reset(&d->body);
	if (d->sent_cap < b->n) {
		d->sent = kc_xrealloc(d->sent, b->n * sizeof(*d->sent));
		d->sent_cap = b->n;
	}
	for (size_t i = 0; i < b->n; i++) {
		if (!json_object(b->v[i].data, b->v[i].len, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "The record is not a single JSON object: %s",
				 why);
			set(r, i, FH_FAIL, "OS.MalformedDocument", msg);
			continue;
		}
		add_action(d, &b->v[i]);
		add_document(d, &b->v[i]);
		d->sent[k++] = i;
	}
	if (!k)
		return 0;
	fh_http_post(d->http, d->url, headers, 1, d->body.data, d->body.len,
		     RESPONSE_MAX, resp);
	if (fh_http_failed(resp, failure_codes, "No usable response from OpenSearch",
			   code, msg)) {
		set_sent(d, k, r, FH_RETRY, code, msg);
		return 0;
	}
	if (resp->status == 200) {
		bulk_results(d, k, r);
		return 0;
	}
	snprintf(code, sizeof(code), "%s",
		 resp->status == 401 || resp->status == 403 ? "OS.AccessDenied"
		 : resp->status == 404 ? "OS.ResourceNotFound"
		 : resp->status == 413 ? "OS.PayloadTooLarge"
		 : resp->status == 429 ? "OS.TooManyRequests"
		 : resp->status >= 500 ? "OS.ServerError" : "OS.BadRequest");
	fh_http_describe(msg, sizeof(msg), "OpenSearch responded to _bulk with ", resp);
	/* The same body cannot get under the size limit by retrying. */
	set_sent(d, k, r, resp->status == 413 ? FH_FAIL : FH_RETRY, code, msg);
	return 0;
}

static void os_error_fields(void *state, const struct fh_batch *b, size_t i,
			    struct kc_buf *out)
{
	struct os_dest *d = state;
	char index[128], id[FH_RECORD_ID_MAX];

	kc_buf_adds(out, ",\"esDocumentId\":");
	if (d->document_ids) {
		fh_record_id(&b->v[i], id);
		kc_json_add_string(out, id, strlen(id));
	} else {
		kc_buf_adds(out, "null");
	}
	index_name(d, b->v[i].arrival_ms, index);
	kc_buf_adds(out, ",\"esIndexName\":");
	kc_json_add_string(out, index, strlen(index));
	kc_buf_adds(out, ",\"esTypeName\":");
	if (d->type)
		kc_json_add_string(out, d->type, strlen(d->type));
	else
		kc_buf_adds(out, "null");
}

const struct fh_dest_type fh_dest_opensearch = {
	.scheme = "opensearch",
	.metric = "AmazonOpenSearchService",
	.error_type = "AmazonOpenSearchService-failed",
	.size_min = 1 << 20,
	.size_max = 100 << 20,
	.size_default = 5 << 20,
	.interval_min = 0,
	.interval_max = 900 * 1000,
	.interval_default = 300 * 1000,
	.retry_default = 300 * 1000,
	.max_records = 10000,
	.options = options,
	.open = os_open,
	.deliver = os_deliver,
	.error_fields = os_error_fields,
	.close = os_close,
};
