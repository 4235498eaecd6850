#!/bin/sh
# ksql ad-hoc queries over a captured kin stream: a plain SELECT reads the
# stream from its trim horizon to its current end and exits. GROUP BY
# without a time key, HAVING, ORDER BY, LIMIT, COUNT(DISTINCT), DISTINCT,
# WHERE with IN/LIKE, and the record metadata columns, each checked against
# sqlite3 running the same query over the same records as kget reads them
# (an independent reader), JSON fields taken with json_extract.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/ksql_golden.sh"

# 400 records over 2 shards, partition key = UID (kput -K UID): 17 users,
# 4 event kinds, values in halves (exact in any binary float, so sums do
# not depend on the order of addition), a COUNTRY missing on every 9th.
awk 'BEGIN {
	split("click view buy close", ev, " "); split("DE FR US JP BR", c, " ")
	for (i = 0; i < 400; i++) {
		printf "{\"UID\":\"u%d\",\"EV\":\"%s\",\"VAL\":%.1f", (i * 7) % 17 + 1,
			ev[i % 4 + 1], (i % 40) / 2 + 0.5
		if (i % 9) printf ",\"COUNTRY\":\"%s\"", c[(i * 3) % 5 + 1]
		printf "}\n"
	}
}' >events.jsonl

test_expect_success 'setup: a stream of JSON records, and sqlite3 tables of the same records' '
	test_line_count = 400 events.jsonl &&
	kshard create events -n 2 &&
	kput -s events -K UID <events.jsonl &&
	kget -s events -F "%s\t%k\t%S\t%T\t%d\n" >recs.tsv &&
	test_line_count = 400 recs.tsv &&
	sqlite3 ref.db "CREATE TABLE recs(seq TEXT, pk TEXT, shard TEXT, arrival INTEGER, data TEXT);" \
		".separator \"\t\" \"\n\"" ".import recs.tsv recs" &&
	sqlite3 ref.db "CREATE VIEW ev AS SELECT seq, pk, shard, arrival,
		json_extract(data, \"\$.UID\") AS uid, json_extract(data, \"\$.EV\") AS ev,
		json_extract(data, \"\$.VAL\") AS val, json_extract(data, \"\$.COUNTRY\") AS country
		FROM recs;" &&
	echo 400 >want && sqlite3 ref.db "SELECT COUNT(*) FROM ev" >got && test_cmp want got
'

# same 'KSQL' 'SQLITE': runs the ad-hoc query with ksql (-o csv, header
# line dropped) and the query with sqlite3 -csv on the view ev; the rows,
# numbers normalised, must be equal and in the same order.
same() {
	ksql -e "$1" -o csv >ksql.csv 2>ksql.err || { cat ksql.err >&2; return 1; }
	test ! -s ksql.err &&
	tail -n +2 ksql.csv | csv_norm >got &&
	sqlite3 -csv ref.db "$2" | csv_norm >want &&
	test -s want &&
	test_cmp want got
}

test_expect_success 'COUNT(*) over the whole stream (an unquoted lower-case stream name)' '
	same "SELECT COUNT(*) FROM events" "SELECT COUNT(*) FROM ev"
'

test_expect_success 'GROUP BY without a time key, ORDER BY' '
	same "SELECT UID, COUNT(*), SUM(VAL), MIN(VAL), MAX(VAL) FROM events GROUP BY UID ORDER BY UID" \
		"SELECT uid, COUNT(*), SUM(val), MIN(val), MAX(val) FROM ev GROUP BY uid ORDER BY uid"
'

test_expect_success 'HAVING, ORDER BY an aggregate DESC and a position, LIMIT' '
	same "SELECT UID, COUNT(*) AS N, SUM(VAL) FROM events WHERE EV <> '"'"'view'"'"' GROUP BY UID HAVING SUM(VAL) > 185 ORDER BY N DESC, 1 LIMIT 5" \
		"SELECT uid, COUNT(*) AS n, SUM(val) FROM ev WHERE ev <> '"'"'view'"'"' GROUP BY uid HAVING SUM(val) > 185 ORDER BY n DESC, 1 LIMIT 5"
'

test_expect_success 'AVG per group, ORDER BY two keys' '
	same "SELECT EV, COUNTRY, AVG(VAL), COUNT(VAL) FROM events WHERE COUNTRY IS NOT NULL GROUP BY EV, COUNTRY ORDER BY EV, COUNTRY DESC" \
		"SELECT ev, country, AVG(val), COUNT(val) FROM ev WHERE country IS NOT NULL GROUP BY ev, country ORDER BY ev, country DESC"
'

test_expect_success 'COUNT(DISTINCT x) skips NULLs; COUNT(x) too' '
	same "SELECT COUNT(DISTINCT UID), COUNT(DISTINCT COUNTRY), COUNT(COUNTRY), COUNT(*) FROM events" \
		"SELECT COUNT(DISTINCT uid), COUNT(DISTINCT country), COUNT(country), COUNT(*) FROM ev"
'

test_expect_success 'COUNT(DISTINCT x) per group' '
	same "SELECT EV, COUNT(DISTINCT UID) FROM events GROUP BY EV ORDER BY EV" \
		"SELECT ev, COUNT(DISTINCT uid) FROM ev GROUP BY ev ORDER BY ev"
'

test_expect_success 'SELECT DISTINCT' '
	same "SELECT DISTINCT COUNTRY, EV FROM events WHERE COUNTRY IS NOT NULL ORDER BY COUNTRY, EV" \
		"SELECT DISTINCT country, ev FROM ev WHERE country IS NOT NULL ORDER BY country, ev"
'

test_expect_success 'a NULL group key is one group' '
	same "SELECT COUNT(*) FROM events WHERE COUNTRY IS NULL" \
		"SELECT COUNT(*) FROM ev WHERE country IS NULL" &&
	ksql -e "SELECT COUNTRY, COUNT(*) FROM events GROUP BY COUNTRY" -o csv >out &&
	tail -n +2 out >rows && test_line_count = 6 rows &&
	n=$(sqlite3 ref.db "SELECT COUNT(*) FROM ev WHERE country IS NULL") &&
	grep -x ",$n" rows
'

test_expect_success 'WHERE with IN, LIKE, BETWEEN, CASE' '
	same "SELECT COUNT(*), SUM(CASE WHEN EV LIKE '"'"'c%'"'"' THEN 1 ELSE 0 END) FROM events WHERE COUNTRY IN ('"'"'DE'"'"', '"'"'FR'"'"') AND VAL BETWEEN 3 AND 12.5" \
		"SELECT COUNT(*), SUM(CASE WHEN ev LIKE '"'"'c%'"'"' THEN 1 ELSE 0 END) FROM ev WHERE country IN ('"'"'DE'"'"', '"'"'FR'"'"') AND val BETWEEN 3 AND 12.5"
'

test_expect_success 'metadata: PARTITION_KEY, SHARD_ID, SEQUENCE_NUMBER' '
	same "SELECT PARTITION_KEY, SHARD_ID, COUNT(*) FROM events GROUP BY PARTITION_KEY, SHARD_ID ORDER BY PARTITION_KEY" \
		"SELECT pk, shard, COUNT(*) FROM ev GROUP BY pk, shard ORDER BY pk" &&
	same "SELECT SEQUENCE_NUMBER, SHARD_ID, PARTITION_KEY, UID, VAL FROM events ORDER BY SHARD_ID, SEQUENCE_NUMBER LIMIT 50" \
		"SELECT seq, shard, pk, uid, val FROM ev ORDER BY shard, seq LIMIT 50" &&
	same "SELECT COUNT(*) FROM events WHERE PARTITION_KEY <> UID" \
		"SELECT COUNT(*) FROM ev WHERE pk <> uid"
'

test_expect_success 'metadata: APPROXIMATE_ARRIVAL_TIME is the arrival time kget reports' '
	same "SELECT SEQUENCE_NUMBER, APPROXIMATE_ARRIVAL_TIME FROM events ORDER BY SHARD_ID, SEQUENCE_NUMBER LIMIT 20" \
		"SELECT seq, strftime('"'"'%Y-%m-%d %H:%M:%f'"'"', arrival / 1000.0, '"'"'unixepoch'"'"') FROM ev ORDER BY shard, seq LIMIT 20"
'

test_expect_success 'JSON output: aliases are the keys, in select order' '
	ksql -e "SELECT UID AS U, COUNT(*) AS N FROM events WHERE UID = '"'"'u3'"'"' GROUP BY UID" >got &&
	n=$(sqlite3 ref.db "SELECT COUNT(*) FROM ev WHERE uid = '"'"'u3'"'"'") &&
	echo "{\"U\":\"u3\",\"N\":$n}" >want &&
	test_cmp want got
'

test_expect_success 'ad-hoc over a stream ends at its current end, and sees appended records next time' '
	printf "{\"UID\":\"late\",\"EV\":\"click\",\"VAL\":1.5,\"COUNTRY\":\"DE\"}\n" | kput -s events -K UID &&
	echo 401 >want &&
	ksql -e "SELECT COUNT(*) AS N FROM events" -o csv | tail -n 1 >got &&
	test_cmp want got
'

test_expect_success 'quoted names match lower-case JSON members exactly' '
	kshard create lower &&
	printf "{\"uid\":\"a\",\"n\":1}\n{\"uid\":\"b\",\"n\":2}\n{\"uid\":\"a\",\"n\":4}\n" | kput -s lower -k k &&
	ksql -e "SELECT \"uid\", SUM(\"n\") AS \"total\" FROM lower GROUP BY \"uid\" ORDER BY \"uid\"" >got &&
	printf "{\"uid\":\"a\",\"total\":5}\n{\"uid\":\"b\",\"total\":2}\n" >want &&
	test_cmp want got
'

test_expect_success '-o table for an ad-hoc query: widths from all the rows' '
	ksql -e "SELECT \"uid\", SUM(\"n\") AS \"total\" FROM lower GROUP BY \"uid\" ORDER BY \"uid\"" \
		-o table >got &&
	cat >want <<-\EOF &&
	uid | total
	----+------
	a   |     5
	b   |     2
	EOF
	test_cmp want got
'

test_expect_success 'ad-hoc over stdin (--input -): reads to EOF' '
	ksql -e "SELECT EV, COUNT(*) FROM SOURCE_SQL_STREAM_001 GROUP BY EV ORDER BY EV" --input - -o csv \
		<events.jsonl >out &&
	tail -n +2 out | csv_norm >got &&
	sqlite3 -csv ref.db "SELECT ev, COUNT(*) FROM ev WHERE uid <> '"'"'late'"'"' GROUP BY ev ORDER BY ev" | csv_norm >want &&
	test_cmp want got
'

test_expect_success 'an empty stream: COUNT(*) is 0' '
	kshard create empty &&
	ksql -e "SELECT COUNT(*) AS N FROM empty" -o csv >got &&
	printf "N\n0\n" >want && test_cmp want got
'

test_expect_success 'a progress line on stderr when it is a terminal, none otherwise' '
	# One thread shows the line from its first batch; parallel workers
	# show it every half second, so a short scan may end before one.
	for t in 1 2; do
		python3 - "$t" <<-\PY || exit 1
		import os, pty, subprocess, sys
		m, s = pty.openpty()
		r = subprocess.run(["ksql", "--threads", sys.argv[1], "-o", "csv", "-e",
		                    "SELECT COUNT(*) AS N FROM events"],
		                   stdout=subprocess.PIPE, stderr=s, check=True)
		os.write(s, b"END")
		os.close(s)
		err = b""
		while not err.endswith(b"END"):
		    err += os.read(m, 65536)
		err = err.decode()
		assert r.stdout == b"N\n401\n", r.stdout
		assert err.endswith("END"), repr(err)
		err = err[:-3]
		if sys.argv[1] == "1" or err:
		    assert err.startswith("\rksql: ") and " records read\x1b[K" in err, repr(err)
		    assert err.endswith("\r\x1b[K"), repr(err)
		PY
	done &&
	ksql -o csv -e "SELECT COUNT(*) AS N FROM events" >out 2>err &&
	test ! -s err
'

test_done
