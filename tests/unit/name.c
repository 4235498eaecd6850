/* Unit tests for name.c: stream names and shard ids. */
#include <string.h>

#include "tap.h"
#include "name.h"
#include "banned.h"

static void names(void)
{
	static const char *good[] = { "a", "logs", "A-b_c.1", "...", ".x",
				      "x..", "0" };
	static const char *bad[] = { "",    ".",   "..",   "a/b", "ab c",
				     "a\nb", "caf\xc3\xa9", "a:b", "a*" };
	struct kc_error e;
	char longname[130];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		is_int(kc_name_check("stream", good[i], &e), 0, "accepts '%s'",
		       good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.code = 0;
		is_int(kc_name_check("stream", bad[i], &e), -KC_EUSAGE,
		       "rejects '%s'", bad[i]);
		ok(e.code == KC_EUSAGE && strstr(e.msg, "stream name"),
		   "message: %s", e.msg);
	}
	memset(longname, 'x', sizeof(longname));
	longname[128] = '\0';
	is_int(kc_name_check("stream", longname, &e), 0, "accepts 128 chars");
	longname[128] = 'x';
	longname[129] = '\0';
	is_int(kc_name_check("consumer", longname, &e), -KC_EUSAGE,
	       "rejects 129 chars");
	ok(strstr(e.msg, "consumer name") && strlen(e.msg) < 100,
	   "message names what and stays short: %s", e.msg);
	is_int(kc_name_check("stream", "a b", NULL), -KC_EUSAGE,
	       "works without an error record");
}

static void shard_ids(void)
{
	static const char *bad[] = {
		"",
		"shardId-",
		"shardId-7",
		"shardId-00000000007",
		"shardId-0000000000007",
		"shardId-00000000000x",
		"shardid-000000000007",
		"shard-1",
		"-1",
		"+1",
		"1 ",
		"18446744073709551616",
	};
	struct kc_error e;
	unsigned long idx;
	char id[32];
	size_t i;

	ok(!kc_shard_id_parse("shardId-000000000000", &idx, &e) && idx == 0,
	   "shardId-000000000000 is 0");
	ok(!kc_shard_id_parse("shardId-000000000042", &idx, &e) && idx == 42,
	   "shardId-000000000042 is 42");
	ok(!kc_shard_id_parse("shardId-999999999999", &idx, &e) &&
		   idx == 999999999999UL,
	   "shardId-999999999999");
	ok(!kc_shard_id_parse("7", &idx, &e) && idx == 7, "a bare index");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_shard_id_parse(bad[i], &idx, &e), -KC_EUSAGE,
		       "rejects '%s'", bad[i]);
	ok(strstr(e.msg, "'18446744073709551616'") != NULL, "message: %s",
	   e.msg);
	kc_shard_id_format(7, id);
	is_str(id, "shardId-000000000007", "format 7");
	kc_shard_id_format(123456, id);
	ok(!kc_shard_id_parse(id, &idx, &e) && idx == 123456,
	   "format and parse round trip");
}

int main(void)
{
	names();
	shard_ids();
	return done_testing();
}
