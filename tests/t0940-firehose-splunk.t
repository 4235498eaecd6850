#!/bin/sh
# kfirehose to Splunk's HTTP Event Collector: the raw and event endpoints,
# the token and channel headers, indexer acknowledgement polled until true
# or until the acknowledgement timeout (run under faketime(1) at 60x speed,
# since Firehose allows no less than 180 s; request timeouts are made long
# enough that the speed-up cannot expire them), HEC errors mapped to
# Splunk.* codes and retried, failed records with EventId, the token kept
# out of every message, option errors.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/receiver.sh"

command -v faketime >/dev/null || { echo "1..0 # skip faketime is not installed"; exit 0; }

UUID='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

# data_requests NAME: the numbers of NAME's requests that are not ack polls.
data_requests() {
	for f in "$1"/*.headers; do
		head -n 1 "$f" | grep -q "^POST /services/collector/ack" ||
			basename "$f" .headers | sed "s/^0*//"
	done
}

test_expect_success 'raw endpoint: records back to back, then the ack polled until true' '
	mkdir d1 && cd d1 &&
	start_receiver s1 splunk --token "tok-123" --ack-polls 3 &&
	printf "alpha\nbeta\ngamma\n" >in &&
	kfirehose --name hec --to "splunk:http://127.0.0.1:$PORT" --hec-token tok-123 \
		--buffer-interval 0 --error-to dir:err <in &&
	test "$(requests s1)" = 4 &&
	ch=$(header s1 1 X-Splunk-Request-Channel) &&
	echo "$ch" | grep -E "^$UUID\$" &&
	cat >want <<-EOF &&
	POST /services/collector/raw HTTP/1.1
	Host: 127.0.0.1:$PORT
	User-Agent: kfirehose/$(kfirehose --version | sed "s/.* //")
	Accept: */*
	Authorization: Splunk tok-123
	X-Splunk-Request-Channel: $ch
	Content-Type: text/plain
	Content-Length: 14
	EOF
	test_cmp want s1/0001.headers &&
	printf "alphabetagamma" >want && test_cmp want "$(body s1 1)" &&
	for i in 2 3 4; do
		sed -e "s|^POST /services/collector/raw |POST /services/collector/ack?channel=$ch |" \
		    -e "s/^Content-Type: text\/plain/Content-Type: application\/json/" \
		    -e "s/^Content-Length: 14/Content-Length: 12/" s1/0001.headers >want &&
		test_cmp want "$(printf "s1/%04d.headers" $i)" &&
		printf "{\"acks\":[0]}" >want && test_cmp want "$(body s1 $i)" || return 1
	done &&
	test "$(tail -n 1 s1/0004.response)" = "{\"acks\": {\"0\": true}}" &&
	test -z "$(error_records err)"
'

test_expect_success 'raw endpoint with --append-delimiter: one line per record' '
	mkdir d2 && cd d2 &&
	start_receiver s2 splunk --ack-polls 1 &&
	seq 1 5 >in &&
	kfirehose --name hec --to "splunk:http://127.0.0.1:$PORT/" --hec-token t \
		--append-delimiter --buffer-interval 0 --error-to dir:err <in &&
	test_cmp in "$(body s2 1)" &&
	test "$(request_line s2 1)" = "POST /services/collector/raw HTTP/1.1"
'

test_expect_success 'event endpoint: {"event":...,"time":...} per record, JSON kept as JSON' '
	mkdir d3 && cd d3 &&
	start_receiver s3 splunk --ack-polls 1 &&
	printf "{\"a\":1}\nplain \"text\"\n42\nnull\n[1, {\"b\": true}]\n" >in &&
	kfirehose --name ev --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--hec-endpoint-type Event --buffer-interval 0 --error-to dir:err \
		--now 2016-02-25T13:00:00.250Z <in &&
	test "$(request_line s3 1)" = "POST /services/collector/event HTTP/1.1" &&
	test "$(header s3 1 Content-Type)" = application/json &&
	"$PY" - "$(body s3 1)" <<-\PY &&
	import json, re, sys
	lines = open(sys.argv[1]).read().splitlines()
	want = [{"a": 1}, "plain \"text\"", 42, "null", [1, {"b": True}]]
	assert len(lines) == len(want), lines
	for line, w in zip(lines, want):
	    assert re.fullmatch(r"\{\"event\":.*,\"time\":[0-9]+\.[0-9]{3}\}", line), line
	    ev = json.loads(line)
	    assert list(ev) == ["event", "time"] and ev["event"] == w, (ev, w)
	    assert 1456405200.25 <= ev["time"] < 1456405200.25 + 600, ev
	PY
	test -z "$(error_records err)"
'

test_expect_success '--hec-channel: the channel of every request and of the ack URL' '
	mkdir d4 && cd d4 &&
	start_receiver s4 splunk --ack-polls 1 &&
	ch=0A1B2C3D-4E5F-4a6b-8c7d-112233445566 &&
	echo x | kfirehose --name ch --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--hec-channel $ch --buffer-interval 0 --error-to dir:err &&
	test "$(header s4 1 X-Splunk-Request-Channel)" = $ch &&
	test "$(header s4 2 X-Splunk-Request-Channel)" = $ch &&
	test "$(request_line s4 2)" = "POST /services/collector/ack?channel=$ch HTTP/1.1"
'

test_expect_success 'indexer acknowledgement off (no ackId): a 200 is enough' '
	mkdir d5 && cd d5 &&
	start_receiver s5 splunk --no-acks &&
	echo x | kfirehose --name noack --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--buffer-interval 0 --error-to dir:err &&
	test "$(requests s5)" = 1 &&
	stop_receiver s5 && start_receiver s5 splunk &&
	echo no-ackid >s5.ctl &&
	echo x | kfirehose --name noack --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--buffer-interval 0 --error-to dir:err &&
	test "$(requests s5)" = 1 &&
	test -z "$(error_records err)"
'

test_expect_success 'no acknowledgement within the timeout: the events are sent again' '
	mkdir d6 && cd d6 &&
	start_receiver s6 splunk --ack-polls 1 &&
	echo no-ack >s6.ctl &&
	printf "a\nb\n" >in &&
	faketime -f "+0 x60" kfirehose --name late --to "splunk:http://127.0.0.1:$PORT" \
		--hec-token t --buffer-interval 0 --error-to dir:err --request-timeout 600 <in &&
	data_requests s6 >data &&
	test_line_count = 2 data &&
	cmp "$(body s6 $(sed -n 1p data))" "$(body s6 $(sed -n 2p data))" &&
	test -z "$(error_records err)"
'

test_expect_success 'never acknowledged: Splunk.AckTimeout after the retry duration, with EventId' '
	mkdir d7 && cd d7 &&
	start_receiver s7 splunk &&
	echo "always no-ack" >s7.ctl &&
	printf "one\ntwo\n" >in &&
	faketime -f "+0 x60" kfirehose --name never --to "splunk:http://127.0.0.1:$PORT" \
		--hec-token t --buffer-interval 0 --error-to dir:err --retry-duration 0 \
		--hec-acknowledgment-timeout 200 --request-timeout 600 <in &&
	data_requests s7 >data && test_line_count = 1 data &&
	test "$(requests s7)" -ge 3 &&
	error_records err >failed &&
	check_failed failed in Splunk.AckTimeout EventId &&
	"$PY" - failed <<-\PY
	import json, re, sys
	for k, r in enumerate(map(json.loads, open(sys.argv[1]))):
	    assert re.fullmatch(r"stdin\.[0-9]+\.%d\.0" % (k + 1), r["EventId"]), r
	    assert r["errorMessage"] == ("Did not receive an acknowledgement from HEC "
	        "before the HEC acknowledgement timeout (200s) expired: ackId 0 not yet "
	        "indexed"), r
	PY
'

test_expect_success 'HEC errors map to Splunk.* codes and are retried' '
	mkdir d8 && cd d8 &&
	echo x >in &&
	for c in "403 {\"text\":\"Token disabled\",\"code\":1}:Splunk.DisabledToken" \
		 "401 {\"text\":\"Token is required\",\"code\":2}:Splunk.InvalidToken" \
		 "400 {\"text\":\"Invalid data format\",\"code\":6}:Splunk.InvalidDataFormat" \
		 "400 {\"text\":\"Incorrect index\",\"code\":7}:Splunk.InvalidIndex" \
		 "413:Splunk.PayloadTooLarge" \
		 "503 {\"text\":\"Server is busy\",\"code\":9}:Splunk.ServerError" \
		 "close:Splunk.ConnectionClosed"; do
		start_receiver s8 splunk &&
		echo "always ${c%:*}" >s8.ctl &&
		faketime -f "+0 x60" kfirehose --name codes --hec-token t \
			--to "splunk:http://127.0.0.1:$PORT" --buffer-interval 0 \
			--error-to dir:err --retry-duration 10 --request-timeout 600 <in &&
		test "$(requests s8)" -ge 2 &&
		error_records err >failed &&
		check_failed failed in "${c##*:}" EventId &&
		stop_receiver s8 && rm -rf err || return 1
	done &&
	start_receiver s8 splunk &&
	echo "always 503 {\"text\":\"Server is busy\",\"code\":9}" >s8.ctl &&
	kfirehose --name codes --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--buffer-interval 0 --error-to dir:err --retry-duration 0 <in &&
	error_records err |
		grep -F "\"errorMessage\":\"The HEC responded 503: {\\\"text\\\":\\\"Server is busy\\\",\\\"code\\\":9}\""
'

test_expect_success 'a wrong token (403, code 4) and a wrong path (404)' '
	mkdir d9 && cd d9 &&
	start_receiver s9 splunk --token right &&
	echo x >in &&
	kfirehose --name tok --to "splunk:http://127.0.0.1:$PORT" --hec-token wrong \
		--buffer-interval 0 --error-to dir:err --retry-duration 0 <in &&
	error_records err >failed && check_failed failed in Splunk.InvalidToken EventId &&
	rm -rf err &&
	kfirehose --name tok --to "splunk:http://127.0.0.1:$PORT/nothing/here" \
		--hec-token right --buffer-interval 0 --error-to dir:err --retry-duration 0 <in &&
	test "$(request_line s9 2)" = "POST /nothing/here/services/collector/raw HTTP/1.1" &&
	error_records err >failed && check_failed failed in Splunk.URLNotFound EventId
'

test_expect_success 'a transient 500 is retried; the events go again with the same body' '
	mkdir d10 && cd d10 &&
	start_receiver s10 splunk --ack-polls 1 &&
	echo 500 >s10.ctl &&
	seq 1 3 >in &&
	kfirehose --name tr --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--append-delimiter --buffer-interval 0 --error-to dir:err <in &&
	data_requests s10 >data && test_line_count = 2 data &&
	test_cmp in "$(body s10 1)" && test_cmp in "$(body s10 2)" &&
	test -z "$(error_records err)"
'

test_expect_success 'timeouts and refused connections' '
	mkdir d11 && cd d11 &&
	start_receiver s11 splunk &&
	echo "always sleep 3" >s11.ctl &&
	echo x >in &&
	kfirehose --name to --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--buffer-interval 0 --error-to dir:err --retry-duration 0 --request-timeout 1 <in &&
	error_records err >failed && check_failed failed in Splunk.ConnectionTimeout EventId &&
	rm -rf err && stop_receiver s11 &&
	kfirehose --name to --to "splunk:http://127.0.0.1:$PORT" --hec-token t \
		--buffer-interval 0 --error-to dir:err --retry-duration 1 <in &&
	error_records err >failed && check_failed failed in Splunk.InvalidEndpoint EventId
'

test_expect_success 'the HEC token appears in no message, metrics line or failed record' '
	mkdir d12 && cd d12 &&
	start_receiver s12 splunk --token HUSH-HUSH-77 &&
	echo x | kfirehose -v --name sec --to "splunk:http://127.0.0.1:$PORT" \
		--hec-token WRONG-TOKEN-55 --buffer-interval 0 --error-to dir:eout \
		--retry-duration 1 --metrics-interval 1 2>stderr &&
	test "$(header s12 1 Authorization)" = "Splunk WRONG-TOKEN-55" &&
	! grep -e WRONG-TOKEN-55 -e HUSH-HUSH-77 stderr &&
	error_records eout >failed && test -s failed &&
	! grep -e WRONG-TOKEN-55 -e HUSH-HUSH-77 failed &&
	fails_with 64 "kfirehose: --hec-token: line breaks are not allowed (the value goes into an HTTP header)" \
		kfirehose --name sec --to splunk:http://127.0.0.1:1 --error-to dir:e \
		--hec-token "$(printf "SECRET\r\nX-Evil: 1")" </dev/null
'

test_expect_success 'bad option values: one line and exit 64' '
	mkdir d13 && cd d13 &&
	k="kfirehose --name bad --error-to dir:e --to splunk:http://127.0.0.1:1" &&
	fails_with 64 "kfirehose: --hec-token is required with a splunk destination" \
		$k </dev/null &&
	fails_with 64 "kfirehose: --hec-endpoint-type '"'"'raw'"'"': not one of Raw, Event" \
		$k --hec-token t --hec-endpoint-type raw </dev/null &&
	fails_with 64 "kfirehose: --hec-channel '"'"'chan-1'"'"': expected a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)" \
		$k --hec-token t --hec-channel chan-1 </dev/null &&
	fails_with 64 "kfirehose: --hec-acknowledgment-timeout 179: out of range: 180 to 600 seconds" \
		$k --hec-token t --hec-acknowledgment-timeout 179 </dev/null &&
	fails_with 64 "kfirehose: --hec-acknowledgment-timeout 11m: out of range: 180 to 600 seconds" \
		$k --hec-token t --hec-acknowledgment-timeout 11m </dev/null &&
	fails_with 64 "kfirehose: invalid --hec-acknowledgment-timeout '"'"'5x'"'"': expected a duration such as 500ms, 30s or 5m" \
		$k --hec-token t --hec-acknowledgment-timeout 5x </dev/null &&
	fails_with 64 "kfirehose: --buffer-size 6: out of range: 1 to 5 MiB for this destination" \
		$k --hec-token t --buffer-size 6 </dev/null &&
	fails_with 64 "kfirehose: --buffer-interval 61: out of range: 0 to 60 seconds" \
		$k --hec-token t --buffer-interval 61 </dev/null &&
	fails_with 64 "kfirehose: --index-name: only for a opensearch destination, not splunk" \
		$k --hec-token t --index-name x </dev/null
'

test_done
