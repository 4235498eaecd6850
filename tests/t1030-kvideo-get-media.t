#!/bin/sh
# kvideo get-media (GetMedia): the chunk layout of KVS (tags before and after
# each cluster), output that ffmpeg remuxes with -c copy into the source's
# packets, every start selector, resume by continuation token without gap or
# duplicate, following live ingestion, the in-stream error tags when a
# fragment cannot be sent, and every error with its message and exit status.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/media_clip.sh"   # mkvedit

T0=1700000000000        # 2023-11-14T22:13:20Z, the producer start of the media
CHUNKS="python3 $TEST_DIRECTORY/lib/mkvchunks.py"

# media OUT SECONDS: 320x240 25 fps H.264 with a keyframe every 2 s (no
# B-frames) and 48 kHz AAC.
media() {
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=48000 -t "$2" \
		-c:v libx264 -preset ultrafast -g 50 -keyint_min 50 \
		-sc_threshold 0 -bf 0 -pix_fmt yuv420p -c:a aac "$1"
}

# vpackets FILE: pts, size and flags of each video packet, pts made
# relative to the first.
vpackets() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,size,flags \
		-of csv=p=0 "$1" |
	awk -F, 'NR == 1 { t0 = $1 } { printf "%.3f,%s,%s\n", $1 - t0, $2, $3 }'
}

# count FILE STREAM: the number of packets of a stream (v:0, a:0).
count() {
	ffprobe -v error -select_streams "$2" -count_packets \
		-show_entries stream=nb_read_packets -of csv=p=0 "$1"
}

# numbers FILE: the fragment numbers of the chunks in a GetMedia output.
numbers() {
	$CHUNKS "$1" | sed -n 's/^Tags AWS_KINESISVIDEO_FRAGMENT_NUMBER=\([0-9]*\) .*/\1/p' |
	sed 's/^0*//'
}

# tag FILE NAME N: the value of tag NAME in chunk N.
tag() {
	$CHUNKS "$1" | tr " " "\n" | sed -n "s/^$2=//p" | sed -n "$3p"
}

gm() { kvideo get-media -s cam "$@"; }

test_expect_success 'setup: 10 s of H.264 + AAC ingested as five 2 s fragments' '
	media src.mp4 10 &&
	kvideo create -s cam --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s cam -i src.mp4 --producer-start $T0 >acks &&
	test "$(grep -c PERSISTED acks)" = 5 &&
	kvideo get-media -h >"$TRASH/usage" &&
	vpackets src.mp4 >"$TRASH/src.v" && test_line_count = 250 "$TRASH/src.v"
'

test_expect_success 'EARLIEST: each chunk laid out as KVS lays it out' '
	gm --start-selector-type EARLIEST --no-follow >all.mkv &&
	$CHUNKS all.mkv >layout &&
	test_line_count = 35 layout &&
	sed -n 1,7p layout |
	sed -e "s/SERVER_TIMESTAMP=[0-9]*\.[0-9]\{3\} /SERVER_TIMESTAMP=S /" \
	    -e "s/MILLIS_BEHIND_NOW=[0-9]* /MILLIS_BEHIND_NOW=M /" \
	    -e "s/blocks=[0-9]*$/blocks=B/" >got &&
	cat >want <<-EOF &&
	EBML
	Segment size=unknown
	Info
	Tracks
	Tags AWS_KINESISVIDEO_FRAGMENT_NUMBER=00000000000000000001 AWS_KINESISVIDEO_SERVER_TIMESTAMP=S AWS_KINESISVIDEO_PRODUCER_TIMESTAMP=1700000000.000
	Cluster timecode=1700000000000 blocks=B
	Tags AWS_KINESISVIDEO_MILLIS_BEHIND_NOW=M AWS_KINESISVIDEO_CONTINUATION_TOKEN=00000000000000000001
	EOF
	test_cmp want got &&
	numbers all.mkv >got && printf "1\n2\n3\n4\n5\n" >want && test_cmp want got &&
	grep "^Cluster" layout | cut -d" " -f2 >got &&
	for i in 0 2 4 6 8; do echo timecode=$((T0 + i * 1000)); done >want &&
	test_cmp want got &&
	test "$(tag all.mkv AWS_KINESISVIDEO_PRODUCER_TIMESTAMP 3)" = 1700000004.000 &&
	test "$(tag all.mkv AWS_KINESISVIDEO_CONTINUATION_TOKEN 5)" = 00000000000000000005
