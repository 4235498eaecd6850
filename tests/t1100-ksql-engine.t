#!/bin/sh
# ksql's engine on stdin inputs with fixed ROWTIMEs (--rowtime-field):
# projections and filters, every aggregate with SQL NULL rules, tumbling
# windows (emitted when the key advances and at the end of input, ROWTIME =
# window end), sliding RANGE/ROWS windows, reference joins, pump chains
# with fan-in and fan-out, the error_stream, output formats, --explain and
# the binder's errors.
. "$(dirname "$0")/lib.sh"

# The demo stream's shape, ROWTIME from "ts".
cat >ticks.json <<'EOF'
{"ts":"2024-05-01 12:00:01","TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-0.5,"PRICE":84.51}
{"ts":"2024-05-01 12:00:20","TICKER_SYMBOL":"ASD","SECTOR":"FINANCIAL","CHANGE":3.2,"PRICE":50.0}
{"ts":"2024-05-01 12:00:59","TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":2.5,"PRICE":86.0}
{"ts":"2024-05-01 12:01:10","TICKER_SYMBOL":"ASD","SECTOR":"FINANCIAL","CHANGE":0.1,"PRICE":50.1}
{"ts":"2024-05-01 12:01:30","TICKER_SYMBOL":"QXZ","SECTOR":"RETAIL","CHANGE":null,"PRICE":10.0}
{"ts":"2024-05-01 12:03:00","TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1.0,"PRICE":87.0}
EOF
cat >ticks.schema <<'EOF'
{"RecordFormat":{"RecordFormatType":"JSON","MappingParameters":{"JSONMappingParameters":{"RecordRowPath":"$"}}},
 "RecordColumns":[
  {"Name":"ts","SqlType":"VARCHAR(32)","Mapping":"$.ts"},
  {"Name":"TICKER_SYMBOL","SqlType":"VARCHAR(4)","Mapping":"$.TICKER_SYMBOL"},
  {"Name":"SECTOR","SqlType":"VARCHAR(16)","Mapping":"$.SECTOR"},
  {"Name":"CHANGE","SqlType":"DOUBLE","Mapping":"$.CHANGE"},
  {"Name":"PRICE","SqlType":"DOUBLE","Mapping":"$.PRICE"}]}
EOF

# run SQL [options]: ksql over ticks.json with the schema and "ts" ROWTIMEs.
run() {
	sql=$1
	shift
	ksql -e "$sql" --schema ticks.schema --rowtime-field ts "$@" <ticks.json
}

# Error rows without ERROR_TIME (the clock's).
noclock() { sed 's/"ERROR_TIME":"[^"]*",//'; }

test_expect_success 'filter and projection: the simple alerts application' '
	run "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (ticker_symbol VARCHAR(4), sector VARCHAR(12), change DOUBLE, price DOUBLE);
	     CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO \"DESTINATION_SQL_STREAM\"
	     SELECT STREAM ticker_symbol, sector, change, price FROM \"SOURCE_SQL_STREAM_001\"
	     WHERE (ABS(Change / (Price - Change)) * 100) > 1;" >out &&
	cat >want <<-\EOF &&
	{"TICKER_SYMBOL":"ASD","SECTOR":"FINANCIAL","CHANGE":3.2,"PRICE":50}
	{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":2.5,"PRICE":86}
	{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1,"PRICE":87}
	EOF
	test_cmp want out
'

test_expect_success 'expressions: CASE, IN, BETWEEN, LIKE, IS NULL, CAST, || and --rowtime' '
	run "CREATE STREAM D (t VARCHAR(8), c VARCHAR(5), i BOOLEAN, b BOOLEAN, l BOOLEAN, n BOOLEAN, p INTEGER);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL || '\''!'\'',
	       CASE WHEN PRICE > 80 THEN '\''high'\'' WHEN PRICE > 20 THEN '\''mid'\'' ELSE '\''low'\'' END,
	       TICKER_SYMBOL IN ('\''ASD'\'', '\''QXZ'\''), PRICE BETWEEN 50 AND 51,
	       SECTOR LIKE '\''%NANC%'\'', CHANGE IS NULL, CAST(PRICE AS INTEGER)
	     FROM SOURCE_SQL_STREAM_001;" --output D --rowtime >out &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:00:01.000","T":"AMZN!","C":"high","I":false,"B":false,"L":false,"N":false,"P":84}
	{"ROWTIME":"2024-05-01 12:00:20.000","T":"ASD!","C":"mid ","I":true,"B":true,"L":true,"N":false,"P":50}
	{"ROWTIME":"2024-05-01 12:00:59.000","T":"AMZN!","C":"high","I":false,"B":false,"L":false,"N":false,"P":86}
	{"ROWTIME":"2024-05-01 12:01:10.000","T":"ASD!","C":"mid ","I":true,"B":true,"L":true,"N":false,"P":50}
	{"ROWTIME":"2024-05-01 12:01:30.000","T":"QXZ!","C":"low ","I":true,"B":false,"L":false,"N":true,"P":10}
	{"ROWTIME":"2024-05-01 12:03:00.000","T":"AMZN!","C":"high","I":false,"B":false,"L":false,"N":false,"P":87}
	EOF
	test_cmp want out
'

test_expect_success 'tumbling window: every aggregate, NULLs skipped, ROWTIME = window end' '
	run "CREATE STREAM D (t VARCHAR(4), n BIGINT, nc BIGINT, s DOUBLE, a DOUBLE, mi DOUBLE, ma DOUBLE, f DOUBLE, l DOUBLE, ms VARCHAR(16));
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL, COUNT(*), COUNT(CHANGE), SUM(CHANGE),
	       AVG(PRICE), MIN(PRICE), MAX(PRICE), FIRST_VALUE(PRICE), LAST_VALUE(PRICE), MAX(SECTOR)
	     FROM SOURCE_SQL_STREAM_001
	     GROUP BY TICKER_SYMBOL, STEP(SOURCE_SQL_STREAM_001.ROWTIME BY INTERVAL '\''60'\'' SECOND);" \
	    --output D --rowtime >out &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","T":"AMZN","N":2,"NC":2,"S":2,"A":85.255,"MI":84.51,"MA":86,"F":84.51,"L":86,"MS":"TECHNOLOGY"}
	{"ROWTIME":"2024-05-01 12:01:00.000","T":"ASD","N":1,"NC":1,"S":3.2,"A":50,"MI":50,"MA":50,"F":50,"L":50,"MS":"FINANCIAL"}
	{"ROWTIME":"2024-05-01 12:02:00.000","T":"ASD","N":1,"NC":1,"S":0.1,"A":50.1,"MI":50.1,"MA":50.1,"F":50.1,"L":50.1,"MS":"FINANCIAL"}
	{"ROWTIME":"2024-05-01 12:02:00.000","T":"QXZ","N":1,"NC":0,"S":null,"A":10,"MI":10,"MA":10,"F":10,"L":10,"MS":"RETAIL"}
	{"ROWTIME":"2024-05-01 12:04:00.000","T":"AMZN","N":1,"NC":1,"S":1,"A":87,"MI":87,"MA":87,"F":87,"L":87,"MS":"TECHNOLOGY"}
	EOF
	test_cmp want out
'

test_expect_success 'tumbling window: a window is emitted as soon as ROWTIME passes its end' '
	mkfifo in.fifo &&
	{ ksql -e "CREATE STREAM D (t VARCHAR(4), n BIGINT);
		   CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL, COUNT(*)
		   FROM SOURCE_SQL_STREAM_001 GROUP BY TICKER_SYMBOL, FLOOR(ROWTIME TO MINUTE);" \
		--output D --schema ticks.schema --rowtime-field ts <in.fifo >live.out & echo $! >ksql.pid; } &&
	exec 7>in.fifo &&
	head -n 4 ticks.json >&7 &&
	wait_lines 2 live.out &&
	printf "%s\n" "{\"TICKER_SYMBOL\":\"AMZN\",\"PRICE\":1}" >want1 &&
	cat >want <<-\EOF &&
	{"T":"AMZN","N":2}
	{"T":"ASD","N":1}
	EOF
	test_cmp want live.out &&
	tail -n 2 ticks.json >&7 &&
	exec 7>&- &&
	wait $(cat ksql.pid) &&
	cat >>want <<-\EOF &&
	{"T":"ASD","N":1}
	{"T":"QXZ","N":1}
	{"T":"AMZN","N":1}
	EOF
	test_cmp want live.out
'

test_expect_success 'tumbling window on another monotonic column: emitted when the key advances, ROWTIME = the window'"'"'s last' '
	run "CREATE STREAM D (m TIMESTAMP, n BIGINT, s DOUBLE);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM FLOOR(CAST(\"ts\" AS TIMESTAMP) TO MINUTE), COUNT(*), SUM(PRICE)
	     FROM SOURCE_SQL_STREAM_001 GROUP BY FLOOR(CAST(\"ts\" AS TIMESTAMP) TO MINUTE);" --output D --rowtime >out &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:00:59.000","M":"2024-05-01 12:00:00.000","N":3,"S":220.51}
	{"ROWTIME":"2024-05-01 12:01:30.000","M":"2024-05-01 12:01:00.000","N":2,"S":60.1}
	{"ROWTIME":"2024-05-01 12:03:00.000","M":"2024-05-01 12:03:00.000","N":1,"S":87}
	EOF
	test_cmp want out
'

test_expect_success 'tumbling window: HAVING and ROWTIME in the select list' '
	run "CREATE STREAM D (w TIMESTAMP, t VARCHAR(4), n BIGINT);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM ROWTIME, TICKER_SYMBOL, COUNT(*)
	     FROM SOURCE_SQL_STREAM_001 GROUP BY TICKER_SYMBOL, FLOOR(ROWTIME TO MINUTE)
	     HAVING COUNT(*) > 1 OR MIN(PRICE) < 20;" --output D >out &&
	cat >want <<-\EOF &&
	{"W":"2024-05-01 12:01:00.000","T":"AMZN","N":2}
	{"W":"2024-05-01 12:02:00.000","T":"QXZ","N":1}
	EOF
	test_cmp want out
'

# The developer guide's 5-second window: rows at t1, t2, t6, t7 and three at t8.
cat >slide.json <<'EOF'
{"ts":"2024-05-01 00:00:01","K":"a","V":1}
{"ts":"2024-05-01 00:00:02","K":"a","V":2}
{"ts":"2024-05-01 00:00:06","K":"a","V":6}
{"ts":"2024-05-01 00:00:07","K":"b","V":7}
{"ts":"2024-05-01 00:00:08","K":"a","V":8}
{"ts":"2024-05-01 00:00:08","K":"b","V":null}
{"ts":"2024-05-01 00:00:08","K":"a","V":10}
EOF

test_expect_success 'sliding RANGE window: a row exactly RANGE old has left' '
	ksql -e "CREATE STREAM D (c BIGINT, s INTEGER, mi INTEGER, ma INTEGER, f INTEGER, l INTEGER);
		 CREATE PUMP P AS INSERT INTO D SELECT STREAM COUNT(*) OVER W, SUM(v) OVER W,
		   MIN(v) OVER W, MAX(v) OVER W, FIRST_VALUE(v) OVER W, LAST_VALUE(v) OVER W
		 FROM SOURCE_SQL_STREAM_001 WINDOW W AS (RANGE INTERVAL '\''5'\'' SECOND PRECEDING);" \
		--output D --rowtime-field ts <slide.json >out &&
	cat >want <<-\EOF &&
	{"C":1,"S":1,"MI":1,"MA":1,"F":1,"L":1}
	{"C":2,"S":3,"MI":1,"MA":2,"F":1,"L":2}
	{"C":2,"S":8,"MI":2,"MA":6,"F":2,"L":6}
	{"C":2,"S":13,"MI":6,"MA":7,"F":6,"L":7}
	{"C":3,"S":21,"MI":6,"MA":8,"F":6,"L":8}
	{"C":4,"S":21,"MI":6,"MA":8,"F":6,"L":null}
	{"C":5,"S":31,"MI":6,"MA":10,"F":6,"L":10}
	EOF
	test_cmp want out
'

test_expect_success 'sliding ROWS window with PARTITION BY, and two windows in one query' '
	ksql -e "CREATE STREAM D (k VARCHAR(1), v INTEGER, a2 INTEGER, n2 BIGINT, all5 BIGINT);
		 CREATE PUMP P AS INSERT INTO D SELECT STREAM k, v, AVG(v) OVER last2, COUNT(v) OVER last2,
		   COUNT(*) OVER (RANGE INTERVAL '\''5'\'' SECOND PRECEDING)
		 FROM SOURCE_SQL_STREAM_001
		 WINDOW last2 AS (PARTITION BY k ROWS 1 PRECEDING);" \
		--output D --rowtime-field ts <slide.json >out &&
	cat >want <<-\EOF &&
	{"K":"a","V":1,"A2":1,"N2":1,"ALL5":1}
	{"K":"a","V":2,"A2":1,"N2":2,"ALL5":2}
	{"K":"a","V":6,"A2":4,"N2":2,"ALL5":2}
	{"K":"b","V":7,"A2":7,"N2":1,"ALL5":2}
	{"K":"a","V":8,"A2":7,"N2":2,"ALL5":3}
	{"K":"b","V":null,"A2":7,"N2":1,"ALL5":4}
	{"K":"a","V":10,"A2":9,"N2":2,"ALL5":5}
	EOF
	test_cmp want out
'

printf 'Ticker,Company\nAMZN,Amazon\nASD,SomeCompanyA\nASD,SomeCompanyB\n' >companies.csv

test_expect_success 'LEFT JOIN with a reference table: the developer guide example' '
	run "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (ticker_symbol VARCHAR(4), \"Company\" varchar(20), price DOUBLE);
	     CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO \"DESTINATION_SQL_STREAM\"
	     SELECT STREAM ticker_symbol, \"c\".\"Company\", price FROM \"SOURCE_SQL_STREAM_001\"
	     LEFT JOIN \"CompanyName\" as \"c\" ON \"SOURCE_SQL_STREAM_001\".ticker_symbol = \"c\".\"Ticker\";" \
	    --reference CompanyName=companies.csv >out &&
	cat >want <<-\EOF &&
	{"TICKER_SYMBOL":"AMZN","Company":"Amazon","PRICE":84.51}
	{"TICKER_SYMBOL":"ASD","Company":"SomeCompanyA","PRICE":50}
	{"TICKER_SYMBOL":"ASD","Company":"SomeCompanyB","PRICE":50}
	{"TICKER_SYMBOL":"AMZN","Company":"Amazon","PRICE":86}
	{"TICKER_SYMBOL":"ASD","Company":"SomeCompanyA","PRICE":50.1}
	{"TICKER_SYMBOL":"ASD","Company":"SomeCompanyB","PRICE":50.1}
	{"TICKER_SYMBOL":"QXZ","Company":null,"PRICE":10}
	{"TICKER_SYMBOL":"AMZN","Company":"Amazon","PRICE":87}
	EOF
	test_cmp want out
'

test_expect_success 'INNER JOIN: unmatched rows dropped, the rest of ON per match' '
	run "CREATE STREAM D (t VARCHAR(4), c VARCHAR(20));
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM s.TICKER_SYMBOL, c.\"Company\"
	     FROM SOURCE_SQL_STREAM_001 AS s JOIN CompanyName AS c
	     ON c.\"Ticker\" = s.TICKER_SYMBOL AND c.\"Company\" LIKE '\''%B'\'' AND s.PRICE > 50;" \
	    --reference CompanyName=companies.csv --output D >out &&
	printf "%s\n" "{\"T\":\"ASD\",\"C\":\"SomeCompanyB\"}" >want &&
	test_cmp want out
'

test_expect_success 'pumps: a chain, fan-in and fan-out; ROWTIME carried through' '
	run "CREATE STREAM S1 (t VARCHAR(4), p DOUBLE);
	     CREATE STREAM S2 (t VARCHAR(4), p DOUBLE);
	     CREATE STREAM HIGH (t VARCHAR(4), p DOUBLE);
	     CREATE STREAM PERMIN (t VARCHAR(4), n BIGINT);
	     CREATE PUMP P1 AS INSERT INTO S1 SELECT STREAM TICKER_SYMBOL, PRICE FROM SOURCE_SQL_STREAM_001 WHERE PRICE > 60;
	     CREATE PUMP P2 AS INSERT INTO S1 SELECT STREAM '\''LOW'\'', PRICE FROM SOURCE_SQL_STREAM_001 WHERE PRICE < 20;
	     CREATE PUMP P3 AS INSERT INTO S2 SELECT STREAM t, p * 2 FROM S1;
	     CREATE PUMP P4 AS INSERT INTO HIGH SELECT STREAM t, p FROM S2 WHERE p > 170;
	     CREATE PUMP P5 AS INSERT INTO PERMIN SELECT STREAM t, COUNT(*) FROM S2 GROUP BY t, FLOOR(S2.ROWTIME TO MINUTE);" \
	    --output HIGH=high.out --output PERMIN --rowtime >out &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","T":"AMZN","N":2}
	{"ROWTIME":"2024-05-01 12:02:00.000","T":"LOW","N":1}
	{"ROWTIME":"2024-05-01 12:04:00.000","T":"AMZN","N":1}
	EOF
	test_cmp want out &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:00:59.000","T":"AMZN","P":172}
	{"ROWTIME":"2024-05-01 12:03:00.000","T":"AMZN","P":174}
	EOF
	test_cmp want high.out
'

test_expect_success 'error_stream: division by zero, an unparsable record, a late row; processing goes on' '
	{ head -n 2 ticks.json && echo "not json" &&
	  echo "{\"ts\":\"2024-05-01 11:00:00\",\"TICKER_SYMBOL\":\"OLD\",\"CHANGE\":0,\"PRICE\":1}" &&
	  sed -n 3p ticks.json; } >mixed.json &&
	ksql -e "CREATE STREAM D (t VARCHAR(4), r DOUBLE);
		 CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL, PRICE / (CHANGE + 0.5) FROM SOURCE_SQL_STREAM_001;" \
		--output D --schema ticks.schema --rowtime-field ts <mixed.json >out 2>err.raw &&
	cat >want <<-\EOF &&
	{"T":"ASD","R":13.513513513513512}
	{"T":"AMZN","R":28.666666666666668}
	EOF
	test_cmp want out &&
	noclock <err.raw >err &&
	cat >want <<-\EOF &&
	{"ERROR_LEVEL":"ERROR","ERROR_NAME":"DIVISION_BY_ZERO","MESSAGE":"division by zero","DATA_ROWTIME":"2024-05-01 12:00:01.000","DATA_ROW":"7b227473223a22323032342d30352d30312031323a30303a3031222c225449434b45525f53594d424f4c223a22414d5a4e222c22534543544f52223a22544543484e4f4c4f4759222c224348414e4745223a2d302e352c225052494345223a38342e35317d","PUMP_NAME":"P"}
	{"ERROR_LEVEL":"ERROR","ERROR_NAME":"UNABLE_TO_PARSE","MESSAGE":"record is not JSON: unexpected character at byte 0","DATA_ROWTIME":null,"DATA_ROW":"6e6f74206a736f6e","PUMP_NAME":null}
	{"ERROR_LEVEL":"ERROR","ERROR_NAME":"LATE_ROW","MESSAGE":"ROWTIME 2024-05-01 11:00:00.000 is before the last ROWTIME 2024-05-01 12:00:20.000 of SOURCE_SQL_STREAM_001","DATA_ROWTIME":"2024-05-01 11:00:00.000","DATA_ROW":"7b227473223a22323032342d30352d30312031313a30303a3030222c225449434b45525f53594d424f4c223a224f4c44222c224348414e4745223a302c225052494345223a317d","PUMP_NAME":null}
	EOF
	test_cmp want err
'

test_expect_success '--errors FILE: error rows appended there, stderr quiet' '
	ksql -e "CREATE STREAM D (t VARCHAR(4));
		 CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL FROM SOURCE_SQL_STREAM_001;" \
		--output D --schema ticks.schema --rowtime-field ts --errors errs.json <mixed.json >out 2>err &&
	test_line_count = 3 out &&
	test ! -s err &&
	test_line_count = 2 errs.json &&
	grep -c UNABLE_TO_PARSE errs.json >n && echo 1 >want && test_cmp want n
'

test_expect_success 'output formats: csv, tsv and an aligned table' '
	q="CREATE STREAM D (t VARCHAR(4), p DOUBLE, s VARCHAR(16));
	   CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL, PRICE, SECTOR FROM SOURCE_SQL_STREAM_001 WHERE PRICE < 51;" &&
	run "$q" --output D -o csv >out &&
	cat >want <<-\EOF &&
	T,P,S
	ASD,50,FINANCIAL
	ASD,50.1,FINANCIAL
	QXZ,10,RETAIL
	EOF
	test_cmp want out &&
	run "$q" --output D -o tsv --rowtime >out &&
	printf "ROWTIME\tT\tP\tS\n2024-05-01 12:00:20.000\tASD\t50\tFINANCIAL\n2024-05-01 12:01:10.000\tASD\t50.1\tFINANCIAL\n2024-05-01 12:01:30.000\tQXZ\t10\tRETAIL\n" >want &&
	test_cmp want out &&
	ksql -e "SELECT TICKER_SYMBOL, PRICE FROM SOURCE_SQL_STREAM_001 WHERE PRICE < 51" \
		--schema ticks.schema -o table <ticks.json >out &&
	cat >want <<-\EOF &&
	TICKER_SYMBOL | PRICE
	--------------+------
	ASD           |    50
	ASD           |  50.1
	QXZ           |    10
	EOF
	test_cmp want out
'

test_expect_success 'ad-hoc: GROUP BY without a time key, HAVING, ORDER BY, LIMIT, DISTINCT, COUNT(DISTINCT)' '
	ksql -e "SELECT SECTOR, COUNT(*) AS n, SUM(PRICE) AS total FROM SOURCE_SQL_STREAM_001
		 GROUP BY SECTOR HAVING COUNT(*) > 1 ORDER BY total DESC" --schema ticks.schema <ticks.json >out &&
	cat >want <<-\EOF &&
	{"SECTOR":"TECHNOLOGY","N":3,"TOTAL":257.51}
	{"SECTOR":"FINANCIAL","N":2,"TOTAL":100.1}
	EOF
	test_cmp want out &&
	ksql -e "SELECT DISTINCT SECTOR FROM SOURCE_SQL_STREAM_001 ORDER BY 1 LIMIT 2" \
		--schema ticks.schema <ticks.json >out &&
	printf "%s\n" "{\"SECTOR\":\"FINANCIAL\"}" "{\"SECTOR\":\"RETAIL\"}" >want &&
	test_cmp want out &&
	ksql -e "SELECT COUNT(*), COUNT(DISTINCT TICKER_SYMBOL), MAX(CHANGE) FROM SOURCE_SQL_STREAM_001" \
		--schema ticks.schema <ticks.json >out &&
	printf "%s\n" "{\"COUNT(*)\":6,\"COUNT(DISTINCT TICKER_SYMBOL)\":3,\"MAX(CHANGE)\":3.2}" >want &&
	test_cmp want out &&
	ksql -e "SELECT TICKER_SYMBOL FROM SOURCE_SQL_STREAM_001 LIMIT 2" --schema ticks.schema <ticks.json >out &&
	test_line_count = 2 out
'

test_expect_success 'CSV input with --format csv and a discovered schema' '
	printf "a,1,2024-05-01 10:00:00\nb,2,2024-05-01 10:00:30\na,3,2024-05-01 10:01:00\n" >in.csv &&
	ksql -e "SELECT COL1, SUM(COL2) AS s FROM SOURCE_SQL_STREAM_001 GROUP BY COL1" --format csv <in.csv >out &&
	printf "%s\n" "{\"COL1\":\"a\",\"S\":4}" "{\"COL1\":\"b\",\"S\":2}" >want &&
	test_cmp want out
'

test_expect_success '--explain prints the plan and reads nothing more' '
	run "CREATE STREAM D (t VARCHAR(4), n BIGINT);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM s.TICKER_SYMBOL, COUNT(*)
	     FROM SOURCE_SQL_STREAM_001 AS s LEFT JOIN CompanyName AS c ON c.\"Ticker\" = s.TICKER_SYMBOL
	     WHERE s.PRICE > 1 GROUP BY s.TICKER_SYMBOL, STEP(s.ROWTIME BY INTERVAL '\''10'\'' SECOND);" \
	    --reference CompanyName=companies.csv --output D --explain >out &&
	cat >want <<-\EOF &&
	pump P: insert into D (T, N)
	  project: TICKER_SYMBOL, COUNT(*)
	    tumbling aggregate: group by S.TICKER_SYMBOL, STEP(S.ROWTIME BY INTERVAL '\''10'\'' SECOND); aggregates COUNT(*); window 10000 ms of ROWTIME, emitted at its end
	      filter: S.PRICE > 1
	        left join CompanyName (3 rows): hash on 1 key, ON C."Ticker" = S.TICKER_SYMBOL
	          scan SOURCE_SQL_STREAM_001 (input stdin, json): TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE
	output D -> -
	EOF
	test_cmp want out
'

test_expect_success 'an empty input is an empty output' '
	ksql -e "CREATE STREAM D (t VARCHAR(4)); CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL FROM SOURCE_SQL_STREAM_001;" \
		--output D --schema ticks.schema </dev/null >out &&
	test ! -s out
'

# bind_fails 'message' SQL: the binder's golden error, exit 65.
bind_fails() {
	fails_with 65 "ksql: -e:$1" ksql -e "$2" --schema ticks.schema </dev/null
}

test_expect_success 'binder errors name the position: unknown, ambiguous, types' '
	bind_fails "1:74: unknown column '\''PRICEX'\''" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICEX FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:85: unknown stream '\''NOPE'\''" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM NOPE;" &&
	bind_fails "1:30: unknown stream '\''NOPE'\''" \
		"CREATE PUMP P AS INSERT INTO NOPE SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:74: ambiguous column '\''Company'\''" \
		"CREATE STREAM D (c DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM \"Company\" FROM SOURCE_SQL_STREAM_001 JOIN C1 ON 1 = 1 JOIN C2 ON 1 = 1;" --reference C1=companies.csv --reference C2=companies.csv 2>/dev/null ||
	fails_with 65 "ksql: -e:1:74: ambiguous column '\''Company'\''" ksql -e \
		"CREATE STREAM D (c DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM \"Company\" FROM SOURCE_SQL_STREAM_001 JOIN C1 ON 1 = 1 JOIN C2 ON 1 = 1;" \
		--reference C1=companies.csv --reference C2=companies.csv --schema ticks.schema </dev/null &&
	bind_fails "1:74: cannot insert VARCHAR(4) into column '\''P'\'' of type DOUBLE" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:60: INSERT INTO '\''D'\'' has 1 columns but the SELECT has 2" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE, CHANGE FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:113: WHERE must be BOOLEAN, not DOUBLE" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001 WHERE PRICE;"
'

test_expect_success 'binder errors: aggregates and streaming GROUP BY / ORDER BY rules' '
	bind_fails "1:74: aggregate '\''COUNT'\'' in a streaming query needs GROUP BY with a monotonic time key, or OVER a window" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM COUNT(*) FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:119: a streaming GROUP BY needs a monotonic time key, such as STEP(ROWTIME BY INTERVAL '\''60'\'' SECOND) or FLOOR(ROWTIME TO MINUTE)" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM COUNT(*) FROM SOURCE_SQL_STREAM_001 GROUP BY SECTOR;" &&
	bind_fails "1:74: column '\''PRICE'\'' is neither grouped nor aggregated" \
		"CREATE STREAM D (n DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001 GROUP BY FLOOR(ROWTIME TO MINUTE);" &&
	bind_fails "1:78: aggregates cannot be nested" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM MAX(COUNT(*)) FROM SOURCE_SQL_STREAM_001 GROUP BY FLOOR(ROWTIME TO MINUTE);" &&
	bind_fails "1:74: unknown window '\''W'\''" \
		"CREATE STREAM D (n DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM MIN(PRICE) OVER W FROM SOURCE_SQL_STREAM_001;"
'

test_expect_success 'usage errors' '
	test_must_fail --status=64 ksql </dev/null 2>err &&
	grep "give the SQL with one of -f FILE and -e SQL" err &&
	test_must_fail --status=64 ksql -e "CREATE STREAM D (t VARCHAR(4)); CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL FROM SOURCE_SQL_STREAM_001;" \
		--schema ticks.schema --output NOPE </dev/null 2>err &&
	grep "^ksql: --output: no stream '\''NOPE'\'' in the application" err &&
	fails_with 66 "ksql: file '\''nope.sql'\'': No such file or directory" ksql -f nope.sql
'

# ---- K6: the bugs of ksql-bugs.md ----

test_expect_success 'a wrong argument count says what is expected' '
	bind_fails "1:74: ABS: expected 1 argument, got 2" \
		"CREATE STREAM D (p DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM ABS(PRICE, 2) FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:78: SUBSTRING: expected 2 to 3 arguments, got 1" \
		"CREATE STREAM D (s VARCHAR(4)); CREATE PUMP P AS INSERT INTO D SELECT STREAM SUBSTRING(SECTOR) FROM SOURCE_SQL_STREAM_001;" &&
	bind_fails "1:78: MOD: expected 2 arguments, got 1" \
		"CREATE STREAM D (s VARCHAR(4)); CREATE PUMP P AS INSERT INTO D SELECT STREAM MOD(PRICE) FROM SOURCE_SQL_STREAM_001;"
'

test_expect_success 'a bad --starting-position: the message, then the usage, exit 64' '
	{ ksql -h >"$TRASH/usage" 2>&1 || :; } &&
	usage_fails_with "ksql: --starting-position '\''SIDEWAYS'\'': expected TRIM_HORIZON, LATEST, NOW or AT_TIMESTAMP=TIME" \
		ksql -e "SELECT STREAM * FROM SOURCE_SQL_STREAM_001" --starting-position SIDEWAYS
'

cat >lower.json <<'EOF'
{"user":"u1","value":1.5,"body":"hello"}
{"user":"u2","value":2,"body":"hi"}
{"user":"u1","value":4,"body":"x"}
EOF

test_expect_success 'ad-hoc: unquoted names find lower-case and COL_-renamed fields' '
	ksql -e "SELECT user, COUNT(*), SUM(value), SUM(CHAR_LENGTH(body)) AS L FROM s GROUP BY user ORDER BY user" \
		--input s=- -o csv <lower.json >out &&
	cat >want <<-\EOF &&
	USER,COUNT(*),SUM(VALUE),L
	u1,2,5.5,6
	u2,1,2,2
	EOF
	test_cmp want out &&
	printf "{\"a\":1,\"A\":2,\"b\":3}\n" >two.json &&
	ksql -e "SELECT a, b FROM s" --input s=- <two.json >out &&
	echo "{\"A\":2,\"B\":3}" >want &&
	test_cmp want out &&
	printf "{\"ab\":1,\"aB\":2}\n" >amb.json &&
	fails_with 65 "ksql: -e:1:8: ambiguous column '\''AB'\'' (it matches 2 columns ignoring case; quote the name)" \
		ksql -e "SELECT ab FROM s" --input s=- <amb.json &&
	fails_with 65 "ksql: -e:1:8: unknown column '\''Body'\''" \
		ksql -e "SELECT \"Body\" FROM s" --input s=- <lower.json
'

test_expect_success 'applications keep exact names (KDA): unquoted body is not "body"' '
	fails_with 65 "ksql: -e:1:15: unknown column '\''BODY'\''" \
		ksql -e "SELECT STREAM body FROM SOURCE_SQL_STREAM_001" <lower.json
'

test_expect_success 'ksql discover ends its output with a newline' '
	ksql discover - <lower.json >out &&
	test "$(tail -c 2 out | od -An -c | tr -d " ")" = "}\n"
'

test_expect_success 'ad-hoc queries keep rows whose ROWTIME goes backwards' '
	printf "{\"ts\":\"2024-01-01 00:00:02\",\"v\":1}\n{\"ts\":\"2024-01-01 00:00:01\",\"v\":2}\n" |
	ksql -e "SELECT COUNT(*) AS N, SUM(v) AS S FROM s" --input s=- --rowtime-field ts >out 2>err &&
	echo "{\"N\":2,\"S\":3}" >want &&
	test_cmp want out &&
	test ! -s err
'

test_expect_success 'ad-hoc COUNT(*) over an empty kin stream is one row, 0' '
	kshard create empty &&
	ksql -e "SELECT COUNT(*) AS N FROM empty" -o csv >out &&
	printf "N\n0\n" >want &&
	test_cmp want out
'

test_expect_success 'a kin stream with two shards: nothing is late, ad-hoc or as a consumer' '
	kshard create inp -n 2 &&
	i=0 && while test $i -lt 300; do i=$((i + 1)); echo "{\"ID\":$i,\"K\":\"k$((i % 7))\"}"; done >recs &&
	sed -n 1,150p recs | kput -s inp -K K &&
	sed -n 151,300p recs | kput -s inp -K K &&
	ksql -e "SELECT COUNT(*) AS N, SUM(ID) AS S FROM inp" >out 2>err &&
	echo "{\"N\":300,\"S\":45150}" >want &&
	test_cmp want out && test ! -s err &&
	ksql -e "SELECT STREAM ID FROM SOURCE_SQL_STREAM_001" --input inp --no-follow \
		--starting-position TRIM_HORIZON --consumer c1 >out 2>err &&
	test ! -s err &&
	test_line_count = 300 out
'

test_expect_success 'an application on a kin stream discovers its schema; a JSON field names its renamed column' '
	kshard create logs &&
	{ i=0; while test $i -lt 150; do i=$((i + 1));
		echo "{\"ts\":$i,\"user\":{\"id\":\"u$((i % 3))\"},\"method\":\"GET\",\"status\":200}"; done;
	  echo notjson; } | kput -s logs >/dev/null &&
	ksql -e "CREATE STREAM D (M VARCHAR(8), U VARCHAR(4), N BIGINT, S INTEGER);
		CREATE PUMP P AS INSERT INTO D SELECT STREAM \"method\", \"id\", COUNT(*), MAX(\"status\")
		FROM SOURCE_SQL_STREAM_001 GROUP BY \"method\", \"id\", FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO DAY);" \
		--output D --input logs --starting-position TRIM_HORIZON --no-follow --consumer disc >out 2>err &&
	cat >want <<-\EOF &&
	{"M":"GET","U":"u1","N":50,"S":200}
	{"M":"GET","U":"u2","N":50,"S":200}
	{"M":"GET","U":"u0","N":50,"S":200}
	EOF
	test_cmp want out &&
	grep -c UNABLE_TO_PARSE err >n && echo 1 >want && test_cmp want n
'

test_expect_success 'a syntax error frees what it read (exit 65, nothing else)' '
	fails_with 65 "ksql: -e:1:15: expected an expression, found '\''FROM'\''" ksql -e "SELECT STREAM FROM x"
'

# ---- a new consumer killed while its first window is open ----

cat >win.sql <<\EOF
CREATE STREAM RAW (W INTEGER, V INTEGER);
CREATE STREAM DEST (W INTEGER, N BIGINT, S BIGINT);
CREATE PUMP P1 AS INSERT INTO RAW SELECT STREAM W, V FROM SOURCE_SQL_STREAM_001;
CREATE PUMP P2 AS INSERT INTO DEST SELECT STREAM W, COUNT(V), SUM(V)
  FROM SOURCE_SQL_STREAM_001 GROUP BY MONOTONIC(W), W;
EOF
cat >win.schema <<\EOF
{"RecordFormat":{"RecordFormatType":"JSON"},
 "RecordColumns":[{"Name":"W","SqlType":"INTEGER","Mapping":"$.W"},
                  {"Name":"V","SqlType":"INTEGER","Mapping":"$.V"}]}
EOF

# kstart NAME STREAM RAWFILE: ksql win.sql over STREAM as consumer c in the
# background (pid in NAME.pid, exit status in NAME.pid.rc), RAW to RAWFILE,
# DEST appended to STREAM.dest.
kstart() {
	rm -f "$1.pid.rc"
	{ ksql -f win.sql --input "$2" --schema win.schema --consumer c \
		--output RAW="$3" --output DEST="$2.dest" 2>"$1.err"
	  echo $? >"$1.pid.rc"; } &
	ks_i=0
	while ! ks_p=$(pgrep -P $! -x ksql); do
		ks_i=$((ks_i + 1))
		test $ks_i -le 600 || return 1
		sleep 0.1
	done
	echo "$ks_p" >"$1.pid"
}
# waitfor N FILE: up to 60 s for FILE to have N lines.
waitfor() {
	wf_i=0
	while test "$(cat "$2" 2>/dev/null | wc -l)" -lt "$1"; do
		wf_i=$((wf_i + 1))
		test $wf_i -le 600 || { echo "waitfor: $2 has not $1 lines" >&2; return 1; }
		sleep 0.1
	done
}
# ready STREAM RAWFILE: puts probe rows (W = 1, V NULL: they open the first
# window but do not count) until ksql shows one, so that later records come
# after its starting position.
ready() {
	rd_i=0
	while ! grep -q "\"W\":1" "$2" 2>/dev/null; do
		echo "{\"W\":1}" | kput -s "$1" >/dev/null || return 1
		rd_i=$((rd_i + 1))
		test $rd_i -le 300 || return 1
		sleep 0.2
	done
}
# waitgrep PATTERN FILE: up to 60 s for FILE to have a line with PATTERN.
waitgrep() {
	wg_i=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		wg_i=$((wg_i + 1))
		test $wg_i -le 600 || { echo "waitgrep: no $1 in $2" >&2; return 1; }
		sleep 0.1
	done
}
# kstop PIDFILE SIGNAL: signals the process and waits for it to end.
kstop() {
	kill -"$2" "$(cat "$1")" &&
	kp_i=0 &&
	while kill -0 "$(cat "$1")" 2>/dev/null; do
		kp_i=$((kp_i + 1))
		test $kp_i -le 600 || return 1
		sleep 0.1
	done
}
# put STREAM W V...: one record per V.
put() {
	pt_s=$1 pt_w=$2
	shift 2
	for v; do echo "{\"W\":$pt_w,\"V\":$v}"; done | kput -s "$pt_s" >/dev/null
}

for hist in history empty; do
test_expect_success "a new consumer (LATEST, $hist stream) killed with its first window open: no loss, no double count" '
	kshard create w$hist &&
	if test $hist = history; then put w$hist 7 1000 1000 1000; fi &&
	kstart a$hist w$hist raw$hist.a &&
	ready w$hist raw$hist.a &&
	put w$hist 1 1 2 3 &&
	waitgrep "\"V\":3" raw$hist.a &&
	kstop a$hist.pid KILL &&
	! test -s w$hist.dest &&
	kstart b$hist w$hist raw$hist.b &&
	put w$hist 2 10 &&
	put w$hist 3 20 &&
	waitfor 2 w$hist.dest &&
	kstop b$hist.pid TERM &&
	test "$(cat b$hist.pid.rc)" = 0 &&
	kstart c$hist w$hist raw$hist.c &&
	put w$hist 4 5 &&
	waitfor 3 w$hist.dest &&
	kstop c$hist.pid TERM &&
	cat >want <<-\EOF &&
	{"W":1,"N":3,"S":6}
	{"W":2,"N":1,"S":10}
	{"W":3,"N":1,"S":20}
	EOF
	test_cmp want w$hist.dest &&
	! grep -q "\"W\":7" raw$hist.a raw$hist.b raw$hist.c &&
	! grep -v "^Killed" a$hist.err && test ! -s b$hist.err && test ! -s c$hist.err
'
done

# ---- WINDOWED BY STAGGER ----

cat >stag.json <<'EOF'
{"ts":"2024-05-01 12:00:00","K":"a","V":1}
{"ts":"2024-05-01 12:00:10","K":"b","V":10}
{"ts":"2024-05-01 12:00:30","K":"a","V":2}
{"ts":"2024-05-01 12:00:59.999","K":"a","V":3}
{"ts":"2024-05-01 12:01:00","K":"a","V":4}
{"ts":"2024-05-01 12:01:05","K":"c","V":100}
{"ts":"2024-05-01 12:01:09","K":"b","V":20}
{"ts":"2024-05-01 12:03:00","K":"b","V":30}
EOF
cat >stag.schema <<'EOF'
{"RecordFormat":{"RecordFormatType":"JSON"},
 "RecordColumns":[{"Name":"ts","SqlType":"VARCHAR(32)","Mapping":"$.ts"},
                  {"Name":"K","SqlType":"VARCHAR(8)","Mapping":"$.K"},
                  {"Name":"V","SqlType":"INTEGER","Mapping":"$.V"}]}
EOF

test_expect_success 'stagger window: opens at a key'\''s first row, closes RANGE later, one row with ROWTIME = open + range' '
	ksql -e "CREATE STREAM D (K VARCHAR(4), N BIGINT, S BIGINT, MI INTEGER, MA INTEGER, T TIMESTAMP);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM K, COUNT(*), SUM(V), MIN(V), MAX(V), ROWTIME
	     FROM SOURCE_SQL_STREAM_001 WINDOWED BY STAGGER (PARTITION BY K RANGE INTERVAL '\''1'\'' MINUTE);
	     CREATE STREAM E (K VARCHAR(4), N BIGINT);
	     CREATE PUMP Q AS INSERT INTO E SELECT STREAM K, N FROM D WHERE N > 1;" \
		--schema stag.schema --rowtime-field ts --output D --output E=e.out --rowtime <stag.json >out 2>err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","K":"a","N":3,"S":6,"MI":1,"MA":3,"T":"2024-05-01 12:01:00.000"}
	{"ROWTIME":"2024-05-01 12:01:10.000","K":"b","N":2,"S":30,"MI":10,"MA":20,"T":"2024-05-01 12:01:10.000"}
	{"ROWTIME":"2024-05-01 12:02:00.000","K":"a","N":1,"S":4,"MI":4,"MA":4,"T":"2024-05-01 12:02:00.000"}
	{"ROWTIME":"2024-05-01 12:02:05.000","K":"c","N":1,"S":100,"MI":100,"MA":100,"T":"2024-05-01 12:02:05.000"}
	{"ROWTIME":"2024-05-01 12:04:00.000","K":"b","N":1,"S":30,"MI":30,"MA":30,"T":"2024-05-01 12:04:00.000"}
	EOF
	test_cmp want out &&
	test ! -s err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","K":"a","N":3}
	{"ROWTIME":"2024-05-01 12:01:10.000","K":"b","N":2}
	EOF
	test_cmp want e.out
'

test_expect_success 'stagger window: rows come out as time passes, not only at the end; HAVING' '
	mkfifo stag.fifo &&
	{ ksql -e "CREATE STREAM D (K VARCHAR(4), N BIGINT);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM K, COUNT(*) FROM SOURCE_SQL_STREAM_001
	     WINDOWED BY STAGGER (PARTITION BY K RANGE INTERVAL '\''30'\'' SECOND) HAVING COUNT(*) < 2;" \
		--schema stag.schema --rowtime-field ts --output D <stag.fifo >live.out 2>&1 & } &&
	exec 9>stag.fifo &&
	sed -n 1,5p stag.json >&9 &&
	waitfor 2 live.out &&
	cat >want <<-\EOF &&
	{"K":"a","N":1}
	{"K":"b","N":1}
	EOF
	test_cmp want live.out &&
	sed -n 6,8p stag.json >&9 &&
	exec 9>&- &&
	waitfor 6 live.out &&
	sleep 0.2 &&
	cat >>want <<-\EOF &&
	{"K":"a","N":1}
	{"K":"c","N":1}
	{"K":"b","N":1}
	{"K":"b","N":1}
	EOF
	test_cmp want live.out
'

test_expect_success 'stagger window: many keys (state rebuilt as windows close), counts exact' '
	i=0 && while test $i -lt 3000; do
		printf "{\"ts\":\"%d000\",\"K\":\"k%d\",\"V\":1}\n{\"ts\":\"%d500\",\"K\":\"k%d\",\"V\":2}\n" $i $i $i $i
		i=$((i + 1))
	done >many.json &&
	ksql -e "CREATE STREAM D (K VARCHAR(8), N BIGINT, S BIGINT);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM K, COUNT(*), SUM(V) FROM SOURCE_SQL_STREAM_001
	     WINDOWED BY STAGGER (PARTITION BY K RANGE INTERVAL '\''2'\'' SECOND);" \
		--schema stag.schema --rowtime-field ts --output D -o csv <many.json >out 2>err &&
	test ! -s err &&
	test_line_count = 3001 out &&
	test "$(grep -c ",2,3\$" out)" = 3000 &&
	sed -n 2p out >first && echo "k0,2,3" >want && test_cmp want first &&
	tail -n 1 out >last && echo "k2999,2,3" >want && test_cmp want last
'

test_expect_success 'stagger window: binder errors' '
	bind_fails "1:187: GROUP BY cannot be combined with WINDOWED BY STAGGER, whose PARTITION BY groups the rows" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM COUNT(*) FROM SOURCE_SQL_STREAM_001 WINDOWED BY STAGGER (PARTITION BY SECTOR RANGE INTERVAL '\''1'\'' MINUTE) GROUP BY SECTOR;" &&
	bind_fails "1:74: COUNT(DISTINCT) is not supported in a stagger window" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM COUNT(DISTINCT PRICE) FROM SOURCE_SQL_STREAM_001 WINDOWED BY STAGGER (PARTITION BY SECTOR RANGE INTERVAL '\''1'\'' MINUTE);" &&
	bind_fails "1:74: column '\''PRICE'\'' is neither grouped nor aggregated" \
		"CREATE STREAM D (n DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001 WINDOWED BY STAGGER (PARTITION BY SECTOR RANGE INTERVAL '\''1'\'' MINUTE);"
'

# ---- ORDER BY in streaming queries, UNION ALL ----

cat >ord.json <<'EOF'
{"ts":"2024-05-01 12:00:00.100","K":"a","V":1}
{"ts":"2024-05-01 12:00:00.200","K":"b","V":5}
{"ts":"2024-05-01 12:00:00.900","K":"c","V":3}
{"ts":"2024-05-01 12:00:01.000","K":"d","V":2}
{"ts":"2024-05-01 12:00:01.500","K":"e","V":9}
{"ts":"2024-05-01 12:00:03.000","K":"f","V":0}
EOF

test_expect_success 'ORDER BY a time-monotonic key in a pump: sorted per second, ROWTIME kept in order' '
	ksql -e "CREATE STREAM T (K VARCHAR(4), V INTEGER); CREATE STREAM D (K VARCHAR(4), V INTEGER);
	     CREATE PUMP P1 AS INSERT INTO T SELECT STREAM K, V FROM SOURCE_SQL_STREAM_001;
	     CREATE PUMP P2 AS INSERT INTO D SELECT STREAM * FROM T ORDER BY FLOOR(T.ROWTIME TO SECOND), V DESC;" \
		--schema stag.schema --rowtime-field ts --output D --rowtime <ord.json >out 2>err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:00:00.900","K":"b","V":5}
	{"ROWTIME":"2024-05-01 12:00:00.900","K":"c","V":3}
	{"ROWTIME":"2024-05-01 12:00:00.900","K":"a","V":1}
	{"ROWTIME":"2024-05-01 12:00:01.500","K":"e","V":9}
	{"ROWTIME":"2024-05-01 12:00:01.500","K":"d","V":2}
	{"ROWTIME":"2024-05-01 12:00:03.000","K":"f","V":0}
	EOF
	test_cmp want out && test ! -s err
'

test_expect_success 'ORDER BY in a streaming SELECT: a group is written when its second is over, not at the end' '
	mkfifo ord.fifo &&
	{ ksql -e "SELECT STREAM K, V FROM SOURCE_SQL_STREAM_001 ORDER BY FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO SECOND), K DESC" \
		--schema stag.schema --rowtime-field ts <ord.fifo >live2.out 2>&1 & } &&
	exec 9>ord.fifo &&
	sed -n 1,4p ord.json >&9 &&
	waitfor 3 live2.out &&
	cat >want <<-\EOF &&
	{"K":"c","V":3}
	{"K":"b","V":5}
	{"K":"a","V":1}
	EOF
	test_cmp want live2.out &&
	sed -n 5,6p ord.json >&9 &&
	exec 9>&- &&
	waitfor 6 live2.out &&
	sleep 0.2 &&
	cat >>want <<-\EOF &&
	{"K":"e","V":9}
	{"K":"d","V":2}
	{"K":"f","V":0}
	EOF
	test_cmp want live2.out
'

test_expect_success 'ORDER BY after a tumbling window (per window, by an aggregate)' '
	run "CREATE STREAM D (t VARCHAR(4), n BIGINT, p DOUBLE);
	     CREATE PUMP P AS INSERT INTO D SELECT STREAM TICKER_SYMBOL, COUNT(*), MAX(PRICE)
	     FROM SOURCE_SQL_STREAM_001 GROUP BY TICKER_SYMBOL, FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO HOUR)
	     ORDER BY FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO HOUR), MAX(PRICE);" --output D >out &&
	cat >want <<-\EOF &&
	{"T":"QXZ","N":1,"P":10}
	{"T":"ASD","N":2,"P":50.1}
	{"T":"AMZN","N":3,"P":87}
	EOF
	test_cmp want out
