/*
 * func.h: helpers shared by value.c, func.c and time.c (K2's own header,
 * not part of the contract): calendar arithmetic, number and date text,
 * UTF-8 counting, and the time functions the registry in func.c lists.
 */
#ifndef KS_FUNC_H
#define KS_FUNC_H

#include <stddef.h>
#include <stdint.h>
#include "ksql.h"

#define KS_MS_PER_DAY 86400000LL

/* Proleptic Gregorian calendar; days since 1970-01-01 (negative before). */
int64_t ks_days_from_civil(int64_t y, int m, int d);
void ks_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int ks_days_in_month(int64_t y, int m);
/* Floor division and modulo for ms → days. */
int64_t ks_floor_div(int64_t a, int64_t b);
/* Adds months to a timestamp (ms), clamping the day to the month's end. */
int ks_ts_add_months(int64_t ms, int64_t months, int64_t *out);

/* "yyyy-MM-dd" (10 bytes, more for years past 9999); returns the length. */
size_t ks_date_format(int64_t days, char out[32]);
/* "yyyy-MM-dd", or a timestamp form whose day is taken. 0 or -1. */
int ks_date_parse(const char *s, size_t n, int64_t *days);

/*
 * The shortest decimal text of d that reads back equal (as a float when
 * real): "84.51", "12", "0.001", "1e+21". Returns the length (< 40).
 */
size_t ks_fmt_double(double d, int real, char out[40]);
/* Decimal digits of v ("-12"); returns the length (< 24). */
size_t ks_fmt_int(int64_t v, char out[24]);

/* UTF-8: characters in s; bytes of the first k characters of s. */
size_t ks_utf8_chars(const char *s, size_t n);
size_t ks_utf8_prefix(const char *s, size_t n, size_t k);

/* The canonical spelling of t into buf (for messages); returns buf. */
const char *ks_type_str(const struct ks_sqltype *t, char *buf, size_t sz);

/* Time units of FLOOR/CEIL(ts TO unit), EXTRACT and STEP. */
enum ks_unit {
	KS_U_MILLISECOND, KS_U_SECOND, KS_U_MINUTE, KS_U_HOUR, KS_U_DAY,
	KS_U_WEEK, KS_U_MONTH, KS_U_QUARTER, KS_U_YEAR, KS_U_DOW, KS_U_DOY,
	KS_U_EPOCH,
};
/* The unit named s (any case, plural allowed), or -1. */
int ks_unit_parse(const char *s, size_t n);
const char *ks_unit_name(int u);
/*
 * Rounds ms down (or up, with ceil) to a whole unit (SECOND..YEAR; WEEK
 * starts on Monday, as ISO 8601 weeks do). -1 on overflow.
 */
int ks_ts_trunc(int64_t ms, int unit, int ceil, int64_t *out);

/* Time functions (time.c), listed by func.c's registry. */
extern const struct ks_func ks_time_funcs[];
extern const size_t ks_time_nfuncs;

#endif
