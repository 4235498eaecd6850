#!/bin/sh
# ksql as a continuous application over kin streams: the input read as a
# named consumer (default ksql-BASENAME), the output appended to a kin
# stream, SIGTERM stops it cleanly, and a restart continues from the
# checkpoint with no record lost or repeated; --no-follow stops at the
# current end; --starting-position TRIM_HORIZON vs LATEST.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/ksql_golden.sh"

cat >app.sql <<\EOF
-- filter and projection: every ID not divisible by 3, with its value doubled
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ID INTEGER, V2 DOUBLE, K VARCHAR(8));
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ID, VAL * 2, UPPER(K) FROM "SOURCE_SQL_STREAM_001"
  WHERE MOD(ID, 3) <> 0;
EOF
json_schema in.json ID:INTEGER VAL:DOUBLE K:'VARCHAR(8)'

# records FROM TO: JSON records with IDs FROM..TO.
records() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
		printf "{\"ID\":%d,\"VAL\":%d.25,\"K\":\"k%d\"}\n", i, i, i % 7 }'
}
# expected FROM TO: the rows app.sql makes of records FROM..TO, by ID.
expected() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) if (i % 3)
		printf "{\"ID\":%d,\"V2\":%s,\"K\":\"K%d\"}\n", i, (i * 2 + 0.5) "", i % 7 }'
}
# out_rows STREAM: the rows in a kin stream, sorted by ID.
out_rows() {
	kget -s "$1" | sort -t: -k2,2n
}
# wait_rows STREAM N: waits (up to 60 s) until STREAM holds N records.
wait_rows() {
	wr_i=0
	while test "$(kget -s "$1" | wc -l)" -lt "$2"; do
		wr_i=$((wr_i + 1))
		test $wr_i -le 600 || {
			echo "wait_rows: $1 has $(kget -s "$1" | wc -l) records, expected $2" >&2
			return 1
		}
		sleep 0.1
	done
}
# stop PIDFILE: SIGTERM, then waits (up to 60 s) for the process to end; it
# must exit 0 (its status is in PIDFILE.rc, written by the runner).
stop() {
	kill -TERM "$(cat "$1")" &&
	st_i=0 &&
	while ! test -s "$1.rc"; do
		st_i=$((st_i + 1))
		test $st_i -le 600 || { echo "stop: $1 did not exit" >&2; return 1; }
		sleep 0.1
	done &&
	test "$(cat "$1.rc")" = 0
}
# start NAME ksql-args...: runs ksql in the background, its pid in
# NAME.pid (in the test directory, so killed at exit), its exit status in
# NAME.pid.rc when it ends.
start() {
	sn=$1
	shift
	rm -f "$sn.pid.rc"
	{ ksql "$@" 2>"$sn.err"; echo $? >"$sn.pid.rc"; } &
	# the pid of ksql itself, not of the subshell: wait for it to appear
	sp_i=0
	while ! sp=$(pgrep -P $! -x ksql); do
		sp_i=$((sp_i + 1))
		test $sp_i -le 600 || return 1
		sleep 0.1
	done
	echo "$sp" >"$sn.pid"
}

test_expect_success 'a stream in, a stream out; SIGTERM; more records; a restart continues' '
	kshard create in -n 2 &&
	kshard create out &&
	records 1 300 | kput -s in -K ID &&
	start run1 -f app.sql --input SOURCE_SQL_STREAM_001=in --schema in.json \
		--output DESTINATION_SQL_STREAM=stream:out --starting-position TRIM_HORIZON &&
	wait_rows out 200 &&
	records 301 450 | kput -s in -K ID &&
	wait_rows out 300 &&
	stop run1.pid &&
	test ! -s run1.err &&
	kshard consumers in | grep "\"ConsumerName\": \"ksql-app\"" &&
	records 451 600 | kput -s in -K ID &&
	start run2 -f app.sql --input SOURCE_SQL_STREAM_001=in --schema in.json \
		--output DESTINATION_SQL_STREAM=stream:out &&
	wait_rows out 400 &&
	stop run2.pid &&
	test ! -s run2.err &&
	expected 1 600 >want &&
	out_rows out >got &&
	test_cmp want got
'

test_expect_success 'a restart with nothing new writes nothing' '
	start run3 -f app.sql --input SOURCE_SQL_STREAM_001=in --schema in.json \
		--output DESTINATION_SQL_STREAM=stream:out &&
	sleep 1 &&
	stop run3.pid &&
	test "$(kget -s out | wc -l)" = 400
'

test_expect_success '--no-follow: reads to the current end, exits 0; its own consumer' '
	ksql -f app.sql --input SOURCE_SQL_STREAM_001=in --schema in.json --no-follow \
		--consumer once --starting-position TRIM_HORIZON >got.unsorted &&
	sort -t: -k2,2n got.unsorted >got &&
	expected 1 600 >want && test_cmp want got &&
	records 601 603 | kput -s in -K ID &&
	ksql -f app.sql --input SOURCE_SQL_STREAM_001=in --schema in.json --no-follow \
		--consumer once | sort -t: -k2,2n >got &&
	expected 601 603 >want && test_cmp want got
'

test_expect_success '--consumer from -e is ksql by default; stdout when no --output target' '
	ksql -e "$(cat app.sql)" --input SOURCE_SQL_STREAM_001=in --schema in.json --no-follow \
		--starting-position TRIM_HORIZON >got.unsorted &&
	test "$(wc -l <got.unsorted)" = 402 &&
	kshard consumers in | grep "\"ConsumerName\": \"ksql\""
'

test_expect_success '--starting-position LATEST (the default): only records put after the start' '
	kshard create late -n 2 &&
	records 1 50 | kput -s late -K ID &&
	kshard create lout &&
	start run4 -f app.sql --input SOURCE_SQL_STREAM_001=late --schema in.json \
		--output DESTINATION_SQL_STREAM=stream:lout --consumer fresh &&
	i=0 && while [ "$(kshard consumers late | grep -c "\"LeaseOwner\": null")" != 0 ] ||
		! kshard consumers late | grep -q "\"ConsumerName\": \"fresh\""; do
		i=$((i + 1)); [ $i -lt 600 ] || return 1; sleep 0.1; done &&
	sleep 1 &&
	records 51 60 | kput -s late -K ID &&
	wait_rows lout 6 &&
	stop run4.pid &&
	expected 51 60 >want && out_rows lout >got && test_cmp want got
'

test_expect_success '--starting-position TRIM_HORIZON for a new consumer reads everything' '
	ksql -f app.sql --input SOURCE_SQL_STREAM_001=late --schema in.json --no-follow \
		--consumer th --starting-position TRIM_HORIZON | sort -t: -k2,2n >got &&
	expected 1 60 >want && test_cmp want got
'

test_expect_success 'stdin: rows go out as they come; SIGTERM ends the application, exit 0' '
	mkfifo fin || return 1
	{ ksql -f app.sql --schema in.json <fin >fin.out 2>fin.err; echo $? >fin.rc; } &
	exec 3>fin &&
	records 1 5 >&3 &&
	wait_for_lines 4 fin.out &&
	kill -TERM "$(pgrep -P $! -x ksql)" &&
	i=0 && while ! test -s fin.rc; do
		i=$((i + 1)); [ $i -lt 600 ] || return 1; sleep 0.1; done &&
	exec 3>&- &&
	test "$(cat fin.rc)" = 0 &&
	expected 1 5 >want && test_cmp want fin.out && test ! -s fin.err
'

test_done
