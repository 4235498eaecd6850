#!/bin/sh
# kvideo hls (GetHLSStreamingSessionURL into a directory): the media and
# master playlists of ON_DEMAND, LIVE (and its 30 s rule, under faketime)
# and LIVE_REPLAY sessions in fMP4 and
# MPEG-TS, program date-time, the discontinuity modes and their KVS
# defaults, MaxMediaPlaylistFragmentResults, segments that ffprobe reads
# back into the source's packets, live upkeep (window, media and
# discontinuity sequence, old segments removed), and every error.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/media_clip.sh"   # mkvedit

T0=1700000000000        # 2023-11-14T22:13:20Z, the producer start of the media
KIN_HLSJS="$TEST_DIRECTORY/node/node_modules/hls.js/dist/hls.min.js"
export KIN_HLSJS

# media OUT SECONDS [ffmpeg options]: 320x240 25 fps, a keyframe every 2 s,
# H.264 (no B-frames) + AAC unless the options say otherwise.
media() {
	out=$1 secs=$2
	shift 2
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=48000 -t "$secs" \
		-g 50 -keyint_min 50 -pix_fmt yuv420p \
		${1+"$@"} "$out"
}

h264() { media "$@" -c:v libx264 -preset ultrafast -sc_threshold 0 -bf 0 -c:a aac; }

# vpackets FILE: pts (relative to the first), size and flags of each video packet.
vpackets() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,size,flags \
		-of csv=p=0 "$1" |
	awk -F, 'NR == 1 { t0 = $1 } { printf "%.3f,%s,%s\n", $1 - t0, $2, $3 }'
}

# segs DIR: the segment names of DIR/media.m3u8 as fragment numbers.
segs() {
	sed -n 's/^seg-0*\([0-9]*\)\.\(m4s\|ts\)$/\1/p' "$1/media.m3u8" | tr "\n" " "
}

