/*
 * time.c: calendar arithmetic, the TIMESTAMP and DATE text forms, and the
 * time functions of the library: FLOOR/CEIL(ts TO unit), STEP(ts BY
 * interval), CURRENT_ROW_TIMESTAMP, CURRENT_TIMESTAMP, LOCALTIMESTAMP,
 * CURRENT_DATE, TSDIFF, UNIX_TIMESTAMP, TO_TIMESTAMP, CHAR_TO_TIMESTAMP,
 * TIMESTAMP_TO_CHAR and EXTRACT. All times are UTC, as in KDA.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksql.h"
#include "func.h"
#include "banned.h"

/* ---- calendar ---- */

int64_t ks_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t ks_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void ks_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ks_days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Years beyond ±10^8 are refused so nothing overflows downstream. */
#define MAX_MONTHS (12LL * 100000000LL)

int ks_ts_add_months(int64_t ms, int64_t months, int64_t *out)
{
	int64_t days = ks_floor_div(ms, KS_MS_PER_DAY), tod, y, mi;
	int m, d, dim;

	if (months > MAX_MONTHS || months < -MAX_MONTHS)
		return -1;
	tod = ms - days * KS_MS_PER_DAY;
	ks_civil_from_days(days, &y, &m, &d);
	mi = y * 12 + (m - 1) + months;
	y = ks_floor_div(mi, 12);
	m = (int)(mi - y * 12) + 1;
	dim = ks_days_in_month(y, m);
	if (d > dim) /* Jan 31 + 1 month = Feb 28/29, as SQL:2008 wants */
		d = dim;
	*out = ks_days_from_civil(y, m, d) * KS_MS_PER_DAY + tod;
	return 0;
}

/* ---- text forms ---- */

static size_t put_year(char *p, int64_t y)
{
	size_t i = 0;

	if (y < 0) {
		p[i++] = '-';
		y = -y;
	}
	if (y < 10000) {
		p[i++] = (char)('0' + y / 1000);
		p[i++] = (char)('0' + y / 100 % 10);
		p[i++] = (char)('0' + y / 10 % 10);
		p[i++] = (char)('0' + y % 10);
		return i;
	}
	return i + ks_fmt_int(y, p + i);
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t ks_date_format(int64_t days, char out[32])
{
	int64_t y;
	int m, d;
	size_t i;

	ks_civil_from_days(days, &y, &m, &d);
	i = put_year(out, y);
	out[i++] = '-';
	put2(out + i, m);
	i += 2;
	out[i++] = '-';
	put2(out + i, d);
	i += 2;
	out[i] = '\0';
	return i;
}

void ks_ts_format(int64_t ms, char out[32])
{
	int64_t days = ks_floor_div(ms, KS_MS_PER_DAY);
	int64_t t = ms - days * KS_MS_PER_DAY;
	size_t i = ks_date_format(days, out);
	int s = (int)(t / 1000), f = (int)(t % 1000);

	out[i++] = ' ';
	put2(out + i, s / 3600);
	out[i + 2] = ':';
	put2(out + i + 3, s / 60 % 60);
	out[i + 5] = ':';
	put2(out + i + 6, s % 60);
	out[i + 8] = '.';
	out[i + 9] = (char)('0' + f / 100);
	put2(out + i + 10, f % 100);
	out[i + 12] = '\0';
}

/* n digits at s[*i] into *v; -1 unless exactly n digits are there. */
static int digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	int x = 0, k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		unsigned d = (unsigned char)s[*i + k] - '0';

		if (d > 9)
			return -1;
		x = x * 10 + (int)d;
	}
	*i += (size_t)n;
	*v = x;
	return 0;
}

/* "yyyy-MM-dd" at the start of s; the position after it in *end. */
static int parse_ymd(const char *s, size_t n, size_t *end, int64_t *days)
{
	size_t i = 0;
	int y, m, d;

	if (digits(s, n, &i, 4, &y) < 0 || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &m) < 0 || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &d) < 0)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > ks_days_in_month(y, m))
		return -1;
	*end = i;
	*days = ks_days_from_civil(y, m, d);
	return 0;
}

/*
 * TIMESTAMP text: "yyyy-MM-dd[ HH:mm[:ss[.fraction]]]", the same with 'T'
 * (ISO 8601) and an optional zone "Z", "±HH:MM", "±HHMM" or "±HH"
 * (converted to UTC), or an integer of epoch milliseconds. Fractions past
 * milliseconds are truncated.
 */