'

test_expect_success 'streaming ORDER BY: binder errors' '
	bind_fails "1:116: ORDER BY in a streaming query needs a time-monotonic leading key, such as FLOOR(s.ROWTIME TO SECOND)" \
		"CREATE STREAM D (n DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001 ORDER BY PRICE;" &&
	bind_fails "1:130: LIMIT is not allowed in a pump" \
		"CREATE STREAM D (n DOUBLE); CREATE PUMP P AS INSERT INTO D SELECT STREAM PRICE FROM SOURCE_SQL_STREAM_001 ORDER BY ROWTIME LIMIT 3;"
'

test_expect_success 'UNION ALL of streaming SELECTs into one pump, and in a streaming SELECT' '
	ksql -e "CREATE STREAM A (K VARCHAR(4), V INTEGER); CREATE STREAM B (K VARCHAR(4), V INTEGER);
	     CREATE STREAM D (K VARCHAR(4), V BIGINT);
	     CREATE PUMP PA AS INSERT INTO A SELECT STREAM K, V FROM SOURCE_SQL_STREAM_001 WHERE V < 3;
	     CREATE PUMP PB AS INSERT INTO B SELECT STREAM K, V * 10 FROM SOURCE_SQL_STREAM_001 WHERE V >= 3;
	     CREATE PUMP U AS INSERT INTO D SELECT STREAM K, V FROM A UNION ALL SELECT STREAM UPPER(K), V FROM B;" \
		--schema stag.schema --rowtime-field ts --output D --rowtime <ord.json >out 2>err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:00:00.100","K":"a","V":1}
	{"ROWTIME":"2024-05-01 12:00:00.200","K":"B","V":50}
	{"ROWTIME":"2024-05-01 12:00:00.900","K":"C","V":30}
	{"ROWTIME":"2024-05-01 12:00:01.000","K":"d","V":2}
	{"ROWTIME":"2024-05-01 12:00:01.500","K":"E","V":90}
	{"ROWTIME":"2024-05-01 12:00:03.000","K":"f","V":0}
	EOF
	test_cmp want out && test ! -s err &&
	ksql -e "SELECT STREAM K, V FROM SOURCE_SQL_STREAM_001 WHERE V > 4 UNION ALL
	         SELECT STREAM K, V + 100 FROM SOURCE_SQL_STREAM_001 WHERE V < 2" \
		--schema stag.schema --rowtime-field ts <ord.json >out &&
	cat >want <<-\EOF &&
	{"K":"a","V":101}
	{"K":"b","V":5}
	{"K":"e","V":9}
	{"K":"f","V":100}
	EOF
	test_cmp want out &&
	fails_with 65 "ksql: -e:1:57: UNION ALL: column 2 is VARCHAR(8) here but INTEGER in the first SELECT; CAST it" \
		ksql -e "SELECT STREAM K, V FROM SOURCE_SQL_STREAM_001 UNION ALL SELECT STREAM K, K FROM SOURCE_SQL_STREAM_001" \
		--schema stag.schema </dev/null
