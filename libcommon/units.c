/* units.c: sizes, durations, counts and times, parsed and printed. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "units.h"
#include "banned.h"

#define MS_PER_DAY 86400000LL
#define NUNITS(a) (sizeof(a) / sizeof((a)[0]))

struct unit {
	const char *suffix;
	uint64_t mult;
};

static const struct unit size_units[] = {
	{ "b", 1 },
	{ "k", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
	{ "m", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
	{ "g", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
};

static const struct unit duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24 * 60 * 60 * 1000 },
};

/*
 * Reads the decimal digits at *sp into *out and moves *sp past them.
 * Returns -1 when there are none or the value exceeds UINT64_MAX.
 */
static int read_digits(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0, d;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return 0;
}

/*
 * Multiplies the number in s by the unit its suffix names in u[0..nu), or
 * by bare when it has none. Returns -1 when malformed or too large.
 */
static int parse_with_units(const char *s, const struct unit *u, size_t nu,
			    int nocase, uint64_t bare, uint64_t *out)
{
	uint64_t v, mult = 0;
	size_t i;

	if (read_digits(&s, &v))
		return -1;
	if (!*s)
		mult = bare;
	for (i = 0; i < nu && !mult; i++)
		if (nocase ? !strcasecmp(s, u[i].suffix)
			   : !strcmp(s, u[i].suffix))
			mult = u[i].mult;
	if (!mult || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int kc_parse_size(const char *what, const char *s, uint64_t *out,
		  struct kc_error *e)
{
	if (parse_with_units(s, size_units, NUNITS(size_units), 1, 1, out))
		return kc_error_set(e, KC_EUSAGE,
				    "invalid %s '%s': expected a size such "
				    "as 512KiB or 1MiB", what, s);
	return 0;
}

/* A default_unit_ms of 0 makes the suffix mandatory. */
int kc_parse_duration(const char *what, const char *s, uint64_t default_unit_ms,
		      uint64_t *out_ms, struct kc_error *e)
{
	if (parse_with_units(s, duration_units, NUNITS(duration_units), 0,
			     default_unit_ms, out_ms))
		return kc_error_set(e, KC_EUSAGE,
				    "invalid %s '%s': expected a duration "
				    "such as 500ms, 30s or 5m", what, s);
	return 0;
}

int kc_parse_uint(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, struct kc_error *e)
{
	const char *p = s;
	uint64_t v;

	if (read_digits(&p, &v) || *p || v < min || v > max)
		return kc_error_set(e, KC_EUSAGE,
				    "invalid %s '%s': expected an integer "
				    "from %" PRIu64 " to %" PRIu64,
				    what, s, min, max);
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30,
					      31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* Reads exactly n digits at *sp; -1 when fewer are there. */
static int fixed_digits(const char **sp, int n, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*sp = s;
	*out = v;
	return 0;
}

/* Steps over the character c at *sp; -1 when another one is there. */
static int expect(const char **sp, char c)
{
	if (**sp != c)
		return -1;
	(*sp)++;
	return 0;
}

/* Reads ".fff" (1 to 9 digits) at *sp as milliseconds, when present. */
static int read_fraction(const char **sp, unsigned *ms)
{
	const char *s = *sp;
	unsigned scale = 100;
	int n = 0;

	*ms = 0;
	if (*s != '.')
		return 0;
	for (s++; *s >= '0' && *s <= '9'; s++, n++) {
		*ms += (unsigned)(*s - '0') * scale;
		scale /= 10;
	}
	*sp = s;
	return n >= 1 && n <= 9 ? 0 : -1;
}

/* Reads "Z", "+HH:MM", "-HH:MM" or nothing at *sp as minutes east of UTC. */
static int read_zone(const char **sp, int *minutes)
{
	unsigned hh, mm;
	int sign = **sp == '-' ? -1 : 1;

	*minutes = 0;
	if (**sp == 'Z') {
		(*sp)++;
		return 0;
	}
	if (**sp != '+' && **sp != '-')
		return 0;
	(*sp)++;
	if (fixed_digits(sp, 2, &hh) || expect(sp, ':') ||
	    fixed_digits(sp, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	*minutes = sign * (int)(hh * 60 + mm);
	return 0;
}

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff][zone]" into epoch milliseconds. */
static int parse_iso8601(const char *s, int64_t *out_ms)
{
	unsigned y, mo, d, h, mi, sec, ms;
	int zone;
	int64_t t;

	if (fixed_digits(&s, 4, &y) || expect(&s, '-') ||
	    fixed_digits(&s, 2, &mo) || expect(&s, '-') ||
	    fixed_digits(&s, 2, &d) || (expect(&s, 'T') && expect(&s, ' ')) ||
	    fixed_digits(&s, 2, &h) || expect(&s, ':') ||
	    fixed_digits(&s, 2, &mi) || expect(&s, ':') ||
	    fixed_digits(&s, 2, &sec) || read_fraction(&s, &ms) ||
	    read_zone(&s, &zone) || *s)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*out_ms = (t - (int64_t)zone * 60) * 1000 + ms;
	return 0;
}

int kc_parse_time(const char *what, const char *s, int64_t *out_ms,
		  struct kc_error *e)
{
	const char *p = s;
	uint64_t v;

	if (!read_digits(&p, &v) && !*p) {
		if (v <= INT64_MAX) {
			*out_ms = (int64_t)v;
			return 0;
		}
	} else if (!parse_iso8601(s, out_ms)) {
		return 0;
	}
	return kc_error_set(e, KC_EUSAGE,
			    "invalid %s '%s': expected epoch milliseconds "
			    "or a time such as 2026-11-26T01:49:01Z",
			    what, s);
}

int kc_format_time(int64_t ms, char out[40])
{
	int64_t days, rem, y;
	unsigned m, d;

	days = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	return snprintf(out, 40,
			"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03u000+00:00",
			y, m, d, (unsigned)(rem / 3600000),
			(unsigned)(rem / 60000 % 60),
			(unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
}

int64_t kc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t kc_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