int ks_ts_parse(const char *s, size_t n, int64_t *ms)
{
	size_t i = 0;
	int64_t days, v = 0;
	int h = 0, mi = 0, sec = 0, f = 0, fd = 0;

	if (n && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
		size_t k = s[0] == '-';
		int neg = k;

		for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			if (v <= (INT64_MAX - 9) / 10)
				v = v * 10 + (s[k] - '0');
			else
				return -1;
		if (k == n && k > (size_t)neg) {
			*ms = neg ? -v : v;
			return 0;
		}
	}
	if (parse_ymd(s, n, &i, &days) < 0)
		return -1;
	if (i < n && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
		i++;
		if (digits(s, n, &i, 2, &h) < 0 || i >= n || s[i++] != ':' ||
		    digits(s, n, &i, 2, &mi) < 0)
			return -1;
		if (i < n && s[i] == ':') {
			i++;
			if (digits(s, n, &i, 2, &sec) < 0)
				return -1;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				for (i++; i < n && s[i] >= '0' && s[i] <= '9';
				     i++, fd++)
					if (fd < 3)
						f = f * 10 + (s[i] - '0');
				if (!fd)
					return -1;
				for (; fd < 3; fd++)
					f *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	v = days * KS_MS_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1000LL + f;
	if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1, zh, zm = 0;

		if (digits(s, n, &i, 2, &zh) < 0)
			return -1;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && digits(s, n, &i, 2, &zm) < 0)
			return -1;
		if (zh > 23 || zm > 59)
			return -1;
		v -= sign * (zh * 60 + zm) * 60000LL;
	}
	if (i != n)
		return -1;
	*ms = v;
	return 0;
}

int ks_date_parse(const char *s, size_t n, int64_t *days)
{
	size_t end;
	int64_t ms;

	if (parse_ymd(s, n, &end, days) == 0 && end == n)
		return 0;
	if (ks_ts_parse(s, n, &ms) < 0)
		return -1;
	*days = ks_floor_div(ms, KS_MS_PER_DAY);
	return 0;
}

/* ---- units ---- */

static const char *const unit_names[] = {
	"MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK",
	"MONTH", "QUARTER", "YEAR", "DOW", "DOY", "EPOCH",
};

const char *ks_unit_name(int u)
{
	return u >= 0 && u < (int)(sizeof(unit_names) / sizeof(unit_names[0])) ?
		       unit_names[u] :
		       "?";
}

int ks_unit_parse(const char *s, size_t n)
{
	size_t i, k;

	if (n > 1 && (s[n - 1] == 's' || s[n - 1] == 'S'))
		for (i = 0; i < sizeof(unit_names) / sizeof(unit_names[0]); i++)
			if (strlen(unit_names[i]) == n - 1 &&
			    !strncasecmp(s, unit_names[i], n - 1))
				return (int)i;
	for (i = 0; i < sizeof(unit_names) / sizeof(unit_names[0]); i++) {
		k = strlen(unit_names[i]);
		if (k == n && !strncasecmp(s, unit_names[i], n))
			return (int)i;
	}
	return -1;
}

static const int64_t unit_ms[] = { 1, 1000, 60000, 3600000, KS_MS_PER_DAY };

int ks_ts_trunc(int64_t ms, int unit, int ceil, int64_t *out)
{
	int64_t days, y, r, step;
	int m, d;

	switch (unit) {
	case KS_U_MILLISECOND:
	case KS_U_SECOND:
	case KS_U_MINUTE:
	case KS_U_HOUR:
	case KS_U_DAY:
		step = unit_ms[unit];
		r = ks_floor_div(ms, step) * step;
		if (ceil && r != ms && __builtin_add_overflow(r, step, &r))
			return -1;
		*out = r;
		return 0;
	case KS_U_WEEK: /* Monday; 1970-01-01 was a Thursday */
		step = 7 * KS_MS_PER_DAY;
		r = ks_floor_div(ms + 3 * KS_MS_PER_DAY, step) * step -
		    3 * KS_MS_PER_DAY;
		if (ceil && r != ms && __builtin_add_overflow(r, step, &r))
			return -1;
		*out = r;
		return 0;
	case KS_U_MONTH:
	case KS_U_QUARTER:
	case KS_U_YEAR:
		days = ks_floor_div(ms, KS_MS_PER_DAY);
		ks_civil_from_days(days, &y, &m, &d);
		if (unit == KS_U_YEAR)
			m = 1;
		else if (unit == KS_U_QUARTER)
			m = (m - 1) / 3 * 3 + 1;
		r = ks_days_from_civil(y, m, 1) * KS_MS_PER_DAY;
		if (ceil && r != ms)
			return ks_ts_add_months(r, unit == KS_U_YEAR ? 12 :
					       unit == KS_U_QUARTER ? 3 : 1,
					       out);
		*out = r;
		return 0;
	default:
		return -1;
	}
}

/* ---- function helpers ---- */

