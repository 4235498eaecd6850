# receiver.sh: helpers for the tests of kfirehose's HTTP-based destinations
# (sourced after lib.sh). They start tests/lib/receiver.py and read what it
# logged; see the top of receiver.py for its log files and control lines.

# The system's Python starts much faster than a pyenv shim; stdlib only.
PY=python3
test -x /usr/bin/python3 && PY=/usr/bin/python3

# start_receiver NAME MODE [receiver options...]: starts a receiver in the
# background logging into NAME/ with the control file NAME.ctl, its pid in
# $TRASH/NAME.pid (killed at exit), and waits (up to 30 s) for its port,
# which it puts in PORT.
start_receiver() {
	sr_name=$1 sr_mode=$2
	shift 2
	rm -rf "$sr_name" "$sr_name.port" && mkdir "$sr_name" && : >"$sr_name.ctl" || return 1
	"$PY" "$TEST_DIRECTORY/lib/receiver.py" --port-file "$sr_name.port" \
		--log "$sr_name" --mode "$sr_mode" --fail-file "$sr_name.ctl" "$@" \
		2>"$sr_name.stderr" &
	echo $! >"$TRASH/$sr_name.pid"
	sr_i=0
	while ! test -s "$sr_name.port"; do
		sr_i=$((sr_i + 1))
		if test $sr_i -gt 300 || ! kill -0 "$(cat "$TRASH/$sr_name.pid")" 2>/dev/null; then
			echo "start_receiver: $sr_name did not start" >&2
			cat "$sr_name.stderr" >&2
			return 1
		fi
		sleep 0.1
	done
	PORT=$(cat "$sr_name.port")
}

# stop_receiver NAME: stops it (a later connection is refused).
stop_receiver() {
	kill "$(cat "$TRASH/$1.pid")" 2>/dev/null
	rm -f "$TRASH/$1.pid"
}

# requests NAME: how many requests it has logged.
requests() {
	find "$1" -name "*.headers" | wc -l | tr -d " "
}

# header NAME N HEADER: the value of HEADER in request N (1, 2, ...).
header() {
	sed -n "s/^$3: //p" "$(printf "%s/%04d.headers" "$1" "$2")"
}

# request_line NAME N: "METHOD PATH VERSION" of request N.
request_line() {
	head -n 1 "$(printf "%s/%04d.headers" "$1" "$2")"
}

# body NAME N: the path of request N's body (gunzipped when it was gzipped).
body() {
	printf "%s/%04d.body" "$1" "$2"
}

# error_records DIR: every failed-record line under DIR, in file order.
error_records() {
	test -d "$1" || return 0
	find "$1" -path "$1/.kfirehose-tmp" -prune -o -type f -print | sort | xargs -r cat
}

# check_failed RECORDS INPUT CODE KEY...: RECORDS holds one failed-record
# object per line of INPUT (in order, rawData decoding to the line), each
# with exactly Firehose's members plus the KEYs, errorCode CODE and
# timestamps in order.
check_failed() {
	"$PY" - "$@" <<-\PY
	import base64, json, sys
	records, inp, code, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	want = open(inp, "rb").read().splitlines()
	got = [json.loads(l) for l in open(records, "rb").read().splitlines()]
	keys = ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage",
	        "attemptEndingTimestamp", "rawData"] + extra
	def fail(msg):
	    sys.exit("check_failed: " + msg)
	if len(got) != len(want):
	    fail("%d records, expected %d" % (len(got), len(want)))
	for r, w in zip(got, want):
	    if list(r) != keys:
	        fail("members %s, expected %s" % (list(r), keys))
	    if base64.b64decode(r["rawData"], validate=True) != w:
	        fail("rawData %r, expected %r" % (r["rawData"], w))
	    if r["errorCode"] != code:
	        fail("errorCode %r, expected %r" % (r["errorCode"], code))
	    for k in ("attemptsMade", "arrivalTimestamp", "attemptEndingTimestamp"):
	        if type(r[k]) is not int or r[k] < 1:
	            fail("%s %r" % (k, r[k]))
	    if r["attemptEndingTimestamp"] < r["arrivalTimestamp"]:
	        fail("attemptEndingTimestamp before arrivalTimestamp")
	    if not isinstance(r["errorMessage"], str) or not r["errorMessage"]:
	        fail("empty errorMessage")
	PY
}
