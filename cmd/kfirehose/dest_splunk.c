/*
 * dest_splunk.c: the Splunk destination: one request per attempt to the
 * HTTP Event Collector's raw or event endpoint, then, when the HEC hands
 * out an ackId (indexer acknowledgement is on), polling the ack endpoint
 * until the events are indexed or the acknowledgement timeout passes.
 * Every failure is retried within the retry duration, as Firehose does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

#include "http.h"
#include "json.h"
#include "units.h"
#include "banned.h"

#define TOKEN_MAX 2048
#define RESPONSE_MAX (1 << 20)
#define POLL_FIRST_MS 100
#define POLL_MAX_MS 5000

struct splunk_dest {
	struct fh_http *http;
	char *data_url;          /* .../services/collector/raw or /event */
	char *ack_url;           /* .../services/collector/ack?channel=CH */
	char *auth;              /* the Authorization header */
	char *channel;           /* the X-Splunk-Request-Channel header */
	int event;               /* the event endpoint */
	int64_t ack_timeout_ms;
	struct kc_buf body, ack_body;
	struct fh_http_response resp;
};

static const char *const options[] = {
	"hec-token", "hec-endpoint-type", "hec-channel", "hec-acknowledgment-timeout",
	NULL,
};

/* The errorCode of an exchange without a usable response. */
static const char *const failure_codes[] = {
	[FH_HTTP_TIMEOUT] = "Splunk.ConnectionTimeout",
	[FH_HTTP_CONNECT] = "Splunk.InvalidEndpoint",
	[FH_HTTP_TLS] = "Splunk.SSLHandshake",
	[FH_HTTP_RESET] = "Splunk.ConnectionClosed",
	[FH_HTTP_TOO_LARGE] = "Splunk.ServerError",
};

static void splunk_close(void *state)
{
	struct splunk_dest *d = state;

	if (!d)
		return;
	fh_http_close(d->http);
	free(d->data_url);
	free(d->ack_url);
	free(d->auth);
	free(d->channel);
	kc_buf_release(&d->body);
	kc_buf_release(&d->ack_body);
	fh_http_response_release(&d->resp);
	free(d);
}

static int is_guid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-'
				    : !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return 0;
	return 1;
}

static char *printf_dup(const char *fmt, const char *a, const char *b)
{
	struct kc_buf out = KC_BUF_INIT;

	kc_buf_addf(&out, fmt, a, b);
	return out.data;
}

static int splunk_open(const struct fh_config *c, const char *url, void **state,
		       struct kc_error *e)
{
	struct splunk_dest *d;
	const char *v, *token;
	char uuid[40], *base;
	uint64_t ms;
	int rc;

	/* The contract passes what follows "splunk:"; take the whole --to too. */
	if (!strncmp(url, "splunk:", 7))
		url += 7;
	if ((rc = fh_http_check_url("--to splunk:", url, e)))
		return rc;
	/* The token is a secret: messages never quote it. */
	if (!(token = fh_config_get(c, "hec-token")) || !*token)
		return kc_error_set(e, KC_EUSAGE, "--hec-token is required with a splunk "
				    "destination");
	if (strlen(token) > TOKEN_MAX)
		return kc_error_set(e, KC_EUSAGE, "--hec-token: longer than %d bytes",
				    TOKEN_MAX);
	if ((rc = fh_http_check_header_value("--hec-token", token, e)))
		return rc;
	d = kc_xcalloc(1, sizeof(*d));
	fh_http_response_init(&d->resp);
	d->ack_timeout_ms = 180 * 1000;
	if ((v = fh_config_get(c, "hec-endpoint-type"))) {
		if (!strcmp(v, "Event"))
			d->event = 1;
		else if (strcmp(v, "Raw")) {
			rc = kc_error_set(e, KC_EUSAGE, "--hec-endpoint-type '%s': not one of "
					  "Raw, Event", v);
			goto fail;
		}
	}
	if ((v = fh_config_get(c, "hec-acknowledgment-timeout"))) {
		if ((rc = kc_parse_duration("--hec-acknowledgment-timeout", v, 1000, &ms, e)))
			goto fail;
		if (ms < 180 * 1000 || ms > 600 * 1000) {
			rc = kc_error_set(e, KC_EUSAGE, "--hec-acknowledgment-timeout %s: out "
					  "of range: 180 to 600 seconds", v);
			goto fail;
		}
		d->ack_timeout_ms = (int64_t)ms;
	}
	if ((v = fh_config_get(c, "hec-channel"))) {
		if (!is_guid(v)) {
			rc = kc_error_set(e, KC_EUSAGE, "--hec-channel '%s': expected a GUID "
					  "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v);
			goto fail;
		}
	} else {
		fh_uuid(uuid);
		v = uuid;
	}
	d->channel = printf_dup("%s%s", "X-Splunk-Request-Channel: ", v);
	base = fh_http_url(url, "/services/collector/");
	d->data_url = printf_dup("%s%s", base, d->event ? "event" : "raw");
	d->ack_url = printf_dup("%sack?channel=%s", base, v);
	free(base);
	d->auth = printf_dup("%s%s", "Authorization: Splunk ", token);
	if ((rc = fh_http_open(c, &d->http, e)))
		goto fail;
	*state = d;
	return 0;
fail:
	splunk_close(d);
	return rc;
}

/* Whether p[0..n) is one JSON value other than null. */
static int json_value(const char *p, size_t n)
{
	yajl_handle h;
	size_t i = 0;
	int ok;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == n || memchr(p, '\0', n) || (n - i >= 4 && !memcmp(p + i, "null", 4)))
		return 0;
	h = yajl_alloc(NULL, NULL, NULL);
	ok = yajl_parse(h, (const unsigned char *)p, n) == yajl_status_ok &&
	     yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	return ok;
}