static int tfn_err(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tfn_err(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msgsz, fmt, ap);
	va_end(ap);
	return -1;
}

static void set_t(struct ks_sqltype *rt, enum ks_type t)
{
	memset(rt, 0, sizeof(*rt));
	rt->t = t;
}

static int targ_err(char *msg, size_t msgsz, const char *fn, int i,
		    const char *what, const struct ks_sqltype *t)
{
	char b[64];

	return tfn_err(msg, msgsz, "%s: argument %d must be %s, not %s", fn,
		       i + 1, what, ks_type_str(t, b, sizeof(b)));
}

static int is_ts(const struct ks_sqltype *t)
{
	return t->t == KS_T_TIMESTAMP || t->t == KS_T_NULL;
}

/* ---- CURRENT_ROW_TIMESTAMP, CURRENT_TIMESTAMP, LOCALTIMESTAMP,
 * CURRENT_DATE (UTC, as KDA's clock) ---- */

static int ts0_type(const struct ks_sqltype *argt,
		    const struct ks_value *const *consts, int argc,
		    struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)argt, (void)consts, (void)argc, (void)msg, (void)msgsz;
	set_t(rt, KS_T_TIMESTAMP);
	return 0;
}

static int date0_type(const struct ks_sqltype *argt,
		      const struct ks_value *const *consts, int argc,
		      struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)argt, (void)consts, (void)argc, (void)msg, (void)msgsz;
	set_t(rt, KS_T_DATE);
	return 0;
}

static int rowts_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argv, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	out->u.i = c->rowtime;
	return 0;
}

static int now_eval(struct ks_eval_ctx *c, void *state,
		    const struct ks_value *argv, const struct ks_sqltype *argt,
		    int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argv, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	out->u.i = c->now_ms;
	return 0;
}

static int today_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argv, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	out->u.i = ks_floor_div(c->now_ms, KS_MS_PER_DAY);
	return 0;
}

/* ---- TSDIFF, UNIX_TIMESTAMP, TO_TIMESTAMP ---- */

/*
 * TSDIFF(a, b) (KDA sqlref TSDIFF): a - b in milliseconds as BIGINT, NULL
 * if either is NULL. The reference describes the arguments as epoch
 * milliseconds but uses timestamps; both are accepted. The order (first
 * minus second) is SQLstream's, which KDA derives from; the reference
 * does not spell it out.
 */
static int tsdiff_type(const struct ks_sqltype *argt,
		       const struct ks_value *const *consts, int argc,
		       struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	(void)consts, (void)argc;
	for (i = 0; i < 2; i++)
		if (!is_ts(&argt[i]) && !ks_type_is_integer(argt[i].t))
			return targ_err(msg, msgsz, "TSDIFF", i, "a TIMESTAMP",
					&argt[i]);
	set_t(rt, KS_T_BIGINT);
	return 0;
}

static int tsdiff_eval(struct ks_eval_ctx *c, void *state,
		       const struct ks_value *argv,
		       const struct ks_sqltype *argt, int argc,
		       const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	if (__builtin_sub_overflow(argv[0].u.i, argv[1].u.i, &out->u.i))
		return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
				     "TSDIFF: numeric overflow");
	return 0;
}

static int unixts_type(const struct ks_sqltype *argt,
		       const struct ks_value *const *consts, int argc,
		       struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!is_ts(&argt[0]) && argt[0].t != KS_T_DATE)
		return targ_err(msg, msgsz, "UNIX_TIMESTAMP", 0, "a TIMESTAMP",
				&argt[0]);
	set_t(rt, KS_T_BIGINT);
	return 0;
}

static int unixts_eval(struct ks_eval_ctx *c, void *state,
		       const struct ks_value *argv,
		       const struct ks_sqltype *argt, int argc,
		       const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)c, (void)state, (void)argc, (void)rt;
	out->null = 0;
	out->u.i = argt[0].t == KS_T_DATE ? argv[0].u.i * KS_MS_PER_DAY :
					    argv[0].u.i;
	return 0;
}

static int tots_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!ks_type_is_integer(argt[0].t) && argt[0].t != KS_T_NULL)
		return targ_err(msg, msgsz, "TO_TIMESTAMP", 0, "a BIGINT",
				&argt[0]);
	set_t(rt, KS_T_TIMESTAMP);
	return 0;
}

static int tots_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)c, (void)state, (void)argt, (void)argc, (void)rt;
	*out = argv[0];
	return 0;
}

/* ---- EXTRACT ---- */

