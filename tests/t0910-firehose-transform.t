#!/bin/sh
# kfirehose --transform: the Lambda contract over `sh -c CMD` (the event on
# stdin, the response on stdout), Ok / Dropped / ProcessingFailed, retries
# of failed invocations, the Firehose error codes of bad responses, the
# timeout, the 6 MiB response limit, big payloads without deadlock, keys
# for !{partitionKeyFromLambda:k}, and the processor options' ranges.
. "$(dirname "$0")/lib.sh"

# fh ARGS...: stdin into dir:out, delivered when the input ends.
fh() {
	kfirehose --name t --to dir:out --buffer-interval 900 --append-delimiter \
		--error-prefix 'err/!{firehose:error-output-type}/' "$@"
}

# object DIR: the one object under DIR.
object() {
	set -- $(find "$1" -type f)
	test $# -eq 1 || { echo "object: $# objects, expected 1" >&2; return 1; }
	cat "$1"
}

# errors: the failed-record objects under out/err, one line each with the
# fields that do not change between runs (rawData decoded), sorted.
errors() {
	find out/err -type f -exec cat {} + |
		jq -c '{attemptsMade, errorCode, errorMessage,
			raw: (.rawData | @base64d), lambdaArn}' | sort
}

# A dead or zombie process (PID 1 here may not reap orphans).
gone() {
	test ! -e "/proc/$1" || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

cat >"$TRASH/up.sh" <<'EOF'
jq -c '{records: [.records[] | {recordId, result: "Ok",
	data: (.data | @base64d | ascii_upcase | @base64)}]}'
EOF
cat >"$TRASH/sort.sh" <<'EOF'
# Dropped for "drop", ProcessingFailed for "fail", else Ok unchanged.
jq -c '{records: [.records[] | (.data | @base64d) as $d | {recordId, data,
	result: (if ($d | test("drop")) then "Dropped"
		elif ($d | test("fail")) then "ProcessingFailed" else "Ok" end)}]}'
EOF
cat >"$TRASH/flaky.sh" <<'EOF'
# Fails the first two invocations (counted in ./count), then upper-cases.
n=$(cat count 2>/dev/null || echo 0)
n=$((n + 1))
echo $n >count
if [ $n -le 2 ]; then
	cat >/dev/null
	echo "flaky: failing invocation $n" >&2
	exit 1
fi
exec sh "$(dirname "$0")/up.sh"
EOF
cat >"$TRASH/fail.sh" <<'EOF'
n=$(cat count 2>/dev/null || echo 0)
echo $((n + 1)) >count
cat >/dev/null
exit 3
EOF
# respond.sh: counts its invocations in ./count, then runs ./cmd.sh.
cat >"$TRASH/respond.sh" <<'EOF'
n=$(cat count 2>/dev/null || echo 0)
echo $((n + 1)) >count
exec sh cmd.sh
EOF

test_expect_success 'Ok records come back transformed, byte for byte' '
	mkdir ok && cd ok &&
	printf "one\ntwo\nthree\n" | fh --transform "sh $TRASH/up.sh" &&
	printf "ONE\nTWO\nTHREE\n" >want &&
	object out >got && test_cmp want got
'

test_expect_success 'Dropped records vanish; ProcessingFailed ones go to processing-failed' '
	mkdir drop && cd drop &&
	printf "keep 1\ndrop 2\nfail 3\nkeep 4\nfail 5\n" |
		fh --prefix data/ --transform "sh $TRASH/sort.sh" &&
	printf "keep 1\nkeep 4\n" >want &&
	object out/data >got && test_cmp want got &&
	test "$(find out/err -type f | grep -c /processing-failed/)" -ge 1 &&
	errors >got &&
	cat >want <<-EOF &&
	{"attemptsMade":1,"errorCode":"Lambda.ProcessingFailedStatus","errorMessage":"ProcessingFailed status set for record","raw":"fail 3","lambdaArn":"sh $TRASH/sort.sh"}
	{"attemptsMade":1,"errorCode":"Lambda.ProcessingFailedStatus","errorMessage":"ProcessingFailed status set for record","raw":"fail 5","lambdaArn":"sh $TRASH/sort.sh"}
	EOF
	test_cmp want got
