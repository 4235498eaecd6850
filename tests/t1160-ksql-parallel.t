#!/bin/sh
# ksql ad-hoc queries on several threads (--threads N): the answers of 2 and
# 3 threads are those of 1 thread, over stdin (blocks of lines), a kin
# stream of 2 shards in small segments (ranges per segment) and a stream of
# 1 shard and 1 segment (ranges cut at the segment's index), with NULL
# groups and error_stream rows; plans that need input order run on one
# thread, say so in --explain, and still answer right.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/ksql_golden.sh"

# 60000 records (~5 MB: stdin is read in blocks of 2 MiB; 59992 JSON): K in 997 keys,
# missing on every 13th record (a NULL group); V in quarters (exact in a
# double, so sums do not depend on the order of addition); S strings for
# MIN/MAX; P pads; every 7001st line is not JSON and every 9001st has a V that is
# not a number (error_stream rows); blank lines are not records.
awk 'BEGIN {
	for (i = 0; i < 60000; i++) {
		if (i % 7001 == 7000) { print "not json {"; continue }
		if (i % 10007 == 10006) print ""
		printf "{"
		if (i % 13) printf "\"K\":\"k%d\",", (i * 7919) % 997
		printf "\"G\":\"g%d\",", i % 5
		if (i % 9001 == 9000) printf "\"V\":\"abc\","
		else printf "\"V\":%.2f,", (i % 41) / 4
		printf "\"S\":\"s%03d\",\"N\":%d,", (i * 31) % 257, i % 17
		printf "\"P\":\"abcdefghijklmnopqrstuvwxyz0123456789\"}\n"
	}
}' >events.jsonl
json_schema schema.json K:VARCHAR\(8\) G:VARCHAR\(4\) V:DOUBLE S:VARCHAR\(8\) N:INTEGER

