/*
 * dest_http.c: the HTTP endpoint destination, speaking Firehose's request
 * and response protocol (version 1.0): one POST per batch with the records
 * base64-encoded in a JSON body, optionally gzipped; only a 200 carrying
 * the request's requestId and a timestamp counts as delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "compress.h"
#include "http.h"
#include "json.h"
#include "banned.h"

#define ACCESS_KEY_MAX 4096
#define ATTRIBUTES_MAX 50
#define ATTR_NAME_MAX 256
#define ATTR_VALUE_MAX 1024
#define RESPONSE_MAX (1 << 20)     /* Firehose reads at most 1 MiB */

struct http_dest {
	struct fh_http *http;
	const char *url;
	char *arn;                /* the X-Amz-Firehose-Source-Arn header */
	char *access_key;         /* the X-Amz-Firehose-Access-Key header or NULL */
	char *attributes;         /* the X-Amz-Firehose-Common-Attributes header or NULL */
	int gzip;
	struct kc_buf body, packed;
	struct fh_http_response resp;
};

static const char *const options[] = {
	"access-key", "common-attribute", "content-encoding", NULL,
};

/* The errorCode of an exchange without a usable response. */
static const char *const failure_codes[] = {
	[FH_HTTP_TIMEOUT] = "HttpEndpoint.RequestTimeout",
	[FH_HTTP_CONNECT] = "HttpEndpoint.ConnectionFailed",
	[FH_HTTP_TLS] = "HttpEndpoint.SSLHandshakeFailure",
	[FH_HTTP_RESET] = "HttpEndpoint.ConnectionReset",
	[FH_HTTP_TOO_LARGE] = "HttpEndpoint.ResponseTooLarge",
};

static char *header(const char *name, const char *value)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_buf_addf(&b, "%s: %s", name, value);
	return b.data;
}

/* Builds {"commonAttributes":{...}} from every --common-attribute NAME=VALUE. */
static int parse_attributes(const struct fh_config *c, struct http_dest *d,
			    struct kc_error *e)
{
	const char *v[ATTRIBUTES_MAX + 1];
	size_t n = fh_config_all(c, "common-attribute", v, ATTRIBUTES_MAX + 1);
	struct kc_buf b = KC_BUF_INIT;

	if (!n)
		return 0;
	if (n > ATTRIBUTES_MAX)
		return kc_error_set(e, KC_EUSAGE, "--common-attribute: at most %d "
				    "attributes", ATTRIBUTES_MAX);
	kc_buf_adds(&b, "{\"commonAttributes\":{");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		size_t nlen = eq ? (size_t)(eq - v[i]) : 0;
		if (!eq || strspn(v[i], " \t") == nlen) {
			kc_buf_release(&b);
			return kc_error_set(e, KC_EUSAGE, "--common-attribute '%s': expected "
					    "NAME=VALUE with a non-blank NAME", v[i]);
		}
		if (nlen > ATTR_NAME_MAX || strlen(eq + 1) > ATTR_VALUE_MAX) {
			kc_buf_release(&b);
			return kc_error_set(e, KC_EUSAGE, "--common-attribute '%.*s': names "
					    "have at most %d bytes, values %d", (int)nlen,
					    v[i], ATTR_NAME_MAX, ATTR_VALUE_MAX);
		}
		for (size_t j = 0; j < i; j++)
			if (!strncmp(v[j], v[i], nlen + 1)) {
				kc_buf_release(&b);
				return kc_error_set(e, KC_EUSAGE, "--common-attribute '%.*s': "
						    "given twice", (int)nlen, v[i]);
			}
		if (i)
			kc_buf_addc(&b, ',');
		kc_json_add_string(&b, v[i], nlen);
		kc_buf_addc(&b, ':');
		kc_json_add_string(&b, eq + 1, strlen(eq + 1));
	}
	kc_buf_adds(&b, "}}");
	/* JSON escapes every control byte, so the header stays one line. */
	d->attributes = header("X-Amz-Firehose-Common-Attributes", b.data);
	kc_buf_release(&b);
	return 0;
}

static void http_close(void *state)
{
	struct http_dest *d = state;

	if (!d)
		return;
	fh_http_close(d->http);
	free(d->arn);
	free(d->access_key);
	free(d->attributes);
	kc_buf_release(&d->body);
	kc_buf_release(&d->packed);
	fh_http_response_release(&d->resp);
	free(d);
}

static int http_open(const struct fh_config *c, const char *url, void **state,
		     struct kc_error *e)
{
	struct http_dest *d;
	const char *v;
	char arn[160];
	int rc;

	if ((rc = fh_http_check_url("--to", url, e)))
		return rc;
	d = kc_xcalloc(1, sizeof(*d));
	d->url = url;
	fh_http_response_init(&d->resp);
	if ((v = fh_config_get(c, "content-encoding"))) {
		if (!strcasecmp(v, "GZIP"))
			d->gzip = 1;
		else if (strcasecmp(v, "NONE")) {
			rc = kc_error_set(e, KC_EUSAGE, "--content-encoding '%s': expected "
					  "NONE or GZIP", v);
			goto fail;
		}
	}
	if ((v = fh_config_get(c, "access-key"))) {
		/* The key is a secret: messages never quote it. */
		if (strlen(v) > ACCESS_KEY_MAX) {
			rc = kc_error_set(e, KC_EUSAGE, "--access-key: longer than %d bytes",
					  ACCESS_KEY_MAX);
			goto fail;
		}
		if ((rc = fh_http_check_header_value("--access-key", v, e)))
			goto fail;
		d->access_key = header("X-Amz-Firehose-Access-Key", v);
	}
	if ((rc = parse_attributes(c, d, e)))
		goto fail;
	snprintf(arn, sizeof(arn), "arn:aws:firehose:local:000000000000:deliverystream/%s",
		 c->name);
	d->arn = header("X-Amz-Firehose-Source-Arn", arn);
	if ((rc = fh_http_open(c, &d->http, e)))
		goto fail;
	*state = d;
	return 0;
fail:
	http_close(d);
	return rc;
}

