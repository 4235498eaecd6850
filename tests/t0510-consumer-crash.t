#!/bin/sh
# Crash loop with a consumer: kill -9 `kput --sync always -p` and
# `kget --consumer` at random moments while another writer keeps writing.
# Every acknowledged record must be delivered to the consumer at least once
# (duplicates only from kills), a fresh consumer pass must read every record
# exactly once, and no frame may be corrupt. KIN_CRASH_ROUNDS sets the count
# (scripts/torture runs 200).
. "$(dirname "$0")/lib.sh"

ROUNDS=${KIN_CRASH_ROUNDS:-30}

complete_lines() {
	if [ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$1"
	else
		cat "$1"
	fi
}

ms() { awk -v s="$1" 'BEGIN { srand(s); printf "0.%03d", int(rand() * 200) }'; }

test_expect_success 'setup' '
	kshard create cc -n 2 --segment-size 64KiB &&
	awk "BEGIN { for (i = 1; i <= 100000; i++) printf \"r-%06d-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\\n\", i }" >input
'

test_expect_success "kill -9 kput and kget --consumer, $ROUNDS rounds, with a steady writer" '
	{ (i=0; while :; do i=$((i + 1)); echo "steady-$i"; sleep 0.001; done) |
	  kput -s cc -k steady -p >steady.acks 2>/dev/null & } && echo $! >steady.pid &&
	r=0 && while [ $r -lt $ROUNDS ]; do
		r=$((r + 1))
		sed "s/^/$r-/" input >in.$r &&
		{ kput -s cc -p --batch-size 16KiB <in.$r >acks.$r 2>/dev/null & } && wpid=$! &&
		{ kget -s cc --consumer crashy --batch 500 -F "%S %s\n" >got.$r 2>kget.err.$r & } && rpid=$! &&
		sleep "$(ms $r)" && kill -9 $wpid 2>/dev/null
		sleep "$(ms $((r + 1000)))"; kill -9 $rpid 2>/dev/null
		wait $wpid $rpid 2>/dev/null
		complete_lines acks.$r >>acked || return 1
		complete_lines got.$r >>consumed || return 1
		rm -f in.$r
	done &&
	kill -9 "$(cat steady.pid)" && sleep 0.2 &&
	complete_lines steady.acks >>acked &&
	kget -s cc --consumer crashy -F "%S %s\n" >>consumed
'

test_expect_success 'the stream has no corrupt frame' '
	kget -s cc -F "%S %s\n" >stored 2>err && test ! -s err
'

test_expect_success 'every acknowledged record reached the killed consumer (lost = 0)' '
	sort -u acked >a && sort -u consumed >c &&
	comm -23 a c >lost && test ! -s lost &&
	written=$(($(wc -l <input) * ROUNDS)) &&
	echo "# consumer-crash: rounds=$ROUNDS written>=$written acknowledged=$(wc -l <a) read=$(wc -l <consumed) lost=$(wc -l <lost) duplicated=$(($(wc -l <consumed) - $(wc -l <c)))" >&3
' 3>&1

test_expect_success 'a fresh consumer pass reads every stored record exactly once' '
	kget -s cc --consumer fresh -F "%S %s\n" >pass &&
	sort pass >p && sort -u pass >pu && test_cmp p pu &&
	sort stored >s && test_cmp s p &&
	comm -23 a p >missing && test ! -s missing
'

test_done
