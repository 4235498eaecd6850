#!/bin/sh
# The video store: list-fragments ranges (inclusive on start times) and
# paging, kill -9 of the ingester (no half fragment visible, recovery),
# a torn index tail, retention (trimming whole fragments by server time,
# the live buffer of retention 0) while readers read, and RTSP over TCP.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/media.sh"
command -v faketime >/dev/null || { echo "1..0 # skip faketime is not installed"; exit 0; }

numbers() { jq -r ".Fragments[].FragmentNumber" "$@"; }
# check_visible STREAM: every listed fragment is whole (its size, a keyframe
# first, 50 video frames) and every .mkv file is listed; prints the count.
check_visible() {
	kvideo list-fragments -s "$1" >cv.json || return 1
	jq -r ".Fragments[]|\"\(.FragmentNumber) \(.FragmentSizeInBytes)\"" cv.json |
	while read -r n size; do
		f="$KIN_DIR/video/$1/fragments/$n.mkv"
		test "$(stat -c %s "$f")" = "$size" || { echo "$f: size" >&2; return 1; }
		test "$(first_packet_flags "$f")" = "0,K_" || { echo "$f: key" >&2; return 1; }
		test "$(probe_count "$f")" = 50 || { echo "$f: frames" >&2; return 1; }
	done || return 1
	jq ".Fragments|length" cv.json
}

test_expect_success 'setup: an 8 s clip (fragments at 0/2/4/6 s) and a 20 s one' '
	make_clip "$TRASH/clip.mp4" 8 50 && make_clip "$TRASH/long.ts" 20 50 &&
	kvideo list-fragments -h >"$TRASH/usage" &&
	kvideo create -s cam --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s cam -i "$TRASH/clip.mp4" --producer-start 2020-01-01T00:00:00Z >/dev/null
'

test_expect_success 'producer range [1 s, 4 s] gives the fragments starting at 2 and 4 s' '
	kvideo list-fragments -s cam --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp 2020-01-01T00:00:01Z --end-timestamp 2020-01-01T00:00:04Z >out &&
	jq -r ".Fragments[].ProducerTimestamp" out >got &&
	printf "2020-01-01T00:00:0%s.000000+00:00\n" 2 4 >want && test_cmp want got &&
	numbers out >got && printf "%020d\n" 2 3 >want && test_cmp want got &&
	kvideo list-fragments -s cam --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp 1577836801 --end-timestamp 1577836804.000 >out2 &&
	test_cmp out out2 &&
	kvideo list-fragments -s cam --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp 1577836801000 --end-timestamp 1577836803999 >out3 &&
	test "$(numbers out3)" = 00000000000000000002
'

test_expect_success 'server range: now +- 1 h holds all four, the next hour none' '
	now=$(date +%s) &&
	kvideo list-fragments -s cam --fragment-selector-type SERVER_TIMESTAMP \
		--start-timestamp $((now - 3600)) --end-timestamp $((now + 3600)) >out &&
	test "$(numbers out | wc -l)" = 4 &&
	kvideo list-fragments -s cam --fragment-selector-type SERVER_TIMESTAMP \
		--start-timestamp $((now + 3600)) --end-timestamp $((now + 7200)) >out &&
	printf "{\n    \"Fragments\": []\n}\n" >want && test_cmp want out
'

test_expect_success 'paging: --max-results 1 and NextToken walk every fragment once' '
	kvideo list-fragments -s cam --max-results 1 >p &&
	numbers p >all && tok=$(jq -r .NextToken p) &&
	while [ "$tok" != null ]; do
		kvideo list-fragments -s cam --max-results 1 --next-token "$tok" >p &&
		numbers p >>all && tok=$(jq -r .NextToken p) || return 1
	done &&
	printf "%020d\n" 1 2 3 4 >want && test_cmp want all &&
	kvideo list-fragments -s cam --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp 2020-01-01T00:00:01Z --end-timestamp 2020-01-01T00:00:04Z \
		--max-results 1 >p1 &&
	kvideo list-fragments -s cam --max-results 5 --next-token "$(jq -r .NextToken p1)" >p2 &&
	numbers p1 p2 >got && printf "%020d\n" 2 3 >want && test_cmp want got &&
	test "$(jq -r .NextToken p2)" = null
'

