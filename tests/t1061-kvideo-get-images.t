#!/bin/sh
# kvideo get-images (GetImages): one image per sampling interval from start
# to end, each the frame shown at its time (checked pixel for pixel against
# ffmpeg's decode), NO_MEDIA where no fragment holds the time, the KVS
# scaling rules, JPEG quality, PNG, paging with NextToken, files in a
# directory, and each error with its message and status.
. "$(dirname "$0")/lib.sh"

. "$TEST_DIRECTORY/lib/media_clip.sh"

images() {
	kvideo get-images -s cam --image-selector-type PRODUCER_TIMESTAMP "$@"
}

# field NAME <json: the values of "NAME": "..." lines, one a line.
field() { sed -n "s/^ *\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p"; }

# decode JSON DIR: writes each ImageContent of JSON as DIR/N (1, 2, ...).
decode() {
	mkdir -p "$2" && i=0 &&
	field ImageContent <"$1" | while read -r b; do
		i=$((i + 1)) && printf %s "$b" | base64 -d >"$2/$i" || return 1
	done
}

# dims FILE: WIDTHxHEIGHT of an image.
dims() {
	ffprobe -v error -show_entries stream=width,height -of csv=s=x:p=0 "$1"
}

# rgb FILE [FRAME]: MD5 of the RGB24 pixels of an image, or of frame FRAME
# (from 0) of a video, as ffmpeg decodes and converts them.
rgb() {
	if [ $# = 2 ]; then
		ffmpeg -nostdin -v error -i "$1" -vf "select=eq(n\\,$2)" -frames:v 1 \
			-f rawvideo -pix_fmt rgb24 -
	else
		ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt rgb24 -
	fi | md5sum
}

test_expect_success 'setup: 10 s of H.264 in 1 s fragments' '
	media v.mkv 10 25 &&
	stream cam v.mkv &&
	kvideo get-images -h >"$TRASH/usage"
'

test_expect_success 'one image per interval, start and end included, in the AWS CLI JSON' '
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG >out &&
	field TimeStamp <out >got &&
	for s in 0 1 2 3 4 5 6 7 8 9; do
		echo "2023-11-14T22:13:2$s.000000+00:00"
	done >want &&
	test_cmp want got &&
	field ImageContent <out >b64 && test_line_count = 10 b64 &&
	! grep -e Error -e NextToken out &&
	head -n 4 out >got &&
	printf "{\n    \"Images\": [\n        {\n            \"TimeStamp\": \"2023-11-14T22:13:20.000000+00:00\",\n" >want &&
	test_cmp want got &&
	decode out jpg && file jpg/1 | grep -q "JPEG image data" &&
	test "$(dims jpg/1)" = 320x240
'

test_expect_success 'the interval sets the count: 200 ms over 1 s is 6 images' '
	images --start-timestamp $((T0 + 3000)) --end-timestamp $((T0 + 4000)) \
		--sampling-interval 200 --format JPEG >out &&
	field ImageContent <out >b64 && test_line_count = 6 b64 &&
	images --start-timestamp $((T0 + 3000)) --end-timestamp $((T0 + 3100)) \
		--sampling-interval 1000 --format JPEG >out &&
	field ImageContent <out >b64 && test_line_count = 1 b64
'

test_expect_success 'each image is the frame shown at its time (decoded from the keyframe)' '
	images --start-timestamp $((T0 + 2500)) --end-timestamp $((T0 + 2999)) \
		--sampling-interval 499 --format PNG >out &&
	decode out png && file png/1 | grep -q "PNG image data" &&
	rgb png/1 >got && rgb v.mkv 62 >want && test_cmp want got &&
	rgb png/2 >got && rgb v.mkv 74 >want && test_cmp want got &&
	images --start-timestamp $((T0 + 7000)) --end-timestamp $((T0 + 7000)) \
		--sampling-interval 1000 --format PNG >out &&
	decode out png7 && rgb png7/1 >got && rgb v.mkv 175 >want && test_cmp want got
'

test_expect_success 'with audio ahead of the keyframe, the time is still the video frame'"'"'s producer time' '
	media av.mkv 4 25 -f lavfi -i sine=frequency=440:sample_rate=48000 -c:a aac &&
	stream av av.mkv &&
	kvideo get-images -s av --image-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $((T0 + 500)) --end-timestamp $((T0 + 1500)) \
		--sampling-interval 1000 --format PNG >out &&
	decode out av && rgb av/1 >got && rgb av.mkv 12 >want && test_cmp want got &&
	rgb av/2 >got && rgb av.mkv 37 >want && test_cmp want got
'

test_expect_success 'B-frames: the frame shown at the time, whatever the decode order' '
	ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25 -t 4 \
		-c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 \
		-bf 2 -pix_fmt yuv420p bf.mp4 &&
	stream bf bf.mp4 &&
	kvideo get-images -s bf --image-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $((T0 + 1300)) --end-timestamp $((T0 + 2100)) \
		--sampling-interval 800 --format PNG >out &&
	decode out bf && rgb bf/1 >got && rgb bf.mp4 32 >want && test_cmp want got &&
	rgb bf/2 >got && rgb bf.mp4 52 >want && test_cmp want got
'

test_expect_success 'NO_MEDIA where no fragment holds the time' '
	images --start-timestamp $((T0 + 8000)) --end-timestamp $((T0 + 12000)) \
		--sampling-interval 1000 --format JPEG >out &&
	field Error <out >got &&
	printf "NO_MEDIA\nNO_MEDIA\nNO_MEDIA\n" >want && test_cmp want got &&
	field ImageContent <out >b64 && test_line_count = 2 b64 &&
	grep -A1 "22:13:30.000000" out | grep -q "\"Error\": \"NO_MEDIA\""
'

test_expect_success 'sizes: both given stretch, height alone keeps the aspect ratio' '
	images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --width-pixels 100 --height-pixels 50 >out &&
	decode out s1 && test "$(dims s1/1)" = 100x50 &&
	images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format PNG --height-pixels 120 >out &&
	decode out s2 && test "$(dims s2/1)" = 160x120 &&
	images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --height-pixels 100 >out &&
	decode out s3 && test "$(dims s3/1)" = 133x100 &&
	images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --width-pixels 3840 --height-pixels 2160 >out &&
	decode out s4 && test "$(dims s4/1)" = 3840x2160
'

test_expect_success 'ValidationException: a width without a height (64)' '
	fails_with 64 "kvideo: --width-pixels: ValidationException: --height-pixels must be given with it" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --width-pixels 100
'

test_expect_success 'JPEGQuality: a higher quality makes a larger image; 80 is the default' '
	for q in 1 50 80 100; do
		images --start-timestamp $((T0 + 1000)) --end-timestamp $((T0 + 1000)) \
			--sampling-interval 1000 --format JPEG \
			--format-config JPEGQuality=$q >q$q.json &&
		decode q$q.json q$q || return 1
	done &&
	test $(wc -c <q1/1) -lt $(wc -c <q50/1) &&
	test $(wc -c <q50/1) -lt $(wc -c <q80/1) &&
	test $(wc -c <q80/1) -lt $(wc -c <q100/1) &&
	images --start-timestamp $((T0 + 1000)) --end-timestamp $((T0 + 1000)) \
		--sampling-interval 1000 --format JPEG >def.json &&
	test_cmp q80.json def.json &&
	images --start-timestamp $((T0 + 1000)) --end-timestamp $((T0 + 1000)) \
		--sampling-interval 1000 --format JPEG \
		--format-config "{\"JPEGQuality\": \"50\"}" >json.json &&
	test_cmp q50.json json.json
'

test_expect_success 'PNG: lossless, decodes to the frame ffmpeg decodes' '
	images --start-timestamp $((T0 + 4000)) --end-timestamp $((T0 + 4000)) \
		--sampling-interval 1000 --format PNG >out &&
	decode out p4 && ffprobe -v error -show_entries stream=codec_name -of csv=p=0 p4/1 >got &&
	echo png >want && test_cmp want got &&
	rgb p4/1 >got && rgb v.mkv 100 >want && test_cmp want got
'

test_expect_success '--max-results pages with NextToken; the pages together are the whole range' '
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG >all.json &&
	field TimeStamp <all.json >want &&
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG --max-results 4 >p1 &&
	tok=$(field NextToken <p1) && test -n "$tok" &&
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG --max-results 4 --next-token "$tok" >p2 &&
	tok=$(field NextToken <p2) && test -n "$tok" &&
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG --max-results 4 --next-token "$tok" >p3 &&
	! grep NextToken p3 &&
	cat p1 p2 p3 | field TimeStamp >got && test_cmp want got &&
	cat p1 p2 p3 | field ImageContent >got &&
	field ImageContent <all.json >want && test_cmp want got
'

test_expect_success 'without --max-results a response holds 25 images' '
	images --start-timestamp $T0 --end-timestamp $((T0 + 9800)) \
		--sampling-interval 200 --format JPEG --width-pixels 32 --height-pixels 24 >out &&
	field TimeStamp <out >ts && test_line_count = 25 ts &&
	grep -q NextToken out
'

test_expect_success 'a NextToken continues only its own request (64)' '
	images --start-timestamp $T0 --end-timestamp $((T0 + 9000)) \
		--sampling-interval 1000 --format JPEG --max-results 1 >p1 &&
	tok=$(field NextToken <p1) &&
	fails_with 64 "kvideo: --next-token: InvalidArgumentException: the token continues another time range or sampling interval" \
		images --start-timestamp $T0 --end-timestamp $((T0 + 8000)) \
		--sampling-interval 1000 --format JPEG --next-token "$tok" &&
	fails_with 64 "kvideo: --next-token: InvalidArgumentException: not a token of get-images" \
		images --start-timestamp $T0 --end-timestamp $((T0 + 8000)) \
		--sampling-interval 1000 --format JPEG --next-token "bm9wZQ=="
'

test_expect_success '-o DIR: each image also written as DIR/EPOCHMS.jpg' '
	images --start-timestamp $((T0 + 5000)) --end-timestamp $((T0 + 6000)) \
		--sampling-interval 500 --format JPEG -o shots >out &&
	ls shots >got &&
	printf "%s.jpg\n" $((T0 + 5000)) $((T0 + 5500)) $((T0 + 6000)) >want &&
	test_cmp want got &&
	decode out dec && cmp dec/1 shots/$((T0 + 5000)).jpg &&
	cmp dec/3 shots/$((T0 + 6000)).jpg
'

test_expect_success 'server timestamps: the fragment that arrived last at the time, NO_MEDIA before the first' '
	kvideo list-fragments -s cam | field ServerTimestamp >server &&
	test_line_count = 10 server &&
	s1=$(date -d "$(sed -n 1p server)" +%s%3N) &&
	s10=$(sed -n 10p server) &&
	kvideo get-images -s cam --image-selector-type SERVER_TIMESTAMP \
		--start-timestamp "$s10" --end-timestamp "$s10" \
		--sampling-interval 1000 --format PNG >out &&
	decode out srv && rgb srv/1 >got && rgb v.mkv 225 >want && test_cmp want got &&
	kvideo get-images -s cam --image-selector-type SERVER_TIMESTAMP \
		--start-timestamp $((s1 - 1)) --end-timestamp $((s1 - 1)) \
		--sampling-interval 1000 --format PNG >out &&
	field Error <out >got && echo NO_MEDIA >want && test_cmp want got
'

test_expect_success 'MEDIA_ERROR for a frame that does not decode, the next fragment still does' '
	media bad.mkv 2 25 && stream bad bad.mkv &&
	mkvedit frame "$KIN_DIR/video/bad/fragments/$(ls "$KIN_DIR"/video/bad/fragments | sed -n 1p)" &&
	kvideo get-images -q -s bad --image-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 1000)) \
		--sampling-interval 1000 --format PNG >out 2>err &&
	field Error <out >got && echo MEDIA_ERROR >want && test_cmp want got &&
	test ! -s err &&
	decode out bad && rgb bad/1 >got && rgb bad.mkv 25 >want && test_cmp want got &&
	kvideo get-images -s bad --image-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $T0 \
		--sampling-interval 1000 --format PNG >out 2>err &&
	grep -q "^kvideo: fragment 0*1: cannot decode: " err