/*
 * EXTRACT(unit FROM x) as EXTRACT('UNIT', x), a BIGINT. From a TIMESTAMP
 * or DATE: YEAR, QUARTER (1-4), MONTH, WEEK (ISO 8601), DAY, DOW (0 =
 * Sunday, as PostgreSQL; KDA is silent), DOY (1-366), HOUR, MINUTE,
 * SECOND (whole seconds), MILLISECOND (seconds × 1000 + milliseconds, as
 * Calcite), EPOCH (whole seconds since 1970). From a day-time interval:
 * DAY, HOUR, MINUTE, SECOND, MILLISECOND (its fields) and EPOCH (total
 * seconds); from a year-month interval YEAR and MONTH.
 */
static int extract_type(const struct ks_sqltype *argt,
			const struct ks_value *const *consts, int argc,
			struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char b[64];
	int u = -1;

	(void)argc;
	if (ks_type_is_string(argt[0].t) && consts && consts[0] &&
	    !consts[0]->null)
		u = ks_unit_parse(consts[0]->u.s.p, consts[0]->u.s.n);
	if (u < 0)
		return tfn_err(msg, msgsz, "EXTRACT: unknown unit");
	switch (argt[1].t) {
	case KS_T_NULL:
	case KS_T_TIMESTAMP:
	case KS_T_DATE:
		break;
	case KS_T_INTERVAL_DS:
		if (u == KS_U_DAY || u == KS_U_HOUR || u == KS_U_MINUTE ||
		    u == KS_U_SECOND || u == KS_U_MILLISECOND ||
		    u == KS_U_EPOCH)
			break;
		goto bad;
	case KS_T_INTERVAL_YM:
		if (u == KS_U_YEAR || u == KS_U_MONTH)
			break;
		goto bad;
	default:
	bad:
		return tfn_err(msg, msgsz, "EXTRACT: cannot extract %s from %s",
			       ks_unit_name(u),
			       ks_type_str(&argt[1], b, sizeof(b)));
	}
	set_t(rt, KS_T_BIGINT);
	return 0;
}

static int extract_prepare(const struct ks_sqltype *argt,
			   const struct ks_value *const *consts, int argc,
			   void **state, char *msg, size_t msgsz)
{
	(void)argt, (void)argc, (void)msg, (void)msgsz;
	*state = (void *)(intptr_t)(1 + ks_unit_parse(consts[0]->u.s.p,
						      consts[0]->u.s.n));
	return 0;
}

/* ISO 8601 week number of a day. */
static int iso_week(int64_t days)
{
	int64_t wd = ks_floor_div(days + 3, 7) * 7 - 3; /* its Monday */
	int64_t thu = wd + 3, y, jan1;
	int m, d;

	ks_civil_from_days(thu, &y, &m, &d);
	jan1 = ks_days_from_civil(y, 1, 1);
	return (int)((thu - jan1) / 7 + 1);
}

static int extract_eval(struct ks_eval_ctx *c, void *state,
			const struct ks_value *argv,
			const struct ks_sqltype *argt, int argc,
			const struct ks_sqltype *rt, struct ks_value *out)
{
	int u = state ? (int)(intptr_t)state - 1 :
			ks_unit_parse(argv[0].u.s.p, argv[0].u.s.n);
	int64_t v = argv[1].u.i, days, tod, y;
	int m, d;

	(void)c, (void)argc, (void)rt;
	out->null = 0;
	if (argt[1].t == KS_T_INTERVAL_YM) {
		out->u.i = u == KS_U_YEAR ? v / 12 : v % 12;
		return 0;
	}
	if (argt[1].t == KS_T_INTERVAL_DS) {
		int64_t a = v < 0 ? -v : v, s = v < 0 ? -1 : 1;

		switch (u) {
		case KS_U_DAY:
			out->u.i = s * (a / KS_MS_PER_DAY);
			break;
		case KS_U_HOUR:
			out->u.i = s * (a / 3600000 % 24);
			break;
		case KS_U_MINUTE:
			out->u.i = s * (a / 60000 % 60);
			break;
		case KS_U_SECOND:
			out->u.i = s * (a / 1000 % 60);
			break;
		case KS_U_MILLISECOND:
			out->u.i = s * (a % 60000);
			break;
		default:
			out->u.i = v / 1000;
			break;
		}
		return 0;
	}
	if (argt[1].t == KS_T_DATE)
		v *= KS_MS_PER_DAY;
	days = ks_floor_div(v, KS_MS_PER_DAY);
	tod = v - days * KS_MS_PER_DAY;
	ks_civil_from_days(days, &y, &m, &d);
	switch (u) {
	case KS_U_YEAR:
		out->u.i = y;
		break;
	case KS_U_QUARTER:
		out->u.i = (m - 1) / 3 + 1;
		break;
	case KS_U_MONTH:
		out->u.i = m;
		break;
	case KS_U_WEEK:
		out->u.i = iso_week(days);
		break;
	case KS_U_DAY:
		out->u.i = d;
		break;
	case KS_U_DOW:
		out->u.i = ks_floor_div(days + 4, 7) * -7 + days + 4;
		break;
	case KS_U_DOY:
		out->u.i = days - ks_days_from_civil(y, 1, 1) + 1;
		break;
	case KS_U_HOUR:
		out->u.i = tod / 3600000;
		break;
	case KS_U_MINUTE:
		out->u.i = tod / 60000 % 60;
		break;
	case KS_U_SECOND:
		out->u.i = tod / 1000 % 60;
		break;
	case KS_U_MILLISECOND:
		out->u.i = tod % 60000;
		break;
	default: /* EPOCH */
		out->u.i = ks_floor_div(v, 1000);
		break;
	}
	return 0;
}

