/* prefix.c: Firehose prefix templates: parse, check, evaluate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prefix.h"
#include "banned.h"

#define PREFIX_MAX 512
#define DEFAULT_TIMESTAMP "yyyy/MM/dd/HH/"

enum part_kind { P_TEXT, P_TIMESTAMP, P_RANDOM, P_ERROR_TYPE, P_QUERY, P_LAMBDA };

struct part {
	enum part_kind kind;
	char *text;              /* literal text, pattern or key name */
};

struct fh_prefix {
	struct part *v;
	size_t n;
};

static void add_part(struct fh_prefix *p, enum part_kind kind, const char *s, size_t n)
{
	p->v = kc_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n].kind = kind;
	p->v[p->n].text = kc_xmalloc(n + 1);
	memcpy(p->v[p->n].text, s, n);
	p->v[p->n].text[n] = '\0';
	p->n++;
}

void fh_prefix_free(struct fh_prefix *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].text);
	free(p->v);
	free(p);
}

static int has(const struct fh_prefix *p, enum part_kind kind)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == kind)
			return 1;
	return 0;
}

int fh_prefix_uses_query(const struct fh_prefix *p)
{
	return has(p, P_QUERY);
}

int fh_prefix_uses_lambda(const struct fh_prefix *p)
{
	return has(p, P_LAMBDA);
}

static int expressions(const struct fh_prefix *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind != P_TEXT)
			return 1;
	return 0;
}

static int expressions_given(const char *t)
{
	return strstr(t, "!{") != NULL;
}