'

test_expect_success 'VP9 decodes too (GetImages has no media type error)' '
	ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=10 -t 2 \
		-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 10 vp9.mkv &&
	stream vp9 vp9.mkv &&
	kvideo get-images -s vp9 --image-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 1000)) \
		--sampling-interval 1000 --format PNG >out &&
	decode out vp && test "$(dims vp/2)" = 160x120 &&
	rgb vp/2 >got && rgb vp9.mkv 10 >want && test_cmp want got
'

test_expect_success 'InvalidArgumentException: interval, range, sizes, results, quality (64)' '
	fails_with 64 "kvideo: --sampling-interval: InvalidArgumentException: 199 ms is less than the minimum of 200 ms" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 199 --format JPEG &&
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: more than 300 seconds after --start-timestamp" \
		images --start-timestamp $T0 --end-timestamp $((T0 + 300001)) \
		--sampling-interval 1000 --format JPEG &&
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: before --start-timestamp" \
		images --start-timestamp $T0 --end-timestamp $((T0 - 1)) \
		--sampling-interval 1000 --format JPEG &&
	fails_with 64 "kvideo: --width-pixels: InvalidArgumentException: '"'3841'"' is not in 1..3840" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --width-pixels 3841 --height-pixels 10 &&
	fails_with 64 "kvideo: --height-pixels: InvalidArgumentException: '"'2161'"' is not in 1..2160" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --height-pixels 2161 &&
	fails_with 64 "kvideo: --max-results: InvalidArgumentException: '"'101'"' is not in 1..100" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --max-results 101 &&
	fails_with 64 "kvideo: --format-config: InvalidArgumentException: invalid JPEGQuality '"'0'"': expected an integer from 1 to 100" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --format-config JPEGQuality=0 &&
	fails_with 64 "kvideo: --format-config: InvalidArgumentException: '"'Quality=5'"': the only key is JPEGQuality" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 \
		--format JPEG --format-config Quality=5
