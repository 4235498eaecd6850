#!/bin/sh
# kfirehose to an HTTP endpoint: Firehose's request (every header, the JSON
# body, gzip), its response rules (only a 200 with the matching requestId
# and a timestamp), retries with the same request id, 413 as a permanent
# failure, timeouts and broken connections, failed records after the retry
# duration, TLS verification, secrets kept out of messages, option errors.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/receiver.sh"

UUID='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
VERSION=$(kfirehose --version | sed "s/.* //")

# check_request BODY REQUEST-ID INPUT T0 T1: BODY is Firehose's request JSON
# for the lines of INPUT, with REQUEST-ID and a timestamp in [T0, T1] (ms).
check_request() {
	"$PY" - "$@" <<-\PY
	import base64, json, sys
	body, rid, inp, t0, t1 = sys.argv[1:]
	req = json.load(open(body))
	want = open(inp, "rb").read().splitlines()
	assert list(req) == ["requestId", "timestamp", "records"], list(req)
	assert req["requestId"] == rid, (req["requestId"], rid)
	assert type(req["timestamp"]) is int and int(t0) <= req["timestamp"] <= int(t1), \
	    (req["timestamp"], t0, t1)
	assert all(list(r) == ["data"] for r in req["records"]), req["records"][:3]
	got = [base64.b64decode(r["data"], validate=True) for r in req["records"]]
	assert got == want, (got[:5], want[:5])
	PY
}

now_ms() { date +%s%3N; }