'

test_expect_success 'failed records keep their arrival time and the time of the last attempt' '
	cd drop &&
	find out/err -type f -exec cat {} + >lines &&
	jq -e "(.arrivalTimestamp | type) == \"number\" and
		.attemptEndingTimestamp >= .arrivalTimestamp" lines
'

test_expect_success 'a failing invocation is retried: exit 1 twice, then it works' '
	mkdir flaky && cd flaky &&
	printf "a\nb\n" | fh --transform "sh $TRASH/flaky.sh" 2>err &&
	printf "A\nB\n" >want &&
	object out >got && test_cmp want got &&
	echo 3 >want && test_cmp want count &&
	test ! -e out/err &&
	printf "flaky: failing invocation 1\nflaky: failing invocation 2\n" >want &&
	grep "^flaky:" err >got && test_cmp want got
'

test_expect_success 'an invocation failing every time: 1 + 3 attempts, then processing-failed' '
	mkdir fail && cd fail &&
	printf "a\nb\n" | fh --transform "sh $TRASH/fail.sh" &&
	echo 4 >want && test_cmp want count &&
	test ! -e out/data && test -z "$(find out -path out/err -prune -o -type f -print)" &&
	errors >got &&
	m="The Lambda function was successfully invoked but it returned an error result: exit status 3" &&
	cat >want <<-EOF &&
	{"attemptsMade":4,"errorCode":"Lambda.FunctionError","errorMessage":"$m","raw":"a","lambdaArn":"sh $TRASH/fail.sh"}
	{"attemptsMade":4,"errorCode":"Lambda.FunctionError","errorMessage":"$m","raw":"b","lambdaArn":"sh $TRASH/fail.sh"}
	EOF
	test_cmp want got
'

test_expect_success '--transform-retries 0: one attempt; 5: six' '
	mkdir retries && cd retries &&
	echo a | fh --transform "sh $TRASH/fail.sh" --transform-retries 0 &&
	echo 1 >want && test_cmp want count &&
	rm -r count out &&
	echo a | fh --transform "sh $TRASH/fail.sh" --transform-retries 5 &&
	echo 6 >want && test_cmp want count &&
	errors | jq -r .attemptsMade >got && test_cmp want got
'

test_expect_success 'a command killed by a signal is a function error' '
	mkdir signal && cd signal &&
	echo a | fh --transform "cat >/dev/null; kill -9 \$\$" --transform-retries 0 &&
	errors | jq -r .errorMessage >got &&
	echo "The Lambda function was successfully invoked but it returned an error result: killed by signal 9" >want &&
	test_cmp want got
'

# bad_response NAME CODE MESSAGE <CMD: a transform answering as the sh
# commands CMD do fails the invocation at once (no retry) with CODE and
# MESSAGE for every record.
bad_response() {
	mkdir "$1" && cd "$1" &&
	cat >cmd.sh &&
	printf "a\nb\n" | fh --transform "sh $TRASH/respond.sh" &&
	echo 1 >want && test_cmp want count &&
	test -z "$(find out -path out/err -prune -o -type f -print)" &&
	errors >got &&
	for r in a b; do
		jq -cn --arg c "$2" --arg m "$3" --arg r $r --arg l "sh $TRASH/respond.sh" \
			'{attemptsMade: 1, errorCode: $c, errorMessage: $m, raw: $r, lambdaArn: $l}'
	done >want &&
	test_cmp want got
}
missing="One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids"
duplicated="Multiple records were returned with the same record ID. Ensure that the Lambda function returns unique record IDs for each record"
json="There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose"

test_expect_success 'a recordId missing from the response: Lambda.MissingRecordId' '
	bad_response missing Lambda.MissingRecordId "$missing (1 of 2 missing, 0 unknown)" <<-\EOF
	jq -c "{records: [.records[1:][] | {recordId, result: \"Ok\", data}]}"
	EOF
'

