#!/bin/sh
# kvideo-ingest: fragments cut at keyframes with every packet kept (checked
# with ffprobe against the source), files and pipes, Matroska with B-frames
# (decode timestamps rebuilt), acknowledgements, rejected fragments (4004,
# 4002, 4001, 4005), tags (persistent, one-shot, from a control file and a
# FIFO, limits), lavfi, and every error path.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/media.sh"

# frags STREAM: the fragment files of STREAM in fragment-number order.
frags() {
	kvideo list-fragments -s "$1" | jq -r ".Fragments[].FragmentNumber" |
	sed "s|.*|$KIN_DIR/video/$1/fragments/&.mkv|"
}
# packets STREAM SEL: the packets of track SEL over all fragments, as
# probe_packets prints them (times relative to the first packet).
packets() {
	for f in $(frags "$1"); do
		ffprobe -v error -select_streams "$2" \
			-show_entries packet=pts_time,size,flags -of csv=p=0 "$f"
	done | awk -F, '$2 == "" { next } !n++ { t0 = $1 } { printf "%.3f,%s,%s\n", $1 - t0, $2, $3 }'
}
sizes() { cut -d, -f2; }

test_expect_success 'setup: clips' '
	make_clip "$TRASH/clip.mp4" 8 50 &&
	make_clip "$TRASH/clip.ts" 8 50 &&
	make_clip "$TRASH/a.ts" 4 50 &&
	make_clip "$TRASH/b.ts" 8 50 &&
	make_clip "$TRASH/bf.mkv" 8 50 -bf 2 &&
	kvideo-ingest -h >"$TRASH/usage"
'

test_expect_success 'an 8 s mp4 with a 2 s GOP: 4 fragments, each starting with a keyframe' '
	kvideo create -s cam --data-retention-in-hours 24 >/dev/null &&
	kvideo-ingest -s cam -i "$TRASH/clip.mp4" >acks &&
	frags cam >files && test_line_count = 4 files &&
	for f in $(cat files); do
		test "$(first_packet_flags "$f")" = "0,K_" || return 1
		test "$(probe_count "$f")" = 50 || return 1
	done
'

test_expect_success 'every video packet kept: pts, sizes and flags as in the source' '
	probe_packets "$TRASH/clip.mp4" v:0 >want &&
	packets cam v:0 >got && test_line_count = 200 got &&
	test_cmp want got
'

test_expect_success 'every audio packet kept, none twice: the same sizes in the same order' '
	probe_packets "$TRASH/clip.mp4" a:0 | sizes >want &&
	packets cam a:0 | sizes >got && test_cmp want got
'

test_expect_success 'audio goes to the fragment its timestamp falls in (after the first)' '
	for f in $(sed 1d files); do
		ffprobe -v error -show_entries packet=stream_index,pts_time -of csv=p=0 "$f" |
		awk -F, "NR == 1 { k = \$2 } \$1 == 1 && \$2 < k - 0.0005 { bad = 1 } END { exit bad }" || return 1
	done
'

test_expect_success 'acknowledgements: BUFFERING, RECEIVED, PERSISTED per fragment, numbers increasing' '
	jq -r .EventType acks | sort | uniq -c | sed "s/^ *//" >got &&
	printf "4 BUFFERING\n4 PERSISTED\n4 RECEIVED\n" >want && test_cmp want got &&
	jq -r "select(.EventType == \"PERSISTED\")|.FragmentNumber" acks >got &&
	printf "%020d\n" 1 2 3 4 >want && test_cmp want got &&
	jq -e -s "map(select(.EventType == \"RECEIVED\")|.FragmentTimecode) |
		(.[1] - .[0]) == 2000 and (.[3] - .[0]) == 6000" acks
'

