#!/bin/sh
# Resharding: split, merge and scale with Kinesis's rules and lineage;
# writers that are already running route to the new shards at once; kget
# reads parents to their ends before children, so per-key order survives.
. "$(dirname "$0")/lib.sh"

MAX=340282366920938463463374607431768211455
HALF=170141183460469231731687303715884105728

open_ranges() { # STREAM: "start end" of each open shard, by start
	kshard describe "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in sorted(d["Shards"], key=lambda s: int(s["HashKeyRange"]["StartingHashKey"])):
    if "EndingSequenceNumber" not in s["SequenceNumberRange"]:
        print(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"])'
}

uniform() { # N: the ranges CreateStream gives N shards
	python3 -c "
n = $1; w = 2**128 // n
for i in range(n):
    print(i * w, (i + 1) * w - 1 if i < n - 1 else 2**128 - 1)"
}

in_key_order() { # JSON lines {"k":..,"i":..}: each key's i increases
	python3 -c '
import json, sys
last, bad = {}, 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["k"] in last and d["i"] <= last[d["k"]]:
        bad += 1
    last[d["k"]] = d["i"]
print("records", sum(1 for _ in open(sys.argv[1])), "order violations", bad)
sys.exit(1 if bad else 0)' "$1"
}

test_expect_success 'split rules: the key must be strictly inside the range' '
	kshard create sp -n 1 &&
	fails_with 64 "kshard: hash key 0 is not strictly inside the shard'"'"'s range (InvalidArgumentException)" \
		kshard split sp 0 0 &&
	fails_with 64 "kshard: hash key 1 is not strictly inside the shard'"'"'s range (InvalidArgumentException)" \
		kshard split sp 0 1 &&
	fails_with 64 "kshard: hash key $MAX is not strictly inside the shard'"'"'s range (InvalidArgumentException)" \
		kshard split sp 0 $MAX &&
	fails_with 66 "kshard: stream '"'"'sp'"'"': no shard shardId-000000000007 (ResourceNotFoundException)" \
		kshard split sp 7 100 &&
	kshard split sp 0 2 &&
	fails_with 64 "kshard: stream '"'"'sp'"'"': shard shardId-000000000000 is closed (InvalidArgumentException)" \
		kshard split sp 0 100
'

test_expect_success 'split: children take the next indexes, parent closes, lineage shown' '
	kshard create ln -n 2 &&
	echo x | kput -s ln -k a &&
	kshard split ln 1 255211775190703847597530955573826158592 &&
	kshard describe ln >d.json &&
	python3 - d.json <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = {x["ShardId"]: x for x in d["Shards"]}
	assert d["StreamDescriptionSummary"]["OpenShardCount"] == 3, d
	assert "EndingSequenceNumber" in s["shardId-000000000001"]["SequenceNumberRange"]
	for c, r in (("shardId-000000000002", ("170141183460469231731687303715884105728", "255211775190703847597530955573826158591")),
	             ("shardId-000000000003", ("255211775190703847597530955573826158592", "340282366920938463463374607431768211455"))):
	    assert s[c]["ParentShardId"] == "shardId-000000000001", s[c]
	    assert "AdjacentParentShardId" not in s[c]
	    assert (s[c]["HashKeyRange"]["StartingHashKey"], s[c]["HashKeyRange"]["EndingHashKey"]) == r, s[c]
	PY
'

test_expect_success 'merge: only adjacent open shards; AdjacentParentShardId' '
	fails_with 64 "kshard: shards 0 and 3 are not adjacent (InvalidArgumentException)" \
		kshard merge ln 0 3 &&
	kshard merge ln 2 0 &&
	kshard describe ln >d.json &&
	python3 - d.json <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = {x["ShardId"]: x for x in d["Shards"]}
	c = s["shardId-000000000004"]
	assert c["ParentShardId"] == "shardId-000000000002", c
	assert c["AdjacentParentShardId"] == "shardId-000000000000", c
	assert c["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": "255211775190703847597530955573826158591"}, c
	assert d["StreamDescriptionSummary"]["OpenShardCount"] == 2
	PY
'

test_expect_success 'scale: uniform ranges as CreateStream gives them, half to double' '
	kshard create sc -n 2 &&
	for n in 3 5 8 4 2 1 2; do
		kshard scale sc $n &&
		open_ranges sc >got && uniform $n >want &&
		test_cmp want got || return 1
	done &&
	fails_with 64 "kshard: target shard count 5 is outside half to double the 2 open shards (InvalidArgumentException)" \
		kshard scale sc 5
'

test_expect_success 'running writers route to the new shards at once; per-key order kept' '
	kshard create live -n 2 &&
	{ python3 -c "
import sys, time
for i in range(1, 1201):
    print(\"{\\\"k\\\":\\\"k%d\\\",\\\"i\\\":%d}\" % (i % 13, i), flush=True)
    if i % 10 == 0: time.sleep(0.03)" | kput -s live -K k -p >acks 2>kput.err & } &&
	pid=$! &&
	{ kget -s live -f --json >followed & } && echo $! >follow.pid &&
	acks_reach() { i=0; while [ "$(wc -l <acks)" -lt "$1" ]; do
		i=$((i + 1)); [ $i -lt 600 ] || return 1; sleep 0.05; done; } &&
	acks_reach 100 && kshard split live 0 $((1 << 62)) &&
	acks_reach 300 && kshard scale live 4 &&
	acks_reach 500 && kshard merge live 6 7 &&
	acks_reach 700 && kshard scale live 2 &&
	wait $pid && test ! -s kput.err &&
	test_line_count = 1200 acks &&
	kget -s live >all &&
	test_line_count = 1200 all &&
	in_key_order all &&
	cut -d" " -f1 acks | sort -u >used &&
	test "$(wc -l <used)" -gt 3 &&
	wait_lines 1200 followed &&
	kill "$(cat follow.pid)" &&
	grep "\"SequenceNumber\"" followed | python3 -c "
import json, sys, base64
for l in sys.stdin: print(base64.b64decode(json.loads(l)[\"Data\"]).decode())" >followed.data &&
	test_line_count = 1200 followed.data &&
	in_key_order followed.data
'

test_expect_success 'no record lands in a shard after its end' '
	kshard describe live >d.json &&
	python3 - d.json acks <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	end = {s["ShardId"]: int(s["SequenceNumberRange"]["EndingSequenceNumber"])
	       for s in d["Shards"] if "EndingSequenceNumber" in s["SequenceNumberRange"]}
	for line in open(sys.argv[2]):
	    shard, seq = line.split()
	    assert shard not in end or int(seq) < end[shard], line
	PY
'

test_expect_success '--json shows the end of a closed shard with its ChildShards' '
	kget -s ln --json >out &&
	grep "^{\"ShardId\":\"shardId-000000000001\",\"ChildShards\":\[{\"ShardId\":\"shardId-000000000002\",\"ParentShards\":\[\"shardId-000000000001\"\]" out &&
	kget -s ln --shard 1 --json | tail -n 1 | grep "ChildShards"
'

test_expect_success 'a parent is read to its end before its children' '
	kshard create ord -n 1 &&
	seq -f "old-%g" 1 100 | kput -s ord -k same &&
	kshard split ord 0 $HALF &&
	seq -f "new-%g" 1 100 | kput -s ord -k same &&
	kget -s ord >got &&
	{ seq -f "old-%g" 1 100 && seq -f "new-%g" 1 100; } >want &&
	test_cmp want got
'

test_done