# wait_seg DIR N: waits up to 60 s until DIR/media.m3u8 names fragment N.
wait_seg() {
	ws_i=0
	until grep -q "^seg-0*$2\." "$1/media.m3u8" 2>/dev/null; do
		ws_i=$((ws_i + 1))
		test $ws_i -le 300 || { echo "wait_seg: no fragment $2 in $1" >&2; return 1; }
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

# catching PID SIGNUM: waits up to 60 s until PID catches signal SIGNUM.
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

# waiting PID: PID's session has looked at the stream and waits for new
# fragments (the store's inotify descriptor is made by its first wait), so
# what is ingested from now on is new to it, however loaded the machine.
waiting() {
	wa_i=0
	until ls -l /proc/"$1"/fd 2>/dev/null | grep -q inotify; do
		wa_i=$((wa_i + 1))
		test $wa_i -le 300 || { echo "waiting: $1 never waits" >&2; return 1; }
		sleep 0.2
	done
}

# first_server STREAM: the server timestamp (ms) of its first fragment.
first_server() {
	kvideo get-media -s "$1" --start-selector-type EARLIEST --max-fragments 1 |
	python3 "$TEST_DIRECTORY/lib/mkvchunks.py" /dev/stdin | tr " " "\n" |
	sed -n "s/^AWS_KINESISVIDEO_SERVER_TIMESTAMP=//p" | tr -d .
}

# newest_server STREAM: the server timestamp (ms) of its newest fragment.
newest_server() {
	kvideo get-media -s "$1" --max-fragments 1 --no-follow |
	python3 "$TEST_DIRECTORY/lib/mkvchunks.py" /dev/stdin | tr " " "\n" |
	sed -n "s/^AWS_KINESISVIDEO_SERVER_TIMESTAMP=//p" | tr -d .
}

# clock_at MS: the faketime(1) offset that starts the clock at MS (epoch
# milliseconds); it goes on from there.
clock_at() {
	awk -v o=$(($1 - $(date +%s%3N))) "BEGIN { printf \"%+.3fs\", o / 1000 }"
}

# at MS CMD...: runs CMD with its clock starting at MS.
at() {
	at_ms=$1
	shift
	faketime -f "$(clock_at $at_ms)" "$@"
}

od() {
	kvideo hls -s cam --playback-mode ON_DEMAND \
		--fragment-selector-type PRODUCER_TIMESTAMP "$@"
}

test_expect_success 'setup: 10 s of H.264 + AAC in five 2 s fragments; one with a 10 s gap' '
	h264 src.mp4 10 &&
	kvideo create -s cam --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s cam -i src.mp4 --producer-start $T0 >/dev/null &&
	kvideo create -s gap --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s gap -i src.mp4 --producer-start $T0 >/dev/null &&
	kvideo-ingest -s gap -i src.mp4 --producer-start $((T0 + 20000)) >/dev/null &&
	kvideo hls -h >"$TRASH/usage" &&
	vpackets src.mp4 >"$TRASH/src.v" && test_line_count = 250 "$TRASH/src.v"
'

test_expect_success 'ON_DEMAND, fMP4: the static playlist, master, page and files' '
	od --start-timestamp $T0 --end-timestamp $((T0 + 10000)) -o h >out 2>err &&
	test ! -s out && test ! -s err &&
	cat >want <<-EOF &&
	#EXTM3U
	#EXT-X-VERSION:7
	#EXT-X-TARGETDURATION:2
	#EXT-X-MEDIA-SEQUENCE:0
	#EXT-X-PLAYLIST-TYPE:VOD
	#EXT-X-INDEPENDENT-SEGMENTS
	#EXT-X-MAP:URI="init-1.mp4"
	#EXTINF:2.000,
	seg-00000000000000000001.m4s
	#EXTINF:2.000,
	seg-00000000000000000002.m4s
	#EXTINF:2.000,
	seg-00000000000000000003.m4s
	#EXTINF:2.000,
	seg-00000000000000000004.m4s
	#EXTINF:2.000,
	seg-00000000000000000005.m4s
	#EXT-X-ENDLIST
	EOF
	test_cmp want h/media.m3u8 &&
	sed "s/BANDWIDTH=[1-9][0-9]*,/BANDWIDTH=B,/; s/avc1\.[0-9a-f]\{6\}/avc1.X/" \
		h/master.m3u8 >got &&
	cat >want <<-EOF &&
	#EXTM3U
	#EXT-X-INDEPENDENT-SEGMENTS
	#EXT-X-STREAM-INF:BANDWIDTH=B,CODECS="avc1.X,mp4a.40.2",RESOLUTION=320x240
	media.m3u8
	EOF
	test_cmp want got &&
	grep -q "avc1\.$(ffprobe -v error -select_streams v:0 -show_entries stream=profile \
		-of csv=p=0 src.mp4 | sed "s/Constrained Baseline/42c0/; s/High/6400/; s/Main/4d40/")" \
		h/master.m3u8 &&
	(cd h && ls) >got &&
	cat >want <<-EOF &&
	hls.min.js
	index.html
	init-1.mp4
	master.m3u8
	media.m3u8
	seg-00000000000000000001.m4s
	seg-00000000000000000002.m4s
	seg-00000000000000000003.m4s
	seg-00000000000000000004.m4s
	seg-00000000000000000005.m4s
	EOF
	test_cmp want got &&
	cmp h/hls.min.js "$KIN_HLSJS" &&
	grep -q "<script src=\"hls.min.js\"></script>" h/index.html &&
	grep -q "var src = \"master.m3u8\";" h/index.html &&
	grep -q "live: false" h/index.html
'

test_expect_success 'ON_DEMAND, fMP4: ffprobe reads the source video packets back' '
	vpackets h/master.m3u8 >got && test_cmp "$TRASH/src.v" got &&
	ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 \
		h/media.m3u8 | sort -u | grep . >got &&
	printf "aac\nh264,320,240\n" >want && test_cmp want got &&
	cat h/init-1.mp4 h/seg-00000000000000000003.m4s >one.mp4 &&
	ffprobe -v error -select_streams v:0 -count_packets \
		-show_entries stream=nb_read_packets -of csv=p=0 one.mp4 >got &&
	echo 50 >want && test_cmp want got
'

test_expect_success 'ON_DEMAND, MPEG_TS: version 3, no map, .ts segments ffprobe reads' '
	od --start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
		--container-format MPEG_TS -o ts &&
	sed -n "1,8p" ts/media.m3u8 >got &&
	cat >want <<-EOF &&
	#EXTM3U
	#EXT-X-VERSION:3
	#EXT-X-TARGETDURATION:2
	#EXT-X-MEDIA-SEQUENCE:0
	#EXT-X-PLAYLIST-TYPE:VOD
	#EXT-X-INDEPENDENT-SEGMENTS
	#EXTINF:2.000,
	seg-00000000000000000001.ts
	EOF
	test_cmp want got &&
	! grep -q MAP ts/media.m3u8 && test ! -e ts/init-1.mp4 &&
	test "$(segs ts)" = "1 2 3 4 5 " &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags \
		-of csv=p=0 ts/media.m3u8 | grep , |
	awk -F, "NR == 1 { t0 = \$1 } { printf \"%.3f,%s\n\", \$1 - t0, \$2 }" >got &&
	cut -d, -f1,3 "$TRASH/src.v" >want && test_cmp want got &&
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
		ts/seg-00000000000000000002.ts | sort -u | grep . >got &&
	printf "aac\nh264\n" >want && test_cmp want got
'

test_expect_success 'B-frames: ON_DEMAND fMP4 and MPEG_TS give the source packets, dts rebuilt' '
	media bf.mp4 6 -c:v libx264 -preset ultrafast -sc_threshold 0 -bf 2 -c:a aac &&
	ffprobe -v error -select_streams v:0 -show_entries stream=has_b_frames \
		-of csv=p=0 bf.mp4 | grep -qv "^0" &&
	kvideo create -s bf --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s bf -i bf.mp4 --producer-start $T0 >/dev/null &&
	vpackets bf.mp4 >want && test_line_count = 150 want &&
	od -s bf --start-timestamp $T0 --end-timestamp $((T0 + 6000)) -o bf &&
	test "$(segs bf)" = "1 2 3 " &&
	vpackets bf/master.m3u8 >got && test_cmp want got &&
	od -s bf --start-timestamp $T0 --end-timestamp $((T0 + 6000)) \
		--container-format MPEG_TS -o bfts &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags \
		-of csv=p=0 bfts/media.m3u8 | grep , |
	awk -F, "NR == 1 { t0 = \$1 } { printf \"%.3f,%s\n\", \$1 - t0, \$2 }" >got &&
	cut -d, -f1,3 want >want.ts && test_cmp want.ts got &&
	for m in bf/master.m3u8 bfts/media.m3u8; do
		ffprobe -v error -select_streams v:0 -show_entries packet=pts,dts \
			-of csv=p=0 "$m" | grep , >bf.pd &&
		awk -F, "\$2 > \$1 || (NR > 1 && \$2 <= last) { print; bad = 1 }
			{ last = \$2 } END { exit bad }" bf.pd &&
		ffmpeg -nostdin -v error -i "$m" -f null - 2>err && test_cmp /dev/null err ||
		exit 1
	done
'

test_expect_success 'ON_DEMAND: fragments starting in [Start, End], at most MaxMediaPlaylistFragmentResults' '
	od --start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 6000)) -o r &&
	test "$(segs r)" = "2 3 4 " &&
	od --start-timestamp $((T0 + 1)) --end-timestamp $((T0 + 5999)) -o r &&
	test "$(segs r)" = "2 3 " &&
	od --start-timestamp 2023-11-14T22:13:20Z --end-timestamp 1700000010 \
		--max-media-playlist-fragment-results 2 -o r &&
	test "$(segs r)" = "1 2 " &&
	test ! -e r/seg-00000000000000000003.m4s
