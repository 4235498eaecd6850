#!/bin/sh
# kfirehose --partition-key NAME=JQ: Firehose's inline parsing for dynamic
# partitioning (jq 1.6). Values as !{partitionKeyFromQuery:NAME}: strings
# unquoted, numbers and booleans as jq prints them; records that are not
# JSON or whose query gives no scalar go to the error output; compile
# errors and bad keys are usage errors.
. "$(dirname "$0")/lib.sh"

# fh ARGS...: stdin into dir:out, delivered when the input ends.
fh() {
	kfirehose --name t --to dir:out --buffer-interval 900 --append-delimiter \
		--error-prefix 'err/!{firehose:error-output-type}/' "$@"
}

# objects: every delivered object as "DIR: content" (one line per record),
# the object names left out, sorted.
objects() {
	find out -path out/err -prune -o -type f -print | sort | while read -r f; do
		sed "s|^|${f%/*}: |" "$f"
	done | sort
}

# errors: the failed records as "errorCode errorMessage | rawData decoded".
errors() {
	find out/err -type f -exec cat {} + |
		jq -r '"\(.attemptsMade) \(.errorCode) \(.errorMessage) | \(.rawData | @base64d)"' |
		sort
}

cat >"$TRASH/events" <<'EOF'
{"customer_id":"1234567890","type":{"device":"mobile","event":"click"},"event_timestamp":1565382027,"n":1.5,"ok":true}
{"customer_id":"1234567890","type":{"device":"desktop","event":"view"},"event_timestamp":1565385627,"n":100,"ok":false}
{"customer_id":"42","type":{"device":"mobile","event":"click"},"event_timestamp":1565382027,"n":1e3,"ok":true}
EOF

