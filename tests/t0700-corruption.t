#!/bin/sh
# Corruption: damage a frame or the header of a sealed segment, cut or drop
# a segment, damage a tail file, a time index or stream.meta, and check
# that kin reports it (exit 74, one line naming the place) instead of
# returning garbage or skipping records, while the records before and after
# the damage stay readable. KIN_CORRUPTION_ROUNDS random byte
# flips (default 10, seeded by KIN_CORRUPTION_SEED) run besides the fixed
# cases; with KIN_REPORT=FILE each round appends a line of counts to FILE
# (scripts/torture corruption sums them).
. "$(dirname "$0")/lib.sh"

ROUNDS=${KIN_CORRUPTION_ROUNDS:-10}
SEED=${KIN_CORRUPTION_SEED:-1}
N=3000
SHARD=shardId-000000000000
STREAM_DIR=$KIN_DIR/streams/S
DIR=$STREAM_DIR/shards/$SHARD

# CRC-32C in perl, for rewriting checksums around a deliberate edit.
CRC_PL='sub crc32c { my $c = 0xFFFFFFFF;
	for my $b (unpack "C*", $_[0]) { $c ^= $b;
		$c = $c & 1 ? ($c >> 1) ^ 0x82F63B78 : $c >> 1 for 1 .. 8 }
	return $c ^ 0xFFFFFFFF }'

