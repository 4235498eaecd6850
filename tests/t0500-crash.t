#!/bin/sh
# Crash safety: kill -9 `kput --sync always -p` at random moments, again and
# again, with small segments so that kills land in rollovers too, while a
# second writer keeps writing. Every acknowledged (printed) sequence number
# must be readable with the data that was put, nothing may be corrupt, and
# every later writer must cut what the killed one left half-written.
. "$(dirname "$0")/lib.sh"

ROUNDS=${KIN_CRASH_ROUNDS:-60}

# Complete lines of an ack file (a kill can cut the last one short).
complete_lines() {
	if [ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$1"
	else
		cat "$1"
	fi
}

test_expect_success 'setup: stream and inputs' '
	kshard create crash -n 2 --segment-size 64KiB &&
	awk "BEGIN { for (i = 1; i <= 300000; i++) printf \"rec-%07d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n\", i }" >input &&
	test_line_count = 300000 input
'

test_expect_success "kill -9 kput $ROUNDS times while another writer runs" '
	{ (i=0; while :; do i=$((i + 1)); echo "steady-$i"; done) |
	  kput -s crash -k steady --sync always -p --batch-size 8KiB >steady.acks 2>steady.err & } &&
	echo $! >steady.pid &&
	r=0 && while [ $r -lt $ROUNDS ]; do
		r=$((r + 1))
		sed "s/^/r$r-/" input >in.$r &&
		{ kput -s crash --sync always -p --batch-size 16KiB <in.$r >acks.$r 2>err.$r & } &&
		pid=$! &&
		sleep "0.$(awk -v s=$r "BEGIN { srand(s); printf \"%03d\", int(rand() * 250) }")" &&
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		echo "round $r: $(wc -l <acks.$r) acks"
		complete_lines acks.$r >good.$r || return 1
		# Ack i belongs to input line i: pair them for the check below.
		head -n "$(wc -l <good.$r)" in.$r | paste -d" " good.$r - >>acked || return 1
		rm -f in.$r || return 1
	done &&
	{ kill -9 "$(cat steady.pid)"; sleep 0.2; } &&
	echo acked=$(wc -l <acked) &&
	test "$(wc -l <acked)" -gt 0
'

test_expect_success 'the stream reads back without corruption' '
	kget -s crash -F "%S %s %d\n" >stored 2>kget.err &&
	test ! -s kget.err
'

test_expect_success 'every acknowledged record is stored, with its data' '
	sort -u acked >acked.sorted &&
	sort stored >stored.sorted &&
	comm -23 acked.sorted stored.sorted >missing &&
	test ! -s missing
'

test_expect_success 'every acknowledged steady record is stored' '
	complete_lines steady.acks | sort >steady.good &&
	test "$(wc -l <steady.good)" -gt 0 &&
	cut -d" " -f1,2 stored | sort >stored.seqs &&
	comm -23 steady.good stored.seqs >steady.missing &&
	test ! -s steady.missing
'

test_expect_success 'no record is stored twice and no partial record appears' '
	cut -d" " -f1,2 stored | sort | uniq -d >dups &&
	test ! -s dups &&
	grep -v -E "^shardId-[0-9]{12} [0-9]{39} (r[0-9]+-rec-[0-9]{7}-x{44}|steady-[0-9]+)\$" stored >odd;
	test ! -s odd
'

test_expect_success 'each shard is in strictly increasing sequence order' '
	for s in 0 1; do
		kget -s crash --shard $s -F "%s\n" >seq.$s &&
		sort -c -u seq.$s || return 1
	done
'

test_expect_success 'a new writer after the last kill appends cleanly' '
	echo after | kput -s crash -k after -p >after.ack &&
	seq=$(cut -d" " -f2 after.ack) &&
	kget -s crash --from at-sequence=$seq -n 1 >got &&
	echo after >want &&
	test_cmp want got
'

test_done