'

test_expect_success 'ffmpeg -c copy of the output: the source video packets, all audio' '
	ffmpeg -nostdin -v error -y -i all.mkv -c copy out.mp4 &&
	vpackets out.mp4 >got && test_cmp "$TRASH/src.v" got &&
	test "$(count out.mp4 a:0)" -ge 468 &&
	test "$(count out.mp4 a:0)" -le "$(count src.mp4 a:0)"
'

test_expect_success 'get-media | ffmpeg -i - works on a pipe' '
	gm --start-selector-type EARLIEST --no-follow |
	ffmpeg -nostdin -v error -y -i - -c copy piped.mp4 &&
	vpackets piped.mp4 >got && test_cmp "$TRASH/src.v" got
'

test_expect_success 'OUTFILE as the AWS CLI takes it, - for stdout' '
	gm --start-selector-type EARLIEST --no-follow file.mkv >out &&
	test ! -s out && numbers file.mkv >got && numbers all.mkv >want &&
	test_cmp want got &&
	gm --start-selector-type EARLIEST --no-follow - >dash.mkv &&
	numbers dash.mkv >got && test_cmp want got
'

test_expect_success 'NOW: the newest chunk (the default selector)' '
	gm --start-selector-type NOW --no-follow >now.mkv &&
	numbers now.mkv >got && echo 5 >want && test_cmp want got &&
	gm --no-follow >default.mkv && numbers default.mkv >got && test_cmp want got
'

test_expect_success 'FRAGMENT_NUMBER: the chunks after AfterFragmentNumber' '
	gm --start-selector-type FRAGMENT_NUMBER --after-fragment-number 2 \
		--no-follow >after.mkv &&
	numbers after.mkv >got && printf "3\n4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type FRAGMENT_NUMBER \
		--after-fragment-number 00000000000000000004 --no-follow >after4.mkv &&
	numbers after4.mkv >got && echo 5 >want && test_cmp want got &&
	gm --start-selector-type FRAGMENT_NUMBER --after-fragment-number 5 \
		--no-follow >none.mkv && test ! -s none.mkv
'

test_expect_success 'PRODUCER_TIMESTAMP: from the chunk containing StartTimestamp' '
	gm --start-selector-type PRODUCER_TIMESTAMP --start-timestamp $((T0 + 3000)) \
		--no-follow >p.mkv &&
	numbers p.mkv >got && printf "2\n3\n4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type PRODUCER_TIMESTAMP --start-timestamp $((T0 + 4500)) \
		--no-follow >p.mkv &&
	numbers p.mkv >got && printf "3\n4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp 2023-11-14T22:13:27.999Z --no-follow >p.mkv &&
	numbers p.mkv >got && printf "4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type PRODUCER_TIMESTAMP --start-timestamp 1700000008.5 \
		--no-follow >p.mkv &&
	numbers p.mkv >got && echo 5 >want && test_cmp want got &&
	gm --start-selector-type PRODUCER_TIMESTAMP --start-timestamp $((T0 - 60000)) \
		--no-follow >p.mkv &&
	numbers p.mkv >got && printf "1\n2\n3\n4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type PRODUCER_TIMESTAMP --start-timestamp $((T0 + 10000)) \
		--no-follow >p.mkv && test ! -s p.mkv
'