# flip FILE POS [MASK]: xors the byte at POS with MASK (0xff by default).
flip() {
	perl -e 'open my $f, "+<:raw", $ARGV[0] or die "$ARGV[0]: $!";
		seek $f, $ARGV[1], 0; read($f, my $c, 1) == 1 or die "$ARGV[0]: short";
		seek $f, $ARGV[1], 0; print $f chr(ord($c) ^ ($ARGV[2] // 0xff));
		close $f or die' "$@"
}

# seq_of K: the sequence number of record K (1-based), as kput printed it.
seq_of() {
	sed -n "$1p" acks | cut -d" " -f2
}

# locate SEQ: "SEGMENT-FILE POSITION LENGTH" of the record's frame, the
# segment found as kin-record(5) says: the greatest base <= its offset.
locate() {
	perl -Mbigint -e '
		my ($seq, $dir) = @ARGV;
		my $off = ($seq - 2**127) & (2**64 - 1);
		my @bases = sort { $a <=> $b }
			map { m{/(\d{20})\.seg$} ? 0 + $1 : () } glob "$dir/*.seg";
		my ($base) = grep { $_ <= $off } reverse @bases or die "trimmed";
		my $name = sprintf "%s/%020s.seg", $dir, "$base";
		open my $f, "<:raw", $name or die "$name: $!";
		seek $f, 64 + $off - $base, 0; read $f, my $h, 8;
		printf "%s %s %d\n", $name, 64 + $off - $base, unpack "x4V", $h;
	' "$1" "$DIR"
}

base_of() { # base_of SEGMENT-FILE: its 20-digit base
	basename "$1" .seg
}

restore() {
	rm -rf "$STREAM_DIR" && cp -a pristine "$STREAM_DIR"
}

# exits_with STATUS cmd...: runs cmd with stdout in out and stderr in err;
# it must exit STATUS. Unlike test_must_fail, says what happened otherwise.
exits_with() {
	ew_want=$1
	shift
	"$@" >out 2>err
	ew_got=$?
	[ "$ew_got" -eq "$ew_want" ] && return 0
	echo "exits_with: '$*' exited $ew_got, expected $ew_want; its stderr:" >&2
	sed 's/^/    /' err >&2
	return 1
}

# fails_exactly STATUS 'message' cmd...: exits STATUS, prints nothing on
# stdout and exactly the message on stderr.
fails_exactly() {
	fe_status=$1 fe_msg=$2
	shift 2
	exits_with "$fe_status" "$@" || return 1
	printf '%s\n' "$fe_msg" >expect &&
	test_cmp expect err &&
	test ! -s out
}

# prefix_of OUT EXPECT: OUT holds whole records from the start of EXPECT.
prefix_of() {
	po_n=$(wc -l <"$1") &&
	head -n "$po_n" "$2" | cmp -s - "$1" || {
		echo "prefix_of: $1 is not a whole-record prefix of $2" >&2
		return 1
	}
}

test_expect_success 'setup: 3000 records in 4 KiB segments' '
	kshard create S --segment-size 4KiB &&
	awk -v n=$N "BEGIN { for (i = 1; i <= n; i++)
		printf \"rec-%05d-%s\\n\", i, substr(\"abcdefghijklmnopqrstuvwxyz\", 1, i % 27) }" >input &&
	kput -s S -p --batch-size 1KiB <input >acks &&
	test_line_count = $N acks &&
	kget -s S >all &&
	test_cmp input all &&
	test "$(ls "$DIR" | grep -c "\.seg\$")" -gt 20 &&
	cp -a "$STREAM_DIR" pristine
'

K=1000
test_expect_success 'a flipped data byte in a sealed segment is reported (74)' '
	set -- $(locate $(seq_of $K)) &&
	last=$(ls "$DIR"/*.seg | tail -n 1) &&
	test "$1" != "$last" &&
	flip "$1" $(($2 + $3 - 1)) &&
	exits_with 74 kget -s S &&
	echo "kget: $SHARD: segment $(base_of "$1"): record at sequence number $(seq_of $K): checksum mismatch" >expect &&
	test_cmp expect err &&
	prefix_of out input &&
	test "$(wc -l <out)" -lt $K
'

test_expect_success 'the records before the damaged one read back' '
	kget -s S -n $((K - 1)) >out &&
	head -n $((K - 1)) input >expect &&
	test_cmp expect out
'

test_expect_success 'the records after it read back from the next one' '
	kget -s S --from at-sequence=$(seq_of $((K + 1))) >out &&
	tail -n +$((K + 1)) input >expect &&
	test_cmp expect out
'

test_expect_success 'a record in a later segment reads back by sequence number' '
	K2=2000 &&
	test "$(locate $(seq_of $K2) | cut -d" " -f1)" != "$(locate $(seq_of $K) | cut -d" " -f1)" &&
	kget -s S --from at-sequence=$(seq_of $K2) >out &&
	tail -n +$K2 input >expect &&
	test_cmp expect out
'

test_expect_success 'the damaged record itself names no record (64, as kin-stream(5) says)' '
	fails_exactly 64 "kget: sequence number $(seq_of $K) does not name a record of $SHARD" \
		kget -s S --from at-sequence=$(seq_of $K)
'

test_expect_success 'a following kget stops at the damage instead of waiting' '
	exits_with 74 timeout 20 kget -s S -f &&
	grep -q "record at sequence number $(seq_of $K): checksum mismatch\$" err &&
	prefix_of out input
'

# One random flip: a record of a sealed segment, any byte of its frame.
flip_round() { # flip_round ROUND
	set -- $(awk -v s=$((SEED * 7919 + $1)) -v n=$N "BEGIN { srand(s);
		printf \"%d %d %d\", 2 + int(rand() * (n - 200)), int(rand() * 1000000), 1 + int(rand() * 255) }")
	fr_k=$1 fr_pick=$2 fr_mask=$3
	restore || return 1
	set -- $(locate $(seq_of $fr_k))
	fr_pos=$(($2 + fr_pick % $3))
	say "round: record $fr_k, byte $((fr_pick % $3)) of its $3-byte frame, mask $fr_mask"
	flip "$1" $fr_pos $fr_mask || return 1
	detected=0 before=0 after=0
	kget -s S >out 2>err
	fr_rc=$?
	if [ $fr_rc -eq 74 ] && [ "$(wc -l <err)" -eq 1 ] && prefix_of out input &&
	   grep -qE "^kget: $SHARD: segment $(base_of "$1"): record at sequence number $(seq_of $fr_k): (checksum mismatch|bad frame header|frame runs past the published end)\$" err; then
		detected=1
	else
		echo "round: kget exited $fr_rc:" >&2
		cat err >&2
	fi
	kget -s S -n $((fr_k - 1)) >out && head -n $((fr_k - 1)) input | cmp -s - out &&
		before=1
	kget -s S --from at-sequence=$(seq_of $((fr_k + 1))) >out &&
		tail -n +$((fr_k + 1)) input | cmp -s - out && after=1
	if [ -n "${KIN_REPORT:-}" ]; then
		echo "corruption detected=$detected before=$before after=$after" >>"$KIN_REPORT"
	fi
	[ $detected$before$after = 111 ]
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	test_expect_success "random flip $r: detected, and the records around it read back" '
		flip_round $r
	'
done

# A sealed segment in the middle of the shard, holding record 1500.
SEG=
hdr_case() { # hdr_case POS: restore, then flip byte POS of SEG's header
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) && flip "$SEG" "$1"
}

test_expect_success 'a damaged segment magic is reported (74)' '
	hdr_case 2 &&
	exits_with 74 kget -s S &&
	echo "kget: $SHARD: $(base_of "$SEG").seg: segment: bad magic" >expect &&
	test_cmp expect err &&
	prefix_of out input
'

for pos in 8 16 24 32 40 60; do
	test_expect_success "a flipped segment header byte $pos is reported (74)" '
		hdr_case '$pos' &&
		exits_with 74 kget -s S &&
		echo "kget: $SHARD: $(base_of "$SEG").seg: segment: header checksum mismatch" >expect &&
		test_cmp expect err &&
		prefix_of out input
	'
done

test_expect_success 'records on both sides of a damaged header read back' '
	hdr_case 60 &&
	k=1500 && while [ "$(locate $(seq_of $((k - 1))) | cut -d" " -f1)" = "$SEG" ]; do
		k=$((k - 1)); done &&
	kget -s S -n $((k - 1)) >out &&
	head -n $((k - 1)) input >expect &&
	test_cmp expect out &&
	k=1500 && while [ "$(locate $(seq_of $k) | cut -d" " -f1)" = "$SEG" ]; do
		k=$((k + 1)); done &&
	kget -s S --from at-sequence=$(seq_of $k) >out &&
	tail -n +$k input >expect &&
	test_cmp expect out
'

# rehdr PERL-CODE: edits SEG's header in $h, then rewrites its checksum.
rehdr() {
	perl -e "$CRC_PL"'
		my ($file, $edit) = @ARGV;
		open my $f, "+<:raw", $file or die; read $f, my $h, 64;
		eval $edit; die $@ if $@;
		substr($h, 60, 4) = pack "V", crc32c(substr $h, 0, 60);
		seek $f, 0, 0; print $f $h; close $f or die' "$SEG" "$1"
}

test_expect_success 'a segment header from a newer kin is refused (1)' '
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) &&
	rehdr "substr(\$h, 8, 4) = pack \"V\", 2" &&
	exits_with 1 kget -s S &&
	echo "kget: $SHARD: $(base_of "$SEG").seg: segment: format version 2 is newer than this kin understands (1)" >expect &&
	test_cmp expect err &&
	prefix_of out input
'

test_expect_success 'a valid header naming another base is reported (74)' '
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) &&
	rehdr "substr(\$h, 16, 8) = pack \"Q<\", 7" &&
	exits_with 74 kget -s S &&
	echo "kget: $SHARD: segment $(base_of "$SEG").seg: header names another place" >expect &&
	test_cmp expect err &&
	prefix_of out input
'

test_expect_success 'a segment cut inside its header is reported (74)' '
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) &&
	truncate -s 30 "$SEG" &&
	exits_with 74 kget -s S &&
	echo "kget: $SHARD: segment $(base_of "$SEG").seg: short header" >expect &&
	test_cmp expect err &&
	prefix_of out input
'

test_expect_success 'a sealed segment cut inside a frame is reported (74)' '
	restore && set -- $(locate $(seq_of 1500)) &&
	truncate -s $(($2 + 10)) "$1" &&
	exits_with 74 kget -s S &&
	grep -qE "^kget: $SHARD: segment $(base_of "$1"): record at sequence number $(seq_of 1500): " err &&
	test_line_count = 1 err &&
	prefix_of out input &&
	kget -s S -n 1499 >out && head -n 1499 input >expect && test_cmp expect out
'

test_expect_success 'bytes appended to a sealed segment are reported (74)' '
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) &&
	printf "garbage after the last frame\n" >>"$SEG" &&
	exits_with 74 kget -s S &&
	grep -qE "^kget: $SHARD: segment $(base_of "$SEG"): record at sequence number [0-9]{39}: " err &&
	test_line_count = 1 err &&
	prefix_of out input
'

# Trimming removes segments from the oldest end (kin-stream(5)), so a reader
# that finds the next segment missing while older ones remain, or a sealed
# segment ending short of where the next one starts, has met damage (74),
# not trimming (66).
test_expect_success 'a missing sealed segment is reported as damage (74)' '
	restore && SEG=$(locate $(seq_of 1500) | cut -d" " -f1) &&
	rm "$SEG" &&
	exits_with 74 kget -s S &&
	test_line_count = 1 err &&
	grep -q "$(base_of "$SEG")" err &&
	prefix_of out input
'

test_expect_success 'a sealed segment cut between two frames is reported as damage (74)' '
	restore && set -- $(locate $(seq_of 1500)) &&
	truncate -s "$2" "$1" &&
	exits_with 74 kget -s S &&
	test_line_count = 1 err &&
	prefix_of out input
'

test_expect_success 'a damaged tail file is reported (74)' '
	restore && flip "$DIR/tail" 30 &&
	fails_exactly 74 "kget: $SHARD: tail file: header checksum mismatch" kget -s S
'

test_expect_success 'the next writer rebuilds a damaged tail file' '
	echo after >after &&
	kput -s S <after &&
	kget -s S >out &&
	cat input after >expect &&
	test_cmp expect out
'

# The time index is a hint (kin-record(5)): damage to it may cost a longer
# scan, never records. Here every entry before batch 2 points into batch 2.
test_expect_success 'a damaged time index does not make at-timestamp skip records' '
	kshard create T --segment-size 64KiB &&
	for b in 1 2 3 4; do
		awk -v b=$b "BEGIN { for (i = 1; i <= 400; i++) printf \"b%d-%d\\n\", b, i }" |
			kput -s T -p --batch-size 1KiB >>acks.T && sleep 0.05 || return 1
	done &&
	kget -s T -F "%T %d\n" >times &&
	t2=$(sed -n "s/^\([0-9]*\) b2-1\$/\1/p" times) &&
	test -n "$t2" &&
	test "$(sed -n 400p times | cut -d" " -f1)" -lt "$t2" &&
	awk "/ b2-1\$/ { go = 1 } go { print \$2 }" times >expect &&
	kget -s T --from at-timestamp=$t2 >out &&
	test_cmp expect out &&
	target=$(perl -Mbigint -e "print \$ARGV[0] - 2**127" $(sed -n 450p acks.T | cut -d" " -f2)) &&
	tix=$KIN_DIR/streams/T/shards/$SHARD/00000000000000000000.tix &&
	perl -e "open my \$f, q(+<:raw), \$ARGV[0] or die; my \$n = 0;
		while (read(\$f, my \$e, 16) == 16) { my (\$t) = unpack q(q<), \$e;
			if (\$t < \$ARGV[1]) { seek \$f, -8, 1; print \$f pack(q(Q<), \$ARGV[2]);
				seek \$f, 0, 1; \$n++ } }
		close \$f; print \$n, qq(\n)" "$tix" "$t2" "$target" >changed &&
	test "$(cat changed)" -gt 0 &&
	kget -s T --from at-timestamp=$t2 >out 2>err
	rc=$?
	echo "kget exited $rc" && cat err &&
	if [ $rc -eq 0 ]; then test_cmp expect out; else test $rc -eq 74; fi
'

META=$STREAM_DIR/stream.meta

# remeta PERL-CODE: edits stream.meta's body in $_ and writes a correct
# crc32c line, so that only the edit is wrong.
remeta() {
	perl -e "$CRC_PL"'
		my ($file, $edit) = @ARGV;
		open my $f, "<:raw", $file or die; local $/; $_ = <$f>; close $f;
		s/crc32c [0-9a-f]{8}\n\z// or die "no crc32c line";
		eval $edit; die $@ if $@;
		open $f, ">:raw", $file or die;
		printf $f "%scrc32c %08x\n", $_, crc32c($_); close $f or die' "$1" "$2"
}

test_expect_success 'remeta rewrites stream.meta byte for byte' '
	restore && remeta "$META" "1" &&
	test_cmp pristine/stream.meta "$META"
'

for pos in 20 40 90 150; do
	test_expect_success "a flipped stream.meta byte $pos is reported (74)" '
		restore && flip "$META" '$pos' &&
		fails_exactly 74 "kget: stream '\''S'\'': stream.meta: checksum mismatch" kget -s S &&
		fails_exactly 74 "kput: stream '\''S'\'': stream.meta: checksum mismatch" kput -s S </dev/null
	'
done

test_expect_success 'a damaged first line of stream.meta is reported (74)' '
	restore && flip "$META" 3 &&
	fails_exactly 74 "kget: stream '\''S'\'': stream.meta: not a kin stream" kget -s S
'

test_expect_success 'an empty stream.meta is reported (74)' '
	restore && : >"$META" &&
	fails_exactly 74 "kget: stream '\''S'\'': stream.meta: not a kin stream" kget -s S
'

test_expect_success 'a stream.meta cut before its crc32c line is reported (74)' '
	restore && sed "\$d" pristine/stream.meta >"$META" &&
	fails_exactly 74 "kget: stream '\''S'\'': stream.meta: checksum mismatch" kget -s S
'

test_expect_success 'a stream.meta from a newer kin is refused (1)' '
	restore && remeta "$META" "s/^kin-stream 1/kin-stream 2/" &&
	fails_exactly 1 "kget: stream '\''S'\'': stream.meta: format version 2 is newer than this kin understands (1)" \
		kget -s S
'

test_expect_success 'a malformed line under a good checksum is reported (74)' '
	restore && remeta "$META" "s/^retention-hours 24/retention-hours 24 extra/m" &&
	fails_exactly 74 "kget: stream '\''S'\'': stream.meta: line 4: malformed" kget -s S
'

# kin-stream(5): every line must match the grammar exactly.
test_expect_success 'a NUL byte inside a number under a good checksum is reported (74)' '
	restore && remeta "$META" "s/^segment-size 4096/segment-size 4096\\0junk/m" &&
	fails_exactly 74 "kget: stream '\''S'\'': stream.meta: line 6: malformed" kget -s S
'

test_expect_success 'a shard map with a gap is refused, not a crash' '
	kshard create G -n 2 &&
	remeta "$KIN_DIR/streams/G/stream.meta" "s/^shard 0 0 /shard 0 5 /m" &&
	echo a >one &&
	exits_with 74 kput -s G --explicit-hash-key 0 <one &&
	test_line_count = 1 err &&
	grep -q "^kput: stream '\''G'\'': stream.meta: " err
'

test_done