'

# ---- table functions ----

# tick M S TICKER...: records of minute M, second S, one per ticker
tickers() {
	awk 'BEGIN {
		n = split("AAA AAA BBB AAA CCC BBB AAA DDD CCC BBB AAA EEE DDD FFF AAA BBB CCC GGG AAA BBB", t, " ")
		for (m = 0; m < 2; m++)
			for (i = 1; i <= n - 8 * m; i++)
				printf "{\"ts\":\"2024-05-01 12:%02d:%02d\",\"TICKER\":\"%s\",\"TICKER_SYMBOL\":\"%s\"}\n", m, i, t[i], t[i]
	}'
}
cat >tick.schema <<'EOF'
{"RecordFormat":{"RecordFormatType":"JSON"},
 "RecordColumns":[{"Name":"TICKER","SqlType":"VARCHAR(4)","Mapping":"$.TICKER"},
                  {"Name":"TICKER_SYMBOL","SqlType":"VARCHAR(4)","Mapping":"$.TICKER_SYMBOL"}]}
EOF

test_expect_success 'TOP_K_ITEMS_TUMBLING: the developer guide example (K most frequent per window)' '
	tickers >tick.json &&
	cat >topk.sql <<-\EOF &&
	CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM ( "TICKER" VARCHAR(4), "MOST_FREQUENT_VALUES" BIGINT );
	CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
	SELECT STREAM * FROM TABLE (TOP_K_ITEMS_TUMBLING(
	    CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), '\''TICKER'\'', 5, 60 ) );
	EOF
	ksql -f topk.sql --schema tick.schema --rowtime-field ts --rowtime <tick.json >out 2>err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","TICKER":"AAA","MOST_FREQUENT_VALUES":7}
	{"ROWTIME":"2024-05-01 12:01:00.000","TICKER":"BBB","MOST_FREQUENT_VALUES":5}
	{"ROWTIME":"2024-05-01 12:01:00.000","TICKER":"CCC","MOST_FREQUENT_VALUES":3}
	{"ROWTIME":"2024-05-01 12:01:00.000","TICKER":"DDD","MOST_FREQUENT_VALUES":2}
	{"ROWTIME":"2024-05-01 12:01:00.000","TICKER":"EEE","MOST_FREQUENT_VALUES":1}
	{"ROWTIME":"2024-05-01 12:02:00.000","TICKER":"AAA","MOST_FREQUENT_VALUES":5}
	{"ROWTIME":"2024-05-01 12:02:00.000","TICKER":"BBB","MOST_FREQUENT_VALUES":3}
	{"ROWTIME":"2024-05-01 12:02:00.000","TICKER":"CCC","MOST_FREQUENT_VALUES":2}
	{"ROWTIME":"2024-05-01 12:02:00.000","TICKER":"DDD","MOST_FREQUENT_VALUES":1}
	{"ROWTIME":"2024-05-01 12:02:00.000","TICKER":"EEE","MOST_FREQUENT_VALUES":1}
	EOF
	test_cmp want out && test ! -s err