test_expect_success 'setup: streams of 2 shards (1 MiB segments) and of 1 shard' '
	test $(wc -c <events.jsonl) -gt 4000000 &&
	kshard create s2 -n 2 --segment-size 1MiB &&
	kput -s s2 --batch-size 64KiB <events.jsonl &&
	kshard create s1 -n 1 &&
	kput -s s1 <events.jsonl &&
	ls "$KIN_DIR"/streams/s2/shards/shardId-000000000000/*.seg >segs &&
	test $(wc -l <segs) -gt 1
'

# run T SOURCE QUERY: ksql on T threads over SOURCE (- for stdin, or a
# stream) with -o csv; rows in out.T, error_stream rows without their
# ERROR_TIME in err.T (sorted: workers interleave them).
run() {
	if test "$2" = -; then
		ksql --threads "$1" -e "$3" --input S=- --schema S=schema.json \
			-o csv --errors err.raw <events.jsonl >out.$1
	else
		ksql --threads "$1" -e "$3" --input S="$2" --schema S=schema.json \
			-o csv --errors err.raw >out.$1
	fi || return 1
	sed "s/\"ERROR_TIME\":\"[^\"]*\",//" err.raw | sort >err.$1 &&
	rm err.raw
}

# same_sets SOURCE QUERY: the rows of 2 and 3 threads are those of 1
# thread (in any order), and so are the error_stream rows.
same_sets() {
	run 1 "$1" "$2" && run 2 "$1" "$2" && run 3 "$1" "$2" &&
	test $(wc -l <out.1) -gt 1 &&
	sort out.1 >want && sort out.2 >got2 && sort out.3 >got3 &&
	test_cmp want got2 && test_cmp want got3 &&
	test_cmp err.1 err.2 && test_cmp err.1 err.3
}

# same_rows SOURCE QUERY: as same_sets, rows in the same order.
same_rows() {
	run 1 "$1" "$2" && run 2 "$1" "$2" && run 3 "$1" "$2" &&
	test $(wc -l <out.1) -gt 1 &&
	test_cmp out.1 out.2 && test_cmp out.1 out.3 &&
	test_cmp err.1 err.2 && test_cmp err.1 err.3
}

GROUP='SELECT K, COUNT(*), COUNT(V), SUM(V), AVG(V), MIN(V), MAX(S), MIN(S), COUNT(DISTINCT G), COUNT(DISTINCT S) FROM S GROUP BY K'

for src in - s2 s1; do
	# records that are not JSON: in a stream, blank lines are empty records
	bad=8
	test $src = - || bad=13
	test_expect_success "$src: GROUP BY with every mergeable aggregate and a NULL group" "
		same_sets $src '$GROUP' &&
		grep -c '^,' out.2 >nulls && echo 1 >one && test_cmp one nulls &&
		test \$(wc -l <out.1) = 999 &&
		grep -c UNABLE_TO_PARSE err.1 >n && echo \$bad >want && test_cmp want n &&
		grep -c CAST_FAILED err.1 >n && echo 6 >six && test_cmp six n
	"

	test_expect_success "$src: aggregates without GROUP BY" "
		same_rows $src 'SELECT COUNT(*), SUM(V), MIN(N), MAX(N), AVG(N), COUNT(DISTINCT K), COUNT(K) FROM S' &&
		sed -n 2p out.2 | cut -d, -f1 >n && echo 59986 >want && test_cmp want n
	"

	test_expect_success "$src: WHERE, GROUP BY two keys, HAVING, ORDER BY, LIMIT" "
		same_rows $src 'SELECT G, N, COUNT(*) AS C, SUM(V) FROM S WHERE V > 2 GROUP BY G, N HAVING COUNT(*) > 100 ORDER BY C DESC, G, N LIMIT 20'
	"

	test_expect_success "$src: SELECT DISTINCT, and DISTINCT with ORDER BY and LIMIT" "
		same_sets $src 'SELECT DISTINCT G, N FROM S' &&
		test \$(wc -l <out.1) = 86 &&
		same_rows $src 'SELECT DISTINCT K FROM S ORDER BY K DESC LIMIT 7'
	"

	test_expect_success "$src: ORDER BY over a projection (ties keep input order)" "
		same_rows $src 'SELECT K, S, V FROM S WHERE N = 3 ORDER BY V DESC, S LIMIT 50'
	"
done

test_expect_success 'stdin: groups come out in the order they first appear, as on one thread' '
	same_rows - "SELECT K, COUNT(*) FROM S GROUP BY K" &&
	same_rows - "SELECT K, SUM(V) FROM S GROUP BY K LIMIT 5" &&
	same_rows - "SELECT DISTINCT S FROM S"
'

test_expect_success 'COUNT(*) and GROUP BY agree with sqlite3' '
	tr -d "\r" <events.jsonl | grep "^{" | grep -v "\"V\":\"abc\"" >good.jsonl &&
	sqlite3 ref.db "CREATE TABLE t(j TEXT)" ".mode ascii" \
		".separator \"\\037\" \"\\n\"" ".import good.jsonl t" &&
	ksql --threads 2 -e "SELECT COUNT(*), SUM(V) FROM s1" -o csv >got.csv &&
	tail -n 1 got.csv | csv_norm >got &&
	sqlite3 -csv ref.db "SELECT COUNT(*), SUM(json_extract(j, \"\$.V\")) FROM t" | csv_norm >want &&
	test_cmp want got
'

test_expect_success 'a stream of one shard and one segment is read in ranges' '
	ls "$KIN_DIR"/streams/s1/shards/shardId-000000000000/*.seg >segs &&
	test_line_count = 1 segs &&
	ksql -v --threads 2 -e "SELECT COUNT(*) FROM s1" -o csv >out 2>err &&
	echo 59992 >want && tail -n 1 out >got && test_cmp want got &&
	grep "^ksql: 2 threads read [0-9]* ranges of 1 shard$" err >line &&
	n=$(sed "s/.*read \([0-9]*\) ranges.*/\1/" line) &&
	test "$n" -ge 3
'

test_expect_success 'stdin is read in blocks of whole lines' '
	ksql -v --threads 2 -e "SELECT COUNT(*) FROM S" --input S=- -o csv \
		<events.jsonl >out 2>err &&
	echo 59992 >want && tail -n 1 out >got && test_cmp want got &&
	grep "^ksql: 2 threads read [0-9]* blocks of stdin$" err >line &&
	n=$(sed "s/.*read \([0-9]*\) blocks.*/\1/" line) &&
	test "$n" -ge 2
'