test_expect_success 'the AWS CLI shorthand --start-selector' '
	gm --start-selector StartSelectorType=FRAGMENT_NUMBER,AfterFragmentNumber=3 \
		--no-follow >s.mkv &&
	numbers s.mkv >got && printf "4\n5\n" >want && test_cmp want got &&
	gm --start-selector "StartSelectorType=PRODUCER_TIMESTAMP,StartTimestamp=$((T0 + 6500))" \
		--no-follow >s.mkv &&
	numbers s.mkv >got && printf "4\n5\n" >want && test_cmp want got
'

test_expect_success 'SERVER_TIMESTAMP: server times of the chunks, before and after them all' '
	s1=$(tag all.mkv AWS_KINESISVIDEO_SERVER_TIMESTAMP 1) &&
	gm --start-selector-type SERVER_TIMESTAMP --start-timestamp "$s1" \
		--no-follow >s.mkv &&
	numbers s.mkv >got && printf "1\n2\n3\n4\n5\n" >want && test_cmp want got &&
	gm --start-selector-type SERVER_TIMESTAMP --start-timestamp $T0 \
		--no-follow >s.mkv &&
	numbers s.mkv >got && test_cmp want got &&
	s5=$(tag all.mkv AWS_KINESISVIDEO_SERVER_TIMESTAMP 5 | tr -d .) &&
	gm --start-selector-type SERVER_TIMESTAMP --start-timestamp $((s5 + 5000)) \
		--no-follow >s.mkv && test ! -s s.mkv
'

test_expect_success 'CONTINUATION_TOKEN: resume without a gap or a duplicate' '
	gm --start-selector-type EARLIEST --max-fragments 2 >part1.mkv &&
	numbers part1.mkv >got && printf "1\n2\n" >want && test_cmp want got &&
	token=$(tag part1.mkv AWS_KINESISVIDEO_CONTINUATION_TOKEN 2) &&
	gm --start-selector-type CONTINUATION_TOKEN --continuation-token "$token" \
		--no-follow >part2.mkv &&
	numbers part2.mkv >got && printf "3\n4\n5\n" >want && test_cmp want got &&
	cat part1.mkv part2.mkv >joined.mkv &&
	ffmpeg -nostdin -v error -y -i joined.mkv -c copy joined.mp4 &&
	vpackets joined.mp4 >got && test_cmp "$TRASH/src.v" got
'

test_expect_success '--max-fragments stops after N chunks while following' '
	gm --start-selector-type FRAGMENT_NUMBER --after-fragment-number 1 \
		--max-fragments 3 >m.mkv &&
	numbers m.mkv >got && printf "2\n3\n4\n" >want && test_cmp want got
'

test_expect_success 'producer tags are carried, before the AWS tags' '
	kvideo create -s tagged >/dev/null &&
	kvideo-ingest -s tagged -i src.mp4 --producer-start $T0 \
		--tag camera=front --tag room=lab >/dev/null &&
	kvideo get-media -s tagged --start-selector-type EARLIEST --max-fragments 1 \
		>t.mkv &&
	$CHUNKS t.mkv | sed -n 5,7p | sed "s/=[0-9].*//" >got &&
	cat >want <<-EOF &&
	Tags camera=front
	Tags room=lab
	Tags AWS_KINESISVIDEO_FRAGMENT_NUMBER
	EOF
	test_cmp want got
'

# catching PID SIGNUM: waits up to 60 s until PID catches signal SIGNUM
# (a background job of sh starts with SIGINT ignored; a signal sent before
# the program installs its handler is lost or kills it).
catching() {
	ca_i=0
	while :; do
		mask=$(sed -n "s/^SigCgt:[[:space:]]*//p" /proc/"$1"/status 2>/dev/null)
		test -n "$mask" && test $(((0x$mask >> ($2 - 1)) & 1)) = 1 && return 0
		ca_i=$((ca_i + 1))
		test $ca_i -le 300 || { echo "catching: $1 does not catch $2" >&2; return 1; }
		sleep 0.2
	done
}

# wait_chunks FILE N: waits up to 60 s until FILE holds N complete chunks.
wait_chunks() {
	wc_i=0
	until test "$($CHUNKS "$1" 2>/dev/null | grep -c CONTINUATION_TOKEN)" -ge "$2"; do
		wc_i=$((wc_i + 1))
		test $wc_i -le 300 || { echo "wait_chunks: $1" >&2; return 1; }
		sleep 0.2
	done
}