test_expect_success 'a recordId that was not sent: Lambda.MissingRecordId' '
	bad_response unknown Lambda.MissingRecordId "$missing (1 of 2 missing, 1 unknown)" <<-\EOF
	jq -c "{records: ([.records[] | {recordId, result: \"Ok\", data}] | .[0].recordId = \"x\")}"
	EOF
'

test_expect_success 'a recordId returned twice: Lambda.DuplicatedRecordId' '
	bad_response dup Lambda.DuplicatedRecordId "$duplicated (1 duplicated)" <<-\EOF
	jq -c "[.records[] | {recordId, result: \"Ok\", data}] | {records: (. + .[:1])}"
	EOF
'

test_expect_success 'a response that is not JSON: Lambda.JsonProcessingException' '
	bad_response notjson Lambda.JsonProcessingException \
		"$json: Unfinished JSON term at EOF at line 2, column 0" <<-\EOF
	cat >/dev/null
	echo "{\"records\": ["
	EOF
'

test_expect_success 'an empty response: Lambda.JsonProcessingException' '
	bad_response empty Lambda.JsonProcessingException "$json: empty response" <<-\EOF
	cat >/dev/null
	EOF
'

test_expect_success 'a response that is not an object or has no records array' '
	bad_response notobject Lambda.JsonProcessingException \
		"$json: the response is not a JSON object" <<-\EOF &&
	jq -c ".records"
	EOF
	cd .. &&
	bad_response norecords Lambda.JsonProcessingException "$json: no records array" <<-\EOF
	jq -c "{records: 1}"
	EOF
'

test_expect_success 'a result that is not Ok, Dropped or ProcessingFailed' '
	bad_response result Lambda.JsonProcessingException \
		"$json: records[0]: result Fine is not Ok, Dropped or ProcessingFailed" <<-\EOF
	jq -c "{records: [.records[] | {recordId, result: \"Fine\", data}]}"
	EOF
'

test_expect_success 'data that is not base64' '
	bad_response base64 Lambda.JsonProcessingException "$json: records[0]: data is not base64" <<-\EOF
	jq -c "{records: [.records[] | {recordId, result: \"Ok\", data: \"a!\"}]}"
	EOF
'

test_expect_success 'an Ok record without data' '
	bad_response nodata Lambda.JsonProcessingException "$json: records[0]: no data" <<-\EOF
	jq -c "{records: [.records[] | {recordId, result: \"Ok\"}]}"
	EOF
'