/* ---- date formats (Java SimpleDateFormat patterns) ---- */

/*
 * A compiled pattern: items that are a pattern letter repeated count
 * times, or literal text ('quoted' text, '' for a quote, and any
 * character that is not a letter). Letters: G y M d H k K h m s S E u D a
 * Z X z, as SimpleDateFormat; a letter it does not know is an error.
 */
struct fmt_item {
	char letter; /* 0: literal */
	uint8_t count;
	uint32_t off, len; /* literal bytes in fmt->lit */
};

struct tsfmt {
	struct fmt_item *it;
	size_t n;
	char *lit;
};

static void tsfmt_free(struct tsfmt *f)
{
	if (!f)
		return;
	free(f->it);
	free(f->lit);
	free(f);
}

static int tsfmt_compile(const char *p, size_t n, struct tsfmt **out,
			 char *msg, size_t msgsz)
{
	struct tsfmt *f = kc_xcalloc(1, sizeof(*f));
	size_t i = 0, k = 0;

	f->it = kc_xcalloc(n + 1, sizeof(*f->it));
	f->lit = kc_xmalloc(n + 1);
	while (i < n) {
		char ch = p[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
			size_t j = i;

			if (!strchr("GyMdHkKhmsSEuDaZXz", ch)) {
				snprintf(msg, msgsz,
					 "illegal pattern character '%c' in "
					 "'%.*s'",
					 ch, (int)(n > 64 ? 64 : n), p);
				tsfmt_free(f);
				return -1;
			}
			while (j < n && p[j] == ch && j - i < 255)
				j++;
			f->it[f->n].letter = ch;
			f->it[f->n++].count = (uint8_t)(j - i);
			i = j;
			continue;
		}
		/* literal text, merged into one item */
		if (!f->n || f->it[f->n - 1].letter) {
			f->it[f->n].letter = 0;
			f->it[f->n].off = (uint32_t)k;
			f->it[f->n++].len = 0;
		}
		if (ch == '\'') {
			if (i + 1 < n && p[i + 1] == '\'') {
				f->lit[k++] = '\'';
				i += 2;
			} else {
				for (i++; i < n; i++) {
					if (p[i] == '\'') {
						if (i + 1 < n && p[i + 1] == '\'') {
							f->lit[k++] = '\'';
							i++;
							continue;
						}
						break;
					}
					f->lit[k++] = p[i];
				}
				if (i >= n) {
					snprintf(msg, msgsz,
						 "unterminated quote in '%.*s'",
						 (int)(n > 64 ? 64 : n), p);
					tsfmt_free(f);
					return -1;
				}
				i++;
			}
		} else
			f->lit[k++] = p[i++];
		f->it[f->n - 1].len = (uint32_t)k - f->it[f->n - 1].off;
	}
	*out = f;
	return 0;
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};
static const char *const day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

static void add_num(struct kc_buf *b, int64_t v, int width)
{
	char d[24];
	size_t n;
	int neg = v < 0;

	n = ks_fmt_int(neg ? -v : v, d);
	if (neg)
		kc_buf_addc(b, '-');
	while ((int)n < width--)
		kc_buf_addc(b, '0');
	kc_buf_add(b, d, n);
}