test_expect_success 'schema discovery: the sampled records count once' '
	ksql --threads 2 -e "SELECT COUNT(*) FROM S" --input S=- -o csv --errors e1 \
		<events.jsonl >out &&
	tail -n 1 out >got && echo 59992 >want && test_cmp want got &&
	ksql --threads 3 -e "SELECT COUNT(*), COUNT(DISTINCT SEQUENCE_NUMBER) FROM s2" -o csv >out &&
	tail -n 1 out >got && echo 59992,59992 >want && test_cmp want got
'

test_expect_success 'a record longer than a block' '
	{
		head -n 100 events.jsonl &&
		awk "BEGIN { printf \"{\\\"K\\\":\\\"long\\\",\\\"V\\\":1,\\\"S\\\":\\\"\"; for (i = 0; i < 900000; i++) printf \"xxxxxxxxxx\"; print \"\\\"}\" }" &&
		tail -n 100 events.jsonl
	} >long.jsonl &&
	test $(wc -c <long.jsonl) -gt 9000000 &&
	ksql --threads 2 -e "SELECT K, COUNT(*), SUM(V) FROM S WHERE K = '"'"'long'"'"' GROUP BY K" \
		--input S=- --schema schema.json -o csv <long.jsonl >out &&
	echo long,1,1 >want && tail -n 1 out >got && test_cmp want got
'

# order-sensitive plans: one thread, said by --explain, right answers
explain_one() {
	ksql --threads 2 -e "$1" --input S=- --schema S=schema.json --explain \
		</dev/null >plan &&
	grep "^parallel: 1 thread: $2\$" plan
}

test_expect_success 'FIRST_VALUE/LAST_VALUE run on one thread' '
	explain_one "SELECT K, FIRST_VALUE(S), LAST_VALUE(S) FROM S GROUP BY K" \
		"FIRST_VALUE and LAST_VALUE need input order" &&
	same_rows - "SELECT K, FIRST_VALUE(S), LAST_VALUE(S) FROM S GROUP BY K"
'

test_expect_success 'a projection (with or without LIMIT) runs on one thread' '
	explain_one "SELECT K, V FROM S LIMIT 10" "rows come out in input order" &&
	same_rows - "SELECT K, V FROM S LIMIT 10" &&
	explain_one "SELECT DISTINCT G FROM S LIMIT 2" \
		"DISTINCT with LIMIT stops at the first rows in input order" &&
	same_rows - "SELECT DISTINCT G FROM S LIMIT 2"
'

test_expect_success 'a sliding window runs on one thread' '
	explain_one "SELECT K, COUNT(*) OVER (PARTITION BY K ROWS 3 PRECEDING) FROM S" \
		"sliding windows need input order"
'

test_expect_success '--explain says how a parallel plan runs; --threads 1 is the old path' '
	ksql --threads 3 -e "$GROUP" --input S=- --schema S=schema.json --explain \
		</dev/null >plan &&
	grep "^parallel: 3 threads, each reading blocks of whole lines of stdin; partial aggregates merged at the end in input order\$" plan &&
	ksql --threads 2 -e "SELECT DISTINCT K FROM s2" --explain >plan &&
	grep "^parallel: 2 threads, each reading ranges of the shards. segments; kept rows merged at the end in input order\$" plan &&
	ksql --threads 1 -e "$GROUP" --input S=- --schema S=schema.json --explain \
		</dev/null >plan &&
	grep "^parallel: 1 thread (--threads 1)\$" plan
'

test_expect_success 'an empty stdin and an empty stream' '
	ksql --threads 2 -e "SELECT COUNT(*) FROM S" --input S=- --schema S=schema.json \
		-o csv </dev/null >out &&
	printf "COUNT(*)\n0\n" >want && test_cmp want out &&
	kshard create empty -n 2 &&
	ksql --threads 2 -e "SELECT COUNT(*) FROM S" --input S=empty --schema S=schema.json \
		-o csv >out &&
	test_cmp want out
'

test_expect_success '--threads must be 1 to 64' '
	test_must_fail --status=64 ksql --threads 0 -e "SELECT 1 FROM S" 2>err &&
	head -n 1 err >got &&
	echo "ksql: invalid --threads '"'"'0'"'"': expected an integer from 1 to 64" >want &&
	test_cmp want got &&
	test_must_fail --status=64 ksql --threads many -e "SELECT 1 FROM S" 2>err
'

test_done