test_expect_success 'Dropped and ProcessingFailed records need no data' '
	mkdir nodata2 && cd nodata2 &&
	cat >cmd.sh <<-\EOF &&
	jq -c "{records: [(.records[0] | {recordId, result: \"Dropped\"}),
		(.records[1] | {recordId, result: \"ProcessingFailed\"})]}"
	EOF
	printf "a\nb\n" | fh --transform "sh $TRASH/respond.sh" &&
	test -z "$(find out -path out/err -prune -o -type f -print)" &&
	errors | jq -r ".errorCode + \" \" + .raw" >got &&
	echo "Lambda.ProcessingFailedStatus b" >want && test_cmp want got
'

test_expect_success 'a command running past --transform-timeout is killed with its group' '
	mkdir timeout && cd timeout &&
	cat >slow.sh <<-\EOF &&
	n=$(cat count 2>/dev/null || echo 0)
	echo $((n + 1)) >count
	cat >/dev/null
	sleep 60 &
	echo $! >sleeper.$((n + 1))
	wait
	EOF
	echo a | fh --transform "sh slow.sh" --transform-timeout 1 --transform-retries 1 &&
	echo 2 >want && test_cmp want count &&
	gone "$(cat sleeper.1)" && gone "$(cat sleeper.2)" &&
	errors >got &&
	cat >want <<-\EOF &&
	{"attemptsMade":2,"errorCode":"Lambda.FunctionTimedOut","errorMessage":"The Lambda function invocation timed out. Increase the Timeout setting in the Lambda function (1000 ms)","raw":"a","lambdaArn":"sh slow.sh"}
	EOF
	test_cmp want got
'

test_expect_success 'a response over 6 MiB is a function error' '
	mkdir large && cd large &&
	cat >large.sh <<-\EOF &&
	cat >/dev/null
	head -c 7000000 /dev/zero | tr "\0" " "
	echo "{}"
	EOF
	echo a | fh --transform "sh large.sh" --transform-retries 0 &&
	errors | jq -r .errorMessage >got &&
	echo "The Lambda function was successfully invoked but it returned an error result: response payload size exceeded maximum allowed payload size (6291456 bytes)" >want &&
	test_cmp want got
'

test_expect_success 'big payloads both ways at once do not deadlock' '
	mkdir big && cd big &&
	cat >echo.py <<-\EOF &&
	import json, sys
	# 1 MiB of JSON whitespace before reading anything: both pipes fill up.
	sys.stdout.write(" " * 1048576)
	sys.stdout.flush()
	event = json.load(sys.stdin)
	json.dump({"records": [{"recordId": r["recordId"], "result": "Ok",
				"data": r["data"]} for r in event["records"]]}, sys.stdout)
	EOF
	for i in 1 2 3; do
		head -c 700000 /dev/urandom | base64 -w0 && echo || return 1
	done >in &&
	fh --transform "python3 echo.py" --transform-buffer-size 3 --transform-timeout 60 <in &&
	object out >got && cmp in got
'

test_expect_success 'the event: ids, ARNs, base64 data, arrival times; KIN_FIREHOSE_* set' '
	mkdir event && cd event &&
	cat >tee.sh <<-\EOF &&
	tee event.json | jq -c "{records: [.records[] | {recordId, result: \"Ok\", data}]}"
	printf "%s\n" "$KIN_FIREHOSE_NAME" "$KIN_FIREHOSE_ARN" "$KIN_FIREHOSE_INVOCATION_ID" \
		"$KIN_FIREHOSE_ATTEMPT" "$KIN_FIREHOSE_RECORDS" >env
	EOF
	printf "x\ny\n" | fh --transform "sh tee.sh" &&
	jq -c "[keys_unsorted, (.records[] | keys_unsorted)]" event.json >got &&
	echo "[[\"invocationId\",\"deliveryStreamArn\",\"region\",\"records\"],[\"recordId\",\"approximateArrivalTimestamp\",\"data\"],[\"recordId\",\"approximateArrivalTimestamp\",\"data\"]]" >want &&
	test_cmp want got &&
	jq -r ".deliveryStreamArn, .region, (.records[] | .data | @base64d)" event.json >got &&
	printf "%s\n" arn:aws:firehose:local:000000000000:deliverystream/t local x y >want &&
	test_cmp want got &&
	jq -e ".records | (.[0].recordId != .[1].recordId) and
		all(.[]; .approximateArrivalTimestamp > 1500000000000)" event.json &&
	id=$(jq -r .invocationId event.json) &&
	echo "$id" | grep -Eq "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$" &&
	printf "%s\n" t arn:aws:firehose:local:000000000000:deliverystream/t "$id" 1 2 >want &&
	test_cmp want env
'

test_expect_success 'from a kin stream: sourceKinesisStreamArn and kinesisRecordMetadata' '
	mkdir kin && cd kin &&
	kshard create src -n 1 &&
	printf "r1\nr2\n" | kput -s src -k key1 &&
	kget -s src -F "%s %T\n" >seqs &&
	cat >tee.sh <<-\EOF &&
	tee event.json | jq -c "{records: [.records[] | {recordId, result: \"Ok\", data}]}"
	EOF
	kfirehose --name t --from src --once --starting-position TRIM_HORIZON \
		--to dir:out --buffer-interval 900 --transform "sh tee.sh" &&
	jq -r .sourceKinesisStreamArn event.json >got &&
	echo arn:aws:kinesis:local:000000000000:stream/src >want && test_cmp want got &&
	jq -c ".records[] | [.approximateArrivalTimestamp, .kinesisRecordMetadata]" event.json >got &&
	while read -r s t; do
		echo "[$t,{\"shardId\":\"shardId-000000000000\",\"partitionKey\":\"key1\",\"approximateArrivalTimestamp\":$t,\"sequenceNumber\":\"$s\",\"subsequenceNumber\":0}]"
	done <seqs >want &&
	test_cmp want got
'

test_expect_success 'partition keys from the transform: !{partitionKeyFromLambda:k}' '
	mkdir lambda && cd lambda &&
	cat >keys.sh <<-\EOF &&
	jq -c "{records: [.records[] | {recordId, result: \"Ok\", data,
		metadata: {partitionKeys: {first: (.data | @base64d | .[0:1]), n: 7}}}]}"
	EOF
	printf "apple\navocado\nbanana\n" |
		fh --transform "sh keys.sh" --prefix "f=!{partitionKeyFromLambda:first}/n=!{partitionKeyFromLambda:n}/" &&
	printf "apple\navocado\n" >want && object out/f=a/n=7 >got && test_cmp want got &&
	printf "banana\n" >want && object out/f=b/n=7 >got && test_cmp want got
