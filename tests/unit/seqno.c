/* Unit tests for seqno.c: the 39-digit form, round trips, bad input. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "seqno.h"
#include "banned.h"

static void formats(void)
{
	char s[40];

	kc_seqno_format(0, 0, s);
	is_str(s, "170141183460469231731687303715884105728", "(0, 0) is 2^127");
	kc_seqno_format(1, 5, s);
	is_str(s, "170141183460469231750134047789593657349", "(1, 5)");
	kc_seqno_format(12345, 987654321, s);
	is_str(s, "170141183460469459456742893661286459569",
	       "(12345, 987654321)");
	kc_seqno_format(INT64_MAX, UINT64_MAX, s);
	is_str(s, "340282366920938463463374607431768211455",
	       "(2^63-1, 2^64-1) is 2^128-1");
	ok(kc_seqno_make(3, 7) == ((kc_u128)1 << 127) + ((kc_u128)3 << 64) + 7,
	   "kc_seqno_make");
}

static void round_trips(void)
{
	static const uint64_t shards[] = { 0, 1, 2, 9, 10, 1000, 65535,
					   INT64_MAX };
	static const uint64_t offs[] = { 0, 1, 9, 10, 4096, 1ULL << 32,
					 UINT64_MAX - 1, UINT64_MAX };
	uint64_t sh, off;
	char s[40], prev[40] = "";
	int bad = 0, order = 0;
	size_t i, j;

	for (i = 0; i < sizeof(shards) / sizeof(shards[0]); i++) {
		for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			kc_seqno_format(shards[i], offs[j], s);
			bad += strlen(s) != KC_SEQNO_LEN;
			bad += kc_seqno_parse(s, &sh, &off) != 0;
			bad += sh != shards[i] || off != offs[j];
			order += strcmp(prev, s) >= 0;
			memcpy(prev, s, sizeof(s));
		}
	}
	is_int(bad, 0, "39 digits and round trips through parse");
	is_int(order, 0, "text order follows (shard, offset) order");
}

static void rejects(void)
{
	static const char *bad[] = {
		"",
		"0",
		"17014118346046923173168730371588410572",
		"1701411834604692317316873037158841057280",
		"017014118346046923173168730371588410572",
		"17014118346046923173168730371588410572a",
		"1701411834604692317316873037158841057x8",
		"-70141183460469231731687303715884105728",
		" 70141183460469231731687303715884105728",
		"170141183460469231731687303715884105727",
		"100000000000000000000000000000000000000",
		"340282366920938463463374607431768211456",
		"999999999999999999999999999999999999999",
	};
	uint64_t sh, off;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_seqno_parse(bad[i], &sh, &off), -1, "rejects '%s'",
		       bad[i]);
}

int main(void)
{
	formats();
	round_trips();
	rejects();
	return done_testing();
}