'

test_expect_success 'usage errors (64)' '
	usage_fails_with "kvideo: --format: '"'GIF'"' is not JPEG or PNG" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 --format GIF &&
	usage_fails_with "kvideo: no --format given" \
		images --start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 &&
	usage_fails_with "kvideo: no --sampling-interval given" \
		images --start-timestamp $T0 --end-timestamp $T0 --format PNG &&
	usage_fails_with "kvideo: no --image-selector-type given" \
		kvideo get-images -s cam --start-timestamp $T0 --end-timestamp $T0 \
		--sampling-interval 1000 --format PNG &&
	usage_fails_with "kvideo: --image-selector-type: '"'NOW'"' is not PRODUCER_TIMESTAMP or SERVER_TIMESTAMP" \
		kvideo get-images -s cam --image-selector-type NOW &&
	usage_fails_with "kvideo: no --start-timestamp given" \
		images --end-timestamp $T0 --sampling-interval 1000 --format PNG
'

test_expect_success 'no such stream (66), NoDataRetentionException (1)' '
	fails_with 66 "kvideo: video stream '"'nope'"': no such stream" \
		kvideo get-images -s nope --image-selector-type SERVER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 --format PNG &&
	kvideo create -s live --data-retention-in-hours 0 >/dev/null &&
	fails_with 1 "kvideo: video stream '"'live'"': NoDataRetentionException: the stream keeps no data (retention 0 hours)" \
		kvideo get-images -s live --image-selector-type SERVER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $T0 --sampling-interval 1000 --format PNG
'

test_done
