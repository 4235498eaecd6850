# media.sh: test media generated with ffmpeg's lavfi sources (nothing binary
# is committed). Source it from a test script after lib.sh.
#
#   make_clip OUT [SECONDS [GOP_FRAMES [EXTRA...]]]
#	H.264 320x240 at 25 fps (ultrafast, no B-frames, a keyframe exactly
#	every GOP_FRAMES frames, default 50 = 2 s) with AAC 48 kHz mono
#	(testsrc2 + sine), SECONDS long (default 8). The container follows
#	OUT's extension (.mp4, .mkv, .ts). EXTRA arguments go to ffmpeg before
#	OUT (e.g. -an for video only, -output_ts_offset 4).
#   make_video_only OUT [SECONDS [GOP_FRAMES]]
#	The same without audio.
#   probe_packets FILE [STREAM]
#	One line per packet of STREAM (default v:0): "pts_time,size,flags"
#	in file order, pts relative to the first packet's (3 decimals); the
#	lines ffprobe adds for packet side data are left out.
#   probe_count FILE [STREAM]
#	The number of packets of STREAM (default v:0).
#   first_packet_flags FILE
#	"stream_index,flags" of FILE's first packet ("0,K_" for a video
#	keyframe).

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ||
	{ echo "1..0 # skip ffmpeg/ffprobe are not installed"; exit 0; }

make_clip() {
	out=$1 secs=${2:-8} gop=${3:-50}
	shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
	ffmpeg -nostdin -v error -y \
		-f lavfi -i "testsrc2=size=320x240:rate=25" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" \
		-t "$secs" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
		-g "$gop" -keyint_min "$gop" -sc_threshold 0 -bf 0 \
		-c:a aac -b:a 64k -ac 1 "$@" "$out"
}

make_video_only() {
	make_clip "$1" "${2:-8}" "${3:-50}" -an
}

probe_packets() {
	ffprobe -v error -select_streams "${2:-v:0}" \
		-show_entries packet=pts_time,size,flags -of csv=p=0 "$1" |
	awk -F, '$2 == "" { next } !n++ { t0 = $1 } { printf "%.3f,%s,%s\n", $1 - t0, $2, $3 }'
}

probe_count() {
	ffprobe -v error -select_streams "${2:-v:0}" -show_entries packet=size \
		-of csv=p=0 "$1" | grep -c .
}

first_packet_flags() {
	ffprobe -v error -show_entries packet=stream_index,flags -of csv=p=0 \
		"$1" | head -n 1
}