'

test_expect_success 'a second session in the same directory replaces the first one' '
	od --start-timestamp $((T0 + 8000)) --end-timestamp $((T0 + 9000)) -o r &&
	test "$(segs r)" = "5 " &&
	(cd r && ls seg-*) >got &&
	echo seg-00000000000000000005.m4s >want && test_cmp want got
'

test_expect_success 'DisplayFragmentTimestamp ALWAYS: #EXT-X-PROGRAM-DATE-TIME per segment' '
	od --start-timestamp $T0 --end-timestamp $((T0 + 4000)) \
		--display-fragment-timestamp ALWAYS -o pdt &&
	grep -A1 PROGRAM-DATE-TIME pdt/media.m3u8 | grep -v "^--" >got &&
	cat >want <<-EOF &&
	#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z
	#EXTINF:2.000,
	#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z
	#EXTINF:2.000,
	#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.000Z
	#EXTINF:2.000,
	EOF
	test_cmp want got &&
	! grep -q PROGRAM-DATE-TIME h/media.m3u8
'

test_expect_success 'PROGRAM-DATE-TIME on SERVER_TIMESTAMP: the arrival times' '
	s1=$(first_server cam) &&
	kvideo hls -s cam --playback-mode ON_DEMAND --start-timestamp $s1 \
		--end-timestamp $((s1 + 1)) --display-fragment-timestamp ALWAYS \
		--max-media-playlist-fragment-results 1 -o srv &&
	test "$(segs srv)" = "1 " &&
	want=$(date -u -d @$((s1 / 1000)) +%Y-%m-%dT%H:%M:%S).$(printf %03d $((s1 % 1000)))Z &&
	grep -x "#EXT-X-PROGRAM-DATE-TIME:$want" srv/media.m3u8