test_expect_success 'list-fragments errors' '
	usage_fails_with "kvideo: --fragment-selector-type: '"'"'EVENT'"'"' is not PRODUCER_TIMESTAMP or SERVER_TIMESTAMP" \
		kvideo list-fragments -s cam --fragment-selector-type EVENT --start-timestamp 1 --end-timestamp 2 &&
	usage_fails_with "kvideo: --start-timestamp is after --end-timestamp (InvalidArgumentException)" \
		kvideo list-fragments -s cam --fragment-selector-type SERVER_TIMESTAMP --start-timestamp 5 --end-timestamp 2 &&
	usage_fails_with "kvideo: --fragment-selector-type, --start-timestamp and --end-timestamp go together" \
		kvideo list-fragments -s cam --start-timestamp 5 &&
	usage_fails_with "kvideo: --next-token: not a token of list-fragments (InvalidArgumentException)" \
		kvideo list-fragments -s cam --next-token bm9wZQ== &&
	usage_fails_with "kvideo: invalid --max-results '"'"'0'"'"': expected an integer from 1 to 1000" \
		kvideo list-fragments -s cam --max-results 0 &&
	fails_with 66 "kvideo: video stream '"'"'nope'"'"': no such stream" kvideo list-fragments -s nope
'

test_expect_success 'kill -9 while ingesting: only whole fragments are visible, the next ingester cleans up' '
	kvideo create -s crash --data-retention-in-hours 1 >/dev/null &&
	for round in 1 2; do
		: >acks
		{ kvideo-ingest -s crash -i "$TRASH/long.ts" --re >acks & echo $! >ingest.pid; } &&
		wait_for=$((round * 2)) &&
		i=0 && while [ "$(grep -c PERSISTED acks)" -lt $wait_for ]; do
			i=$((i + 1)) && [ $i -lt 600 ] && sleep 0.1 || return 1
		done &&
		sleep 0.$((round * 3)) && kill -9 $(cat ingest.pid) && sleep 0.2 &&
		n=$(check_visible crash) && test "$n" -ge 2 || return 1
	done &&
	kvideo-ingest -s crash -i "$TRASH/clip.mp4" >acks &&
	ls -a "$KIN_DIR/video/crash/fragments" | grep -v "^\.\.\?$" | sed "s/\.mkv$//" | sort >files &&
	kvideo list-fragments -s crash | numbers >listed && test_cmp listed files &&
	check_visible crash >/dev/null
'

test_expect_success 'a torn index tail is ignored by readers and cut by the next writer' '
	before=$(kvideo list-fragments -s cam | numbers | wc -l) &&
	printf "KVF1 half a record" >>"$KIN_DIR/video/cam/index" &&
	test "$(kvideo list-fragments -s cam | numbers | wc -l)" = "$before" &&
	kvideo-ingest -s cam -i "$TRASH/clip.mp4" >acks &&
	test $(( $(stat -c %s "$KIN_DIR/video/cam/index") % 64 )) = 0 &&
	kvideo list-fragments -s cam | numbers | tail -n 1 >got &&
	printf "%020d\n" $((before + 4)) >want && test_cmp want got
'

test_expect_success 'retention: fragments older than it are hidden at once and trimmed whole' '
	kvideo create -s ret --data-retention-in-hours 2 >/dev/null &&
	faketime -f "-3h" kvideo-ingest -s ret -i "$TRASH/clip.mp4" >/dev/null &&
	test "$(ls "$KIN_DIR/video/ret/fragments" | wc -l)" = 4 &&
	test "$(kvideo list-fragments -s ret | numbers | wc -l)" = 0 &&
	faketime -f "-3h" kvideo list-fragments -s ret | numbers >old && test_line_count = 4 old &&
	kvideo update-retention -s ret --data-retention-in-hours 2 &&
	test "$(ls "$KIN_DIR/video/ret/fragments" | wc -l)" = 0 &&
	test "$(stat -c %s "$KIN_DIR/video/ret/index")" = 64 &&
	kvideo-ingest -s ret -i "$TRASH/clip.mp4" >/dev/null &&
	kvideo list-fragments -s ret | numbers >got &&
	printf "%020d\n" 5 6 7 8 >want && test_cmp want got
'