'

test_expect_success 'COUNT_DISTINCT_ITEMS_TUMBLING: the reference example' '
	cat >cd.sql <<-\EOF &&
	CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM ( NUMBER_OF_DISTINCT_ITEMS BIGINT);
	CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
	SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
	    CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), '\''TICKER_SYMBOL'\'', 60 ) );
	EOF
	ksql -f cd.sql --schema tick.schema --rowtime-field ts --rowtime <tick.json >out 2>err &&
	cat >want <<-\EOF &&
	{"ROWTIME":"2024-05-01 12:01:00.000","NUMBER_OF_DISTINCT_ITEMS":7}
	{"ROWTIME":"2024-05-01 12:02:00.000","NUMBER_OF_DISTINCT_ITEMS":5}
	EOF
	test_cmp want out && test ! -s err
'

cat >big.schema <<'EOF'
{"RecordFormat":{"RecordFormatType":"JSON"},
 "RecordColumns":[{"Name":"W","SqlType":"INTEGER","Mapping":"$.W"},
                  {"Name":"X","SqlType":"VARCHAR(16)","Mapping":"$.X"}]}
EOF

test_expect_success 'COUNT_DISTINCT_ITEMS_TUMBLING: exact up to 10,000 items, HyperLogLog within 2% beyond' '
	awk "BEGIN { for (i = 0; i < 10000; i++) printf \"{\\\"ts\\\":\\\"1000\\\",\\\"X\\\":\\\"a%d\\\"}\\n{\\\"ts\\\":\\\"1000\\\",\\\"X\\\":\\\"a%d\\\"}\\n\", i, i;
	             for (i = 0; i < 50000; i++) printf \"{\\\"ts\\\":\\\"70000\\\",\\\"X\\\":\\\"b%d\\\"}\\n\", i }" >many.json &&
	ksql -e "CREATE STREAM D (N BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(
	     COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM X FROM SOURCE_SQL_STREAM_001), '\''X'\'', 60));" \
		--schema big.schema --rowtime-field ts --output D -o csv <many.json >out &&
	sed -n 2p out >first && echo 10000 >want && test_cmp want first &&
	n=$(sed -n 3p out) && test "$n" -gt 49000 && test "$n" -lt 51000