'

test_expect_success 'discontinuity modes: defaults NEVER (producer), ALWAYS (server)' '
	kvideo hls -s gap --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 40000)) -o d1 &&
	test "$(segs d1)" = "1 2 3 4 5 6 7 8 9 10 " &&
	! grep -q DISCONTINUITY d1/media.m3u8 &&
	s1=$(first_server gap) &&
	kvideo hls -s gap --playback-mode ON_DEMAND --start-timestamp $((s1 - 1)) \
		--end-timestamp $((s1 + 600000)) -o d2 &&
	test "$(segs d2)" = "1 2 3 4 5 6 7 8 9 10 " &&
	test "$(grep -c "^#EXT-X-DISCONTINUITY$" d2/media.m3u8)" = 9 &&
	sed -n "7,9p" d2/media.m3u8 >got &&
	printf "#EXT-X-MAP:URI=\"init-1.mp4\"\n#EXTINF:2.000,\nseg-00000000000000000001.m4s\n" >want &&
	test_cmp want got
'

test_expect_success 'ON_DISCONTINUITY: a tag only where producer time jumps by more than 50 ms' '
	kvideo hls -s gap --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--discontinuity-mode ON_DISCONTINUITY \
		--start-timestamp $T0 --end-timestamp $((T0 + 40000)) -o d3 &&
	test "$(grep -c "^#EXT-X-DISCONTINUITY$" d3/media.m3u8)" = 1 &&
	grep -B2 -A2 "^#EXT-X-DISCONTINUITY$" d3/media.m3u8 >got &&
	cat >want <<-EOF &&
	#EXTINF:2.000,
	seg-00000000000000000005.m4s
	#EXT-X-DISCONTINUITY
	#EXTINF:2.000,
	seg-00000000000000000006.m4s
	EOF
	test_cmp want got &&
	kvideo hls -s gap --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--discontinuity-mode ALWAYS \
		--start-timestamp $T0 --end-timestamp $((T0 + 40000)) -o d4 &&
	test "$(grep -c "^#EXT-X-DISCONTINUITY$" d4/media.m3u8)" = 9 &&
	s1=$(first_server gap) &&
	kvideo hls -s gap --playback-mode ON_DEMAND --discontinuity-mode NEVER \
		--start-timestamp $s1 --end-timestamp $((s1 + 600000)) -o d5 &&
	! grep -q DISCONTINUITY d5/media.m3u8 &&
	vpackets d3/media.m3u8 >got && test_line_count = 500 got
'

test_expect_success 'LIVE --no-follow: the newest N fragments, no end' '
	s=$(newest_server gap) &&
	at $((s + 20000)) kvideo hls -s gap --no-follow -o l1 &&
	test "$(segs l1)" = "6 7 8 9 10 " &&
	sed -n "1,6p" l1/media.m3u8 >got &&
	cat >want <<-EOF &&
	#EXTM3U
	#EXT-X-VERSION:7
	#EXT-X-TARGETDURATION:2
	#EXT-X-MEDIA-SEQUENCE:0
	#EXT-X-INDEPENDENT-SEGMENTS
	#EXT-X-MAP:URI="init-1.mp4"
	EOF
	test_cmp want got &&
	! grep -q "ENDLIST\|PLAYLIST-TYPE" l1/media.m3u8 &&
	grep -q "live: true" l1/index.html &&
	at $((s + 20000)) kvideo hls -s gap --no-follow \
		--max-media-playlist-fragment-results 3 --container-format MPEG_TS -o l2 &&
	test "$(segs l2)" = "8 9 10 "
