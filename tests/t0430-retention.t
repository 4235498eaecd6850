#!/bin/sh
# Retention: expired records are hidden at once, TRIM_HORIZON moves forward,
# kshard trim removes whole expired segments and fully expired closed shards,
# writers trim lazily, and a reader meeting a trim gets a clear error, never
# garbage. The clock is moved with faketime(1), not with a kin switch.
. "$(dirname "$0")/lib.sh"

command -v faketime >/dev/null || { echo "1..0 # skip faketime is not installed"; exit 0; }

segs() { ls "$KIN_DIR/streams/$1/shards/$2/" | grep -c "\.seg\$"; }

test_expect_success 'records older than the retention period are hidden at once' '
	kshard create r --retention 48 --segment-size 4KiB &&
	seq -f "old-%g" 1 200 | faketime -f "-30h" kput -s r -k k &&
	seq -f "mid-%g" 1 200 | faketime -f "-10h" kput -s r -k k &&
	seq -f "new-%g" 1 200 | kput -s r -k k &&
	kget -s r >all && test_line_count = 600 all &&
	faketime -f "+20h" kget -s r >later && test_line_count = 400 later &&
	head -n1 later >got && echo mid-1 >want && test_cmp want got &&
	kshard retention r 24 &&
	kget -s r >now && test_line_count = 400 now &&
	kget -s r -n 1 >first && test_cmp want first
'

test_expect_success 'kshard trim removes only whole expired segments' '
	before=$(segs r shardId-000000000000) &&
	kget -s r -F "%s %d\n" | head -n1 >mid.seq &&
	kget -s r -F "%s\n" -n 1 >/dev/null &&
	kshard trim r &&
	after=$(segs r shardId-000000000000) &&
	test "$after" -lt "$before" &&
	kget -s r >now2 && test_cmp now now2 &&
	tail -n 3 "$KIN_DIR"/streams/r/audit.log | grep "\"operation\":\"trim\""
'

test_expect_success 'a trimmed sequence number is refused clearly' '
	cat all >/dev/null &&
	seq=$(kget -s r -F "%s\n" | head -n1) &&
	first=$(echo 170141183460469231731687303715884105728) &&
	test_must_fail --status=66 kget -s r --from at-sequence=$first 2>err &&
	grep "before the trim horizon of shardId-000000000000 (trimmed)" err
'

test_expect_success 'expired closed shards leave stream.meta and the disk' '
	kshard create ex -n 1 &&
	seq 1 10 | faketime -f "-30h" kput -s ex &&
	kshard split ex 0 170141183460469231731687303715884105728 &&
	seq 11 20 | kput -s ex &&
	kshard trim ex &&
	test ! -d "$KIN_DIR"/streams/ex/shards/shardId-000000000000 &&
	kshard describe ex >d.json &&
	! grep "\"ShardId\": \"shardId-000000000000\"" d.json &&
	grep "\"ParentShardId\": \"shardId-000000000000\"" d.json &&
	kget -s ex | sort -n >got && seq 11 20 >want && test_cmp want got &&
	kget -s ex --consumer c | sort -n >got && test_cmp want got
'

test_expect_success 'writers trim lazily when they roll over to a new segment' '
	kshard create lazy --segment-size 4KiB &&
	seq -f "old-%g" 1 800 | faketime -f "-30h" kput -s lazy -k k --batch-size 1KiB &&
	n=$(segs lazy shardId-000000000000) && test "$n" -gt 3 &&
	seq -f "new-%g" 1 300 | kput -s lazy -k k --batch-size 1KiB &&
	ls "$KIN_DIR"/streams/lazy/shards/shardId-000000000000/ >files &&
	! grep -q "^00000000000000000000.seg\$" files &&
	kget -s lazy >got && seq -f "new-%g" 1 300 >want && test_cmp want got
'

test_expect_success 'a reader meeting a trim finishes or says trimmed, never garbage' '
	kshard create mid --retention 24 --segment-size 4KiB &&
	seq -f "rec-%05g" 1 3000 | faketime -f "-25h" kput -s mid -k k &&
	seq -f "rec-%05g" 3001 3010 | kput -s mid -k k &&
	{ faketime -f "-25h" kget -s mid 2>kget.err | { read first; sleep 1; echo "$first"; cat; } >read.out & } &&
	sleep 0.3 &&
	kshard trim mid &&
	wait &&
	grep -v -E "^rec-[0-9]{5}\$" read.out >odd; test ! -s odd &&
	sort -c read.out &&
	{ test ! -s kget.err || grep "were trimmed (retention) while being read" kget.err; }
'

test_done
