#!/bin/sh
# kill -9 of kfirehose at random moments while it delivers a kin stream to
# a dir: destination, then a restart: every record is delivered at least
# once, no object is ever partial (each one decompresses completely), and
# the temp files of the killed processes are cleaned up.
. "$(dirname "$0")/lib.sh"

objects() { find "$1" -path "$1/.kfirehose-tmp" -prune -o -type f -print | sort; }

ROUNDS=${KIN_CRASH_ROUNDS:-25}

test_expect_success 'setup: 4 shards, 60000 records' '
	kshard create c -n 4 &&
	awk "BEGIN { for (i = 1; i <= 60000; i++) printf \"%d %0150d\n\", i, i }" >all &&
	kput -s c <all
'

test_expect_success "$ROUNDS rounds of kill -9 during delivery, then a clean run" '
	i=0 && while [ $i -lt $ROUNDS ]; do
		kfirehose --name k --from c --starting-position TRIM_HORIZON --once \
			--to dir:o --compression gzip --buffer-size 1 --append-delimiter \
			--buffer-interval 0 2>>k.err & pid=$! &&
		sleep 0.0$(( (i * 37) % 9 + 1 )) &&
		kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		i=$((i + 1))
	done &&
	kfirehose --name k --from c --starting-position TRIM_HORIZON --once \
		--to dir:o --compression gzip \
		--buffer-size 1 --append-delimiter --buffer-interval 0 &&
	objects o >list &&
	for f in $(cat list); do gzip -t "$f" || return 1; done &&
	for f in $(cat list); do gzip -dc "$f"; done >got &&
	sort -u got >got.u && sort all >want && test_cmp want got.u &&
	say "$(wc -l <got) lines delivered for 60000 records in $(wc -l <list) objects" &&
	test -z "$(ls o/.kfirehose-tmp)" &&
	! grep -v "^$" k.err
'

test_expect_success 'nothing is left to deliver: a new run writes no object' '
	objects o >before &&
	kfirehose --name k --from c --starting-position TRIM_HORIZON --once \
		--to dir:o --compression gzip \
		--buffer-size 1 --append-delimiter --buffer-interval 0 &&
	objects o >after && test_cmp before after
'

test_done