'

test_expect_success 'LIVE --no-follow: no fragment in the last 30 s is ResourceNotFoundException' '
	s=$(newest_server gap) &&
	fails_with 66 "kvideo: video stream '"'gap'"': ResourceNotFoundException: no fragments in the last 30 seconds" \
		at $((s + 35000)) kvideo hls -s gap --no-follow -o l3 &&
	test ! -e l3/media.m3u8
'

test_expect_success 'LIVE following a stream idle for over 30 s: waits for the next fragment' '
	kvideo create -s idle --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s idle -i src.mp4 --producer-start $T0 >/dev/null &&
	s=$(newest_server idle) || exit 1
	# libfaketime preloaded by hand (as faketime(1) does), so $! is the
	# session itself and not a wrapper whose child must be found.
	FAKETIME="$(clock_at $((s + 35000)))" \
	LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
		kvideo hls -s idle -o idle 2>idle.err &
	pid=$! &&
	echo $pid >"$TRASH/idle.pid" &&
	catching $pid 15 &&
	waiting $pid &&
	kvideo-ingest -s idle -i src.mp4 --producer-start $((T0 + 10000)) >/dev/null &&
	wait_seg idle 10 &&
	kill -TERM $pid && wait_exit $pid &&
	test ! -s idle.err &&
	test "$(segs idle)" = "6 7 8 9 10 " &&
	grep -x "#EXT-X-MEDIA-SEQUENCE:0" idle/media.m3u8
'

test_expect_success 'LIVE: kept current while ingesting; old segments leave, files later; SIGTERM ends it' '
	kvideo create -s live --data-retention-in-hours 24 >/dev/null || exit 1
	kvideo hls -s live --max-media-playlist-fragment-results 2 -o lv 2>lv.err &
	echo $! >"$TRASH/lv.pid" &&
	catching "$(cat "$TRASH/lv.pid")" 15 &&
	kvideo-ingest -s live -i src.mp4 --producer-start $T0 >/dev/null &&
	wait_seg lv 5 &&
	kill -TERM "$(cat "$TRASH/lv.pid")" &&
	wait_exit "$(cat "$TRASH/lv.pid")" &&
	test ! -s lv.err &&
	test "$(segs lv)" = "4 5 " &&
	grep -x "#EXT-X-MEDIA-SEQUENCE:3" lv/media.m3u8 &&
	grep -x "#EXT-X-DISCONTINUITY-SEQUENCE:3" lv/media.m3u8 &&
	grep -x "#EXT-X-DISCONTINUITY" lv/media.m3u8 &&
	! grep -q ENDLIST lv/media.m3u8 &&
	(cd lv && ls seg-*) | sed "s/^seg-0*//" | tr "\n" " " >got &&
	printf "2.m4s 3.m4s 4.m4s 5.m4s " >want && test_cmp want got
'

test_expect_success 'LIVE: a session started on an empty stream waits for the first fragment' '
	kvideo create -s late --data-retention-in-hours 24 >/dev/null || exit 1
	kvideo hls -s late --container-format MPEG_TS -o late &
	echo $! >"$TRASH/late.pid" &&
	catching "$(cat "$TRASH/late.pid")" 2 &&
	test ! -e late/media.m3u8 &&
	kvideo-ingest -s late -i src.mp4 --producer-start $T0 >/dev/null &&
	wait_seg late 5 &&
	kill -INT "$(cat "$TRASH/late.pid")" &&
	wait_exit "$(cat "$TRASH/late.pid")" &&
	test "$(segs late)" = "1 2 3 4 5 " &&
	test -e late/index.html
'

test_expect_success 'LIVE_REPLAY: from Start, one fragment per fragment duration, ENDLIST after End' '
	kvideo hls -s cam --playback-mode LIVE_REPLAY \
		--fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $((T0 + 2000)) --end-timestamp $((T0 + 6000)) \
		--max-media-playlist-fragment-results 2 -o rp &&
	test "$(segs rp)" = "3 4 " &&
	grep -x "#EXT-X-MEDIA-SEQUENCE:1" rp/media.m3u8 &&
	grep -x "#EXT-X-ENDLIST" rp/media.m3u8 &&
	! grep -q PLAYLIST-TYPE rp/media.m3u8 &&
	! grep -q DISCONTINUITY rp/media.m3u8