static const char *const WEEKDAYS[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday" };
static const char *const MONTHS[] = { "January", "February", "March", "April", "May",
				      "June", "July", "August", "September",
				      "October", "November", "December" };

/* Appends v with at least width digits. */
static void add_num(struct kc_buf *out, long v, size_t width)
{
	kc_buf_addf(out, "%0*ld", (int)width, v);
}

static int format_letter(char c, size_t count, const struct tm *tm, int ms,
			 struct kc_buf *out, struct kc_error *e)
{
	switch (c) {
	case 'y': case 'u':
		if (count == 2)
			add_num(out, (tm->tm_year + 1900) % 100, 2);
		else
			add_num(out, tm->tm_year + 1900, count);
		return 0;
	case 'M':
		if (count >= 4)
			kc_buf_adds(out, MONTHS[tm->tm_mon]);
		else if (count == 3)
			kc_buf_add(out, MONTHS[tm->tm_mon], 3);
		else
			add_num(out, tm->tm_mon + 1, count);
		return 0;
	case 'd': add_num(out, tm->tm_mday, count); return 0;
	case 'D': add_num(out, tm->tm_yday + 1, count); return 0;
	case 'H': add_num(out, tm->tm_hour, count); return 0;
	case 'h': add_num(out, tm->tm_hour % 12 ? tm->tm_hour % 12 : 12, count); return 0;
	case 'm': add_num(out, tm->tm_min, count); return 0;
	case 's': add_num(out, tm->tm_sec, count); return 0;
	case 'a': kc_buf_adds(out, tm->tm_hour < 12 ? "AM" : "PM"); return 0;
	case 'E':
		if (count >= 4)
			kc_buf_adds(out, WEEKDAYS[tm->tm_wday]);
		else
			kc_buf_add(out, WEEKDAYS[tm->tm_wday], 3);
		return 0;
	case 'S': {
		char digits[4];
		snprintf(digits, sizeof(digits), "%03d", ms);
		for (size_t i = 0; i < count; i++)
			kc_buf_addc(out, i < 3 ? digits[i] : '0');
		return 0;
	}
	default:
		return kc_error_set(e, KC_EUSAGE, "letter '%c' is not "
				    "supported (y u M d D H h m s S E a)", c);
	}
}

int fh_timestamp_format(const char *pat, size_t n, int64_t ts_ms,
			struct kc_buf *out, struct kc_error *e)
{
	time_t t = (time_t)(ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000);
	int ms = (int)(ts_ms - (int64_t)t * 1000);
	struct tm tm;
	size_t i = 0;

	gmtime_r(&t, &tm);
	while (i < n) {
		char c = pat[i];
		if (c == '\'') {
			size_t j = i + 1;
			if (j < n && pat[j] == '\'') {
				kc_buf_addc(out, '\'');
				i += 2;
				continue;
			}
			while (j < n && pat[j] != '\'')
				kc_buf_addc(out, pat[j++]);
			if (j == n)
				return kc_error_set(e, KC_EUSAGE, "timestamp pattern '%.*s': "
						    "unterminated quote", (int)n, pat);
			i = j + 1;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			size_t count = 1;
			while (i + count < n && pat[i + count] == c)
				count++;
			if (format_letter(c, count, &tm, ms, out, e))
				return kc_error_prefix(e, "timestamp pattern '%.*s': ", (int)n, pat);
			i += count;
		} else {
			kc_buf_addc(out, c);
			i++;
		}
	}
	return 0;
}

static int valid_key_name(const char *s, size_t n)
{
	if (!n || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Parses one !{...} body (between the braces) into p. */
static int parse_expression(struct fh_prefix *p, const char *opt, const char *s,
			    size_t n, struct kc_error *e)
{
	const char *colon = memchr(s, ':', n);
	size_t ns = colon ? (size_t)(colon - s) : n;
	const char *arg = colon ? colon + 1 : s + n;
	size_t na = (size_t)(s + n - arg);
	struct kc_error ignore;
	struct kc_buf scratch = KC_BUF_INIT;
	int rc = 0;

	if (!colon)
		rc = kc_error_set(e, KC_EUSAGE, "%s: expression '!{%.*s}' has no "
				  "namespace (namespace:value)", opt, (int)n, s);
	else if (ns == 9 && !memcmp(s, "timestamp", 9)) {
		if (!na)
			rc = kc_error_set(e, KC_EUSAGE, "%s: '!{timestamp:}' has no pattern", opt);
		else if (fh_timestamp_format(arg, na, 0, &scratch, &ignore))
			rc = kc_error_set(e, KC_EUSAGE, "%s: %s", opt, ignore.msg);
		else
			add_part(p, P_TIMESTAMP, arg, na);
	} else if (ns == 8 && !memcmp(s, "firehose", 8)) {
		if (na == 13 && !memcmp(arg, "random-string", 13))
			add_part(p, P_RANDOM, "", 0);
		else if (na == 17 && !memcmp(arg, "error-output-type", 17))
			add_part(p, P_ERROR_TYPE, "", 0);
		else
			rc = kc_error_set(e, KC_EUSAGE, "%s: unknown firehose expression "
					  "'%.*s' (random-string, error-output-type)", opt,
					  (int)na, arg);
	} else if ((ns == 21 && !memcmp(s, "partitionKeyFromQuery", 21)) ||
		   (ns == 22 && !memcmp(s, "partitionKeyFromLambda", 22))) {
		if (!valid_key_name(arg, na))
			rc = kc_error_set(e, KC_EUSAGE, "%s: partition key name '%.*s': "
					  "expected 1 to 64 of [a-zA-Z0-9_-]", opt, (int)na, arg);
		else
			add_part(p, ns == 21 ? P_QUERY : P_LAMBDA, arg, na);
	} else {
		rc = kc_error_set(e, KC_EUSAGE, "%s: unknown namespace '%.*s' (timestamp, "
				  "firehose, partitionKeyFromQuery, partitionKeyFromLambda)",
				  opt, (int)ns, s);
	}
	kc_buf_release(&scratch);
	return rc;
}

static int parse(const char *opt, const char *t, struct fh_prefix **out,
		 struct kc_error *e)
{
	struct fh_prefix *p = kc_xcalloc(1, sizeof(*p));
	const char *s = t, *text = t;

	if (strlen(t) > 1024)
		goto bad_len;
	while (*s) {
		const char *end;
		if (s[0] != '!' || s[1] != '{') {
			if (s[0] == '}' || (s[0] == '{' && s > t && s[-1] == '!'))
				break;
			s++;
			continue;
		}
		if (s > text)
			add_part(p, P_TEXT, text, (size_t)(s - text));
		end = strchr(s + 2, '}');
		if (!end || memchr(s + 2, '{', (size_t)(end - s - 2))) {
			fh_prefix_free(p);
			return kc_error_set(e, KC_EUSAGE, "%s '%s': '!{' without its '}'", opt, t);
		}
		if (parse_expression(p, opt, s + 2, (size_t)(end - s - 2), e)) {
			fh_prefix_free(p);
			return -KC_EUSAGE;
		}
		s = text = end + 1;
	}
	if (*s) {
		fh_prefix_free(p);
		return kc_error_set(e, KC_EUSAGE, "%s '%s': '%c' outside an expression "
				    "(only !{namespace:value} may use braces)", opt, t, *s);
	}
	if (s > text)
		add_part(p, P_TEXT, text, (size_t)(s - text));
	if (p->n && p->v[0].kind == P_TEXT && p->v[0].text[0] == '/') {
		fh_prefix_free(p);
		return kc_error_set(e, KC_EUSAGE, "%s '%s': must not start with '/'", opt, t);
	}
	*out = p;
	return 0;
bad_len:
	fh_prefix_free(p);
	return kc_error_set(e, KC_EUSAGE, "%s: longer than 1024 characters", opt);
}

int fh_prefix_parse_pair(const char *prefix, const char *error_prefix,
			 struct fh_prefix **pp, struct fh_prefix **epp,
			 struct kc_error *e)
{
	struct fh_prefix *p = NULL, *ep = NULL;

	if (parse("--prefix", prefix ? prefix : "", &p, e))
		return -KC_EUSAGE;
	if (has(p, P_ERROR_TYPE))
		goto err_type_in_prefix;
	/* Firehose appends the default timestamp when there is none. */
	if (!has(p, P_TIMESTAMP) && !has(p, P_QUERY) && !has(p, P_LAMBDA))
		add_part(p, P_TIMESTAMP, DEFAULT_TIMESTAMP, strlen(DEFAULT_TIMESTAMP));
	if (!error_prefix) {
		if (prefix && expressions_given(prefix))
			goto need_error_prefix;
		error_prefix = "!{firehose:error-output-type}/!{timestamp:" DEFAULT_TIMESTAMP "}";
	}
	if (parse("--error-prefix", error_prefix, &ep, e)) {
		fh_prefix_free(p);
		return -KC_EUSAGE;
	}
	if (has(ep, P_QUERY) || has(ep, P_LAMBDA))
		goto keys_in_error_prefix;
	if (expressions(ep) && !has(ep, P_ERROR_TYPE))
		goto need_error_type;
	if (!has(ep, P_TIMESTAMP))
		add_part(ep, P_TIMESTAMP, DEFAULT_TIMESTAMP, strlen(DEFAULT_TIMESTAMP));
	*pp = p;
	*epp = ep;
	return 0;
err_type_in_prefix:
	fh_prefix_free(p);
	return kc_error_set(e, KC_EUSAGE, "--prefix '%s': !{firehose:error-output-type} "
			    "may only be used in --error-prefix", prefix);
need_error_prefix:
	fh_prefix_free(p);
	return kc_error_set(e, KC_EUSAGE, "--prefix '%s' has expressions, so "
			    "--error-prefix must be given too", prefix);
keys_in_error_prefix:
	fh_prefix_free(p);
	fh_prefix_free(ep);
	return kc_error_set(e, KC_EUSAGE, "--error-prefix '%s': partition keys may not "
			    "be used in the error prefix", error_prefix);
need_error_type:
	fh_prefix_free(p);
	fh_prefix_free(ep);
	return kc_error_set(e, KC_EUSAGE, "--error-prefix '%s' has expressions, so it "
			    "must contain !{firehose:error-output-type}", error_prefix);
}

static const char *key_of(const struct part *pt, const struct fh_keys *query,
			  const struct fh_keys *lambda)
{
	const struct fh_keys *k = pt->kind == P_QUERY ? query : lambda;
	return k ? fh_keys_get(k, pt->text) : NULL;
}

static int missing_key(const struct part *pt, struct kc_error *e)
{
	return kc_error_set(e, KC_EDATA, "partition key '%s' (%s) is missing", pt->text,
			    pt->kind == P_QUERY ? "partitionKeyFromQuery"
						: "partitionKeyFromLambda");
}

int fh_prefix_partition(const struct fh_prefix *p, const struct fh_keys *query,
			const struct fh_keys *lambda, struct kc_buf *out,
			struct kc_error *e)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *v;
		if (p->v[i].kind != P_QUERY && p->v[i].kind != P_LAMBDA)
			continue;
		if (!(v = key_of(&p->v[i], query, lambda)))
			return missing_key(&p->v[i], e);
		kc_buf_add(out, v, strlen(v) + 1);
	}
	return 0;
}

static void add_random(struct kc_buf *out)
{
	char uuid[40];

	fh_uuid(uuid);
	/* 11 lower-case hex characters, as Firehose's random strings look. */
	kc_buf_add(out, uuid, 8);
	kc_buf_add(out, uuid + 9, 3);
}

/* Refuses results that are not safe relative paths under the root. */
static int check_path(const char *s, size_t n, struct kc_error *e)
{
	size_t start = 0;

	if (n > PREFIX_MAX)
		return kc_error_set(e, KC_EDATA, "prefix '%.60s...' is %zu bytes after "
				    "evaluation, over the limit of %d", s, n, PREFIX_MAX);
	if (memchr(s, '\0', n))
		return kc_error_set(e, KC_EDATA, "prefix contains a NUL byte");
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if ((i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.') ||
		    (i == start && i < n))
			return kc_error_set(e, KC_EDATA, "prefix '%.*s' has an empty, '.' "
					    "or '..' path segment", (int)n, s);
		start = i + 1;
	}
	return 0;
}

int fh_prefix_eval(const struct fh_prefix *p, const struct fh_keys *query,
		   const struct fh_keys *lambda, int64_t ts_ms, const char *error_type,
		   struct kc_buf *out, struct kc_error *e)
{
	size_t start = out->len;

	for (size_t i = 0; i < p->n; i++) {
		const struct part *pt = &p->v[i];
		const char *v;
		switch (pt->kind) {
		case P_TEXT:
			kc_buf_adds(out, pt->text);
			break;
		case P_TIMESTAMP:
			if (fh_timestamp_format(pt->text, strlen(pt->text), ts_ms, out, e))
				return -KC_EUSAGE;
			break;
		case P_RANDOM:
			add_random(out);
			break;
		case P_ERROR_TYPE:
			kc_buf_adds(out, error_type ? error_type : "");
			break;
		case P_QUERY:
		case P_LAMBDA:
			if (!(v = key_of(pt, query, lambda)))
				return missing_key(pt, e);
			kc_buf_adds(out, v);
			break;
		}
	}
	return check_path(out->data ? out->data + start : "", out->len - start, e);
}
