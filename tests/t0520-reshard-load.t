#!/bin/sh
# Reshard under load: split and merge repeatedly while 4 writers write and a
# consumer group of 3 processes reads. Every record is delivered, none twice,
# and each partition key's records keep their put order, in every worker's
# output and in a plain read. KIN_RESHARD_ROUNDS sets the number of reshards.
. "$(dirname "$0")/lib.sh"

ROUNDS=${KIN_RESHARD_ROUNDS:-12}
PER_WRITER=${KIN_RESHARD_RECORDS:-3000}

# One writer: PER_WRITER JSON lines over 16 keys, paced so that the run
# outlasts the reshards.
writer() {
	python3 -c "
import sys, time
w, n, rounds, pace = $1, $PER_WRITER, $ROUNDS, \"${2:-paced}\" == \"paced\"
for i in range(1, n + 1):
    print('{\"k\":\"w%d-k%d\",\"i\":%d}' % (w, i % 16, i), flush=(i % 25 == 0))
    if pace and i % 25 == 0: time.sleep(rounds * 0.25 / (n / 25))"
}

in_key_order() {
	python3 -c '
import json, sys
last, bad, n = {}, 0, 0
for line in open(sys.argv[1]):
    d = json.loads(line); n += 1
    if d["k"] in last and d["i"] <= last[d["k"]]:
        bad += 1
    last[d["k"]] = d["i"]
sys.exit(1 if bad else 0)' "$1"
}

# reshard: split the widest open shard at its middle, or merge the first
# two adjacent open shards, alternately.
reshard() {
	kshard describe rl | python3 -c "
import json, sys
d = json.load(sys.stdin)
o = sorted([s for s in d['Shards'] if 'EndingSequenceNumber' not in s['SequenceNumberRange']],
           key=lambda s: int(s['HashKeyRange']['StartingHashKey']))
idx = lambda s: str(int(s['ShardId'].split('-')[1]))
if $1 % 2 == 0 or len(o) < 2:
    s = max(o, key=lambda s: int(s['HashKeyRange']['EndingHashKey']) - int(s['HashKeyRange']['StartingHashKey']))
    lo, hi = int(s['HashKeyRange']['StartingHashKey']), int(s['HashKeyRange']['EndingHashKey'])
    print('split', idx(s), (lo + hi) // 2)
else:
    print('merge', idx(o[0]), idx(o[1]))" | { read op a b && kshard "$op" rl "$a" "$b"; }
}

test_expect_success "$ROUNDS reshards under 4 writers and a group of 3 readers" '
	kshard create rl -n 2 &&
	for w in 1 2 3; do
		{ kget -s rl --consumer grp -f >out.$w 2>err.$w & } && echo $! >r$w.pid || return 1
	done &&
	for w in 1 2 3 4; do
		{ writer $w | kput -s rl -K k -p >acks.$w 2>werr.$w & } && echo $! >w$w.wpid || return 1
	done &&
	r=0 && while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)); sleep 0.2; reshard $r || return 1
	done &&
	for w in 1 2 3 4; do wait "$(cat w$w.wpid)" || return 1; done &&
	total=$((4 * PER_WRITER)) &&
	i=0 && while [ "$(cat out.1 out.2 out.3 | wc -l)" -lt $total ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	for w in 1 2 3; do kill "$(cat r$w.pid)"; done &&
	test ! -s werr.1 && test ! -s werr.2 && test ! -s werr.3 && test ! -s werr.4 &&
	test ! -s err.1 && test ! -s err.2 && test ! -s err.3
'

test_expect_success 'every record delivered exactly once to the group' '
	for w in 1 2 3 4; do writer $w fast; done | sort >want &&
	cat out.1 out.2 out.3 | sort >got &&
	test_cmp want got &&
	echo "# reshard: rounds=$ROUNDS written=$(wc -l <want) acknowledged=$(cat acks.* | wc -l) read=$(wc -l <got) lost=$(comm -23 want got | wc -l) duplicated=$(($(wc -l <got) - $(sort -u got | wc -l)))" >&3
' 3>&1

test_expect_success 'per-key order in each worker and in a plain read' '
	in_key_order out.1 && in_key_order out.2 && in_key_order out.3 &&
	kget -s rl >all && in_key_order all &&
	kshard describe rl | grep -c "\"ShardId\"" >n && test "$(cat n)" -gt 6
'

test_done