test_expect_success 'a batch: every header and the body as Firehose sends them' '
	mkdir d1 && cd d1 &&
	start_receiver r1 http &&
	printf "alpha\nbeta\n{\"k\": [1, 2]}\n\nlast line\n" >in &&
	t0=$(now_ms) &&
	kfirehose --name web --to "http://127.0.0.1:$PORT/ingest?src=kin" \
		--buffer-interval 0 --error-to dir:err --access-key "k3y s3cret" \
		--common-attribute env=dev --common-attribute "team=a \"b\"" <in &&
	t1=$(now_ms) &&
	test "$(requests r1)" = 1 &&
	id=$(header r1 1 X-Amz-Firehose-Request-Id) &&
	echo "$id" | grep -E "^$UUID\$" &&
	cat >want <<-EOF &&
	POST /ingest?src=kin HTTP/1.1
	Host: 127.0.0.1:$PORT
	User-Agent: kfirehose/$VERSION
	Accept: */*
	X-Amz-Firehose-Protocol-Version: 1.0
	X-Amz-Firehose-Request-Id: $id
	X-Amz-Firehose-Source-Arn: arn:aws:firehose:local:000000000000:deliverystream/web
	X-Amz-Firehose-Access-Key: k3y s3cret
	X-Amz-Firehose-Common-Attributes: {"commonAttributes":{"env":"dev","team":"a \\"b\\""}}
	Content-Type: application/json
	Content-Length: $(wc -c <"$(body r1 1)" | tr -d " ")
	EOF
	test_cmp want r1/0001.headers &&
	check_request "$(body r1 1)" "$id" in "$t0" "$t1" &&
	test -z "$(error_records err)"
'

test_expect_success 'no --access-key, no attributes: those headers are absent' '
	mkdir d2 && cd d2 &&
	start_receiver r2 http &&
	echo x >in &&
	kfirehose --name plain --to "http://127.0.0.1:$PORT" --buffer-interval 0 \
		--error-to dir:err <in &&
	! grep -i -e "^X-Amz-Firehose-Access-Key" -e "^X-Amz-Firehose-Common-Attributes" \
		-e "^Content-Encoding" r2/0001.headers &&
	test "$(request_line r2 1)" = "POST / HTTP/1.1" &&
	test "$(header r2 1 X-Amz-Firehose-Source-Arn)" = \
		"arn:aws:firehose:local:000000000000:deliverystream/plain"
'

test_expect_success '--content-encoding GZIP: a gzip body and Content-Encoding: gzip' '
	mkdir d3 && cd d3 &&
	start_receiver r3 http &&
	seq 1 2000 >in &&
	t0=$(now_ms) &&
	kfirehose --name gz --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err --content-encoding GZIP <in &&
	t1=$(now_ms) &&
	test "$(header r3 1 Content-Encoding)" = gzip &&
	test "$(header r3 1 Content-Type)" = application/json &&
	test "$(head -c 2 r3/0001.raw | od -An -tx1 | tr -d " ")" = 1f8b &&
	test "$(header r3 1 Content-Length)" = "$(wc -c <r3/0001.raw | tr -d " ")" &&
	gzip -dc r3/0001.raw | cmp - "$(body r3 1)" &&
	check_request "$(body r3 1)" "$(header r3 1 X-Amz-Firehose-Request-Id)" in "$t0" "$t1"
'

test_expect_success 'more than 10000 records: one request per 10000, each its own id' '
	mkdir d4 && cd d4 &&
	start_receiver r4 http &&
	seq 1 10001 >in &&
	kfirehose --name many --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err <in &&
	test "$(requests r4)" = 2 &&
	test "$(header r4 1 X-Amz-Firehose-Request-Id)" != \
		"$(header r4 2 X-Amz-Firehose-Request-Id)" &&
	"$PY" -c "
import base64, json, sys
n = [len(json.load(open(f))[\"records\"]) for f in sys.argv[1:]]
assert n == [10000, 1], n
" "$(body r4 1)" "$(body r4 2)"
'

test_expect_success 'a 500 and a 503 are retried with the same request id and body' '
	mkdir d5 && cd d5 &&
	start_receiver r5 http &&
	printf "500\n503 busy, try later\n" >r5.ctl &&
	seq 1 3 >in &&
	kfirehose --name retry --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err <in &&
	test "$(requests r5)" = 3 &&
	id=$(header r5 1 X-Amz-Firehose-Request-Id) &&
	test "$(header r5 2 X-Amz-Firehose-Request-Id)" = "$id" &&
	test "$(header r5 3 X-Amz-Firehose-Request-Id)" = "$id" &&
	"$PY" -c "
import json, sys
a, b, c = (json.load(open(f)) for f in sys.argv[1:])
assert a[\"records\"] == b[\"records\"] == c[\"records\"]
assert a[\"requestId\"] == b[\"requestId\"] == c[\"requestId\"]
" "$(body r5 1)" "$(body r5 2)" "$(body r5 3)" &&
	test -z "$(error_records err)"
'

test_expect_success '413: to the error output at once, without a retry' '
	mkdir d6 && cd d6 &&
	start_receiver r6 http &&
	echo 413 >r6.ctl &&
	printf "one\ntwo\n" >in &&
	kfirehose --name big --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err <in &&
	test "$(requests r6)" = 1 &&
	error_records err >failed &&
	check_failed failed in HttpEndpoint.DestinationException subsequenceNumber dataId &&
	"$PY" - failed <<-\PY
	import json, sys
	for r in map(json.loads, open(sys.argv[1])):
	    assert r["attemptsMade"] == 1, r
	    assert r["subsequenceNumber"] == 0, r
	    assert r["dataId"].startswith("stdin."), r
	    assert r["errorMessage"].startswith(
	        "The endpoint responded with an error: 413: {\"requestId\""), r
	    assert "injected 413" in r["errorMessage"], r
	PY
'

test_expect_success 'still failing after the retry duration: failed records with every field' '
	mkdir d7 && cd d7 &&
	start_receiver r7 http &&
	echo "always 500 upstream down" >r7.ctl &&
	printf "r1\nr2\nr3\n" >in &&
	kfirehose --name down --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err --retry-duration 3 <in &&
	n=$(requests r7) && test "$n" -ge 2 &&
	for i in $(seq 2 "$n"); do
		test "$(header r7 $i X-Amz-Firehose-Request-Id)" = \
			"$(header r7 1 X-Amz-Firehose-Request-Id)" || return 1
	done &&
	error_records err >failed &&
	check_failed failed in HttpEndpoint.DestinationException subsequenceNumber dataId &&
	"$PY" - failed "$n" <<-\PY
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	ids = {r["dataId"] for r in recs}
	assert len(ids) == 3, ids
	for r in recs:
	    assert r["attemptsMade"] == int(sys.argv[2]), (r, sys.argv[2])
	    assert r["errorMessage"] == \
	        "The endpoint responded with an error: 500: upstream down", r
	PY
'

for d in badjson wrong-request-id no-timestamp big close; do
	test_expect_success "an invalid answer ($d) counts as a failure and is retried" '
	mkdir d8$d && cd d8$d &&
		start_receiver r8$d http &&
		echo $d >r8$d.ctl &&
		echo x >in &&
		kfirehose --name inv --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
			--error-to dir:err8$d <in &&
		test "$(requests r8$d)" = 2 &&
		test "$(header r8$d 2 X-Amz-Firehose-Request-Id)" = \
			"$(header r8$d 1 X-Amz-Firehose-Request-Id)" &&
		test -z "$(error_records err8$d)"
	'
done

test_expect_success 'error codes: invalid response, response too large, connection reset' '
	mkdir d9 && cd d9 &&
	for d in wrong-request-id:InvalidResponseFromDestination \
		 badjson:InvalidResponseFromDestination big:ResponseTooLarge \
		 close:ConnectionReset; do
		start_receiver r9 http &&
		echo "always ${d%%:*}" >r9.ctl &&
		echo x >in &&
		kfirehose --name codes --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
			--error-to dir:err9 --retry-duration 0 <in &&
		error_records err9 >failed &&
		check_failed failed in "HttpEndpoint.${d#*:}" subsequenceNumber dataId &&
		stop_receiver r9 && rm -rf err9 || return 1
	done &&
	start_receiver r9 http && echo "always wrong-request-id" >r9.ctl &&
	echo x | kfirehose --name codes --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err9 --retry-duration 0 &&
	error_records err9 | grep "requestId does not match"
'

test_expect_success 'a request timeout is retried with the same id' '
	mkdir d10 && cd d10 &&
	start_receiver r10 http &&
	echo "sleep 4" >r10.ctl &&
	echo x >in &&
	kfirehose --name slow --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err10 --request-timeout 1 <in &&
	test "$(requests r10)" = 2 &&
	test "$(header r10 2 X-Amz-Firehose-Request-Id)" = \
		"$(header r10 1 X-Amz-Firehose-Request-Id)" &&
	test -z "$(error_records err10)" &&
	echo "always sleep 3" >r10.ctl &&
	kfirehose --name slow --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err10 --request-timeout 1 --retry-duration 0 <in &&
	error_records err10 >failed &&
	check_failed failed in HttpEndpoint.RequestTimeout subsequenceNumber dataId
'

test_expect_success 'nobody listening: HttpEndpoint.ConnectionFailed after the retry duration' '
	mkdir d11 && cd d11 &&
	start_receiver r11 http && stop_receiver r11 &&
	sleep 0.5 &&
	printf "a\nb\n" >in &&
	kfirehose --name gone --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err11 --retry-duration 2 <in &&
	error_records err11 >failed &&
	check_failed failed in HttpEndpoint.ConnectionFailed subsequenceNumber dataId
'

test_expect_success 'https: verified against --ca-file; an unknown certificate fails' '
	mkdir d12 && cd d12 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	start_receiver r12 http --tls-cert cert.pem --tls-key key.pem &&
	echo secure >in &&
	kfirehose --name tls --to "https://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err12 --ca-file cert.pem <in &&
	test "$(requests r12)" = 1 && test -z "$(error_records err12)" &&
	kfirehose --name tls --to "https://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err12 --retry-duration 0 <in &&
	test "$(requests r12)" = 1 &&
	error_records err12 >failed &&
	check_failed failed in HttpEndpoint.SSLHandshakeFailure subsequenceNumber dataId
'

test_expect_success 'the access key appears in no message, metrics line or failed record' '
	mkdir d13 && cd d13 &&
	start_receiver r13 http &&
	echo "always 500" >r13.ctl &&
	echo x | kfirehose -v --name sec --to "http://127.0.0.1:$PORT/" --buffer-interval 0 \
		--error-to dir:err13 --retry-duration 1 --access-key TOPSECRET42 \
		--metrics-interval 1 2>stderr &&
	test "$(header r13 1 X-Amz-Firehose-Access-Key)" = TOPSECRET42 &&
	! grep TOPSECRET42 stderr &&
	error_records err13 >failed && test -s failed && ! grep TOPSECRET42 failed &&
	long=$(head -c 4097 /dev/zero | tr "\0" k) &&
	fails_with 64 "kfirehose: --access-key: longer than 4096 bytes" \
		kfirehose --name sec --to http://127.0.0.1:1/ --error-to dir:e \
		--access-key "$long" </dev/null &&
	fails_with 64 "kfirehose: --access-key: line breaks are not allowed (the value goes into an HTTP header)" \
		kfirehose --name sec --to http://127.0.0.1:1/ --error-to dir:e \
		--access-key "$(printf "a\nb")" </dev/null
'

test_expect_success 'bad option values: one line and exit 64' '
	mkdir d14 && cd d14 &&
	k="kfirehose --name bad --error-to dir:e" &&
	fails_with 64 "kfirehose: --content-encoding '"'"'zip'"'"': expected NONE or GZIP" \
		$k --to http://127.0.0.1:1/ --content-encoding zip </dev/null &&
	fails_with 64 "kfirehose: --common-attribute '"'"'novalue'"'"': expected NAME=VALUE with a non-blank NAME" \
		$k --to http://127.0.0.1:1/ --common-attribute novalue </dev/null &&
	fails_with 64 "kfirehose: --common-attribute '"'"'=v'"'"': expected NAME=VALUE with a non-blank NAME" \
		$k --to http://127.0.0.1:1/ --common-attribute =v </dev/null &&
	fails_with 64 "kfirehose: --common-attribute '"'"'a'"'"': given twice" \
		$k --to http://127.0.0.1:1/ --common-attribute a=1 --common-attribute a=2 </dev/null &&
	fails_with 64 "kfirehose: --to '"'"'http://'"'"': no host" \
		$k --to http:// </dev/null &&
	fails_with 64 "kfirehose: --to '"'"'http://a b/'"'"': spaces or control characters in the URL" \
		$k --to "http://a b/" </dev/null &&
	fails_with 64 "kfirehose: --ca-file '"'"'nope.pem'"'"': No such file or directory" \
		$k --to https://127.0.0.1:1/ --ca-file nope.pem </dev/null &&
	fails_with 64 "kfirehose: --buffer-size 65: out of range: 1 to 64 MiB for this destination" \
		$k --to http://127.0.0.1:1/ --buffer-size 65 </dev/null &&
	fails_with 64 "kfirehose: --hec-token: only for a splunk destination, not http" \
		$k --to http://127.0.0.1:1/ --hec-token t </dev/null
'

test_expect_success 'the options also come from a -c file' '
	mkdir d15 && cd d15 &&
	start_receiver r14 http &&
	cat >fh.conf <<-EOF &&
	name = conf
	to = http://127.0.0.1:$PORT/c
	error-to = dir:err14
	buffer-interval = 0
	content-encoding = GZIP
	access-key = from-file
	common-attribute = a=1
	common-attribute = b=2
	EOF
	echo x | kfirehose -c fh.conf &&
	test "$(header r14 1 X-Amz-Firehose-Access-Key)" = from-file &&
	test "$(header r14 1 Content-Encoding)" = gzip &&
	test "$(header r14 1 X-Amz-Firehose-Common-Attributes)" = \
		"{\"commonAttributes\":{\"a\":\"1\",\"b\":\"2\"}}"
'

test_done
