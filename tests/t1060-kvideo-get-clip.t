#!/bin/sh
# kvideo get-clip (GetClip): an MP4 of the fragments whose start is in a
# time range, remuxed without transcoding (ffprobe checks every packet
# against the source), the KVS limits (200 fragments, 100 MB, 3 hours), a
# fragmented MP4 on stdout, and each KVS error with its message and status.
. "$(dirname "$0")/lib.sh"

. "$TEST_DIRECTORY/lib/media_clip.sh"

# hashes FILE [STREAM]: the MD5 of each packet of a stream (default v:0).
hashes() {
	ffprobe -v error -select_streams "${2:-v:0}" -show_packets \
		-show_data_hash md5 -show_entries packet=data_hash -of csv=p=0 "$1"
}

# packets FILE [STREAM]: the number of packets of a stream (default v:0).
packets() {
	ffprobe -v error -select_streams "${2:-v:0}" -count_packets \
		-show_entries stream=nb_read_packets -of csv=p=0 "$1"
}

clip() { kvideo get-clip -s cam --fragment-selector-type PRODUCER_TIMESTAMP "$@"; }

test_expect_success 'setup: 10 s of H.264 in 1 s fragments, and with AAC' '
	media v.mkv 10 25 &&
	media av.mkv 10 25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
		-c:a aac &&
	stream cam v.mkv && stream av av.mkv &&
	kvideo get-clip -h >"$TRASH/usage"
'

test_expect_success 'a range of 2 s..5 s: the 4 fragments starting in it, packets copied' '
	clip --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 5000)) \
		-o c.mp4 >out &&
	printf "{\n    \"ContentType\": \"video/mp4\"\n}\n" >want && test_cmp want out &&
	test "$(packets c.mp4)" = 100 &&
	hashes v.mkv | sed -n "51,150p" >want &&
	hashes c.mp4 >got && test_cmp want got &&
	ffprobe -v error -show_entries format=format_name:stream=codec_name,width,height,duration \
		-of default=nw=1 c.mp4 >got &&
	printf "codec_name=h264\nwidth=320\nheight=240\nduration=4.000000\nformat_name=mov,mp4,m4a,3gp,3g2,mj2\n" >want &&
	test_cmp want got
'

test_expect_success 'the range is inclusive on fragment start times' '
	clip --start-timestamp $((T0 + 2001)) --end-timestamp $((T0 + 5000)) \
		-o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 75 &&
	clip --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 4999)) \
		c2.mp4 >/dev/null &&
	test "$(packets c2.mp4)" = 75 &&
	hashes v.mkv | sed -n "51,125p" >want &&
	hashes c2.mp4 >got && test_cmp want got
'

test_expect_success 'timestamps: ISO 8601 and epoch seconds with a fraction, as the AWS CLI' '
	clip --start-timestamp 2023-11-14T22:13:27Z --end-timestamp 1700000009.5 \
		-o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 75 &&
	hashes v.mkv | sed -n "176,250p" >want &&
	hashes c.mp4 >got && test_cmp want got
'

test_expect_success '--clip-fragment-selector: the AWS CLI shorthand and JSON' '
	kvideo get-clip -s cam --clip-fragment-selector \
		"FragmentSelectorType=PRODUCER_TIMESTAMP,TimestampRange={StartTimestamp=1700000007,EndTimestamp=1700000009.5}" \
		c.mp4 >/dev/null &&
	hashes v.mkv | sed -n "176,250p" >want && hashes c.mp4 >got && test_cmp want got &&
	kvideo get-clip -s cam --clip-fragment-selector \
		"{\"FragmentSelectorType\": \"PRODUCER_TIMESTAMP\", \"TimestampRange\": {\"StartTimestamp\": 1700000007, \"EndTimestamp\": \"2023-11-14T22:13:29.5Z\"}}" \
		c2.mp4 >/dev/null &&
	hashes c2.mp4 >got && test_cmp want got &&
	usage_fails_with "kvideo: --clip-fragment-selector: unknown key '"'Start'"'" \
		kvideo get-clip -s cam --clip-fragment-selector Start=1 c.mp4