/*
 * Raw: the records back to back, as Firehose sends them (no delimiter is
 * added). Event: one {"event":...,"time":...} object per record, the
 * record itself when it is JSON, else as a string; time is the arrival in
 * seconds with milliseconds.
 */
static void build_body(struct splunk_dest *d, const struct fh_batch *b)
{
	struct kc_buf *o = &d->body;

	kc_buf_reset(o);
	for (size_t i = 0; i < b->n; i++) {
		const struct fh_record *r = &b->v[i];
		long long ms = r->arrival_ms;
		if (!d->event) {
			kc_buf_add(o, r->data, r->len);
			continue;
		}
		kc_buf_adds(o, "{\"event\":");
		if (json_value(r->data, r->len))
			kc_buf_add(o, r->data, r->len);
		else
			kc_json_add_string(o, r->data, r->len);
		kc_buf_addf(o, ",\"time\":%s%lld.%03lld}\n", ms < 0 ? "-" : "",
			    (ms < 0 ? -ms : ms) / 1000, (ms < 0 ? -ms : ms) % 1000);
	}
}

/* The HEC's "code" in a JSON error body, or -1. */
static long long hec_code(const struct fh_http_response *resp)
{
	char why[64];
	yajl_val root = fh_http_json(&resp->body, why, sizeof(why));
	yajl_val code = fh_http_member(root, "code");
	long long c = YAJL_IS_INTEGER(code) ? YAJL_GET_INTEGER(code) : -1;

	yajl_tree_free(root);
	return c;
}

/* Firehose's name for an HEC error response. */
static const char *error_code(long status, long long code)
{
	switch (status) {
	case 401:
		return "Splunk.InvalidToken";
	case 403:
		return code == 1 ? "Splunk.DisabledToken" : "Splunk.InvalidToken";
	case 404:
		return "Splunk.URLNotFound";
	case 413:
		return "Splunk.PayloadTooLarge";
	case 400:
		return code == 7 ? "Splunk.InvalidIndex"
		       : code == 10 || code == 11 ? "Splunk.InvalidChannel"
		       : code == 14 ? "Splunk.DisabledAck" : "Splunk.InvalidDataFormat";
	default:
		return "Splunk.ServerError";
	}
}

static void pause_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Polls the ack endpoint for ack until it is true, the acknowledgement
 * timeout passes (Splunk.AckTimeout) or the HEC says acknowledgement is
 * off. Transient poll failures are polled through. Returns 0 when indexed,
 * else fills code and msg.
 */