test_expect_success 'the ingester trims by server time as it goes' '
	kvideo create -s ret2 --data-retention-in-hours 1 >/dev/null &&
	faketime -f "-2h" kvideo-ingest -s ret2 -i "$TRASH/clip.mp4" >/dev/null &&
	kvideo-ingest -s ret2 -i "$TRASH/clip.mp4" >/dev/null &&
	ls "$KIN_DIR/video/ret2/fragments" | sed "s/\.mkv$//" >files &&
	printf "%020d\n" 5 6 7 8 >want && test_cmp want files
'

test_expect_success 'retention 0 keeps a live buffer of 5 minutes' '
	kvideo create -s buf >/dev/null &&
	faketime -f "-10m" kvideo-ingest -s buf -i "$TRASH/clip.mp4" >/dev/null &&
	faketime -f "-4m" kvideo-ingest -s buf -i "$TRASH/clip.mp4" >/dev/null &&
	kvideo list-fragments -s buf | numbers >got &&
	printf "%020d\n" 5 6 7 8 >want && test_cmp want got &&
	kvideo-ingest -s buf -i "$TRASH/clip.mp4" >/dev/null &&
	kvideo list-fragments -s buf | numbers >got &&
	printf "%020d\n" 5 6 7 8 9 10 11 12 >want && test_cmp want got
'

test_expect_success 'readers keep a consistent index while retention trims' '
	kvideo create -s rr --data-retention-in-hours 1 >/dev/null &&
	for i in 1 2 3; do faketime -f "-2h" kvideo-ingest -s rr -i "$TRASH/clip.mp4" >/dev/null || return 1; done &&
	faketime -f "-2h" kvideo list-fragments -s rr | numbers >old && test_line_count = 12 old &&
	{ kvideo-ingest -s rr -i "$TRASH/clip.mp4" --re >acks & echo $! >rr.pid; } &&
	for i in $(seq 1 15); do
		faketime -f "-2h" kvideo list-fragments -s rr >l.json &&
		numbers l.json >n && sort -c n && test "$(sort -u n | wc -l)" = "$(wc -l <n)" &&
		for f in $(cat n); do
			# a listed fragment is whole, or gone altogether (trimmed)
			size=$(stat -c %s "$KIN_DIR/video/rr/fragments/$f.mkv" 2>/dev/null) ||
				continue
			test "$size" = "$(jq ".Fragments[]|select(.FragmentNumber == \"$f\")|.FragmentSizeInBytes" l.json)" ||
				return 1
		done || return 1
	done &&
	i=0 && while kill -0 $(cat rr.pid) 2>/dev/null; do
		i=$((i + 1)) && [ $i -lt 300 ] && sleep 0.2 || return 1
	done &&
	test "$(faketime -f "-2h" kvideo list-fragments -s rr | numbers | head -n 1)" -gt 12
'

test_expect_success 'RTSP over TCP: ffmpeg pushes, kvideo-ingest listens' '
	kvideo create -s rtsp --data-retention-in-hours 1 >/dev/null &&
	port=$((20000 + $$ % 20000)) &&
	{ kvideo-ingest -s rtsp -i "rtsp://127.0.0.1:$port/live" -o rtsp_flags=listen \
		--timeout 60s >acks 2>err & echo $! >rtsp.pid; } &&
	i=0 && until ffmpeg -nostdin -v error -i "$TRASH/clip.mp4" -c copy -f rtsp \
		-rtsp_transport tcp "rtsp://127.0.0.1:$port/live" 2>ff.err; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.2 || { cat ff.err; return 1; }
	done &&
	i=0 && while kill -0 $(cat rtsp.pid) 2>/dev/null; do
		i=$((i + 1)) && [ $i -lt 300 ] && sleep 0.2 || return 1
	done &&
	test "$(kvideo list-fragments -s rtsp | numbers | wc -l)" = 4 &&
	for n in $(kvideo list-fragments -s rtsp | numbers); do
		test "$(first_packet_flags "$KIN_DIR/video/rtsp/fragments/$n.mkv")" = "0,K_" || return 1
	done &&
	test "$(for n in $(kvideo list-fragments -s rtsp | numbers); do
		probe_count "$KIN_DIR/video/rtsp/fragments/$n.mkv"; done |
		awk "{ s += \$1 } END { print s }")" = 200
'

test_done
