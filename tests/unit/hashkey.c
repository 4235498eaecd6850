/* Unit tests for hashkey.c: decimal text, MD5 routing, shard ranges. */
#include <string.h>

#include "tap.h"
#include "hashkey.h"
#include "banned.h"

static kc_u128 u128(uint64_t hi, uint64_t lo)
{
	return (kc_u128)hi << 64 | lo;
}

/* The decimal form of v in a static buffer. */
static const char *dec(kc_u128 v)
{
	static char s[40];

	kc_u128_format(v, s);
	return s;
}

static void format_parse(void)
{
	static const char *good[] = {
		"0",
		"1",
		"9999999999999999999",
		"10000000000000000000",
		"18446744073709551615",
		"18446744073709551616",
		"100000000000000000000000000000000000000",
		"340282366920938463463374607431768211455",
	};
	static const char *bad[] = {
		"", "01", "00", "-1", "+1", "1a", " 1", "1 ", "0x10",
		"340282366920938463463374607431768211456",
		"999999999999999999999999999999999999999",
		"1000000000000000000000000000000000000000",
	};
	char out[40];
	kc_u128 v;
	size_t i;

	is_int(kc_u128_format(0, out), 1, "format 0: length");
	is_str(out, "0", "format 0");
	is_str(dec(KC_U128_MAX), "340282366920938463463374607431768211455",
	       "format 2^128-1");
	is_str(dec(u128(1, 0)), "18446744073709551616", "format 2^64");
	is_str(dec(UINT64_MAX), "18446744073709551615", "format 2^64-1");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(!kc_u128_parse(good[i], strlen(good[i]), &v) &&
			   !strcmp(dec(v), good[i]),
		   "parse and format %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_u128_parse(bad[i], strlen(bad[i]), &v), -1,
		       "rejects '%s'", bad[i]);
	ok(!kc_u128_parse("12345", 3, &v) && v == 123,
	   "parses only the n bytes given");
}

static void routing(void)
{
	ok(kc_hashkey_of("a", 1) == u128(0x0cc175b9c0f1b6a8ULL,
					 0x31c399e269772661ULL),
	   "hash key of \"a\" is MD5(\"a\") read big-endian");
	is_str(dec(kc_hashkey_of("", 0)),
	       "281949768489412648962353822266799178366",
	       "hash key of \"\" (d41d8cd98f00b204e9800998ecf8427e)");
}

/* Contiguous, exact widths floor(2^128/n), the last one ending at 2^128-1. */
static void ranges(unsigned n, kc_u128 width)
{
	kc_u128 start, end, next = 0;
	int bad = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		kc_hashkey_range(i, n, &start, &end);
		bad += start != next;
		bad += i + 1 < n && end - start != width - 1;
		bad += i + 1 == n && end != KC_U128_MAX;
		next = end + 1;
	}
	is_int(bad, 0, "%u shards: contiguous, exact widths, last ends at "
		       "2^128-1", n);
}

static void kinesis_three(void)
{
	static const char *want[3][2] = {
		{ "0", "113427455640312821154458202477256070484" },
		{ "113427455640312821154458202477256070485",
		  "226854911280625642308916404954512140969" },
		{ "226854911280625642308916404954512140970",
		  "340282366920938463463374607431768211455" },
	};
	kc_u128 start, end;
	unsigned i;

	for (i = 0; i < 3; i++) {
		kc_hashkey_range(i, 3, &start, &end);
		is_str(dec(start), want[i][0], "3 shards: start of shard %u",
		       i);
		is_str(dec(end), want[i][1], "3 shards: end of shard %u", i);
	}
}

int main(void)
{
	kc_u128 w7;

	format_parse();
	routing();
	ranges(1, 0);
	ranges(2, (kc_u128)1 << 127);
	ranges(3, KC_U128_MAX / 3);
	ranges(4, (kc_u128)1 << 126);
	kc_u128_parse("48611766702991209066196372490252601636", 38, &w7);
	ranges(7, w7);
	kinesis_three();
	return done_testing();
}