'

test_expect_success 'H.264 + AAC: both tracks copied, the clip decodes without an error' '
	kvideo get-clip -s av --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 60000)) -o c.mp4 >/dev/null &&
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 c.mp4 >got &&
	printf "h264\naac\n" >want && test_cmp want got &&
	hashes av.mkv >want && hashes c.mp4 >got && test_cmp want got &&
	hashes av.mkv a:0 >want && hashes c.mp4 a:0 >got && test_cmp want got &&
	ffmpeg -nostdin -v error -i c.mp4 -f null - 2>err && test ! -s err &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,duration_time \
		-of csv=p=0 c.mp4 | sed \$d >got &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,duration_time \
		-of csv=p=0 av.mkv | sed \$d >want &&
	test_line_count = 249 want && test_cmp want got
'

test_expect_success 'B-frames: decode timestamps rebuilt from the stored presentation times' '
	ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25 -t 6 \
		-c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 \
		-bf 2 -pix_fmt yuv420p bf.mp4 &&
	ffprobe -v error -select_streams v:0 -show_entries stream=has_b_frames \
		-of csv=p=0 bf.mp4 | grep -qv "^0" &&
	stream bf bf.mp4 &&
	kvideo get-clip -s bf --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 6000)) -o c.mp4 >/dev/null &&
	hashes bf.mp4 >want && hashes c.mp4 >got && test_cmp want got &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time \
		-of csv=p=0 bf.mp4 >want &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time \
		-of csv=p=0 c.mp4 >got &&
	test_cmp want got &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,dts_time \
		-of csv=p=0 c.mp4 >ts &&
	awk -F, "\$2 > \$1 || (NR > 1 && \$2 <= last) { print; bad = 1 } { last = \$2 }
		END { exit bad }" ts &&
	ffmpeg -nostdin -v error -i c.mp4 -f null - 2>err && test ! -s err
'

test_expect_success 'the whole stream by server timestamps' '
	now=$(date +%s) &&
	kvideo get-clip -s cam --fragment-selector-type SERVER_TIMESTAMP \
		--start-timestamp $((now - 3600)) --end-timestamp $((now + 60)) \
		-o c.mp4 >/dev/null &&
	hashes v.mkv >want && hashes c.mp4 >got && test_cmp want got
'

test_expect_success '-o - and a FILE of -: fragmented MP4 on stdout, the same packets' '
	clip --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 5000)) -o - >s.mp4 &&
	clip --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 5000)) - >s2.mp4 &&
	cmp s.mp4 s2.mp4 &&
	grep -c moof s.mp4 >/dev/null &&
	hashes v.mkv | sed -n "51,150p" >want &&
	hashes s.mp4 >got && test_cmp want got
'

test_expect_success 'a reader leaving stdout early ends get-clip quietly' '
	clip --start-timestamp $T0 --end-timestamp $((T0 + 9000)) - 2>err | head -c 10 >/dev/null &&
	test ! -s err
'

test_expect_success 'the file is written beside its target and renamed: an old clip stays on failure' '
	mkdir d && echo old >d/c.mp4 &&
	test_must_fail clip --start-timestamp $((T0 + 100000)) \
		--end-timestamp $((T0 + 200000)) -o d/c.mp4 2>/dev/null &&
	echo old >want && test_cmp want d/c.mp4 &&
	clip --start-timestamp $T0 --end-timestamp $((T0 + 1000)) -o d/c.mp4 >/dev/null &&
	test "$(packets d/c.mp4)" = 50 &&
	ls -A d >got && echo c.mp4 >want && test_cmp want got
'

