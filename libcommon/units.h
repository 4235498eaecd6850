/* units.h: the one parser for sizes, durations, counts and times. */
#ifndef KC_UNITS_H
#define KC_UNITS_H

#include <stdint.h>
#include "error.h"

/*
 * Sizes: a decimal integer with an optional suffix B, K/KB/KiB, M/MB/MiB,
 * G/GB/GiB (all powers of 1024; case-insensitive). "1MiB" = 1048576.
 * Returns 0, or -KC_EUSAGE naming what ("--max-record-size") in e.
 */
int kc_parse_size(const char *what, const char *s, uint64_t *out,
		  struct kc_error *e);

/*
 * Durations: a decimal integer with a suffix ms, s, m, h, d (no suffix =
 * default_unit_ms units, e.g. 1000 for seconds). Result in milliseconds.
 */
int kc_parse_duration(const char *what, const char *s, uint64_t default_unit_ms,
		      uint64_t *out_ms, struct kc_error *e);

/* A decimal unsigned integer in [min, max]. */
int kc_parse_uint(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, struct kc_error *e);

/*
 * Times: epoch milliseconds (all digits), or ISO 8601
 * "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" (a space may replace T; no
 * zone means UTC). Result in epoch milliseconds.
 */
int kc_parse_time(const char *what, const char *s, int64_t *out_ms,
		  struct kc_error *e);

/*
 * Formats epoch milliseconds as the AWS CLI v2 prints timestamps:
 * "2026-11-26T01:49:01.123000+00:00" (32 bytes + NUL). Returns the length.
 */
int kc_format_time(int64_t ms, char out[40]);

/* The current time in epoch milliseconds (CLOCK_REALTIME). */
int64_t kc_now_ms(void);

/* A monotonic clock in nanoseconds, for intervals. */
uint64_t kc_mono_ns(void);

#endif