static void tsfmt_format(const struct tsfmt *f, int64_t ms, struct kc_buf *b)
{
	int64_t days = ks_floor_div(ms, KS_MS_PER_DAY), y;
	int64_t tod = ms - days * KS_MS_PER_DAY;
	int m, d, h = (int)(tod / 3600000);
	int dow = (int)(ks_floor_div(days + 3, 7) * -7 + days + 3); /* Mon=0 */
	size_t i;

	ks_civil_from_days(days, &y, &m, &d);
	for (i = 0; i < f->n; i++) {
		const struct fmt_item *it = &f->it[i];
		int c = it->count;

		switch (it->letter) {
		case 0:
			kc_buf_add(b, f->lit + it->off, it->len);
			break;
		case 'G':
			kc_buf_adds(b, y > 0 ? "AD" : "BC");
			break;
		case 'y':
			if (c == 2)
				add_num(b, ((y % 100) + 100) % 100, 2);
			else
				add_num(b, y, c);
			break;
		case 'M':
			if (c >= 4)
				kc_buf_adds(b, month_names[m - 1]);
			else if (c == 3)
				kc_buf_add(b, month_names[m - 1], 3);
			else
				add_num(b, m, c);
			break;
		case 'd':
			add_num(b, d, c);
			break;
		case 'H':
			add_num(b, h, c);
			break;
		case 'k':
			add_num(b, h ? h : 24, c);
			break;
		case 'K':
			add_num(b, h % 12, c);
			break;
		case 'h':
			add_num(b, h % 12 ? h % 12 : 12, c);
			break;
		case 'm':
			add_num(b, tod / 60000 % 60, c);
			break;
		case 's':
			add_num(b, tod / 1000 % 60, c);
			break;
		case 'S':
			add_num(b, tod % 1000, c);
			break;
		case 'E':
			if (c >= 4)
				kc_buf_adds(b, day_names[dow]);
			else
				kc_buf_add(b, day_names[dow], 3);
			break;
		case 'u':
			add_num(b, dow + 1, c);
			break;
		case 'D':
			add_num(b, days - ks_days_from_civil(y, 1, 1) + 1, c);
			break;
		case 'a':
			kc_buf_adds(b, h < 12 ? "AM" : "PM");
			break;
		case 'Z':
			kc_buf_adds(b, "+0000");
			break;
		case 'X':
			kc_buf_addc(b, 'Z');
			break;
		case 'z':
			kc_buf_adds(b, "UTC");
			break;
		}
	}
}

static int is_num_letter(char l)
{
	return l && strchr("yMdHkKhmsSuD", l) &&
	       l != 0; /* M counts as numeric only below 3 letters */
}

/* Matches one of names (full, or the 3-letter short form), any case. */
static int match_name(const char *s, size_t n, size_t *i,
		      const char *const *names, int count)
{
	int k;

	for (k = 0; k < count; k++) {
		size_t full = strlen(names[k]);

		if (n - *i >= full && !strncasecmp(s + *i, names[k], full)) {
			*i += full;
			return k;
		}
	}
	for (k = 0; k < count; k++)
		if (n - *i >= 3 && !strncasecmp(s + *i, names[k], 3)) {
			*i += 3;
			return k;
		}
	return -1;
}

/*
 * Parses s with the pattern as SimpleDateFormat.parse(String) does, but
 * strictly: numbers take as many digits as are there (exactly count
 * digits when the next item is a number too, e.g. "yyyyMMdd"), fields
 * must be in range, fields not in the pattern default to 1970-01-01
 * 00:00:00.000, and text after the pattern is ignored (so 'yyyy-MM-dd'
 * takes the day of '2009-09-16 03:15:24', as the KDA reference shows).
 */