'

test_expect_success 'LIVE_REPLAY --no-follow: replays to the newest fragment, then ends' '
	kvideo hls -s cam --playback-mode LIVE_REPLAY \
		--fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $((T0 + 5000)) --no-follow -o rp2 &&
	test "$(segs rp2)" = "4 5 " &&
	grep -x "#EXT-X-ENDLIST" rp2/media.m3u8
'

test_expect_success 'unsupported codecs get the KVS error names' '
	media vp9.webm 4 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -an &&
	kvideo create -s vp9 --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s vp9 -i vp9.webm --producer-start $T0 >/dev/null &&
	fails_with 65 "kvideo: video stream '"'vp9'"': fragment 00000000000000000001: UnsupportedStreamMediaTypeException: track 1 codec V_VP9 is not H.264, H.265 or AAC" \
		kvideo hls -s vp9 --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 4000)) -o v &&
	media mp2.mkv 4 -c:v libx264 -preset ultrafast -bf 0 -c:a mp2 &&
	kvideo create -s mp2 --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s mp2 -i mp2.mkv --producer-start $T0 >/dev/null &&
	fails_with 65 "kvideo: video stream '"'mp2'"': fragment 00000000000000000001: UnsupportedStreamMediaTypeException: track 2 codec mp2 is not AAC" \
		kvideo hls -s mp2 --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 4000)) -o v
'