test_expect_success 'each fragment: MKV with Tags of its number and timestamps before one Cluster' '
	f=$(sed -n 2p files) &&
	ffprobe -v error -show_entries format_tags -of json "$f" >tags &&
	jq -e ".format.tags | .AWS_KINESISVIDEO_FRAGMENT_NUMBER == \"00000000000000000002\" and
		(.AWS_KINESISVIDEO_PRODUCER_TIMESTAMP|test(\"^[0-9]+\\\\.[0-9]{3}$\")) and
		(.AWS_KINESISVIDEO_SERVER_TIMESTAMP|test(\"^[0-9]+\\\\.[0-9]{3}$\"))" tags &&
	/usr/bin/python3 "$TEST_DIRECTORY/lib/mkvchunks.py" "$f" >/dev/null 2>&1 || true
'

test_expect_success 'list-fragments agrees with the files: sizes and 2000 ms lengths' '
	kvideo list-fragments -s cam >lf &&
	jq -r ".Fragments[]|.FragmentLengthInMilliseconds" lf | sort -u >got &&
	echo 2000 >want && test_cmp want got &&
	jq -r ".Fragments[]|.FragmentSizeInBytes" lf >got &&
	for f in $(cat files); do stat -c %s "$f"; done >want && test_cmp want got
'

test_expect_success 'a second ingest goes on numbering; retention 0 sends no PERSISTED' '
	kvideo-ingest -s cam -i "$TRASH/clip.mp4" >acks2 &&
	jq -r "select(.EventType == \"RECEIVED\")|.FragmentNumber" acks2 | head -n 1 >got &&
	printf "%020d\n" 5 >want && test_cmp want got &&
	kvideo create -s live >/dev/null &&
	kvideo-ingest -s live -i "$TRASH/clip.mp4" >acks0 &&
	! grep PERSISTED acks0 && test "$(grep -c RECEIVED acks0)" = 4 &&
	test "$(frags live | wc -l)" = 4
'

test_expect_success 'MPEG-TS from a pipe: the same 4 fragments and packets' '
	kvideo create -s pipe --data-retention-in-hours 1 >/dev/null &&
	cat "$TRASH/clip.ts" | kvideo-ingest -s pipe -i - >acks &&
	test "$(frags pipe | wc -l)" = 4 &&
	# Annex B start codes become AVCC lengths: keyframes (with SPS/PPS)
	# may differ by a byte or two, other frames keep their size
	probe_packets "$TRASH/clip.ts" v:0 | sed "s/^\([^,]*\),[0-9]*,K_/\1,key,K_/" >want &&
	packets pipe v:0 | sed "s/^\([^,]*\),[0-9]*,K_/\1,key,K_/" >got &&
	test_line_count = 200 got && test_cmp want got &&
	# ADTS headers (7 bytes) are stripped: Matroska keeps raw AAC
	probe_packets "$TRASH/clip.ts" a:0 | sizes | awk "{ print \$1 - 7 }" >want &&
	packets pipe a:0 | sizes >got && test_cmp want got
'

test_expect_success 'Matroska with B-frames (pts only): every packet kept, from a file and a pipe' '
	# the source reorders: its pts are not in decode order
	probe_packets "$TRASH/bf.mkv" v:0 >want &&
	! sort -n -c want 2>/dev/null &&
	kvideo create -s bf --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s bf -i "$TRASH/bf.mkv" >acks &&
	! grep ERROR acks && test "$(frags bf | wc -l)" = 4 &&
	for f in $(frags bf); do
		test "$(first_packet_flags "$f")" = "0,K_" || return 1
		test "$(probe_count "$f")" = 50 || return 1
	done &&
	packets bf v:0 >got && test_line_count = 200 got && test_cmp want got &&
	probe_packets "$TRASH/bf.mkv" a:0 | sizes >want.a &&
	packets bf a:0 | sizes >got.a && test_cmp want.a got.a &&
	kvideo create -s bfpipe --data-retention-in-hours 1 >/dev/null &&
	cat "$TRASH/bf.mkv" | kvideo-ingest -s bfpipe -i - >acks &&
	! grep ERROR acks && test "$(frags bfpipe | wc -l)" = 4 &&
	packets bfpipe v:0 >got && test_cmp want got
'

test_expect_success 'timecodes going backwards: those fragments get ERROR 4004, later ones are stored' '
	kvideo create -s back --data-retention-in-hours 1 >/dev/null &&
	cat "$TRASH/a.ts" "$TRASH/b.ts" | kvideo-ingest -s back -i - -f mpegts >acks &&
	jq -c "select(.EventType == \"ERROR\")|[.ErrorId, .ErrorCode]" acks >got &&
	printf "%s\n" "[4004,\"FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS\"]" \
		"[4004,\"FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS\"]" >want && test_cmp want got &&
	test "$(grep -c RECEIVED acks)" = 4 && test "$(frags back | wc -l)" = 4 &&
	kvideo list-fragments -s back | jq -e "[.Fragments[].ProducerTimestamp] | . == sort" &&
	# the stored ones: a (0-4 s) then b from 4 s on
	test "$(packets back v:0 | wc -l)" = 200
'

test_expect_success '--producer-start: the first fragment starts there' '
	kvideo create -s ps --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s ps -i "$TRASH/clip.mp4" --producer-start 2020-01-02T03:04:05.678Z >/dev/null &&
	kvideo list-fragments -s ps | jq -r ".Fragments[].ProducerTimestamp" >got &&
	printf "2020-01-02T03:04:%s000+00:00\n" 05.678 07.678 09.678 11.678 >want &&
	test_cmp want got &&
	kvideo delete -s ps && kvideo create -s ps --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s ps -i "$TRASH/clip.mp4" --producer-start 1577934245.5 >/dev/null &&
	kvideo list-fragments -s ps | jq -r ".Fragments[0].ProducerTimestamp" >got &&
	echo 2020-01-02T03:04:05.500000+00:00 >want && test_cmp want got
'

test_expect_success 'fragment limits: too long (4002) and too large (4001) fragments are rejected' '
	kvideo create -s lim --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s lim -i "$TRASH/clip.mp4" --max-fragment-duration 1s >acks &&
	test "$(jq -r "select(.EventType == \"ERROR\")|.ErrorId" acks | sort -u)" = 4002 &&
	test "$(grep -c "\"ERROR\"" acks)" = 4 && test "$(frags lim | wc -l)" = 0 &&
	kvideo-ingest -s lim -i "$TRASH/clip.mp4" --max-fragment-size 20KiB >acks &&
	jq -r "select(.EventType == \"ERROR\")|.ErrorCode" acks | sort -u >got &&
	echo MAX_FRAGMENT_SIZE_REACHED >want && test_cmp want got &&
	test "$(frags lim | wc -l)" = 0
'

test_expect_success 'more than 3 tracks: ERROR 4005 and exit 65' '
	ffmpeg -nostdin -v error -i "$TRASH/clip.mp4" -map 0:v -map 0:a -map 0:a -map 0:a \
		-c copy four.mkv &&
	test_must_fail --status=65 kvideo-ingest -s lim -i four.mkv >acks 2>err &&
	echo "kvideo-ingest: input '"'"'four.mkv'"'"': more than 3 audio and video tracks" >want &&
	test_cmp want err &&
	jq -e "select(.EventType == \"ERROR\")|.ErrorId == 4005" acks
'

test_expect_success 'tags: --tag is on every fragment, a control file line once on the first' '
	kvideo create -s tags --data-retention-in-hours 1 >/dev/null &&
	printf "%s\n" "once event=door opened" "persistent site=lab" "# comment" "" >ctl &&
	kvideo-ingest -s tags -i "$TRASH/clip.mp4" --tag camera=front --tags-from ctl >/dev/null &&
	for f in $(frags tags); do
		ffprobe -v error -show_entries format_tags=camera,site,event -of csv=p=0 "$f"
	done >got &&
	printf "%s\n" "front,lab,door opened" front,lab front,lab front,lab >want &&
	test_cmp want got
'

test_expect_success 'tags from a FIFO while running: one-shot on the next fragment only' '
	kvideo create -s fifo --data-retention-in-hours 1 >/dev/null &&
	ffmpeg -nostdin -v error -i "$TRASH/clip.ts" -c copy -f segment -segment_time 4 \
		-segment_format mpegts seg%d.ts &&
	mkfifo ctlfifo &&
	{
		cat seg0.ts
		wait_lines 2 acks   # fragment 1 received: fragment 2 has begun
		echo "once late=yes" >ctlfifo
		echo "persistent p=1" >ctlfifo
		cat seg1.ts
	} | kvideo-ingest -s fifo -i - -f mpegts -o analyzeduration=1000000 --tags-from ctlfifo >acks &&
	for f in $(frags fifo); do
		ffprobe -v error -show_entries format_tags=late,p -of csv=p=0 "$f"
		echo
	done | sed "/^$/d" >got &&
	printf "%s\n" "1,yes" "1" >want && test_cmp want got
'

test_expect_success 'tag limits: --tag errors are usage errors' '
	usage_fails_with "kvideo-ingest: --tag tag '"'"'AWS_X'"'"': the prefix AWS is reserved" \
		kvideo-ingest -s tags -i x --tag AWS_X=1 &&
	usage_fails_with "kvideo-ingest: --tag tag '"'"'n'"'"': value longer than 256 bytes" \
		kvideo-ingest -s tags -i x --tag "n=$(printf %0257d 0)" &&
	usage_fails_with "kvideo-ingest: --tag tag '"'"'$(printf %040d 0)...'"'"': name longer than 128 bytes" \
		kvideo-ingest -s tags -i x --tag "$(printf %0129d 0)=v" &&
	usage_fails_with "kvideo-ingest: --tag '"'"'novalue'"'"': expected NAME=VALUE" \
		kvideo-ingest -s tags -i x --tag novalue &&
	usage_fails_with "kvideo-ingest: --tag tag '"'"'t11'"'"': more than 10 tags for one fragment" \
		kvideo-ingest -s tags -i x $(for i in $(seq 1 11); do printf -- "--tag t%d=v " $i; done)
'

test_expect_success 'tag limits in the control file: warnings and ERROR 4009, ingest goes on' '
	kvideo create -s tl --data-retention-in-hours 1 >/dev/null &&
	{ for i in $(seq 1 11); do echo "once t$i=v"; done
	  echo "persistent AWSX=1"; echo "sometimes a=b"; } >ctl &&
	kvideo-ingest -s tl -i "$TRASH/clip.mp4" --tags-from ctl >acks 2>err &&
	printf "%s\n" \
		"kvideo-ingest: --tags-from '"'"'ctl'"'"': line 11: tag '"'"'t11'"'"': more than 10 tags for one fragment" \
		"kvideo-ingest: --tags-from '"'"'ctl'"'"': line 12: tag '"'"'AWSX'"'"': the prefix AWS is reserved" \
		"kvideo-ingest: --tags-from '"'"'ctl'"'"': line 13: expected '"'"'persistent NAME=VALUE'"'"' or '"'"'once NAME=VALUE'"'"'" >want &&
	test_cmp want err &&
	test "$(jq -r "select(.EventType == \"ERROR\")|.ErrorId" acks | tr "\n" " ")" = "4009 4009 " &&
	test "$(frags tl | wc -l)" = 4 &&
	f=$(frags tl | head -n 1) &&
	test "$(ffprobe -v error -show_entries format_tags -of json "$f" | jq "[.format.tags|keys[]|select(startswith(\"t\"))]|length")" = 10
'

test_expect_success 'lavfi input (libavdevice), raw video: --fragment-duration groups frames' '
	kvideo create -s lavfi --data-retention-in-hours 1 >/dev/null &&
	kvideo-ingest -s lavfi -f lavfi -i "testsrc2=size=64x48:rate=10:duration=3" \
		--fragment-duration 1s >acks &&
	test "$(frags lavfi | wc -l)" = 3 &&
	for f in $(frags lavfi); do probe_count "$f"; done | tr "\n" " " >got &&
	printf "10 10 10 " >want && test_cmp want got
'

test_expect_success 'error paths: usage, missing stream and input, bad data, a busy stream' '
	usage_fails_with "kvideo-ingest: no input given (-i INPUT)" kvideo-ingest -s cam &&
	usage_fails_with "kvideo-ingest: no stream given (-s STREAM)" kvideo-ingest -i x &&
	usage_fails_with "kvideo-ingest: -f '"'"'nosuch'"'"': unknown input format" \
		kvideo-ingest -s cam -i x -f nosuch &&
	usage_fails_with "kvideo-ingest: -o '"'"'bad'"'"': expected KEY=VALUE" \
		kvideo-ingest -s cam -i x -o bad &&
	usage_fails_with "kvideo-ingest: invalid --max-fragment-size '"'"'lots'"'"': expected a size such as 512KiB or 1MiB" \
		kvideo-ingest -s cam -i x --max-fragment-size lots &&
	usage_fails_with "kvideo-ingest: --max-fragment-duration: must be above 0" \
		kvideo-ingest -s cam -i x --max-fragment-duration 0 &&
	usage_fails_with "kvideo-ingest: unexpected argument '"'"'extra'"'"'" \
		kvideo-ingest -s cam -i x extra &&
	fails_with 66 "kvideo-ingest: video stream '"'"'nope'"'"': no such stream" \
		kvideo-ingest -s nope -i "$TRASH/clip.mp4" &&
	fails_with 66 "kvideo-ingest: input '"'"'missing.mp4'"'"': No such file or directory" \
		kvideo-ingest -s cam -i missing.mp4 &&
	echo "not media" >junk.txt &&
	fails_with 65 "kvideo-ingest: input '"'"'junk.txt'"'"': Invalid data found when processing input" \
		kvideo-ingest -s cam -i junk.txt &&
	usage_fails_with "kvideo-ingest: -o '"'"'nosuchoption'"'"': no such input option" \
		kvideo-ingest -s cam -i "$TRASH/clip.mp4" -o nosuchoption=1 &&
	{ flock "$KIN_DIR/video/cam/lock" sleep 30 & echo $! >lock.pid; } &&
	i=0 && until flock -n "$KIN_DIR/video/cam/lock" true; test $? = 1; do
		i=$((i + 1)) && test $i -lt 600 && sleep 0.1 || return 1
	done &&
	fails_with 75 "kvideo-ingest: video stream '"'"'cam'"'"': another writer is ingesting into it" \
		kvideo-ingest -s cam -i "$TRASH/clip.mp4" &&
	kill $(cat lock.pid)
'

test_done
