#!/bin/sh
# ksql error paths: SQL errors as `ksql: FILE:LINE:COL: message` with exit
# 65, usage errors (64), missing files and streams (66), each checked as the
# exact stderr line; and row errors (bad records, coercion, division by
# zero, overflow, late rows) going to the error_stream with KDA's columns
# while processing goes on and the exit status stays 0.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/ksql_golden.sh"

json_schema tick.json TICKER:'VARCHAR(4)' PRICE:DOUBLE N:INTEGER

# sql_fails NAME 'message': `ksql -f NAME.sql` (input from /dev/null) exits
# 65 with exactly `ksql: message` on stderr and nothing on stdout.
sql_fails() {
	fails_with 65 "ksql: $2" ksql -f "$1.sql" --schema tick.json </dev/null
}

test_expect_success 'setup: -h prints the usage' '
	ksql -h >usage &&
	grep "^usage: ksql " usage
'

# --- syntax errors ---------------------------------------------------------

cat >paren.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (A DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM (PRICE + 1 FROM "SOURCE_SQL_STREAM_001";
EOF
cat >keyword.sql <<\EOF
-- a comment line
CREATE OR REPLACE STREEM "DESTINATION_SQL_STREAM" (A DOUBLE);
EOF
cat >string.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (A VARCHAR(8));
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM 'abc FROM "SOURCE_SQL_STREAM_001";
EOF
cat >comment.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (A DOUBLE); /* never
closed
EOF
cat >coltype.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (A STRING);
EOF

test_expect_success 'syntax errors name FILE:LINE:COL (columns count characters)' '
	sql_fails paren "paren.sql:3:28: expected '"'"')'"'"' after the expression in parentheses, found '"'"'FROM'"'"'" &&
	sql_fails keyword "keyword.sql:2:19: expected STREAM or PUMP after CREATE OR REPLACE, found '"'"'STREEM'"'"'" &&
	sql_fails string "string.sql:3:17: unterminated string literal" &&
	sql_fails comment "comment.sql:1:63: unterminated comment" &&
	sql_fails coltype "coltype.sql:1:54: unknown type '"'"'STRING'"'"'"
'

test_expect_success 'a syntax error in -e SQL is reported as -e:LINE:COL' '
	fails_with 65 "ksql: -e:1:15: expected an expression, found '"'"'FROM'"'"'" \
		ksql -e "SELECT STREAM FROM x" </dev/null
'

# --- errors of meaning (the binder) ----------------------------------------

cat >app.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM PRICEX FROM "SOURCE_SQL_STREAM_001";
EOF
cat >nostream.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM PRICE FROM "NOPE";
EOF
cat >notarget.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
SELECT STREAM PRICE FROM "SOURCE_SQL_STREAM_001";
EOF
cat >typemix.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM PRICE FROM "SOURCE_SQL_STREAM_001" WHERE TICKER + 1 > 2;
EOF
cat >assign.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE, Q INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM PRICE, TICKER FROM "SOURCE_SQL_STREAM_001";
EOF
cat >count.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (T VARCHAR(4), P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM TICKER FROM "SOURCE_SQL_STREAM_001";
EOF
cat >nokey.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (T VARCHAR(4), N BIGINT);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM TICKER, COUNT(*) FROM "SOURCE_SQL_STREAM_001" GROUP BY TICKER;
EOF
cat >nofunc.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM SQUARE(PRICE) FROM "SOURCE_SQL_STREAM_001";
EOF
cat >args.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (P DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM ABS(PRICE, 2) FROM "SOURCE_SQL_STREAM_001";
EOF
cat >ambiguous.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (T VARCHAR(4));
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM TICKER FROM "SOURCE_SQL_STREAM_001" JOIN "REF" ON PRICE = 1;
EOF
printf 'TICKER,NAME\nA,x\n' >ref.csv

test_expect_success 'unknown column' '
	sql_fails app "app.sql:3:15: unknown column '"'"'PRICEX'"'"'"
'

test_expect_success 'unknown stream in FROM and in INSERT INTO' '
	sql_fails nostream "nostream.sql:3:26: unknown stream '"'"'NOPE'"'"'" &&
	sql_fails notarget "notarget.sql:2:43: unknown stream '"'"'DEST'"'"'"
'

test_expect_success 'type mismatch in an expression and in INSERT' '
	sql_fails typemix "typemix.sql:3:63: cannot apply '"'"'+'"'"' to VARCHAR(4) and INTEGER" &&
	sql_fails assign "assign.sql:3:22: cannot insert VARCHAR(4) into column '"'"'Q'"'"' of type INTEGER"
'

test_expect_success 'INSERT with the wrong number of columns' '
	sql_fails count "count.sql:3:1: INSERT INTO '"'"'DESTINATION_SQL_STREAM'"'"' has 2 columns but the SELECT has 1"
'

test_expect_success 'streaming GROUP BY without a time key' '
	sql_fails nokey "nokey.sql:3:70: a streaming GROUP BY needs a monotonic time key, such as STEP(ROWTIME BY INTERVAL '"'"'60'"'"' SECOND) or FLOOR(ROWTIME TO MINUTE)"
'

test_expect_success 'unknown function' '
	sql_fails nofunc "nofunc.sql:3:15: unknown function '"'"'SQUARE'"'"'"
'

test_expect_success 'wrong number of arguments: the message says how many are expected' '
	sql_fails args "args.sql:3:15: ABS: expected 1 argument, got 2"
'

test_expect_success 'an ambiguous column name in a join' '
	fails_with 65 "ksql: ambiguous.sql:3:15: ambiguous column '"'"'TICKER'"'"'" \
		ksql -f ambiguous.sql --schema tick.json --reference REF=ref.csv </dev/null
'

# --- usage errors ------------------------------------------------------------

echo 'SELECT STREAM * FROM "SOURCE_SQL_STREAM_001";' >ok.sql

test_expect_success 'bad options: the message, then the usage, exit 64' '
	usage_fails_with "ksql: give the SQL with one of -f FILE and -e SQL" ksql &&
	usage_fails_with "ksql: give the SQL with one of -f FILE and -e SQL" ksql -f ok.sql -e "SELECT 1" &&
	usage_fails_with "ksql: --format: expected json or csv, got '"'"'xml'"'"'" ksql -f ok.sql --format xml &&
	usage_fails_with "ksql: -o: expected json, csv, tsv or table, got '"'"'yaml'"'"'" ksql -f ok.sql -o yaml &&
	usage_fails_with "ksql: --reference: expected NAME=VALUE, got '"'"'ref.csv'"'"'" ksql -f ok.sql --reference ref.csv &&
	usage_fails_with "ksql: unrecognized option '"'"'--bogus'"'"'" ksql -f ok.sql --bogus
'

test_expect_success 'a bad --starting-position is a usage error like the others' '
	usage_fails_with "ksql: --starting-position '"'"'SIDEWAYS'"'"': expected TRIM_HORIZON, LATEST, NOW or AT_TIMESTAMP=TIME" \
		ksql -f ok.sql --input s --starting-position SIDEWAYS
'

# --- missing files and streams ----------------------------------------------

test_expect_success 'missing files: exit 66' '
	fails_with 66 "ksql: file '"'"'nosuch.sql'"'"': No such file or directory" ksql -f nosuch.sql &&
	fails_with 66 "ksql: --schema '"'"'nosuch.json'"'"': No such file or directory" \
		ksql -f ok.sql --schema nosuch.json </dev/null &&
	fails_with 66 "ksql: --reference '"'"'nosuch.csv'"'"': No such file or directory" \
		ksql -f ok.sql --schema tick.json --reference R=nosuch.csv </dev/null
'

test_expect_success 'a schema file that is not an InputSchema: exit 65' '
	echo "{\"RecordColumns\": 5}" >bad.json &&
	test_must_fail --status=65 ksql -f ok.sql --schema bad.json </dev/null 2>err &&
	test_line_count = 1 err &&
	grep "^ksql: bad.json: " err
'

test_expect_success 'no such kin stream: --input and an ad-hoc FROM, exit 66' '
	fails_with 66 "ksql: stream '"'"'nosuch'"'"': no such stream" \
		ksql -f ok.sql --input nosuch --schema tick.json --no-follow &&
	fails_with 66 "ksql: stream '"'"'NOSUCH'"'"': no such stream" \
		ksql -e "SELECT * FROM nosuch"
'

test_expect_success 'stream names are checked (no paths)' '
	fails_with 64 "ksql: stream name '"'"'a/b'"'"': only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" \
		ksql -f ok.sql --input a/b --schema tick.json
'

# --- row errors: the error_stream --------------------------------------------

cat >pass.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (T VARCHAR(4), P DOUBLE, N INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, PRICE, N FROM "SOURCE_SQL_STREAM_001";
EOF
cat >bad.in <<\EOF
{"ts":"2024-05-01 12:00:01.000","TICKER":"A","PRICE":1.5,"N":1}
not json at all
{"ts":"2024-05-01 12:00:03.000","TICKER":"B","PRICE":"abc","N":3}
{"ts":"2024-05-01 12:00:04.000","TICKER":"C","PRICE":4,"N":123.4}
{"ts":"2024-05-01 12:00:05.000","TICKER":"D","PRICE":5,"N":5}
EOF

# error_fields FILE: checks every line of FILE is a JSON object with
# exactly KDA's error_stream columns, and writes "ERROR_NAME DATA_ROWTIME
# PUMP_NAME" lines to FILE.names and the decoded DATA_ROWs to FILE.rows.
error_fields() {
	"$PY" - "$1" <<-\PY
	import json, sys
	f = sys.argv[1]
	names = open(f + ".names", "w")
	rows = open(f + ".rows", "wb")
	for line in open(f):
	    e = json.loads(line)
	    assert list(e) == ["ERROR_TIME", "ERROR_LEVEL", "ERROR_NAME", "MESSAGE",
	                       "DATA_ROWTIME", "DATA_ROW", "PUMP_NAME"], e
	    assert len(e["ERROR_TIME"]) == 23 and e["ERROR_LEVEL"] and e["MESSAGE"], e
	    names.write("%s %s %s\n" % (e["ERROR_NAME"], e["DATA_ROWTIME"], e["PUMP_NAME"]))
	    rows.write(bytes.fromhex(e["DATA_ROW"]) + b"\n")
	PY
}

test_expect_success 'bad records go to the error_stream (--errors FILE), the rest goes on, exit 0' '
	ksql -f pass.sql --schema tick.json --rowtime-field ts --errors errs <bad.in >out 2>err &&
	test ! -s err &&
	cat >want <<-\EOF &&
	{"T":"A","P":1.5,"N":1}
	{"T":"D","P":5,"N":5}
	EOF
	test_cmp want out &&
	error_fields errs &&
	cut -d" " -f1 errs.names >got &&
	printf "UNABLE_TO_PARSE\nCAST_FAILED\nCAST_FAILED\n" >want &&
	test_cmp want got &&
	sed -n "2,4p" bad.in >want && test_cmp want errs.rows
'

test_expect_success '--errors appends to the file' '
	ksql -f pass.sql --schema tick.json --rowtime-field ts --errors errs <bad.in >out &&
	test_line_count = 6 errs
'

test_expect_success 'without --errors, the error_stream is JSON lines on stderr' '
	ksql -f pass.sql --schema tick.json --rowtime-field ts <bad.in >out 2>err &&
	test_line_count = 2 out &&
	error_fields err &&
	test_line_count = 3 err.names
'

json_schema arith.json TICKER:'VARCHAR(4)' A:INTEGER D:INTEGER
cat >arith2.in <<\EOF
{"ts":"2024-05-01 12:00:01.000","TICKER":"OK","A":7,"D":2}
{"ts":"2024-05-01 12:00:02.000","TICKER":"DIV0","A":7,"D":0}
{"ts":"2024-05-01 12:00:03.000","TICKER":"OVF","A":5000,"D":1}
{"ts":"2024-05-01 12:00:04.000","TICKER":"BIG","A":2,"D":1}
{"ts":"2024-05-01 12:00:05.000","TICKER":"NEG","A":-7,"D":2}
{"ts":"2024-05-01 12:00:06.000","TICKER":"NUL","A":null,"D":0}
EOF
# INTEGER is 32 bits, BIGINT 64; the CASE multiplies by 2^62 on one row only.
cat >arith2.sql <<\EOF
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (T VARCHAR(4), Q INTEGER, M INTEGER, B BIGINT);
CREATE OR REPLACE PUMP "MATH_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, A / D, A * 1000000,
    CASE WHEN TICKER = 'BIG' THEN CAST(A AS BIGINT) * 4611686018427387904 ELSE 0 END
  FROM "SOURCE_SQL_STREAM_001";
EOF
# OK   Q = 7 / 2 = 3, M = 7000000, B = 0
# DIV0 7 / 0: DIVISION_BY_ZERO, no row
# OVF  5000 * 10^6 = 5 * 10^9 > 2^31 - 1 = 2147483647: NUMERIC_OVERFLOW
# BIG  Q 2, M 2000000, 2 * 2^62 = 2^63 > 2^63 - 1: NUMERIC_OVERFLOW
# NEG  -7 / 2 = -3 (truncation toward zero), M = -7000000, B = 0
# NUL  NULL / 0 is NULL (no division happens), NULL * 10^6 NULL
cat >arith2.want <<\EOF
{"T":"OK","Q":3,"M":7000000,"B":0}
{"T":"NEG","Q":-3,"M":-7000000,"B":0}
{"T":"NUL","Q":null,"M":null,"B":0}
EOF

test_expect_success 'division by zero and overflow are row errors with the pump name' '
	ksql -f arith2.sql --schema arith.json --rowtime-field ts --errors errs2 <arith2.in >got &&
	test_cmp arith2.want got &&
	error_fields errs2 &&
	cat >want <<-\EOF &&
	DIVISION_BY_ZERO 2024-05-01 12:00:02.000 MATH_PUMP
	NUMERIC_OVERFLOW 2024-05-01 12:00:03.000 MATH_PUMP
	NUMERIC_OVERFLOW 2024-05-01 12:00:04.000 MATH_PUMP
	EOF
	test_cmp want errs2.names
'

cat >late.in <<\EOF
{"ts":"2024-05-01 12:00:01.000","TICKER":"A","PRICE":1,"N":1}
{"ts":"2024-05-01 12:00:03.000","TICKER":"B","PRICE":2,"N":2}
{"ts":"2024-05-01 12:00:02.000","TICKER":"LATE","PRICE":3,"N":3}
{"ts":"2024-05-01 12:00:03.000","TICKER":"C","PRICE":4,"N":4}
EOF

test_expect_success 'a row whose ROWTIME goes backwards is a LATE_ROW; equal ROWTIMEs are fine' '
	ksql -f pass.sql --schema tick.json --rowtime-field ts --errors errs3 <late.in >got &&
	cat >want <<-\EOF &&
	{"T":"A","P":1,"N":1}
	{"T":"B","P":2,"N":2}
	{"T":"C","P":4,"N":4}
	EOF
	test_cmp want got &&
	error_fields errs3 &&
	cut -d" " -f1-3 errs3.names >got &&
	echo "LATE_ROW 2024-05-01 12:00:02.000" >want && test_cmp want got &&
	sed -n 3p late.in >want && test_cmp want errs3.rows
'

test_expect_success 'a bad --rowtime-field value is a row error' '
	printf "%s\n" "{\"ts\":\"yesterday\",\"TICKER\":\"A\",\"PRICE\":1,\"N\":1}" \
		"{\"ts\":\"2024-05-01 12:00:01.000\",\"TICKER\":\"B\",\"PRICE\":2,\"N\":2}" >badts.in &&
	ksql -f pass.sql --schema tick.json --rowtime-field ts --errors errs4 <badts.in >got &&
	echo "{\"T\":\"B\",\"P\":2,\"N\":2}" >want && test_cmp want got &&
	error_fields errs4 && test_line_count = 1 errs4.names
'

test_done