static int tsfmt_parse(const struct tsfmt *f, const char *s, size_t n,
		       int64_t now_ms, int64_t *ms)
{
	int64_t y = 1970, v;
	int m = 1, d = 1, h = 0, mi = 0, sec = 0, frac = 0, pm = -1, h12 = 0;
	int64_t zone = 0;
	size_t i = 0, k;

	for (k = 0; k < f->n; k++) {
		const struct fmt_item *it = &f->it[k];
		char l = it->letter;

		if (!l) {
			if (n - i < it->len || memcmp(s + i, f->lit + it->off,
						      it->len))
				return -1;
			i += it->len;
			continue;
		}
		if ((l == 'M' && it->count >= 3) || l == 'E') {
			int x = l == 'M' ? match_name(s, n, &i, month_names, 12) :
					   match_name(s, n, &i, day_names, 7);

			if (x < 0)
				return -1;
			if (l == 'M')
				m = x + 1;
			continue;
		}
		if (l == 'a') {
			if (n - i >= 2 && !strncasecmp(s + i, "AM", 2))
				pm = 0;
			else if (n - i >= 2 && !strncasecmp(s + i, "PM", 2))
				pm = 1;
			else
				return -1;
			i += 2;
			continue;
		}
		if (l == 'G') {
			if (n - i >= 2 && !strncasecmp(s + i, "AD", 2))
				i += 2;
			else
				return -1;
			continue;
		}
		if (l == 'Z' || l == 'X' || l == 'z') {
			int sign, zh, zm = 0, nd;

			if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
				i++;
				continue;
			}
			if (n - i >= 3 && (!strncasecmp(s + i, "UTC", 3) ||
					   !strncasecmp(s + i, "GMT", 3))) {
				i += 3;
				if (i >= n || (s[i] != '+' && s[i] != '-'))
					continue;
			}
			if (i >= n || (s[i] != '+' && s[i] != '-'))
				return -1;
			sign = s[i++] == '-' ? -1 : 1;
			for (zh = 0, nd = 0; nd < 2 && i < n && s[i] >= '0' &&
					     s[i] <= '9';
			     nd++)
				zh = zh * 10 + (s[i++] - '0');
			if (!nd)
				return -1;
			if (i < n && s[i] == ':')
				i++;
			for (nd = 0; nd < 2 && i < n && s[i] >= '0' && s[i] <= '9';
			     nd++)
				zm = zm * 10 + (s[i++] - '0');
			if (zh > 23 || zm > 59)
				return -1;
			zone = sign * (zh * 60 + zm) * 60000LL;
			continue;
		}
		/* a number */
		{
			size_t start = i, maxd = 10;
			int neg = 0;

			if (k + 1 < f->n && is_num_letter(f->it[k + 1].letter) &&
			    !(f->it[k + 1].letter == 'M' &&
			      f->it[k + 1].count >= 3))
				maxd = it->count;
			if (l == 'y' && i < n && s[i] == '-' && maxd == 10) {
				neg = 1;
				i++;
				start = i;
			}
			for (v = 0; i < n && i - start < maxd && s[i] >= '0' &&
				    s[i] <= '9';
			     i++)
				v = v * 10 + (s[i] - '0');
			if (i == start)
				return -1;
			if (neg)
				v = -v;
			switch (l) {
			case 'y':
				if (it->count <= 2 && i - start == 2 && !neg) {
					/* two-digit years: the century within
					 * 80 years before and 20 after now, as
					 * SimpleDateFormat */
					int64_t ny, lo;
					int nm, ndd;

					ks_civil_from_days(
						ks_floor_div(now_ms,
							     KS_MS_PER_DAY),
						&ny, &nm, &ndd);
					lo = ny - 80;
					y = lo - ((lo % 100) + 100) % 100 + v;
					if (y < lo)
						y += 100;
				} else
					y = v;
				if (y > 9999999 || y < -9999999)
					return -1;
				break;
			case 'M':
				m = (int)v;
				break;
			case 'd':
				d = (int)v;
				break;
			case 'H':
				if (v > 23)
					return -1;
				h = (int)v;
				break;
			case 'k':
				if (v < 1 || v > 24)
					return -1;
				h = v == 24 ? 0 : (int)v;
				break;
			case 'K':
				if (v > 11)
					return -1;
				h = (int)v;
				h12 = 1;
				break;
			case 'h':
				if (v < 1 || v > 12)
					return -1;
				h = v == 12 ? 0 : (int)v;
				h12 = 1;
				break;
			case 'm':
				if (v > 59)
					return -1;
				mi = (int)v;
				break;
			case 's':
				if (v > 59)
					return -1;
				sec = (int)v;
				break;
			case 'S':
				if (v > 999)
					return -1;
				frac = (int)v;
				break;
			default: /* u, D: checked loosely, not used */
				break;
			}
		}
	}
	if (m < 1 || m > 12 || d < 1 || d > ks_days_in_month(y, m))
		return -1;
	if (pm == 1 && (h12 || h < 12))
		h += 12;
	*ms = ks_days_from_civil(y, m, d) * KS_MS_PER_DAY +
	      ((h * 60 + mi) * 60 + sec) * 1000LL + frac - zone;
	return 0;
}

/*
 * CHAR_TO_TIMESTAMP(format, s) and TIMESTAMP_TO_CHAR(format, ts) (KDA
 * sqlref): format is a java.text.SimpleDateFormat pattern, compiled once
 * in prepare when it is a constant. TIMESTAMP_TO_CHAR of a NULL timestamp
 * is the string 'null', as the reference says.
 */
static int fmt_prepare(const struct ks_sqltype *argt,
		       const struct ks_value *const *consts, int argc,
		       void **state, char *msg, size_t msgsz)
{
	struct tsfmt *f;
	char m2[160];

	(void)argt, (void)argc;
	*state = NULL;
	if (!consts || !consts[0] || consts[0]->null)
		return 0;
	if (tsfmt_compile(consts[0]->u.s.p, consts[0]->u.s.n, &f, m2,
			  sizeof(m2)) < 0)
		return tfn_err(msg, msgsz, "bad date format: %s", m2);
	*state = f;
	return 0;
}

static void fmt_release(void *state)
{
	tsfmt_free(state);
}