'

test_expect_success 'TOP_K_ITEMS_TUMBLING: heavy hitters counted exactly among 5000 other values' '
	awk "BEGIN { for (i = 0; i < 5000; i++) {
		printf \"{\\\"ts\\\":\\\"1000\\\",\\\"X\\\":\\\"v%d\\\"}\\n\", i;
		if (i % 10 == 0) print \"{\\\"ts\\\":\\\"1000\\\",\\\"X\\\":\\\"hot\\\"}\";
		if (i % 25 == 0) print \"{\\\"ts\\\":\\\"1000\\\",\\\"X\\\":\\\"warm\\\"}\" } }" >hh.json &&
	ksql -e "CREATE STREAM D (X VARCHAR(16), N BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(
	     TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM X FROM SOURCE_SQL_STREAM_001), '\''X'\'', 2, 60));" \
		--schema big.schema --rowtime-field ts --output D -o csv <hh.json >out &&
	printf "X,N\nhot,500\nwarm,200\n" >want &&
	test_cmp want out
'

cat >hr.schema <<'EOF'
{"RecordFormat":{"RecordFormatType":"JSON"},
 "RecordColumns":[{"Name":"heartRate","SqlType":"INTEGER","Mapping":"$.heartRate"},
                  {"Name":"rateType","SqlType":"VARCHAR(20)","Mapping":"$.rateType"}]}
