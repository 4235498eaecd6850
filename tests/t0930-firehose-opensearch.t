#!/bin/sh
# kfirehose to OpenSearch: _bulk requests (action lines, documents on one
# line), index rotation by arrival time, stable document ids so that
# retries and restarts overwrite, records that are not JSON objects,
# partial bulk failures (only the retryable items are retried), whole
# request failures, failed records with esDocumentId/esIndexName/
# esTypeName, option errors.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/receiver.sh"

# check_bulk BODY INDEX INPUT [TYPE]: BODY holds one index action (with
# INDEX, TYPE when given, and a stdin record id naming the line) and the
# document for each line of INPUT, in order.
check_bulk() {
	"$PY" - "$@" <<-\PY
	import json, re, sys
	body, index, inp = sys.argv[1:4]
	typ = sys.argv[4] if len(sys.argv) > 4 else None
	lines = open(body, "rb").read().split(b"\n")
	assert lines.pop() == b"", "no final newline"
	want = open(inp, "rb").read().splitlines()
	assert len(lines) == 2 * len(want), (len(lines), len(want))
	for k, doc in enumerate(want):
	    action = json.loads(lines[2 * k])
	    meta = action["index"]
	    keys = ["_index"] + (["_type"] if typ else []) + ["_id"]
	    assert list(action) == ["index"] and list(meta) == keys, action
	    assert meta["_index"] == index, meta
	    assert meta.get("_type") == typ, meta
	    assert re.fullmatch(r"stdin\.[0-9]+\.%d\.0" % (k + 1), meta["_id"]), meta
	    assert lines[2 * k + 1] == doc, (lines[2 * k + 1], doc)
	PY
}

# stored NAME INDEX: the documents NAME's receiver holds in INDEX, one
# compact JSON line each, sorted.
stored() {
	"$PY" -c "
import json, sys
store = json.load(open(sys.argv[1]))
for d in sorted(json.dumps(d, separators=(',', ':')) for d in store.get(sys.argv[2], {}).values()):
    print(d)
" "$1/store.json" "$2"
}