static int c2ts_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	(void)consts, (void)argc;
	for (i = 0; i < 2; i++)
		if (!ks_type_is_string(argt[i].t) && argt[i].t != KS_T_NULL)
			return targ_err(msg, msgsz, "CHAR_TO_TIMESTAMP", i,
					"a string", &argt[i]);
	set_t(rt, KS_T_TIMESTAMP);
	return 0;
}

/* The compiled format of a call: the prepared one, or one made now. */
static int fmt_get(struct ks_eval_ctx *c, const char *fn, void *state,
		   const struct ks_value *fmt, struct tsfmt **f)
{
	char m2[160];

	if (state) {
		*f = state;
		return 0;
	}
	if (tsfmt_compile(fmt->u.s.p, fmt->u.s.n, f, m2, sizeof(m2)) < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "%s: bad date format: %s", fn, m2);
	return 0;
}

static int c2ts_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	struct tsfmt *f;
	int r;

	(void)argt, (void)argc, (void)rt;
	if (fmt_get(c, "CHAR_TO_TIMESTAMP", state, &argv[0], &f) < 0)
		return -1;
	r = tsfmt_parse(f, argv[1].u.s.p, argv[1].u.s.n, c->now_ms,
			&out->u.i);
	if (!state)
		tsfmt_free(f);
	if (r < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "CHAR_TO_TIMESTAMP: cannot parse '%.*s' "
				     "with format '%.*s'",
				     (int)(argv[1].u.s.n > 64 ? 64 :
								argv[1].u.s.n),
				     argv[1].u.s.p,
				     (int)(argv[0].u.s.n > 64 ? 64 :
								argv[0].u.s.n),
				     argv[0].u.s.p);
	out->null = 0;
	return 0;
}

static int ts2c_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!ks_type_is_string(argt[0].t) && argt[0].t != KS_T_NULL)
		return targ_err(msg, msgsz, "TIMESTAMP_TO_CHAR", 0, "a string",
				&argt[0]);
	if (!is_ts(&argt[1]) && argt[1].t != KS_T_DATE)
		return targ_err(msg, msgsz, "TIMESTAMP_TO_CHAR", 1,
				"a TIMESTAMP", &argt[1]);
	set_t(rt, KS_T_VARCHAR);
	return 0;
}

static int ts2c_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	struct kc_buf b = KC_BUF_INIT;
	struct tsfmt *f;
	int64_t ms;

	(void)argc, (void)rt;
	if (argv[0].null) {
		out->null = 1;
		return 0;
	}
	out->null = 0;
	if (argv[1].null) {
		out->u.s.p = "null";
		out->u.s.n = 4;
		return 0;
	}
	if (fmt_get(c, "TIMESTAMP_TO_CHAR", state, &argv[0], &f) < 0)
		return -1;
	ms = argt[1].t == KS_T_DATE ? argv[1].u.i * KS_MS_PER_DAY : argv[1].u.i;
	kc_buf_grow(&b, 32);
	tsfmt_format(f, ms, &b);
	if (!state)
		tsfmt_free(f);
	out->u.s.p = ks_arena_strdup(c->arena, b.data, b.len);
	out->u.s.n = (uint32_t)b.len;
	kc_buf_release(&b);
	return 0;
}

/* Sorted by name (strcmp) for bsearch. */
const struct ks_func ks_time_funcs[] = {
	{ "CHAR_TO_TIMESTAMP", 2, 2, KS_FN_STRICT, c2ts_type, fmt_prepare,
	  fmt_release, c2ts_eval },
	{ "CURRENT_DATE", 0, 0, 0, date0_type, NULL, NULL, today_eval },
	{ "CURRENT_ROW_TIMESTAMP", 0, 0, 0, ts0_type, NULL, NULL, rowts_eval },
	{ "CURRENT_TIMESTAMP", 0, 0, 0, ts0_type, NULL, NULL, now_eval },
	{ "EXTRACT", 2, 2, KS_FN_STRICT, extract_type, extract_prepare, NULL,
	  extract_eval },
	{ "LOCALTIMESTAMP", 0, 0, 0, ts0_type, NULL, NULL, now_eval },
	{ "TIMESTAMP_TO_CHAR", 2, 2, 0, ts2c_type, fmt_prepare, fmt_release,
	  ts2c_eval },
	{ "TO_TIMESTAMP", 1, 1, KS_FN_STRICT, tots_type, NULL, NULL, tots_eval },
	{ "TSDIFF", 2, 2, KS_FN_STRICT, tsdiff_type, NULL, NULL, tsdiff_eval },
	{ "UNIX_TIMESTAMP", 1, 1, KS_FN_STRICT, unixts_type, NULL, NULL,
	  unixts_eval },
};
const size_t ks_time_nfuncs = sizeof(ks_time_funcs) / sizeof(ks_time_funcs[0]);