test_expect_success '--max-fragments and --max-size lower the limits (at least one fragment)' '
	clip --start-timestamp $T0 --end-timestamp $((T0 + 9000)) --max-fragments 3 \
		-o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 75 &&
	clip --start-timestamp $T0 --end-timestamp $((T0 + 9000)) --max-size 1B \
		-o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 25 &&
	size=$(($(wc -c <"$KIN_DIR"/video/cam/fragments/$(ls "$KIN_DIR"/video/cam/fragments | sed -n 1p)) +
		$(wc -c <"$KIN_DIR"/video/cam/fragments/$(ls "$KIN_DIR"/video/cam/fragments | sed -n 2p)))) &&
	clip --start-timestamp $T0 --end-timestamp $((T0 + 9000)) --max-size $size \
		-o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 50
'

test_expect_success 'at most the first 200 fragments, as KVS' '
	media many.mkv 16.4 2 &&
	stream many many.mkv &&
	test $(ls "$KIN_DIR"/video/many/fragments | wc -l) = 205 &&
	kvideo get-clip -s many --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 60000)) -o c.mp4 >/dev/null &&
	test "$(packets c.mp4)" = 400 &&
	hashes many.mkv | sed -n "1,400p" >want && hashes c.mp4 >got && test_cmp want got
'

test_expect_success 'ResourceNotFoundException: no fragment starts in the range (66)' '
	fails_with 66 "kvideo: video stream '"'cam'"': ResourceNotFoundException: no fragments with producer timestamps from 2023-11-14T22:13:30.001000+00:00 to 2023-11-14T22:14:00.000000+00:00" \
		clip --start-timestamp $((T0 + 10001)) --end-timestamp $((T0 + 40000)) -o nf.mp4 &&
	test -z "$(ls -A | grep "nf\.mp4")"
'

test_expect_success 'no such stream (66)' '
	fails_with 66 "kvideo: video stream '"'nope'"': no such stream" \
		kvideo get-clip -s nope --fragment-selector-type SERVER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 1000)) -o c.mp4
'

test_expect_success 'NoDataRetentionException: a stream without retention (1)' '
	kvideo create -s live --data-retention-in-hours 0 >/dev/null &&
	fails_with 1 "kvideo: video stream '"'live'"': NoDataRetentionException: the stream keeps no data (retention 0 hours)" \
		kvideo get-clip -s live --fragment-selector-type SERVER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 1000)) -o c.mp4
'

test_expect_success 'UnsupportedStreamMediaTypeException: VP9 (65)' '
	ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=10 -t 2 \
		-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 10 vp9.mkv &&
	stream vp9 vp9.mkv &&
	fails_with 65 "kvideo: video stream '"'vp9'"': UnsupportedStreamMediaTypeException: track 1 codec V_VP9 is not H.264, H.265 or AAC" \
		kvideo get-clip -s vp9 --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 2000)) -o c.mp4 &&
	test -z "$(ls -A | grep "c\.mp4\.")"
'

test_expect_success 'InvalidMediaFrameException: an H.264 frame that does not parse (65)' '
	media bad.mkv 2 25 && stream bad bad.mkv &&
	first=$(ls "$KIN_DIR"/video/bad/fragments | sed -n 1p) &&
	mkvedit frame "$KIN_DIR/video/bad/fragments/$first" &&
	fails_with 65 "kvideo: video stream '"'bad'"': InvalidMediaFrameException: fragment ${first%.mkv}: a V_MPEG4/ISO/AVC frame at 0 ms does not parse" \
		kvideo get-clip -s bad --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 2000)) -o c.mp4 &&
	test -z "$(ls -A | grep "c\.mp4\.")"
'