# wait_exit PID: waits up to 60 s for a process to end.
wait_exit() {
	we_i=0
	while kill -0 "$1" 2>/dev/null; do
		we_i=$((we_i + 1))
		test $we_i -le 300 || { echo "wait_exit: $1 still runs" >&2; return 1; }
		sleep 0.2
	done
}

test_expect_success 'following: a reader started before ingestion gets every fragment' '
	kvideo create -s live >/dev/null || exit 1
	kvideo get-media -s live --start-selector-type EARLIEST --max-fragments 5 \
		>early.mkv 2>early.err &
	echo $! >"$TRASH/early.pid" &&
	sleep 0.5 &&
	kvideo-ingest -s live -i src.mp4 --producer-start $T0 >/dev/null &&
	wait_exit "$(cat "$TRASH/early.pid")" &&
	test ! -s early.err &&
	numbers early.mkv >got && printf "1\n2\n3\n4\n5\n" >want && test_cmp want got &&
	ffmpeg -nostdin -v error -y -i early.mkv -c copy early.mp4 &&
	vpackets early.mp4 >got && test_cmp "$TRASH/src.v" got
'

test_expect_success 'following: a reader started while ingesting in real time, stopped by SIGTERM' '
	kvideo create -s rt --data-retention-in-hours 24 >/dev/null || exit 1
	kvideo-ingest -s rt -i src.mp4 --producer-start $T0 --re >rt.acks &
	echo $! >"$TRASH/ingest.pid" &&
	i=0 && until grep -q PERSISTED rt.acks 2>/dev/null; do
		i=$((i + 1)) && test $i -le 600 && sleep 0.1 || exit 1
	done || exit 1
	kvideo get-media -s rt --start-selector-type EARLIEST >rt.mkv 2>rt.err &
	echo $! >"$TRASH/reader.pid" &&
	wait_exit "$(cat "$TRASH/ingest.pid")" &&
	wait_chunks rt.mkv 5 &&
	catching "$(cat "$TRASH/reader.pid")" 15 &&
	kill -TERM "$(cat "$TRASH/reader.pid")" &&
	wait_exit "$(cat "$TRASH/reader.pid")" &&
	test ! -s rt.err &&
	numbers rt.mkv >got && printf "1\n2\n3\n4\n5\n" >want && test_cmp want got &&
	ffmpeg -nostdin -v error -y -i rt.mkv -c copy rt.mp4 &&
	vpackets rt.mp4 >got && test_cmp "$TRASH/src.v" got
'

test_expect_success 'SERVER_TIMESTAMP on real-time arrivals: the chunk containing it' '
	kvideo get-media -s rt --start-selector-type EARLIEST --no-follow >rt2.mkv &&
	s3=$(tag rt2.mkv AWS_KINESISVIDEO_SERVER_TIMESTAMP 3 | tr -d .) &&
	kvideo get-media -s rt --start-selector-type SERVER_TIMESTAMP \
		--start-timestamp $((s3 + 1000)) --no-follow >s.mkv &&
	numbers s.mkv >got && printf "3\n4\n5\n" >want && test_cmp want got
'

test_expect_success 'a reader stopped by SIGINT while waiting exits 0' '
	kvideo get-media -s cam --start-selector-type FRAGMENT_NUMBER \
		--after-fragment-number 5 >w.mkv 2>w.err &
	pid=$! &&
	echo $pid >"$TRASH/w.pid" &&
	catching $pid 2 &&
	kill -INT $pid && wait $pid &&
	test ! -s w.mkv && test ! -s w.err
'

