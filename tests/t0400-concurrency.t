#!/bin/sh
# Concurrency: 4 writers x 50,000 records into one 4-shard stream while a
# follower reads; exactly the multiset written comes back, and each key's
# records keep their put order.
. "$(dirname "$0")/lib.sh"

N=50000
gen() { # gen WRITER: N JSON lines with 16 keys per writer and a counter
	awk -v w="$1" -v n="$N" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"k\":\"w%d-k%d\",\"i\":%d,\"pad\":\"%s\"}\n", w, i % 16, i,
			       substr("abcdefghijklmnopqrstuvwxyz0123456789", 1, i % 37)
	}'
}

test_expect_success 'four writers and a follower on one stream' '
	kshard create c -n 4 --segment-size 256KiB &&
	for w in 1 2 3 4; do gen $w >in.$w || return 1; done &&
	{ kget -s c -f >follow.out 2>follow.err & } &&
	fpid=$! && echo $fpid >follow.pid &&
	{ kput -s c -K k --batch-size 64KiB <in.1 >/dev/null 2>err.1 & } && p1=$! &&
	{ kput -s c -K k --batch-size 64KiB <in.2 >/dev/null 2>err.2 & } && p2=$! &&
	{ kput -s c -K k --batch-size 64KiB <in.3 >/dev/null 2>err.3 & } && p3=$! &&
	{ kput -s c -K k --batch-size 64KiB <in.4 >/dev/null 2>err.4 & } && p4=$! &&
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	test ! -s err.1 && test ! -s err.2 && test ! -s err.3 && test ! -s err.4 &&
	kget -s c >all.out &&
	cat in.1 in.2 in.3 in.4 | sort >expect &&
	sort all.out >actual &&
	test_cmp expect actual &&
	i=0 && while [ "$(wc -l <follow.out)" -lt $((4 * N)) ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	kill $fpid && test ! -s follow.err &&
	sort follow.out >follow.sorted &&
	test_cmp expect follow.sorted
'

test_expect_success 'segments rolled over under contention' '
	n=$(ls "$KIN_DIR"/streams/c/shards/*/ | grep -c "\.seg$") &&
	test "$n" -gt 8
'

in_key_order() { # each key's counter strictly increases through the file
	awk -F"[\":,]+" "{ k = \$3; i = \$5 + 0
		if ((k in last) && i <= last[k]) { print \"out of order: \" \$0; bad = 1 }
		last[k] = i } END { exit bad }" "$1"
}

test_expect_success 'per-key order is kept in the merged read' '
	in_key_order all.out
'

test_expect_success 'per-key order is kept in the followed read' '
	in_key_order follow.out
'

test_expect_success 'each shard holds only the keys routed to it, in sequence order' '
	for s in 0 1 2 3; do
		kget -s c --shard $s -F "%k %s\n" >shard.$s || return 1
		sort -c -k2,2 shard.$s || return 1
		cut -d" " -f1 shard.$s | sort -u >keys.$s || return 1
	done &&
	cat keys.0 keys.1 keys.2 keys.3 | sort | uniq -d >dups &&
	test ! -s dups &&
	test "$(cat keys.0 keys.1 keys.2 keys.3 | wc -l)" -eq 64
'

test_done
