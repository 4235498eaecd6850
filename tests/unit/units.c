/* Unit tests for units.c: sizes, durations, integers and times. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "units.h"
#include "banned.h"

#define T_2026 1795657741123LL /* 2026-11-26T01:49:01.123Z */

static void sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "1B", 1 },
		{ "1k", 1024 },
		{ "1KB", 1024 },
		{ "1KiB", 1024 },
		{ "1kib", 1024 },
		{ "512KiB", 524288 },
		{ "1MiB", 1048576 },
		{ "2M", 2097152 },
		{ "1mb", 1048576 },
		{ "1GiB", 1073741824 },
		{ "3gb", 3221225472ULL },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *bad[] = {
		"", "MiB", "1TiB", "1.5MiB", "-1", " 1", "1 MiB", "1MiBx",
		"1iB", "0x10",
		"18446744073709551616", "17179869184GiB",
	};
	struct kc_error e;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(!kc_parse_size("--max-record-size", good[i].s, &v, &e) &&
			   v == good[i].v,
		   "size '%s'", good[i].s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_parse_size("--max-record-size", bad[i], &v, &e),
		       -KC_EUSAGE, "size rejects '%s'", bad[i]);
	ok(e.code == KC_EUSAGE && strstr(e.msg, "--max-record-size") &&
		   strstr(e.msg, "'17179869184GiB'"),
	   "message: %s", e.msg);
}

static void durations(void)
{
	static const struct {
		const char *s;
		uint64_t unit, ms;
	} good[] = {
		{ "500ms", 1000, 500 },
		{ "30s", 1000, 30000 },
		{ "5m", 1000, 300000 },
		{ "2h", 1000, 7200000 },
		{ "1d", 1000, 86400000 },
		{ "7", 1000, 7000 },
		{ "7", 1, 7 },
		{ "0s", 1, 0 },
	};
	static const char *bad[] = { "", "ms", "1x", "1.5s", "1S", "1 s",
				     "-1s", "18446744073709551615s" };
	struct kc_error e;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(!kc_parse_duration("--timeout", good[i].s, good[i].unit, &v,
				      &e) &&
			   v == good[i].ms,
		   "duration '%s' (default unit %llu ms)", good[i].s,
		   (unsigned long long)good[i].unit);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_parse_duration("--timeout", bad[i], 1000, &v, &e),
		       -KC_EUSAGE, "duration rejects '%s'", bad[i]);
	ok(strstr(e.msg, "--timeout") != NULL, "message: %s", e.msg);
}

static void uints(void)
{
	struct kc_error e;
	uint64_t v;

	ok(!kc_parse_uint("-n", "0", 0, 10, &v, &e) && v == 0, "0 in [0, 10]");
	ok(!kc_parse_uint("-n", "10", 0, 10, &v, &e) && v == 10,
	   "10 in [0, 10]");
	ok(!kc_parse_uint("-n", "18446744073709551615", 0, UINT64_MAX, &v,
			  &e) &&
		   v == UINT64_MAX,
	   "2^64-1");
	is_int(kc_parse_uint("-n", "11", 0, 10, &v, &e), -KC_EUSAGE,
	       "11 not in [0, 10]");
	ok(strstr(e.msg, "-n '11'") && strstr(e.msg, "from 0 to 10"),
	   "message: %s", e.msg);
	is_int(kc_parse_uint("-n", "5", 6, 10, &v, &e), -KC_EUSAGE,
	       "5 not in [6, 10]");
	is_int(kc_parse_uint("-n", "", 0, 10, &v, &e), -KC_EUSAGE, "empty");
	is_int(kc_parse_uint("-n", "+1", 0, 10, &v, &e), -KC_EUSAGE, "+1");
	is_int(kc_parse_uint("-n", "1 ", 0, 10, &v, &e), -KC_EUSAGE, "'1 '");
	is_int(kc_parse_uint("-n", "18446744073709551616", 0, UINT64_MAX, &v,
			     &e),
	       -KC_EUSAGE, "2^64");
}

