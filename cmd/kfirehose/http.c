/* http.c: one libcurl easy handle POSTing for the HTTP-based destinations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "http.h"
#include "json.h"
#include "banned.h"

struct fh_http {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* Where the write callback puts the response body. */
struct sink {
	struct kc_buf *body;
	size_t limit;
	int too_large;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (n > s->limit - s->body->len) {
		s->too_large = 1;
		return 0;        /* ends the transfer with CURLE_WRITE_ERROR */
	}
	kc_buf_add(s->body, p, n);
	return n;
}

int fh_http_open(const struct fh_config *c, struct fh_http **out, struct kc_error *e)
{
	struct fh_http *h;
	FILE *f;

	if (c->ca_file) {
		if (!(f = fopen(c->ca_file, "r")))
			return kc_error_errno(e, KC_EUSAGE, errno, "--ca-file '%s'", c->ca_file);
		fclose(f);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return kc_error_set(e, KC_EFAIL, "cannot initialize libcurl");
	h = kc_xcalloc(1, sizeof(*h));
	if (!(h->curl = curl_easy_init())) {
		free(h);
		curl_global_cleanup();
		return kc_error_set(e, KC_EFAIL, "cannot initialize libcurl");
	}
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)c->request_timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->request_timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "kfirehose/" KIN_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (c->ca_file)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, c->ca_file);
	*out = h;
	return 0;
}

void fh_http_response_init(struct fh_http_response *r)
{
	memset(r, 0, sizeof(*r));
	kc_buf_init(&r->body);
}

void fh_http_response_release(struct fh_http_response *r)
{
	kc_buf_release(&r->body);
}

static enum fh_http_failure classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return FH_HTTP_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return FH_HTTP_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return FH_HTTP_TLS;
	default:
		return FH_HTTP_RESET;
	}
}

int fh_http_post(struct fh_http *h, const char *url, const char *const *headers,
		 size_t n, const void *body, size_t len, size_t limit,
		 struct fh_http_response *r)
{
	struct curl_slist *list = NULL, *more;
	struct sink sink = { &r->body, limit, 0 };
	CURLcode rc;
	long status = 0;

	kc_buf_reset(&r->body);
	kc_buf_add(&r->body, "", 0);   /* data is a string even when empty */
	r->failure = FH_HTTP_RESPONDED;
	r->status = 0;
	r->error[0] = '\0';
	h->errbuf[0] = '\0';
	for (size_t i = 0; i <= n; i++) {
		/* "Expect:" keeps curl from waiting for a 100 Continue. */
		more = curl_slist_append(list, i < n ? headers[i] : "Expect:");
		if (!more) {
			curl_slist_free_all(list);
			snprintf(r->error, sizeof(r->error), "out of memory");
			r->failure = FH_HTTP_RESET;
			return 0;
		}
		list = more;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &sink);
	rc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(list);
	r->status = status;
	if (rc == CURLE_OK)
		return 0;
	if (sink.too_large) {
		r->failure = FH_HTTP_TOO_LARGE;
		snprintf(r->error, sizeof(r->error), "response body longer than %zu bytes",
			 limit);
		return 0;
	}
	r->failure = classify(rc);
	snprintf(r->error, sizeof(r->error), "%.191s",
		 h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	return 0;
}

void fh_http_excerpt(const char *p, size_t n, size_t max, char *out, size_t outsz)
{
	size_t i;

	if (!outsz)
		return;
	if (max > outsz - 1)
		max = outsz - 1;
	if (n > max) {
		n = max;
		/* Back up to the start of a UTF-8 sequence cut by the limit. */
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[i] = '\0';
}

void fh_http_describe(char *out, size_t outsz, const char *prefix,
		      const struct fh_http_response *r)
{
	int len = snprintf(out, outsz, "%s%ld: ", prefix, r->status);
	size_t max;

	if (len < 0 || (size_t)len >= outsz)
		return;
	max = outsz - 1 - (size_t)len;
	fh_http_excerpt(r->body.data, r->body.len,
			max < FH_HTTP_EXCERPT_MAX ? max : FH_HTTP_EXCERPT_MAX,
			out + len, outsz - (size_t)len);
}

char *fh_http_url(const char *base, const char *path)
{
	size_t n = strlen(base);
	struct kc_buf b = KC_BUF_INIT;

	while (n > 0 && base[n - 1] == '/')
		n--;
	kc_buf_add(&b, base, n);
	kc_buf_adds(&b, path);
	return b.data;
}

int fh_http_check_url(const char *what, const char *url, struct kc_error *e)
{
	const char *host;

	if (!strncmp(url, "http://", 7))
		host = url + 7;
	else if (!strncmp(url, "https://", 8))
		host = url + 8;
	else
		return kc_error_set(e, KC_EUSAGE, "%s '%s': expected an http:// or "
				    "https:// URL", what, url);
	if (!*host || *host == '/')
		return kc_error_set(e, KC_EUSAGE, "%s '%s': no host", what, url);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return kc_error_set(e, KC_EUSAGE, "%s '%s': spaces or control "
					    "characters in the URL", what, url);
	return 0;
}

int fh_http_check_header_value(const char *what, const char *value, struct kc_error *e)
{
	if (strpbrk(value, "\r\n"))
		return kc_error_set(e, KC_EUSAGE, "%s: line breaks are not allowed "
				    "(the value goes into an HTTP header)", what);
	return 0;
}

yajl_val fh_http_json(const struct kc_buf *body, char *why, size_t whysz)
{
	struct kc_error e;
	struct kc_json *j;

	if (!body->data || !body->len) {
		snprintf(why, whysz, "empty body");
		return NULL;
	}
	/* kc_json_parse guards against NUL bytes and deep nesting. */
	if (!(j = kc_json_parse(body->data, body->len, &e))) {
		snprintf(why, whysz, "%s", e.msg);
		return NULL;
	}
	kc_json_free(j);
	return yajl_tree_parse(body->data, NULL, 0);
}

int fh_http_failed(const struct fh_http_response *r, const char *const codes[],
		   const char *what, char code[64], char msg[256])
{
	if (r->failure == FH_HTTP_RESPONDED)
		return 0;
	snprintf(code, 64, "%s", codes[r->failure]);
	snprintf(msg, 256, "%s: %.190s", what, r->error);
	return 1;
}

yajl_val fh_http_member(yajl_val v, const char *key)
{
	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (size_t i = 0; i < v->u.object.len; i++)
		if (!strcmp(v->u.object.keys[i], key))
			return v->u.object.values[i];
	return NULL;
}

void fh_http_close(struct fh_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	curl_global_cleanup();
	free(h);
}