static int wait_for_ack(struct splunk_dest *d, long long ack, char code[64],
			char msg[256])
{
	const char *h[3] = { d->auth, d->channel, "Content-Type: application/json" };
	uint64_t deadline = kc_mono_ns() + (uint64_t)d->ack_timeout_ms * 1000000u;
	int64_t wait = POLL_FIRST_MS;
	char key[32], last[256] = "no poll answered", why[64];

	snprintf(key, sizeof(key), "%lld", ack);
	kc_buf_reset(&d->ack_body);
	kc_buf_addf(&d->ack_body, "{\"acks\":[%lld]}", ack);
	for (;;) {
		uint64_t now = kc_mono_ns();
		yajl_val root, acks, v;
		if (now >= deadline)
			break;
		if ((int64_t)((deadline - now) / 1000000u) < wait)
			wait = (int64_t)((deadline - now) / 1000000u) + 1;
		pause_ms(wait);
		wait = wait * 2 > POLL_MAX_MS ? POLL_MAX_MS : wait * 2;
		fh_http_post(d->http, d->ack_url, h, 3, d->ack_body.data, d->ack_body.len,
			     RESPONSE_MAX, &d->resp);
		if (fh_http_failed(&d->resp, failure_codes, "polling the ack endpoint",
				   code, last))
			continue;
		if (d->resp.status != 200) {
			if (d->resp.status == 400 && hec_code(&d->resp) == 14) {
				snprintf(code, 64, "Splunk.DisabledAck");
				fh_http_describe(msg, 256, "Indexer acknowledgement is "
						 "disabled for the HEC token: ", &d->resp);
				return -1;
			}
			fh_http_describe(last, sizeof(last), "the ack endpoint responded ",
					 &d->resp);
			continue;
		}
		root = fh_http_json(&d->resp.body, why, sizeof(why));
		acks = fh_http_member(root, "acks");
		v = fh_http_member(acks, key);
		if (YAJL_IS_TRUE(v)) {
			yajl_tree_free(root);
			return 0;
		}
		if (!v)
			fh_http_describe(last, sizeof(last), "the ack endpoint answered ",
					 &d->resp);
		else
			snprintf(last, sizeof(last), "ackId %lld not yet indexed", ack);
		yajl_tree_free(root);
	}
	snprintf(code, 64, "Splunk.AckTimeout");
	snprintf(msg, 256, "Did not receive an acknowledgement from HEC before the "
		 "HEC acknowledgement timeout (%llds) expired: %.120s",
		 (long long)(d->ack_timeout_ms / 1000), last);
	return -1;
}

static int splunk_deliver(void *state, const struct fh_batch *b, struct fh_result *r)
{
	struct splunk_dest *d = state;
	struct fh_http_response *resp = &d->resp;
	const char *h[3] = { d->auth, d->channel,
			     d->event ? "Content-Type: application/json"
				      : "Content-Type: text/plain" };
	char code[64], msg[256], why[64];
	yajl_val root, ack, status;
	long long ackid;

	build_body(d, b);
	fh_http_post(d->http, d->data_url, h, 3, d->body.data, d->body.len, RESPONSE_MAX,
		     resp);
	if (fh_http_failed(resp, failure_codes, "No usable response from the HEC", code,
			   msg)) {
		fh_result_all(r, b->n, FH_RETRY, code, "%s", msg);
		return 0;
	}
	if (resp->status != 200) {
		fh_http_describe(msg, sizeof(msg), "The HEC responded ", resp);
		fh_result_all(r, b->n, FH_RETRY, error_code(resp->status, hec_code(resp)),
			      "%s", msg);
		return 0;
	}
	root = fh_http_json(&resp->body, why, sizeof(why));
	status = fh_http_member(root, "code");
	ack = fh_http_member(root, "ackId");
	if (!YAJL_IS_INTEGER(status) || YAJL_GET_INTEGER(status) != 0) {
		yajl_tree_free(root);
		fh_http_describe(msg, sizeof(msg), "The HEC gave an unexpected answer: ",
				 resp);
		fh_result_all(r, b->n, FH_RETRY, "Splunk.ServerError", "%s", msg);
		return 0;
	}
	if (!ack) {              /* indexer acknowledgement is off */
		yajl_tree_free(root);
		return 0;
	}
	if (!YAJL_IS_INTEGER(ack)) {
		yajl_tree_free(root);
		fh_http_describe(msg, sizeof(msg), "The HEC answered with a bad ackId: ",
				 resp);
		fh_result_all(r, b->n, FH_RETRY, "Splunk.ServerError", "%s", msg);
		return 0;
	}
	ackid = YAJL_GET_INTEGER(ack);
	yajl_tree_free(root);
	if (wait_for_ack(d, ackid, code, msg))
		fh_result_all(r, b->n, FH_RETRY, code, "%s", msg);
	return 0;
}

static void splunk_error_fields(void *state, const struct fh_batch *b, size_t i,
				struct kc_buf *out)
{
	char id[FH_RECORD_ID_MAX];

	(void)state;
	fh_record_id(&b->v[i], id);
	kc_buf_adds(out, ",\"EventId\":");
	kc_json_add_string(out, id, strlen(id));
}

const struct fh_dest_type fh_dest_splunk = {
	.scheme = "splunk",
	.metric = "Splunk",
	.error_type = "splunk-failed",
	.size_min = 1 << 20,
	.size_max = 5 << 20,
	.size_default = 5 << 20,
	.interval_min = 0,
	.interval_max = 60 * 1000,
	.interval_default = 60 * 1000,
	.retry_default = 300 * 1000,
	.max_records = 0,
	.options = options,
	.open = splunk_open,
	.deliver = splunk_deliver,
	.error_fields = splunk_error_fields,
	.close = splunk_close,
};