static void times(void)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = {
		{ "2026-11-26T01:49:01.123Z", T_2026 },
		{ "2026-11-26T01:49:01.123", T_2026 },
		{ "2026-11-26 01:49:01.123Z", T_2026 },
		{ "2026-11-26T01:49:01.123+00:00", T_2026 },
		{ "2026-11-26T03:49:01.123+02:00", T_2026 },
		{ "2026-11-25T20:19:01.123-05:30", T_2026 },
		{ "2026-11-26T01:49:01.123456789Z", T_2026 },
		{ "2026-11-26T01:49:01Z", T_2026 - 123 },
		{ "2026-11-26T01:49:01.1Z", T_2026 - 23 },
		{ "1795657741123", T_2026 },
		{ "0", 0 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "2000-02-29T00:00:00Z", 951782400000LL },
		{ "1900-01-01T00:00:00Z", -2208988800000LL },
		{ "9999-12-31T23:59:59.999Z", 253402300799999LL },
	};
	static const char *bad[] = {
		"",
		"2026-11-26",
		"2026-11-26T01:49",
		"2026-11-26T01:49:01.",
		"2026-11-26T01:49:01.Z",
		"2026-11-26T01:49:01.1234567890Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2025-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2026-11-26T24:00:00Z",
		"2026-11-26T01:60:00Z",
		"2026-11-26T01:49:60Z",
		"2026-11-26T01:49:01+0200",
		"2026-11-26T01:49:01+02",
		"2026-11-26T01:49:01+24:00",
		"2026-11-26T01:49:01Zjunk",
		"2026-11-26t01:49:01Z",
		"2026-1-26T01:49:01Z",
		"-1",
		"9223372036854775808",
	};
	struct kc_error e;
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 42;
		ok(!kc_parse_time("--at", good[i].s, &ms, &e) &&
			   ms == good[i].ms,
		   "time '%s'", good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_parse_time("--at", bad[i], &ms, &e), -KC_EUSAGE,
		       "time rejects '%s'", bad[i]);
	ok(strstr(e.msg, "--at '9223372036854775808'") != NULL, "message: %s",
	   e.msg);
}

/* kc_format_time against gmtime_r, and parse(format(t)) == t. */
static void format_round_trip(void)
{
	int64_t t, back;
	char s[40], want[40];
	struct tm tm;
	time_t secs;
	int bad = 0, i;

	is_int(kc_format_time(T_2026, s), 32, "formatted length");
	is_str(s, "2026-11-26T01:49:01.123000+00:00", "AWS CLI form");
	kc_format_time(0, s);
	is_str(s, "1970-01-01T00:00:00.000000+00:00", "the epoch");
	kc_format_time(-1, s);
	is_str(s, "1969-12-31T23:59:59.999000+00:00", "before the epoch");
	for (i = 0, t = -2208988800000LL; i < 20000; i++) {
		t += 315569123LL;
		kc_format_time(t, s);
		secs = (time_t)((t - ((t % 1000 + 1000) % 1000)) / 1000);
		gmtime_r(&secs, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		bad += strncmp(s, want, 19) != 0;
		bad += kc_parse_time("t", s, &back, NULL) || back != t;
	}
	is_int(bad, 0, "20000 times 1900..2100 agree with gmtime_r and "
		       "round trip");
}

static void clocks(void)
{
	int64_t now = kc_now_ms(), sys = (int64_t)time(NULL) * 1000;
	uint64_t a = kc_mono_ns(), b = kc_mono_ns();

	ok(now >= sys - 2000 && now <= sys + 2000, "kc_now_ms is the time");
	ok(a > 0 && b >= a, "kc_mono_ns does not go back");
}

int main(void)
{
	sizes();
	durations();
	uints();
	times();
	format_round_trip();
	clocks();
	return done_testing();
}
