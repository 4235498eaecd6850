#!/bin/sh
# ksql discover: the InputSchema of a sample of stdin or a kin stream, as
# Kinesis Data Analytics' DiscoverInputSchema infers it (JSONPath mappings
# of nested members, COL_ renames, integer ranges, DOUBLE, BOOLEAN,
# VARCHAR(power of two)); CSV columns COL1.. with the delimiter found; the
# printed schema is accepted by --schema; error paths.
. "$(dirname "$0")/lib.sh"

# columns FILE: the Name SqlType Mapping of each column, one line each.
columns() {
	awk -F'"' '/"Name":/ { if (n != "") print n, t, m; n = $4; t = ""; m = "-" }
		/"SqlType":/ { t = $4 } /"Mapping":/ { m = $4 }
		END { if (n != "") print n, t, m }' "$1"
}

cat >demo.in <<\EOF
{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-0.5,"PRICE":84.51}
{"TICKER_SYMBOL":"WAS","SECTOR":"RETAIL","CHANGE":2,"PRICE":12}
{"TICKER_SYMBOL":"QXZ","SECTOR":"HEALTHCARE","CHANGE":0.25,"PRICE":101.5}
EOF

test_expect_success 'the demo stream from stdin: the whole InputSchema' '
	ksql discover - <demo.in >got &&
	cat >want <<-\EOF &&
	{
	    "RecordFormat": {
	        "RecordFormatType": "JSON",
	        "MappingParameters": {
	            "JSONMappingParameters": {
	                "RecordRowPath": "$"
	            }
	        }
	    },
	    "RecordEncoding": "UTF-8",
	    "RecordColumns": [
	        {
	            "Name": "TICKER_SYMBOL",
	            "SqlType": "VARCHAR(4)",
	            "Mapping": "$.TICKER_SYMBOL"
	        },
	        {
	            "Name": "SECTOR",
	            "SqlType": "VARCHAR(16)",
	            "Mapping": "$.SECTOR"
	        },
	        {
	            "Name": "CHANGE",
	            "SqlType": "DOUBLE",
	            "Mapping": "$.CHANGE"
	        },
	        {
	            "Name": "PRICE",
	            "SqlType": "DOUBLE",
	            "Mapping": "$.PRICE"
	        }
	    ]
	}
	EOF
	test_cmp want got
'

test_expect_success 'nested objects, arrays, renames and integer ranges' '
	cat >nested.in <<-\EOF &&
	{"user":"u1","geo":{"country":"DE","pos":{"lat":52.5}},"tags":["a","b"],"n":3,"big":70000,"ok":true,"user@domain":"x","1st":1,"@@":null}
	{"user":"u12345","geo":{"country":"FR"},"tags":[],"n":-100,"big":-1,"ok":false,"extra":"late"}
	EOF
	ksql discover - <nested.in >got &&
	columns got >cols &&
	cat >want <<-\EOF &&
	COL_user VARCHAR(8) $.user
	country VARCHAR(4) $.geo.country
	lat DOUBLE $.geo.pos.lat
	tags VARCHAR(16) $.tags[0:]
	n TINYINT $.n
	big INTEGER $.big
	ok BOOLEAN $.ok
	COL_userdomain VARCHAR(4) $.user@domain
	COL_1st TINYINT $.1st
	COL_9 VARCHAR(4) $.@@
	extra VARCHAR(4) $.extra
	EOF
	test_cmp want cols
'

test_expect_success '--sample N reads only the first N records' '
	{ cat demo.in && echo "{\"TICKER_SYMBOL\":\"LONGER_THAN_FOUR\",\"VOLUME\":1}"; } >more.in &&
	ksql discover --sample 3 - <more.in >got &&
	columns got >cols &&
	printf "%s\n" "TICKER_SYMBOL VARCHAR(4) \$.TICKER_SYMBOL" \
		"SECTOR VARCHAR(16) \$.SECTOR" "CHANGE DOUBLE \$.CHANGE" \
		"PRICE DOUBLE \$.PRICE" >want &&
	test_cmp want cols &&
	ksql discover --sample 4 - <more.in >got4 &&
	columns got4 >cols4 &&
	grep "^TICKER_SYMBOL VARCHAR(16) " cols4 &&
	grep "^VOLUME TINYINT " cols4