test_expect_success 'a damaged fragment: error tags (5000) end the response, exit 65' '
	kvideo create -s dmg --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s dmg -i src.mp4 --producer-start $T0 >/dev/null &&
	mkvedit no-cluster "$KIN_DIR/video/dmg/fragments/00000000000000000003.mkv" &&
	test_must_fail --status=65 kvideo get-media -s dmg --start-selector-type EARLIEST \
		>dmg.mkv 2>err &&
	echo "kvideo: video stream '"'dmg'"': fragment 00000000000000000003: no Cluster (AWS_KINESISVIDEO_ERROR_ID 5000)" >want &&
	test_cmp want err &&
	numbers dmg.mkv >got && printf "1\n2\n" >want && test_cmp want got &&
	$CHUNKS dmg.mkv >layout && test_line_count = 15 layout &&
	sed -n "\$p" layout >got &&
	echo "Tags AWS_KINESISVIDEO_ERROR_CODE=Internal error AWS_KINESISVIDEO_ERROR_ID=5000" >want &&
	test_cmp want got &&
	ffmpeg -nostdin -v error -y -i dmg.mkv -c copy dmg.mp4 &&
	test "$(count dmg.mp4 v:0)" = 100 &&
	test_must_fail --status=65 kvideo get-media -s dmg \
		--start-selector-type CONTINUATION_TOKEN --continuation-token 2 >dmg2.mkv 2>/dev/null &&
	$CHUNKS dmg2.mkv >got &&
	cat >want <<-EOF &&
	EBML
	Segment size=unknown
	Tags AWS_KINESISVIDEO_ERROR_CODE=Internal error AWS_KINESISVIDEO_ERROR_ID=5000
	EOF
	test_cmp want got &&
	kvideo get-media -s dmg --start-selector-type FRAGMENT_NUMBER \
		--after-fragment-number 3 --no-follow >dmg3.mkv &&
	numbers dmg3.mkv >got && printf "4\n5\n" >want && test_cmp want got
'

test_expect_success 'a fragment removed under a reader that is behind: error tags (4000), exit 66' '
	kvideo create -s trim --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s trim -i src.mp4 --producer-start $T0 >/dev/null || exit 1
	test "$(wc -c <"$KIN_DIR/video/trim/fragments/00000000000000000001.mkv")" -gt 100000 ||
		exit 1
	# The reader follows; its consumer takes 1000 bytes and waits, so the
	# reader blocks inside its first chunk, the index read, until "go".
	{ kvideo get-media -s trim --start-selector-type EARLIEST 2>trim.err &
	  echo $! >"$TRASH/trim-reader.pid"; wait $!; echo $? >trim.status; } |
	{ head -c 1000 >trim.head && touch trim.started &&
	  until test -e trim.go; do sleep 0.1; done && cat >trim.rest; } &
	echo $! >"$TRASH/trim.pid" &&
	i=0 && until test -e trim.started; do
		i=$((i + 1)) && test $i -le 600 && sleep 0.1 || exit 1
	done &&
	rm "$KIN_DIR/video/trim/fragments/00000000000000000004.mkv" &&
	touch trim.go &&
	i=0 && until test -s trim.status; do
		i=$((i + 1)) && test $i -le 600 && sleep 0.1 || exit 1
	done &&
	test "$(cat trim.status)" = 66 &&
	echo "kvideo: video stream '"'trim'"': fragment 00000000000000000004: trimmed by retention (AWS_KINESISVIDEO_ERROR_ID 4000)" >want &&
	test_cmp want trim.err &&
	cat trim.head trim.rest >trim.mkv &&
	numbers trim.mkv >got && printf "1\n2\n3\n" >want && test_cmp want got &&
	$CHUNKS trim.mkv | sed -n "\$p" >got &&
	echo "Tags AWS_KINESISVIDEO_ERROR_CODE=Requested fragment is not found AWS_KINESISVIDEO_ERROR_ID=4000" >want &&
	test_cmp want got &&
	test_must_fail --status=66 kvideo get-media -s trim --no-follow \
		--start-selector-type CONTINUATION_TOKEN --continuation-token 3 \
		>trim2.mkv 2>/dev/null &&
	kvideo get-media -s trim --start-selector-type FRAGMENT_NUMBER \
		--after-fragment-number 4 --no-follow >trim3.mkv &&
	numbers trim3.mkv >got && echo 5 >want && test_cmp want got