EOF
# 2000 heart rates 60..80, one every 100 ms; the 1500th is 180.
awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++) {
	hr = 60 + int(rand() * 21); ty = "NORMAL"
	if (i == 1500) { hr = 180; ty = "HIGH" }
	printf "{\"ts\":\"%d%03d\",\"heartRate\":%d,\"rateType\":\"%s\"}\n", 1714564800 + int(i / 10), i % 10 * 100, hr, ty } }' >hr.json

test_expect_success 'RANDOM_CUT_FOREST: the developer guide anomaly example; the outlier scores far higher; reproducible' '
	cat >anom.sql <<-\EOF &&
	CREATE OR REPLACE STREAM "TEMP_STREAM" ( "heartRate" INTEGER, "rateType" varchar(20), "ANOMALY_SCORE" DOUBLE);
	CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ( "heartRate" INTEGER, "rateType" varchar(20), "ANOMALY_SCORE" DOUBLE);
	CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM"
	  SELECT STREAM "heartRate", "rateType", ANOMALY_SCORE
	  FROM TABLE(RANDOM_CUT_FOREST( CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001")));
	CREATE OR REPLACE PUMP "OUTPUT_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
	  SELECT STREAM * FROM "TEMP_STREAM" ORDER BY FLOOR("TEMP_STREAM".ROWTIME TO SECOND), ANOMALY_SCORE DESC;
	EOF
	ksql -f anom.sql --schema hr.schema --rowtime-field ts -o csv <hr.json >out 2>err &&
	test ! -s err &&
	test_line_count = 2001 out &&
	ksql -f anom.sql --schema hr.schema --rowtime-field ts -o csv <hr.json >again &&
	test_cmp out again &&
	high=$(grep HIGH out | cut -d, -f3) &&
	normal=$(sed -n "300,\$p" out | grep NORMAL | cut -d, -f3 | sort -g | tail -n 1) &&
	echo "outlier $high, highest normal $normal" &&
	awk -v h="$high" -v n="$normal" "BEGIN { exit !(h > 3 * n && h > 5) }" &&
	test "$(cut -d, -f3 out | grep -c "^0\$")" = 64
'

test_expect_success 'RANDOM_CUT_FOREST_WITH_EXPLANATION: the outlier column and direction' '
	awk "BEGIN { srand(3); for (i = 0; i < 600; i++) {
		a = 10 + int(rand() * 11); b = 100 + int(rand() * 11)
		if (i == 500) a = -50
		printf \"{\\\"ts\\\":\\\"%d000\\\",\\\"A\\\":%d,\\\"B\\\":%d}\\n\", 1714564800 + i, a, b } }" >ab.json &&
	printf "%s\n" "{\"RecordFormat\":{\"RecordFormatType\":\"JSON\"},\"RecordColumns\":[{\"Name\":\"A\",\"SqlType\":\"INTEGER\",\"Mapping\":\"\$.A\"},{\"Name\":\"B\",\"SqlType\":\"INTEGER\",\"Mapping\":\"\$.B\"}]}" >ab.schema &&
	ksql -e "CREATE STREAM D (A INTEGER, S DOUBLE, E VARCHAR(512)); CREATE PUMP P AS INSERT INTO D
	     SELECT STREAM A, ANOMALY_SCORE, ANOMALY_EXPLANATION FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(
	       CURSOR(SELECT STREAM A, B FROM SOURCE_SQL_STREAM_001), 100, 256, 100000, 1, TRUE))
	     WHERE A < 0;" --schema ab.schema --rowtime-field ts --output D <ab.json >out 2>err &&
	test ! -s err && test_line_count = 1 out &&
	grep "\"A\":-50," out &&
	grep "{\\\\\"A\\\\\":{\\\\\"DIRECTION\\\\\":\\\\\"LOW\\\\\",\\\\\"STRENGTH\\\\\":\\\\\"1\\\\\"" out
'

test_expect_success 'table functions: errors' '
	bind_fails "1:87: unknown table function '\''NOPE'\''" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(NOPE(CURSOR(SELECT STREAM * FROM SOURCE_SQL_STREAM_001)));" &&
	bind_fails "1:169: COUNT_DISTINCT_ITEMS_TUMBLING: the cursor has no column '\''NOPE'\''" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM SOURCE_SQL_STREAM_001), '\''NOPE'\'', 60));" &&
	bind_fails "1:105: RANDOM_CUT_FOREST: the first argument must be CURSOR(SELECT STREAM ...)" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(1));" &&
	bind_fails "1:105: RANDOM_CUT_FOREST: the cursor has no numeric column (DECIMAL is not used)" \
		"CREATE STREAM D (n BIGINT); CREATE PUMP P AS INSERT INTO D SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM SECTOR FROM SOURCE_SQL_STREAM_001)));"
'

test_done