'

test_expect_success 'CSV records: COL1.. with types, the delimiter found' '
	cat >energy.csv <<-\EOF &&
	2001,1,AK,TotalElectricPowerIndustry,Coal,ShortTons,47615
	2001,1,AK,ElectricGeneratorsElectricUtilities,Coal,ShortTons,16535
	2001,12,AL,"Quoted, with a comma",Coal,ShortTons,3020601
	EOF
	ksql discover --format csv - <energy.csv >got &&
	columns got >cols &&
	cat >want <<-\EOF &&
	COL1 INTEGER -
	COL2 INTEGER -
	COL3 VARCHAR(4) -
	COL4 VARCHAR(64) -
	COL5 VARCHAR(4) -
	COL6 VARCHAR(16) -
	COL7 INTEGER -
	EOF
	test_cmp want cols &&
	grep "\"RecordFormatType\": \"CSV\"" got &&
	grep "\"RecordColumnDelimiter\": \",\"" got &&
	printf "a|1.5\nb|2\n" | ksql discover --format csv - >piped &&
	grep "\"RecordColumnDelimiter\": \"|\"" piped &&
	columns piped >pcols &&
	printf "COL1 VARCHAR(4) -\nCOL2 DOUBLE -\n" >want &&
	test_cmp want pcols
'

test_expect_success 'a kin stream from its trim horizon, without a consumer' '
	kshard create ticks -n 2 &&
	kput -s ticks <demo.in &&
	ksql discover -s ticks >got &&
	columns got >cols &&
	printf "%s\n" "TICKER_SYMBOL VARCHAR(4) \$.TICKER_SYMBOL" \
		"SECTOR VARCHAR(16) \$.SECTOR" "CHANGE DOUBLE \$.CHANGE" \
		"PRICE DOUBLE \$.PRICE" >want &&
	sort want >want.sorted && sort cols >cols.sorted &&
	test_cmp want.sorted cols.sorted &&
	test ! -d "$KIN_DIR/streams/ticks/consumers" ||
	test -z "$(ls "$KIN_DIR/streams/ticks/consumers")"
'

test_expect_success 'the printed schema is accepted by --schema' '
	ksql discover - <demo.in >schema.json &&
	ksql --input - --schema schema.json -e \
		"SELECT TICKER_SYMBOL, PRICE FROM SOURCE_SQL_STREAM_001 WHERE PRICE > 50" \
		<demo.in >got &&
	printf "%s\n" "{\"TICKER_SYMBOL\":\"AMZN\",\"PRICE\":84.51}" \
		"{\"TICKER_SYMBOL\":\"QXZ\",\"PRICE\":101.5}" >want &&
	test_cmp want got
'

test_expect_success 'a describe-application export with the discovered schema' '
	{ printf "{\"ApplicationDetail\":{\"InputDescriptions\":[{\"InputSchema\":" &&
	  cat schema.json && printf "}]}}\n"; } >describe.json &&
	ksql --input - --schema describe.json -e \
		"SELECT COUNT(*) AS N FROM SOURCE_SQL_STREAM_001" <demo.in >got &&
	echo "{\"N\":3}" >want &&
	test_cmp want got
'

test_expect_success 'nothing to discover from: exit 65' '
	fails_with 65 "ksql: no records to discover a schema from" \
		ksql discover - </dev/null &&
	printf "[1,2]\nnot json\n" >bad.in &&
	fails_with 65 "ksql: no sample record is a JSON object (2 records)" \
		ksql discover - <bad.in
'

test_expect_success 'no such stream: exit 66; a bad name: exit 64' '
	fails_with 66 "ksql: stream '"'"'nosuch'"'"': no such stream" \
		ksql discover -s nosuch &&
	test_must_fail --status=64 ksql discover -s a/b 2>err &&
	grep "^ksql: stream name '"'"'a/b'"'"'" err
'

test_expect_success 'usage errors: exit 64' '
	test_must_fail --status=64 ksql discover </dev/null 2>err &&
	grep "^ksql: " err &&
	test_must_fail --status=64 ksql discover --format xml - </dev/null &&
	test_must_fail --status=64 ksql discover --sample 0 - </dev/null
'

test_done