test_expect_success 'records go to the prefix of their keys, byte for byte' '
	mkdir basic && cd basic &&
	fh --partition-key customer_id=.customer_id \
		--prefix "customer_id=!{partitionKeyFromQuery:customer_id}/" <"$TRASH/events" &&
	test "$(find out -type f | wc -l)" -eq 2 &&
	sed -n 1,2p "$TRASH/events" >want &&
	cat out/customer_id=1234567890/* >got && test_cmp want got &&
	sed -n 3p "$TRASH/events" >want &&
	cat out/customer_id=42/* >got && test_cmp want got
'

test_expect_success 'nested fields, strftime, numbers and booleans as jq prints them' '
	mkdir kinds && cd kinds &&
	fh --partition-key device=.type.device \
		--partition-key year=".event_timestamp | strftime(\"%Y\")" \
		--partition-key hour=".event_timestamp|strftime(\"%H\")" \
		--partition-key n=.n --partition-key ok=.ok \
		--prefix "!{partitionKeyFromQuery:device}/!{partitionKeyFromQuery:year}/!{partitionKeyFromQuery:hour}/n=!{partitionKeyFromQuery:n}/ok=!{partitionKeyFromQuery:ok}/" \
		<"$TRASH/events" &&
	objects >got &&
	{
		sed -n 1p "$TRASH/events" | sed "s|^|out/mobile/2019/20/n=1.5/ok=true: |" &&
		sed -n 2p "$TRASH/events" | sed "s|^|out/desktop/2019/21/n=100/ok=false: |" &&
		sed -n 3p "$TRASH/events" | sed "s|^|out/mobile/2019/20/n=1000/ok=true: |"
	} | sort >want &&
	test_cmp want got
'

test_expect_success 'a query may be any jq 1.6 program (definitions, comments, alternatives)' '
	mkdir programs && cd programs &&
	fh --partition-key k="def up: ascii_upcase; .type.event | up # a comment" \
		--partition-key m=".missing // \"none\"" \
		--prefix "!{partitionKeyFromQuery:k}/!{partitionKeyFromQuery:m}/" \
		<"$TRASH/events" &&
	objects | cut -d: -f1 | sort -u >got &&
	printf "out/CLICK/none\nout/VIEW/none\n" >want && test_cmp want got
'

test_expect_success 'records that are not JSON or give no scalar go to the error output' '
	mkdir bad && cd bad &&
	cat >in <<-\EOF &&
	{"c":"a"}
	not json
	{"c":"a"}{"c":"b"}
	{"d":1}
	{"c":{"x":1}}
	{"c":[1]}
	"text"
	{"c":"b"}
	EOF
	fh --partition-key c=.c --prefix "c=!{partitionKeyFromQuery:c}/" <in &&
	objects >got &&
	printf "out/c=a: {\"c\":\"a\"}\nout/c=b: {\"c\":\"b\"}\n" >want &&
	test_cmp want got &&
	test "$(find out/err -type f | grep -vc /processing-failed/)" -eq 0 &&
	errors >got &&
	cat >want <<-\EOF &&
	1 DynamicPartitioning.MetadataExtractionFailed partition key '\''c'\'': .c gave an array | {"c":[1]}
	1 DynamicPartitioning.MetadataExtractionFailed partition key '\''c'\'': .c gave an object | {"c":{"x":1}}
	1 DynamicPartitioning.MetadataExtractionFailed partition key '\''c'\'': .c gave null | {"d":1}
	1 DynamicPartitioning.MetadataExtractionFailed partition key '\''c'\'': .c: jq: error: Cannot index string with string "c" | "text"
	1 DynamicPartitioning.MetadataExtractionFailed record is not JSON: Invalid numeric literal at line 1, column 4 | not json
	1 DynamicPartitioning.MetadataExtractionFailed record is not JSON: Unexpected extra JSON values | {"c":"a"}{"c":"b"}
	EOF
	test_cmp want got
'

test_expect_success 'a query giving no value, several values, or raising an error' '
	mkdir outputs && cd outputs &&
	printf "{\"a\":[1,2]}\n{\"a\":[]}\n{\"a\":\"x\"}\n" |
		fh --partition-key k=".a | if type == \"string\" then error(\"bad \" + .) else .[] end" \
			--prefix "!{partitionKeyFromQuery:k}/" &&
	errors | sed "s/^1 DynamicPartitioning.MetadataExtractionFailed //" >got &&
	cat >want <<-\EOF &&
	partition key '\''k'\'': .a | if type == "string" then error("bad " + .) else .[] end gave more than one value | {"a":[1,2]}
	partition key '\''k'\'': .a | if type == "string" then error("bad " + .) else .[] end gave no value | {"a":[]}
	partition key '\''k'\'': .a | if type == "string" then error("bad " + .) else .[] end: jq: error: bad x | {"a":"x"}
	EOF
	test_cmp want got
'

test_expect_success 'the first failing key is named; other records are delivered' '
	mkdir which && cd which &&
	printf "{\"a\":1,\"b\":2}\n{\"a\":1}\n" |
		fh --partition-key a=.a --partition-key b=.b \
			--prefix "!{partitionKeyFromQuery:a}/!{partitionKeyFromQuery:b}/" &&
	objects >got && echo "out/1/2: {\"a\":1,\"b\":2}" >want && test_cmp want got &&
	errors >got &&
	echo "1 DynamicPartitioning.MetadataExtractionFailed partition key '\''b'\'': .b gave null | {\"a\":1}" >want &&
	test_cmp want got
'

test_expect_success 'the queries see the records after the transform' '
	mkdir after && cd after &&
	cat >tx.sh <<-\EOF &&
	jq -c "{records: [.records[] | {recordId, result: \"Ok\",
		data: (.data | @base64d | fromjson | .c |= ascii_upcase | tojson | @base64)}]}"
	EOF
	printf "{\"c\":\"a\"}\n{\"c\":\"b\"}\n" |
		fh --transform "sh tx.sh" --partition-key c=.c --prefix "c=!{partitionKeyFromQuery:c}/" &&
	objects >got &&
	printf "out/c=A: {\"c\":\"A\"}\nout/c=B: {\"c\":\"B\"}\n" >want && test_cmp want got
'

test_expect_success 'keys from queries and from the transform together' '
	mkdir both && cd both &&
	cat >tx.sh <<-\EOF &&
	jq -c "{records: [.records[] | {recordId, result: \"Ok\", data,
		metadata: {partitionKeys: {len: (.data | @base64d | length)}}}]}"
	EOF
	printf "{\"c\":\"a\"}\n{\"c\":\"bb\"}\n" |
		fh --transform "sh tx.sh" --partition-key c=.c \
			--prefix "!{partitionKeyFromQuery:c}/!{partitionKeyFromLambda:len}/" &&
	objects >got &&
	printf "out/a/9: {\"c\":\"a\"}\nout/bb/10: {\"c\":\"bb\"}\n" >want && test_cmp want got
'

test_expect_success 'fifty keys are allowed' '
	mkdir fifty && cd fifty &&
	args="" &&
	for i in $(seq 1 50); do args="$args --partition-key k$i=.a[$i]"; done &&
	echo "{\"a\":[$(seq -s, 0 50)]}" | fh $args --prefix "!{partitionKeyFromQuery:k1}/!{partitionKeyFromQuery:k50}/" &&
	objects >got && echo "out/1/50: {\"a\":[$(seq -s, 0 50)]}" >want && test_cmp want got
'

test_expect_success 'usage errors: jq compile errors, bad names, duplicates, 51 keys' '
	fails_with 64 "kfirehose: --partition-key '\''x=.['\'': jq: error: syntax error, unexpected \$end (Unix shell quoting issues?) at <top-level>, line 1" \
		fh --partition-key "x=.[" --prefix "!{partitionKeyFromQuery:x}/" </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''x=nosuch(1)'\'': jq: error: nosuch/1 is not defined at <top-level>, line 1" \
		fh --partition-key "x=nosuch(1)" --prefix "!{partitionKeyFromQuery:x}/" </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''x=.a)'\'': jq: error: syntax error, unexpected INVALID_CHARACTER, expecting \$end (Unix shell quoting issues?) at <top-level>, line 1" \
		fh --partition-key "x=.a)" --prefix "!{partitionKeyFromQuery:x}/" </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''=.a'\'': expected NAME=JQ with a NAME of 1 to 64 letters, digits, _ or -" \
		fh --partition-key "=.a" </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''a.b=.a'\'': expected NAME=JQ with a NAME of 1 to 64 letters, digits, _ or -" \
		fh --partition-key "a.b=.a" </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''x'\'': expected NAME=JQ with a NAME of 1 to 64 letters, digits, _ or -" \
		fh --partition-key x </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''x= '\'': empty query" \
		fh --partition-key "x= " </dev/null &&
	fails_with 64 "kfirehose: --partition-key '\''x=.b'\'': key '\''x'\'' given twice" \
		fh --partition-key x=.a --partition-key x=.b </dev/null &&
	args="" &&
	for i in $(seq 1 51); do args="$args --partition-key k$i=.a"; done &&
	fails_with 64 "kfirehose: --partition-key: 51 keys; Firehose allows at most 50" \
		fh $args </dev/null
'

test_done