test_expect_success 'codec private data missing or unreadable: the KVS exceptions (65)' '
	for st in nocp badcp midcp; do
		kvideo create -s $st --data-retention-in-hours 1 >/dev/null &&
		kvideo-ingest -s $st -i src.mp4 --producer-start $T0 >/dev/null || exit 1
	done
	mkvedit no-private "$KIN_DIR"/video/nocp/fragments/*.mkv &&
	mkvedit bad-private "$KIN_DIR"/video/badcp/fragments/*.mkv &&
	mkvedit no-private "$KIN_DIR"/video/midcp/fragments/00000000000000000003.mkv &&
	for c in FRAGMENTED_MP4 MPEG_TS; do
		fails_with 65 "kvideo: video stream '"'nocp'"': fragment 00000000000000000001: MissingCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) has no codec private data" \
			od -s nocp --start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
			--container-format $c -o cp &&
		fails_with 65 "kvideo: video stream '"'badcp'"': fragment 00000000000000000001: InvalidCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) codec private data cannot be read" \
			od -s badcp --start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
			--container-format $c -o cp &&
		fails_with 65 "kvideo: video stream '"'midcp'"': fragment 00000000000000000003: MissingCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) has no codec private data" \
			od -s midcp --start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
			--container-format $c -o cp &&
		test ! -e cp/media.m3u8 || exit 1
	done
	fails_with 65 "kvideo: video stream '"'midcp'"': fragment 00000000000000000003: MissingCodecPrivateDataException: track 1 (V_MPEG4/ISO/AVC) has no codec private data" \
		kvideo hls -s midcp --playback-mode LIVE_REPLAY --start-timestamp 0 --no-follow \
		--max-media-playlist-fragment-results 1 -o cp &&
	od -s midcp --start-timestamp $((T0 + 6000)) --end-timestamp $((T0 + 10000)) \
		-o cp2 2>err &&
	test "$(segs cp2)" = "4 5 " && test_cmp /dev/null err
'

test_expect_success 'errors: no stream, no data retention, no fragments' '
	fails_with 66 "kvideo: video stream '"'nope'"': no such stream" \
		kvideo hls -s nope -o x &&
	kvideo create -s zero --data-retention-in-hours 0 >/dev/null &&
	fails_with 1 "kvideo: video stream '"'zero'"': NoDataRetentionException: the stream keeps no data (retention 0 hours) for ON_DEMAND" \
		kvideo hls -s zero --playback-mode ON_DEMAND --start-timestamp $T0 \
		--end-timestamp $((T0 + 1000)) -o x &&
	fails_with 1 "kvideo: video stream '"'zero'"': NoDataRetentionException: the stream keeps no data (retention 0 hours) for LIVE_REPLAY" \
		kvideo hls -s zero --playback-mode LIVE_REPLAY --start-timestamp $T0 -o x &&
	fails_with 66 "kvideo: video stream '"'zero'"': ResourceNotFoundException: no fragments in the last 30 seconds" \
		kvideo hls -s zero --no-follow -o x &&
	fails_with 66 "kvideo: video stream '"'cam'"': ResourceNotFoundException: no fragments in the time range" \
		od --start-timestamp $((T0 + 60000)) --end-timestamp $((T0 + 70000)) -o x &&
	fails_with 74 "kvideo: output directory '"'no/such/dir'"': No such file or directory" \
		od --start-timestamp $T0 --end-timestamp $((T0 + 1000)) -o no/such/dir
'

test_expect_success 'usage errors' '
	usage_fails_with "kvideo: no output directory given (-o OUTDIR)" \
		kvideo hls -s cam &&
	usage_fails_with "kvideo: --playback-mode: unknown value '"'VOD'"'" \
		kvideo hls -s cam -o u --playback-mode VOD &&
	usage_fails_with "kvideo: --container-format: unknown value '"'MP4'"'" \
		kvideo hls -s cam -o u --container-format MP4 &&
	usage_fails_with "kvideo: --discontinuity-mode: unknown value '"'SOMETIMES'"'" \
		kvideo hls -s cam -o u --discontinuity-mode SOMETIMES &&
	usage_fails_with "kvideo: --fragment-selector-type: unknown value '"'NOW'"'" \
		kvideo hls -s cam -o u --fragment-selector-type NOW &&
	usage_fails_with "kvideo: --display-fragment-timestamp: unknown value '"'yes'"'" \
		kvideo hls -s cam -o u --display-fragment-timestamp yes &&
	usage_fails_with "kvideo: LIVE takes no --start-timestamp or --end-timestamp" \
		kvideo hls -s cam -o u --start-timestamp $T0 &&
	usage_fails_with "kvideo: LIVE_REPLAY needs --start-timestamp" \
		kvideo hls -s cam -o u --playback-mode LIVE_REPLAY &&
	usage_fails_with "kvideo: ON_DEMAND needs --start-timestamp and --end-timestamp" \
		kvideo hls -s cam -o u --playback-mode ON_DEMAND --start-timestamp $T0 &&
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: not after --start-timestamp" \
		od -o u --start-timestamp $T0 --end-timestamp $T0 &&
	fails_with 64 "kvideo: --end-timestamp: InvalidArgumentException: more than 24 hours after --start-timestamp" \
		od -o u --start-timestamp $T0 --end-timestamp $((T0 + 86400001)) &&
	usage_fails_with "kvideo: --hlsjs: cannot read '"'nowhere.js'"'" \
		kvideo hls -s cam -o u --hlsjs nowhere.js &&
	usage_fails_with "kvideo: unexpected argument '"'extra'"'" \
		kvideo hls -s cam -o u extra &&
	kvideo hls -s cam -o u --max-media-playlist-fragment-results 0 >out 2>err
	test $? = 64 &&
	kvideo hls -s cam -o u --max-media-playlist-fragment-results 5001 >out 2>err
	test $? = 64 && test ! -e u
'

test_expect_success 'without hls.js the page loads it from its CDN, with a warning' '
	KIN_HLSJS= od --start-timestamp $T0 --end-timestamp $((T0 + 1000)) \
		--hlsjs "$KIN_HLSJS" -o js1 && test -s js1/hls.min.js &&
	mkdir bin && cp "$(command -v kvideo)" bin/kvideo &&
	KIN_HLSJS= bin/kvideo hls -s cam --playback-mode ON_DEMAND \
		--fragment-selector-type PRODUCER_TIMESTAMP --start-timestamp $T0 \
		--end-timestamp $((T0 + 1000)) -o js2 2>err &&
	echo "kvideo: hls.js not found (--hlsjs, KIN_HLSJS): index.html loads it from its CDN" >want &&
	test_cmp want err &&
	test ! -e js2/hls.min.js &&
	grep -q "<script src=\"https://cdn.jsdelivr.net/npm/hls.js@1.7.4/dist/hls.min.js\"></script>" \
		js2/index.html &&
	KIN_HLSJS= bin/kvideo hls -q -s cam --playback-mode ON_DEMAND \
		--fragment-selector-type PRODUCER_TIMESTAMP --start-timestamp $T0 \
		--end-timestamp $((T0 + 1000)) -o js3 2>err && test ! -s err
'

test_done