'

test_expect_success 'partitionKeys that are not strings fail the invocation' '
	bad_response badkeys Lambda.JsonProcessingException \
		"$json: records[0]: partition key '\''k'\'' is not a string" <<-\EOF
	jq -c "{records: [.records[] | {recordId, result: \"Ok\", data,
		metadata: {partitionKeys: {k: [1]}}}]}"
	EOF
'

test_expect_success 'the transform buffer: records reach the command in batches of --transform-buffer-size' '
	mkdir batches && cd batches &&
	cat >count.sh <<-\EOF &&
	echo "$KIN_FIREHOSE_RECORDS" >>sizes
	exec jq -c "{records: [.records[] | {recordId, result: \"Ok\", data}]}"
	EOF
	for i in $(seq 1 40); do head -c 30000 /dev/zero | tr "\\0" x; echo; done >in &&
	fh --transform "sh count.sh" --transform-buffer-size 256KiB <in &&
	test "$(wc -l <sizes)" -ge 4 &&
	awk "{ n += \$1 } END { exit n != 40 }" sizes &&
	object out >got && cmp in got
'

test_expect_success 'out-of-range processor options: exit 64 naming the option' '
	fails_with 64 "kfirehose: invalid --transform-retries '\''301'\'': expected an integer from 0 to 300" \
		fh --transform cat --transform-retries 301 </dev/null &&
	fails_with 64 "kfirehose: --transform-buffer-size 0.1: out of range: 0.2 to 3 MiB" \
		fh --transform cat --transform-buffer-size 0.1 </dev/null &&
	fails_with 64 "kfirehose: --transform-buffer-size 4MiB: out of range: 0.2 to 3 MiB" \
		fh --transform cat --transform-buffer-size 4MiB </dev/null &&
	fails_with 64 "kfirehose: --transform-buffer-interval 901: out of range: 0 to 900 seconds" \
		fh --transform cat --transform-buffer-interval 901 </dev/null &&
	fails_with 64 "kfirehose: --transform-timeout 0: out of range: 1ms to 300 seconds" \
		fh --transform cat --transform-timeout 0 </dev/null &&
	fails_with 64 "kfirehose: --transform-timeout 6m: out of range: 1ms to 300 seconds" \
		fh --transform cat --transform-timeout 6m </dev/null &&
	fails_with 64 "kfirehose: --transform-retries: needs --transform" \
		fh --transform-retries 2 </dev/null &&
	fails_with 64 "kfirehose: --transform: empty command" fh --transform "" </dev/null
'

test_expect_success 'in-range processor options are accepted' '
	mkdir range && cd range &&
	echo a | fh --transform "sh $TRASH/up.sh" --transform-retries 300 \
		--transform-buffer-size 0.2 --transform-buffer-interval 0 --transform-timeout 300 &&
	echo a | fh --transform "sh $TRASH/up.sh" --transform-buffer-size 3MiB \
		--transform-buffer-interval 15m --transform-timeout 2m &&
	printf "A\n" >want && for f in $(find out -type f); do test_cmp want "$f" || return 1; done
'

test_done