test_expect_success 'a batch: one _bulk request, an index action per record' '
	mkdir d1 && cd d1 &&
	start_receiver o1 opensearch &&
	printf "{\"a\":1}\n{\"b\": \"two\", \"c\": [1, 2]}\n  {\"d\":null}  \n" >in &&
	kfirehose --name os --to "opensearch:http://127.0.0.1:$PORT" --index-name logs \
		--buffer-interval 0 --error-to dir:err --now 2016-02-25T13:00:00Z <in &&
	test "$(requests o1)" = 1 &&
	cat >want <<-EOF &&
	POST /_bulk HTTP/1.1
	Host: 127.0.0.1:$PORT
	User-Agent: kfirehose/$(kfirehose --version | sed "s/.* //")
	Accept: */*
	Content-Type: application/x-ndjson
	Content-Length: $(wc -c <"$(body o1 1)" | tr -d " ")
	EOF
	test_cmp want o1/0001.headers &&
	check_bulk "$(body o1 1)" logs-2016-02-25 in &&
	test "$(stored o1 logs-2016-02-25 | wc -l)" = 3 &&
	test -z "$(error_records err)"
'

test_expect_success 'index rotation: suffixes from the arrival time (UTC), weeks from Sunday' '
	mkdir d2 && cd d2 &&
	start_receiver o2 opensearch &&
	echo "{}" >in &&
	for r in NoRotation:logs OneHour:logs-2016-02-25-13 OneDay:logs-2016-02-25 \
		 OneWeek:logs-2016-w09 OneMonth:logs-2016-02; do
		kfirehose --name rot --to "opensearch:http://127.0.0.1:$PORT/" \
			--index-name logs --index-rotation-period ${r%%:*} \
			--buffer-interval 0 --error-to dir:err --now 2016-02-25T13:00:00Z <in &&
		n=$(requests o2) &&
		check_bulk "$(body o2 $n)" ${r#*:} in || return 1
	done
'

test_expect_success 'OneWeek: week 1 holds January 1, also for the last days of December' '
	mkdir d3 && cd d3 &&
	start_receiver o3 opensearch &&
	echo "{}" >in &&
	for t in 2016-01-01T00:00:00Z:2016-w01 2016-01-02T23:59:59Z:2016-w01 \
		 2016-01-03T00:00:00Z:2016-w02 2015-12-27T00:00:00Z:2016-w01 \
		 2015-12-26T23:00:00Z:2015-w52 2017-01-01T12:00:00Z:2017-w01 \
		 2016-12-31T12:00:00Z:2016-w53 2020-08-10T00:00:00Z:2020-w33; do
		kfirehose --name wk --to "opensearch:http://127.0.0.1:$PORT" \
			--index-name w --index-rotation-period OneWeek \
			--buffer-interval 0 --error-to dir:err --now ${t%Z:*}Z <in &&
		n=$(requests o3) &&
		check_bulk "$(body o3 $n)" "w-${t#*Z:}" in || return 1
	done
'

test_expect_success 'a record spread over lines goes as one line; --type-name adds _type' '
	mkdir d4 && cd d4 &&
	start_receiver o4 opensearch &&
	printf "{\n  \"a\": 1,\r\n  \"b\": \"x\\\\ny\"\n}\0" >in0 &&
	kfirehose -0 --name ml --to "opensearch:http://127.0.0.1:$PORT" --index-name docs \
		--type-name _doc --index-rotation-period NoRotation --buffer-interval 0 \
		--error-to dir:err <in0 &&
	printf "{   \"a\": 1,    \"b\": \"x\\\\ny\" }\n" >in &&
	check_bulk "$(body o4 1)" docs in _doc &&
	test "$(stored o4 docs)" = "{\"a\":1,\"b\":\"x\\ny\"}"
'

test_expect_success 'records that are not one JSON object: OS.MalformedDocument at once' '
	mkdir d5 && cd d5 &&
	start_receiver o5 opensearch &&
	printf "{\"ok\":1}\nnot json\n[1,2]\n\"s\"\n{\"a\":1}{\"b\":2}\n{\"bad\":\n{\"ok\":2}\n" >in &&
	kfirehose --name mal --to "opensearch:http://127.0.0.1:$PORT" --index-name m \
		--index-rotation-period NoRotation --type-name t --buffer-interval 0 \
		--error-to dir:err <in &&
	test "$(requests o5)" = 1 &&
	"$PY" - "$(body o5 1)" <<-\PY &&
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	ids = [json.loads(l)["index"]["_id"].split(".")[2] for l in lines[0::2]]
	assert ids == ["1", "7"], ids
	assert lines[1::2] == ["{\"ok\":1}", "{\"ok\":2}"], lines
	PY
	sed -n "2,6p" in >bad &&
	error_records err >failed &&
	check_failed failed bad OS.MalformedDocument esDocumentId esIndexName esTypeName &&
	"$PY" - failed <<-\PY
	import json, re, sys
	for k, r in enumerate(map(json.loads, open(sys.argv[1]))):
	    assert r["attemptsMade"] == 1, r
	    assert re.fullmatch(r"stdin\.[0-9]+\.%d\.0" % (k + 2), r["esDocumentId"]), r
	    assert r["esIndexName"] == "m" and r["esTypeName"] == "t", r
	    assert r["errorMessage"].startswith("The record is not a single JSON object"), r
	PY
'

test_expect_success 'a partial bulk failure: only the 429 and 5xx items are retried' '
	mkdir d6 && cd d6 &&
	start_receiver o6 opensearch &&
	echo "bulk-partial 429 400 201 503" >o6.ctl &&
	printf "{\"n\":1}\n{\"n\":\"two\"}\n{\"n\":3}\n{\"n\":4}\n" >in &&
	kfirehose --name part --to "opensearch:http://127.0.0.1:$PORT" --index-name p \
		--index-rotation-period NoRotation --buffer-interval 0 --error-to dir:err <in &&
	test "$(requests o6)" = 2 &&
	"$PY" - "$(body o6 1)" "$(body o6 2)" <<-\PY &&
	import json, sys
	first, second = (open(f).read().splitlines() for f in sys.argv[1:])
	ids1 = [json.loads(l)["index"]["_id"] for l in first[0::2]]
	ids2 = [json.loads(l)["index"]["_id"] for l in second[0::2]]
	assert ids2 == [ids1[0], ids1[3]], (ids1, ids2)
	assert second[1::2] == ["{\"n\":1}", "{\"n\":4}"], second
	PY
	printf "{\"n\":1}\n{\"n\":3}\n{\"n\":4}\n" >want &&
	stored o6 p >got && test_cmp want got &&
	sed -n 2p in >bad &&
	error_records err >failed &&
	check_failed failed bad mapper_parsing_exception esDocumentId esIndexName esTypeName &&
	"$PY" - failed <<-\PY
	import json, sys
	r = json.loads(open(sys.argv[1]).readline())
	assert r["attemptsMade"] == 1, r
	assert r["errorMessage"] == "failed to parse field [n] of type [long]", r
	assert r["esIndexName"] == "p" and r["esTypeName"] is None, r
	PY
'

test_expect_success 'items rejected until the retry duration ends: es_rejected_execution_exception' '
	mkdir d7 && cd d7 &&
	start_receiver o7 opensearch &&
	printf "bulk-partial 201 429\nalways bulk-partial 429\n" >o7.ctl &&
	printf "{\"n\":1}\n{\"n\":2}\n" >in &&
	kfirehose --name rej --to "opensearch:http://127.0.0.1:$PORT" --index-name r \
		--index-rotation-period NoRotation --buffer-interval 0 --error-to dir:err \
		--retry-duration 2 <in &&
	n=$(requests o7) && test "$n" -ge 2 &&
	sed -n 2p in >bad &&
	error_records err >failed &&
	check_failed failed bad es_rejected_execution_exception esDocumentId esIndexName \
		esTypeName &&
	"$PY" - failed "$n" <<-\PY
	import json, sys
	r = json.loads(open(sys.argv[1]).readline())
	assert r["attemptsMade"] == int(sys.argv[2]), (r, sys.argv[2])
	PY
'

test_expect_success 'whole-request failures are retried; the same ids overwrite, never duplicate' '
	mkdir d8 && cd d8 &&
	start_receiver o8 opensearch &&
	printf "500\nclose\n" >o8.ctl &&
	seq 1 5 | sed "s/.*/{\"n\":&}/" >in &&
	kfirehose --name ow --to "opensearch:http://127.0.0.1:$PORT" --index-name o \
		--index-rotation-period NoRotation --buffer-interval 0 --error-to dir:err <in &&
	test "$(requests o8)" = 3 &&
	cmp "$(body o8 1)" "$(body o8 3)" &&
	stored o8 o >got && test_cmp in got &&
	test -z "$(error_records err)"
'

test_expect_success 'restarts from a kin stream overwrite the same documents' '
	mkdir d9 && cd d9 &&
	start_receiver o9 opensearch &&
	kshard create src -n 2 &&
	seq 1 20 | sed "s/.*/{\"n\":&}/" | kput -s src &&
	for name in first second; do
		kfirehose --name $name --from src --once --starting-position TRIM_HORIZON \
			--to "opensearch:http://127.0.0.1:$PORT" --index-name s \
			--index-rotation-period NoRotation --buffer-interval 0 \
			--error-to dir:err || return 1
	done &&
	test "$(requests o9)" -ge 2 &&
	seq 1 20 | sed "s/.*/{\"n\":&}/" | LC_ALL=C sort >want &&
	stored o9 s >got && test_cmp want got &&
	grep -h -o "\"_id\":\"[0-9]\{39\}\.0\"" o9/*.body | sort | uniq -c >ids &&
	test_line_count = 20 ids && ! grep -v "^ *2 " ids
'

test_expect_success 'NO_DOCUMENT_ID: no _id (OpenSearch assigns one); esDocumentId null' '
	mkdir d10 && cd d10 &&
	start_receiver o10 opensearch &&
	echo "bulk-partial 201 400" >o10.ctl &&
	printf "{\"n\":1}\n{\"n\":2}\n" >in &&
	kfirehose --name noid --to "opensearch:http://127.0.0.1:$PORT" --index-name n \
		--document-id-options NO_DOCUMENT_ID --index-rotation-period NoRotation \
		--buffer-interval 0 --error-to dir:err <in &&
	! grep "_id" "$(body o10 1)" &&
	grep -c "^{\"index\":{\"_index\":\"n\"}}\$" "$(body o10 1)" >count &&
	echo 2 >want && test_cmp want count &&
	error_records err >failed &&
	sed -n 2p in >bad &&
	check_failed failed bad mapper_parsing_exception esDocumentId esIndexName esTypeName &&
	grep "\"esDocumentId\":null,\"esIndexName\":\"n\",\"esTypeName\":null}" failed
'

test_expect_success 'error codes of whole requests and broken connections' '
	mkdir d11 && cd d11 &&
	echo "{}" >in &&
	for c in 403:OS.AccessDenied 404:OS.ResourceNotFound 429:OS.TooManyRequests \
		 500:OS.ServerError 400:OS.BadRequest badjson:OS.InvalidResponse \
		 close:OS.ConnectionReset; do
		start_receiver o11 opensearch &&
		echo "always ${c%%:*}" >o11.ctl &&
		kfirehose --name codes --to "opensearch:http://127.0.0.1:$PORT" \
			--index-name c --buffer-interval 0 --error-to dir:err \
			--retry-duration 0 <in &&
		error_records err >failed &&
		check_failed failed in ${c#*:} esDocumentId esIndexName esTypeName &&
		stop_receiver o11 && rm -rf err || return 1
	done &&
	start_receiver o11 opensearch && echo 413 >o11.ctl &&
	kfirehose --name codes --to "opensearch:http://127.0.0.1:$PORT" --index-name c \
		--buffer-interval 0 --error-to dir:err <in &&
	test "$(requests o11)" = 1 &&
	error_records err >failed &&
	check_failed failed in OS.PayloadTooLarge esDocumentId esIndexName esTypeName &&
	stop_receiver o11 && rm -rf err &&
	kfirehose --name codes --to "opensearch:http://127.0.0.1:$PORT" --index-name c \
		--buffer-interval 0 --error-to dir:err --retry-duration 1 <in &&
	error_records err >failed &&
	check_failed failed in OS.ConnectionFailed esDocumentId esIndexName esTypeName
'

test_expect_success 'bad option values: one line and exit 64' '
	mkdir d12 && cd d12 &&
	k="kfirehose --name bad --error-to dir:e --to opensearch:http://127.0.0.1:1" &&
	fails_with 64 "kfirehose: --index-name is required with an opensearch destination" \
		$k </dev/null &&
	fails_with 64 "kfirehose: --index-rotation-period '"'"'Hourly'"'"': not one of NoRotation, OneHour, OneDay, OneWeek, OneMonth" \
		$k --index-name x --index-rotation-period Hourly </dev/null &&
	fails_with 64 "kfirehose: --document-id-options '"'"'CUSTOM'"'"': not one of FIREHOSE_DEFAULT, NO_DOCUMENT_ID" \
		$k --index-name x --document-id-options CUSTOM </dev/null &&
	fails_with 64 "kfirehose: --index-name '"'"'Logs'"'"': must be lower case, without spaces or any of \\/*?\"<>|,#:" \
		$k --index-name Logs </dev/null &&
	fails_with 64 "kfirehose: --index-name '"'"'_x'"'"': must not start with '"'"'_'"'"', '"'"'-'"'"' or '"'"'+'"'"', nor be '"'"'.'"'"' or '"'"'..'"'"'" \
		$k --index-name _x </dev/null &&
	long=$(head -c 81 /dev/zero | tr "\0" x) &&
	fails_with 64 "kfirehose: --index-name '"'"'$long'"'"': 1 to 80 characters" \
		$k --index-name $long </dev/null &&
	long=$(head -c 101 /dev/zero | tr "\0" t) &&
	fails_with 64 "kfirehose: --type-name '"'"'$long'"'"': at most 100 characters" \
		$k --index-name x --type-name $long </dev/null &&
	fails_with 64 "kfirehose: --to opensearch: '"'"'ftp://h'"'"': expected an http:// or https:// URL" \
		kfirehose --name bad --error-to dir:e --to opensearch:ftp://h --index-name x </dev/null &&
	fails_with 64 "kfirehose: --buffer-size 101: out of range: 1 to 100 MiB for this destination" \
		$k --index-name x --buffer-size 101 </dev/null &&
	fails_with 64 "kfirehose: --access-key: only for a http destination, not opensearch" \
		$k --index-name x --access-key k </dev/null
'

test_done