'

test_expect_success 'errors: no such stream, fragment or token' '
	fails_with 66 "kvideo: video stream '"'nope'"': no such stream" \
		kvideo get-media -s nope --start-selector-type EARLIEST &&
	fails_with 66 "kvideo: video stream '"'cam'"': ResourceNotFoundException: no fragment '"'99'"'" \
		gm --start-selector-type FRAGMENT_NUMBER --after-fragment-number 99 &&
	fails_with 66 "kvideo: video stream '"'cam'"': ResourceNotFoundException: no fragment '"'6'"' (continuation token)" \
		gm --start-selector-type CONTINUATION_TOKEN --continuation-token 6 &&
	fails_with 74 "kvideo: output '"'nodir/x.mkv'"': No such file or directory" \
		gm --start-selector-type EARLIEST nodir/x.mkv
'

test_expect_success 'usage errors: selectors and their parameters' '
	usage_fails_with "kvideo: --start-selector-type: unknown type '"'LATEST'"'" \
		gm --start-selector-type LATEST &&
	usage_fails_with "kvideo: FRAGMENT_NUMBER needs --after-fragment-number" \
		gm --start-selector-type FRAGMENT_NUMBER &&
	usage_fails_with "kvideo: PRODUCER_TIMESTAMP needs --start-timestamp" \
		gm --start-selector-type PRODUCER_TIMESTAMP &&
	usage_fails_with "kvideo: SERVER_TIMESTAMP needs --start-timestamp" \
		gm --start-selector-type SERVER_TIMESTAMP &&
	usage_fails_with "kvideo: CONTINUATION_TOKEN needs --continuation-token" \
		gm --start-selector-type CONTINUATION_TOKEN &&
	usage_fails_with "kvideo: --continuation-token: '"'a/b'"' is not a continuation token" \
		gm --start-selector-type CONTINUATION_TOKEN --continuation-token a/b &&
	usage_fails_with "kvideo: --after-fragment-number goes with FRAGMENT_NUMBER only" \
		gm --start-selector-type EARLIEST --after-fragment-number 1 &&
	usage_fails_with "kvideo: --start-timestamp goes with PRODUCER_TIMESTAMP or SERVER_TIMESTAMP only" \
		gm --start-timestamp $T0 &&
	usage_fails_with "kvideo: --continuation-token goes with CONTINUATION_TOKEN only" \
		gm --start-selector-type NOW --continuation-token 1 &&
	usage_fails_with "kvideo: --start-selector: unknown key '"'After'"'" \
		gm --start-selector StartSelectorType=NOW,After=1 &&
	usage_fails_with "kvideo: --start-selector: '"'EARLIEST'"' is not KEY=VALUE" \
		gm --start-selector EARLIEST &&
	usage_fails_with "kvideo: unexpected argument '"'b'"'" gm a b
'

test_expect_success 'usage errors: values' '
	kvideo get-media -s cam --start-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp yesterday >out 2>err </dev/null
	test $? = 64 && test ! -s out &&
	head -n 1 err >got &&
	echo "kvideo: invalid --start-timestamp '"'yesterday'"': expected epoch milliseconds or a time such as 2026-11-26T01:49:01Z" >want &&
	test_cmp want got &&
	kvideo get-media -s cam --start-selector-type FRAGMENT_NUMBER \
		--after-fragment-number x1 >out 2>err </dev/null
	test $? = 64 && test ! -s out &&
	kvideo get-media -s cam --max-fragments 0 >out 2>err </dev/null
	test $? = 64 && test ! -s out &&
	usage_fails_with "kvideo: video stream name '"'../x'"': only letters, digits, '"'_'"', '"'.'"' and '"'-'"' are allowed" \
		kvideo get-media -s ../x &&
	kvideo get-media >out 2>err </dev/null
	test $? = 64
'

test_done