static void build_body(struct http_dest *d, const struct fh_batch *b)
{
	struct kc_buf *o = &d->body;

	kc_buf_reset(o);
	kc_buf_adds(o, "{\"requestId\":");
	kc_json_add_string(o, b->request_id, strlen(b->request_id));
	kc_buf_addf(o, ",\"timestamp\":%lld,\"records\":[", (long long)b->now_ms);
	for (size_t i = 0; i < b->n; i++) {
		size_t n = kc_base64_encoded_len(b->v[i].len);
		kc_buf_adds(o, i ? ",{\"data\":\"" : "{\"data\":\"");
		kc_buf_grow(o, n + 3);
		kc_base64_encode(b->v[i].data, b->v[i].len, o->data + o->len);
		o->len += n;
		kc_buf_adds(o, "\"}");
	}
	kc_buf_adds(o, "]}");
}

/* Whether a 200's body is the response the protocol asks for; why if not. */
static int valid_response(const struct http_dest *d, const struct fh_batch *b,
			  char *why, size_t whysz)
{
	yajl_val root = fh_http_json(&d->resp.body, why, whysz), id, ts;
	int ok = 0;

	if (!root)
		return 0;
	id = fh_http_member(root, "requestId");
	ts = fh_http_member(root, "timestamp");
	if (!YAJL_IS_OBJECT(root))
		snprintf(why, whysz, "not a JSON object");
	else if (!YAJL_IS_STRING(id))
		snprintf(why, whysz, "no requestId");
	else if (strcmp(id->u.string, b->request_id))
		snprintf(why, whysz, "requestId does not match the request's %s",
			 b->request_id);
	else if (!YAJL_IS_NUMBER(ts))
		snprintf(why, whysz, "no numeric timestamp");
	else
		ok = 1;
	yajl_tree_free(root);
	return ok;
}

static int http_deliver(void *state, const struct fh_batch *b, struct fh_result *r)
{
	struct http_dest *d = state;
	const char *h[8];
	char id[96], why[128], prefix[192], code[64], msg[256];
	const struct kc_buf *payload = &d->body;
	struct fh_http_response *resp = &d->resp;
	struct kc_error e;
	size_t n = 0;

	build_body(d, b);
	if (d->gzip) {
		kc_buf_reset(&d->packed);
		if (kc_compress(KC_CODEC_GZIP, 0, NULL, d->body.data, d->body.len,
				&d->packed, &e) < 0) {
			fh_result_all(r, b->n, FH_RETRY, "HttpEndpoint.CompressionFailed",
				      "gzip: %s", e.msg);
			return 0;
		}
		payload = &d->packed;
	}
	snprintf(id, sizeof(id), "X-Amz-Firehose-Request-Id: %s", b->request_id);
	h[n++] = "X-Amz-Firehose-Protocol-Version: 1.0";
	h[n++] = id;
	h[n++] = d->arn;
	if (d->access_key)
		h[n++] = d->access_key;
	if (d->attributes)
		h[n++] = d->attributes;
	h[n++] = "Content-Type: application/json";
	if (d->gzip)
		h[n++] = "Content-Encoding: gzip";
	fh_http_post(d->http, d->url, h, n, payload->data, payload->len, RESPONSE_MAX,
		     resp);
	if (fh_http_failed(resp, failure_codes, "No usable response from the endpoint",
			   code, msg)) {
		fh_result_all(r, b->n, FH_RETRY, code, "%s", msg);
		return 0;
	}
	if (resp->status == 200) {
		if (valid_response(d, b, why, sizeof(why)))
			return 0;
		snprintf(prefix, sizeof(prefix), "The response from the endpoint is "
			 "invalid (%s): ", why);
		fh_http_describe(msg, sizeof(msg), prefix, resp);
		fh_result_all(r, b->n, FH_RETRY, "HttpEndpoint.InvalidResponseFromDestination",
			      "%s", msg);
		return 0;
	}
	/* 413 will not get better by retrying the same body. */
	fh_http_describe(msg, sizeof(msg), "The endpoint responded with an error: ", resp);
	fh_result_all(r, b->n, resp->status == 413 ? FH_FAIL : FH_RETRY,
		      "HttpEndpoint.DestinationException", "%s", msg);
	return 0;
}

static void http_error_fields(void *state, const struct fh_batch *b, size_t i,
			      struct kc_buf *out)
{
	char id[FH_RECORD_ID_MAX];

	(void)state;
	fh_record_id(&b->v[i], id);
	kc_buf_addf(out, ",\"subsequenceNumber\":%lu,\"dataId\":", (unsigned long)b->v[i].sub);
	kc_json_add_string(out, id, strlen(id));
}

const struct fh_dest_type fh_dest_http = {
	.scheme = "http",
	.metric = "HttpEndpoint",
	.error_type = "http-endpoint-failed",
	.size_min = 1 << 20,
	.size_max = 64 << 20,
	.size_default = 5 << 20,
	.interval_min = 0,
	.interval_max = 900 * 1000,
	.interval_default = 300 * 1000,
	.retry_default = 300 * 1000,
	.max_records = 10000,
	.options = options,
	.open = http_open,
	.deliver = http_deliver,
	.error_fields = http_error_fields,
	.close = http_close,
};
