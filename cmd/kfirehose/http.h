/*
 * http.h: the libcurl glue the HTTP endpoint, OpenSearch and Splunk
 * destinations share: one easy handle (so one kept-alive connection) that
 * POSTs a body with headers and captures the response up to a limit.
 * TLS peers are verified (against --ca-file when given); redirects are not
 * followed; nothing is ever printed, so header values such as access keys
 * and tokens stay out of every diagnostic.
 */
#ifndef FH_HTTP_H
#define FH_HTTP_H

#include <stddef.h>
#include <yajl/yajl_tree.h>
#include "buf.h"
#include "error.h"
#include "firehose.h"

struct fh_http;

/* Why a request got no (usable) response. */
enum fh_http_failure {
	FH_HTTP_RESPONDED = 0,   /* a status line and the whole body arrived */
	FH_HTTP_TIMEOUT,         /* no complete response within the timeout */
	FH_HTTP_CONNECT,         /* name lookup or connection refused/failed */
	FH_HTTP_TLS,             /* handshake or certificate verification */
	FH_HTTP_RESET,           /* the connection broke during the exchange */
	FH_HTTP_TOO_LARGE        /* the body passed the limit (status is set) */
};

struct fh_http_response {
	enum fh_http_failure failure;
	long status;             /* 0 when no status line arrived */
	struct kc_buf body;      /* NUL-terminated; at most limit bytes */
	char error[192];         /* curl's reason when failure != RESPONDED */
};

/*
 * Creates a client with c's request_timeout_ms and ca_file. Returns 0, or
 * -KC_EFAIL with e set when curl cannot be set up.
 */
int fh_http_open(const struct fh_config *c, struct fh_http **out, struct kc_error *e);

/*
 * POSTs body[0..len) to url with headers ("Name: value" strings, n of
 * them; curl adds Host and Content-Length, and "Expect:" is suppressed).
 * Fills *r (which must be initialized with fh_http_response_init; its body
 * is reset first). The response body is kept up to limit bytes; a longer
 * one ends the transfer with FH_HTTP_TOO_LARGE. Returns 0 whenever a
 * request was attempted, whatever came of it.
 */
int fh_http_post(struct fh_http *h, const char *url, const char *const *headers,
		 size_t n, const void *body, size_t len, size_t limit,
		 struct fh_http_response *r);

void fh_http_response_init(struct fh_http_response *r);
void fh_http_response_release(struct fh_http_response *r);

/*
 * Writes at most max bytes of p[0..n) to out (outsz bytes, NUL-terminated)
 * as printable text for an errorMessage: control bytes become spaces, and a
 * UTF-8 sequence is never cut in the middle.
 */
void fh_http_excerpt(const char *p, size_t n, size_t max, char *out, size_t outsz);

/*
 * When r is an exchange without a usable response, sets code (64 bytes)
 * to codes[r->failure] (a table indexed by enum fh_http_failure) and msg
 * (256 bytes) to "<what>: <the reason>", and returns 1; returns 0 when a
 * response arrived.
 */
int fh_http_failed(const struct fh_http_response *r, const char *const codes[],
		   const char *what, char code[64], char msg[256]);

/*
 * Formats "<prefix><status>: <up to 200 bytes of the body>" into out
 * (outsz bytes), cutting the body excerpt so that the whole fits.
 */
#define FH_HTTP_EXCERPT_MAX 200
void fh_http_describe(char *out, size_t outsz, const char *prefix,
		      const struct fh_http_response *r);

/*
 * Joins base (an http(s) URL given by the user) and path ("/_bulk"),
 * dropping base's trailing slashes. The result is malloc'ed.
 */
char *fh_http_url(const char *base, const char *path);

/*
 * Checks that url is http:// or https:// with a host, and that value is
 * safe in a header (no CR, LF or NUL): -KC_EUSAGE naming what otherwise.
 */
int fh_http_check_url(const char *what, const char *url, struct kc_error *e);
int fh_http_check_header_value(const char *what, const char *value, struct kc_error *e);

/*
 * Parses a response body as JSON (yajl's tree; free with yajl_tree_free).
 * Returns NULL with a one-line reason in why when it is not JSON, holds a
 * NUL byte, or nests deeper than kc_json_parse allows (a bound that keeps
 * yajl's recursion off a hostile endpoint's stack).
 */
yajl_val fh_http_json(const struct kc_buf *body, char *why, size_t whysz);

/* The member key of object v, or NULL (also when v is not an object). */
yajl_val fh_http_member(yajl_val v, const char *key);

void fh_http_close(struct fh_http *h);

#endif
