# media_clip.sh: test media for the get-clip and get-images tests
# (t1060-t1079), sourced after lib.sh; the get-media and hls tests use its
# mkvedit.

# Producer start of the media: 2023-11-14T22:13:20Z.
T0=1700000000000

# media OUT SECONDS GOP [more ffmpeg inputs and options]: 320x240 25 fps
# H.264 (testsrc2), a keyframe every GOP frames, no B-frames.
media() {
	out=$1 secs=$2 gop=$3
	shift 3
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 "$@" \
		-t "$secs" -c:v libx264 -preset ultrafast -g "$gop" \
		-keyint_min "$gop" -sc_threshold 0 -bf 0 -pix_fmt yuv420p "$out"
}

# stream NAME FILE [RETENTION]: a video stream holding FILE, its producer
# timestamps starting at T0.
stream() {
	kvideo create -s "$1" --data-retention-in-hours "${3:-24}" >/dev/null &&
	kvideo-ingest -s "$1" -i "$2" --producer-start $T0 >"$1.acks"
}

# mkvedit WHAT FILE...: damages stored Matroska fragments in place, the way
# a producer's bad data would look, walking the EBML elements (EBML header,
# Segment, then level 1: Tracks > TrackEntry > CodecPrivate, Cluster >
# SimpleBlock). WHAT is
#   frame       the first frame's first NAL unit length becomes 0xFFFFFFFF
#   no-private  CodecPrivate (0x63A2) becomes an unknown element (0x63A3)
#   bad-private CodecPrivate's first byte (avcC version 1) becomes 7
#   other-private CodecPrivate's third byte (avcC profile compatibility)
#               is inverted: still valid, but not the same
#   no-cluster  the Cluster's id (0x1F43B675) becomes an unknown one
#               (0x1F43B676): a fragment whose media cannot be found
mkvedit() {
	perl -e '
		my $what = shift;
		sub vlen { my $b = shift; my $l = 1; $l++ while $l <= 8 && !($b & (0x80 >> ($l - 1))); $l }
		for my $file (@ARGV) {
			open(my $fh, "+<:raw", $file) or die "$file: $!";
			local $/; my $d = <$fh>; my $done = 0;
			my $walk; $walk = sub {
				my ($p, $end) = @_;
				while (!$done && $p < $end) {
					my $il = vlen(ord substr($d, $p, 1));
					my $id = substr($d, $p, $il);
					my $b = ord substr($d, $p + $il, 1);
					my $sl = vlen($b);
					my $sz = $b & (0xFF >> $sl);
					$sz = $sz * 256 + ord substr($d, $p + $il + $_, 1) for 1 .. $sl - 1;
					my $data = $p + $il + $sl;
					my $unknown = $sz == (1 << (7 * $sl)) - 1;
					my $stop = $unknown ? $end : $data + $sz;
					if ($id eq "\x1F\x43\xB6\x75" && $what eq "no-cluster") {
						substr($d, $p + 3, 1) = "\x76"; $done = 1;
					} elsif ($id eq "\x18\x53\x80\x67" || $id eq "\x16\x54\xAE\x6B" ||
					    $id eq "\xAE" || $id eq "\x1F\x43\xB6\x75") {
						$walk->($data, $stop);
					} elsif ($id eq "\xA3" && $what eq "frame") {
						substr($d, $data + 4, 4) = "\xFF\xFF\xFF\xFF"; $done = 1;
					} elsif ($id eq "\x63\xA2" && $what eq "no-private") {
						substr($d, $p + 1, 1) = "\xA3"; $done = 1;
					} elsif ($id eq "\x63\xA2" && $what eq "bad-private") {
						substr($d, $data, 1) = "\x07"; $done = 1;
					} elsif ($id eq "\x63\xA2" && $what eq "other-private") {
						substr($d, $data + 2, 1) = chr(0xFF ^ ord substr($d, $data + 2, 1));
						$done = 1;
					}
					$p = $stop;
				}
			};
			$walk->(0, length $d);
			die "$file: nothing to change\n" unless $done;
			seek($fh, 0, 0); print $fh $d; close($fh) or die "$file: $!";
		}' "$@"
}
