#!/bin/sh
# The player page kvideo hls writes next to its playlists, played in
# headless Chromium (Debian's chromium driven by playwright-core) from a
# static HTTP server on 127.0.0.1: on demand in fMP4 and MPEG-TS, across a
# discontinuity, and live while kvideo-ingest stores fragments in real
# time. Each must play (the video's currentTime advances) with no fatal
# hls.js error.
. "$(dirname "$0")/lib.sh"

T0=1700000000000        # 2023-11-14T22:13:20Z
NODE_PATH="$TEST_DIRECTORY/node/node_modules"
KIN_HLSJS="$NODE_PATH/hls.js/dist/hls.min.js"
export NODE_PATH KIN_HLSJS

# h264 OUT SECONDS [BFRAMES]: 320x240 25 fps H.264 (2 s GOP, no B-frames
# unless BFRAMES says) + AAC.
h264() {
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=48000 -t "$2" \
		-c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 \
		-bf "${3:-0}" -pix_fmt yuv420p -c:a aac "$1"
}

# play PAGE MIN_TIME: plays http://127.0.0.1:PORT/PAGE until currentTime >
# MIN_TIME (60 s at most); the player's report goes to play.json.
play() {
	node "$TEST_DIRECTORY/lib/hlsplay.js" "http://127.0.0.1:$(cat "$TRASH/port")/$1" \
		60 "$2" >play.json
	st=$?
	cat play.json
	test $st = 0 && grep -q "\"videoWidth\":320" play.json
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

test_expect_success 'setup: media, streams, chromium, hls.js and an HTTP server' '
	test -x /usr/bin/chromium && test -f "$KIN_HLSJS" &&
	test -d "$NODE_PATH/playwright-core" &&
	h264 src.mp4 10 && h264 short.mp4 4 &&
	kvideo create -s cam --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s cam -i src.mp4 --producer-start $T0 >/dev/null &&
	kvideo create -s gap --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s gap -i short.mp4 --producer-start $T0 >/dev/null &&
	kvideo-ingest -s gap -i short.mp4 --producer-start $((T0 + 60000)) >/dev/null &&
	mkdir www || exit 1
	/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory www \
		>http.log 2>&1 &
	echo $! >"$TRASH/http.pid" &&
	i=0 && until grep -q "port [0-9]" http.log; do
		i=$((i + 1)) && test $i -le 300 && sleep 0.2 || exit 1
	done &&
	sed -n "s/.* port \([0-9]*\) .*/\1/p" http.log | head -n 1 >"$TRASH/port" &&
	test -s "$TRASH/port"
'

test_expect_success 'ON_DEMAND fMP4 plays' '
	kvideo hls -s cam --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 10000)) -o www/od &&
	play od/index.html 2.5
'

test_expect_success 'ON_DEMAND MPEG-TS plays' '
	kvideo hls -s cam --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
		--container-format MPEG_TS -o www/ts &&
	play ts/index.html 2.5
'

test_expect_success 'ON_DEMAND with B-frames plays, fMP4 and MPEG-TS' '
	h264 bf.mp4 10 2 &&
	ffprobe -v error -select_streams v:0 -show_entries stream=has_b_frames \
		-of csv=p=0 bf.mp4 | grep -qv "^0" &&
	kvideo create -s bf --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s bf -i bf.mp4 --producer-start $T0 >/dev/null &&
	kvideo hls -s bf --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 10000)) -o www/bf &&
	play bf/index.html 2.5 &&
	kvideo hls -s bf --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--start-timestamp $T0 --end-timestamp $((T0 + 10000)) \
		--container-format MPEG_TS -o www/bfts &&
	play bfts/index.html 2.5
'

test_expect_success 'ON_DEMAND plays across a discontinuity (a 56 s gap in producer time)' '
	kvideo hls -s gap --playback-mode ON_DEMAND --fragment-selector-type PRODUCER_TIMESTAMP \
		--discontinuity-mode ON_DISCONTINUITY --display-fragment-timestamp ALWAYS \
		--start-timestamp $T0 --end-timestamp $((T0 + 70000)) -o www/gap &&
	test "$(grep -c "^#EXT-X-DISCONTINUITY$" www/gap/media.m3u8)" = 1 &&
	play gap/index.html 5
'

test_expect_success 'LIVE plays while fragments arrive in real time' '
	h264 long.mp4 40 &&
	kvideo create -s live --data-retention-in-hours 24 >/dev/null || exit 1
	kvideo hls -s live -o www/live 2>live.err &
	echo $! >"$TRASH/live.pid" || exit 1
	kvideo-ingest -s live -i long.mp4 --producer-start $T0 --re >/dev/null &
	echo $! >"$TRASH/ingest.pid" &&
	wait_seg www/live 3 &&
	play live/index.html 3 &&
	! grep -q ENDLIST www/live/media.m3u8 &&
	kill "$(cat "$TRASH/ingest.pid")" "$(cat "$TRASH/live.pid")" &&
	test ! -s live.err
'

test_done