test_expect_success 'MissingCodecPrivateDataException: an H.264 track without CodecPrivate (65)' '
	media cp.mkv 2 25 && stream nocp cp.mkv &&
	mkvedit no-private "$KIN_DIR"/video/nocp/fragments/*.mkv &&
	fails_with 65 "kvideo: video stream '"'nocp'"': MissingCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) has no codec private data" \
		kvideo get-clip -s nocp --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 2000)) -o c.mp4
'

test_expect_success 'InvalidCodecPrivateDataException: an avcC record that is not version 1 (65)' '
	stream badcp cp.mkv &&
	mkvedit bad-private "$KIN_DIR"/video/badcp/fragments/*.mkv &&
	fails_with 65 "kvideo: video stream '"'badcp'"': InvalidCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) codec private data cannot be read" \
		kvideo get-clip -s badcp --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 2000)) -o c.mp4
'

test_expect_success 'codec private data missing or changed in a later fragment (65)' '
	stream midcp v.mkv && stream othercp v.mkv &&
	mkvedit no-private "$KIN_DIR/video/midcp/fragments/00000000000000000003.mkv" &&
	mkvedit other-private "$KIN_DIR/video/othercp/fragments/00000000000000000003.mkv" &&
	fails_with 65 "kvideo: video stream '"'midcp'"': fragment 00000000000000000003: MissingCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) has no codec private data" \
		kvideo get-clip -s midcp --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 5000)) -o c3.mp4 &&
	fails_with 65 "kvideo: video stream '"'othercp'"': InvalidCodecPrivateDataException: fragment 00000000000000000003: the codec private data changed" \
		kvideo get-clip -s othercp --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 5000)) -o c3.mp4 &&
	test ! -e c3.mp4 && test -z "$(ls -A | grep "c3\.mp4\.")" &&
	kvideo get-clip -s othercp --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $((T0 + 3000)) --end-timestamp $((T0 + 5000)) -o c3.mp4 >/dev/null &&
	test "$(packets c3.mp4)" = 75
'

test_expect_success 'InvalidArgumentException: an end not after the start, a range over 3 hours (64)' '
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: not after --start-timestamp" \
		clip --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 2000)) -o c.mp4 &&
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: more than 3 hours after --start-timestamp" \
		clip --start-timestamp $T0 --end-timestamp $((T0 + 3 * 3600000 + 1)) -o c.mp4 &&
	clip --start-timestamp $T0 --end-timestamp $((T0 + 3 * 3600000)) -o c.mp4 >/dev/null
'

test_expect_success 'usage errors (64)' '
	usage_fails_with "kvideo: no --fragment-selector-type given" \
		kvideo get-clip -s cam --start-timestamp $T0 --end-timestamp $T0 c.mp4 &&
	usage_fails_with "kvideo: --fragment-selector-type: '"'NOW'"' is not PRODUCER_TIMESTAMP or SERVER_TIMESTAMP" \
		clip --fragment-selector-type NOW --start-timestamp $T0 --end-timestamp $T0 c.mp4 &&
	usage_fails_with "kvideo: no --end-timestamp given" \
		clip --start-timestamp $T0 c.mp4 &&
	usage_fails_with "kvideo: no output file given (-o FILE, - for stdout)" \
		clip --start-timestamp $T0 --end-timestamp $((T0 + 1000)) &&
	usage_fails_with "kvideo: invalid --max-fragments '"'201'"': expected an integer from 1 to 200" \
		clip --start-timestamp $T0 --end-timestamp $((T0 + 1000)) --max-fragments 201 c.mp4 &&
	usage_fails_with "kvideo: unknown option '"'--bogus'"'" \
		clip --bogus c.mp4 &&
	usage_fails_with "kvideo: no stream given (-s STREAM)" \
		kvideo get-clip --fragment-selector-type SERVER_TIMESTAMP c.mp4
'

test_expect_success 'an output directory that does not exist (74)' '
	fails_with 74 "kvideo: output '"'no/c.mp4'"': No such file or directory" \
		clip --start-timestamp $T0 --end-timestamp $((T0 + 1000)) -o no/c.mp4
'

test_done
