#!/bin/sh
# Full disk: on a small tmpfs, kput writes until the disk is full. It must
# fail with 74 and one line naming the error; every record it acknowledged
# must read back intact (and, with --sync always or never, nothing else);
# the stream must read without errors; and once space is freed (a filler
# file removed, or the tmpfs enlarged) writing must resume. Each round uses
# a fresh stream and one of these ways to fill the disk:
#   write     1 MiB segments, batches of 4 to 64 KiB: ENOSPC inside a batch
#   segment   4 KiB segments, one batch per segment: ENOSPC creating one
#   interval  --sync interval: acknowledgements wait for a sync
#   never     --sync never
#   shards    four shards: a failed append to one must not acknowledge
#             records of the others that were never appended
# KIN_FULLDISK_ROUNDS sets the number of rounds (default 5, one of each);
# with KIN_REPORT=FILE each round appends a line of counts to FILE
# (scripts/torture full-disk sums them). Needs root to mount the tmpfs.
. "$(dirname "$0")/lib.sh"

ROUNDS=${KIN_FULLDISK_ROUNDS:-5}
MNT=$TRASH/mnt

skip_all() {
	echo "ok 1 # skip $1"
	echo "1..1"
	exit 0
}

mounted() {
	grep -q " $MNT tmpfs " /proc/self/mounts
}

# Runs before lib.sh's cleanup, which would otherwise remove the trash
# directory under a live mount; a lazy unmount if something holds it.
unmount() {
	for p in $(cat "$TRASH"/*.pid 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	mounted || return 0
	umount "$MNT" 2>/dev/null || umount -l "$MNT"
}
trap 'unmount; cleanup' EXIT
trap 'exit 130' INT TERM HUP

[ "$(id -u)" -eq 0 ] || skip_all "mounting a tmpfs needs root"
mkdir "$MNT" || exit 1
mount -t tmpfs -o size=8m tmpfs "$MNT" 2>mount.err ||
	skip_all "cannot mount a tmpfs: $(head -n 1 mount.err)"
KIN_DIR=$MNT/root
export KIN_DIR

# Complete lines of an ack file (an interrupted kput can cut the last short).
complete_lines() {
	if [ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$1"
	else
		cat "$1"
	fi
}

# exits_with STATUS cmd...: cmd must exit STATUS; says what happened if not.
exits_with() {
	ew_want=$1
	shift
	"$@"
	ew_got=$?
	[ "$ew_got" -eq "$ew_want" ] && return 0
	echo "exits_with: '$*' exited $ew_got, expected $ew_want" >&2
	return 1
}

# same_records EXPECT ACTUAL: the same lines; in the same order when the
# stream has one shard (kget merges several by arrival time).
same_records() {
	if [ "$SHARDS" -eq 1 ]; then
		test_cmp "$1" "$2"
	else
		sort "$1" >"$1.sorted" && sort "$2" >"$2.sorted" &&
		test_cmp "$1.sorted" "$2.sorted"
	fi
}

# rand ROUND SALT MIN MAX: a number in MIN..MAX fixed by round and salt.
rand() {
	awk -v s=$(($1 * 1009 + $2)) -v lo=$3 -v hi=$4 \
		'BEGIN { srand(s); print lo + int(rand() * (hi - lo + 1)) }'
}

test_expect_success 'setup: an 8 MiB tmpfs and 150,000 records to write' '
	mounted &&
	awk "BEGIN { for (i = 1; i <= 150000; i++)
		printf \"rec-%07d-%s\\n\", i, substr(\"abcdefghijklmnopqrstuvwxyz0123456789\", 1, 20 + i % 17) }" >input &&
	test_line_count = 150000 input &&
	# The same records for --json, 97% routed to shard 1 of 4, so that
	# a shard in the middle is the one that meets the full disk.
	perl -MMIME::Base64 -ne "
		BEGIN { @ehk = qw(0 85070591730234615865843651857942052864
			170141183460469231731687303715884105728
			255211775190703847597530955573826158592) }
		chomp; \$s = (1, 0, 2, 3)[\$. % 100 < 3 ? \$. % 100 + 1 : 0];
		printf qq({\"Data\":\"%s\",\"PartitionKey\":\"k\",\"ExplicitHashKey\":\"%s\"}\n),
			encode_base64(\$_, q()), \$ehk[\$s]" input >input.json &&
	test_line_count = 150000 input.json
'

# report_round R: one line of counts for scripts/torture, from the files
# the round left (whether or not its tests passed).
report_round() {
	where=write
	grep -q "segment" err.$1 2>/dev/null && where=segment
	sort -u seqs.$1 >acked.sorted 2>/dev/null
	cut -d" " -f1 stored.$1 2>/dev/null | sort >stored.sorted
	echo "full-disk mode=$MODE where=$where" \
	     "enospc=$([ "$(cat status.$1 2>/dev/null)" = 74 ] && echo 1 || echo 0)" \
	     "acknowledged=$(wc -l <seqs.$1)" \
	     "read=$(wc -l <stored.sorted)" \
	     "lost=$(comm -23 acked.sorted stored.sorted | wc -l)" \
	     "duplicated=$(($(wc -l <seqs.$1) - $(wc -l <acked.sorted)))" \
	     "unacknowledged=$(comm -13 acked.sorted stored.sorted | wc -l)" \
	     "resumed=$([ -e resumed.ok.$1 ] && echo 1 || echo 0)" >>"$KIN_REPORT"
}

# Each round fills the disk, checks, frees space and resumes.
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	BATCH=$(($(rand $r 1 4 64) << 10))
	case $((r % 5)) in
	1) MODE=write SEGSIZE=1MiB SYNC=always SHARDS=1 ;;
	2) MODE=segment SEGSIZE=4KiB SYNC=always SHARDS=1 ;;
	3) MODE=interval SEGSIZE=1MiB SYNC=interval SHARDS=1 ;;
	4) MODE=never SEGSIZE=1MiB SYNC=never SHARDS=1 ;;
	0) MODE=shards SEGSIZE=1MiB SYNC=always SHARDS=4 ;;
	esac
	[ $MODE = segment ] && BATCH=2500
	FILLER_KB=$(rand $r 2 500 5000)
	FREE_BY=remove
	[ $((r % 2)) -eq 0 ] && FREE_BY=remount
	[ $FREE_BY = remount ] && FILLER_KB=0
	say "round $r: mode $MODE, $SHARDS shard(s), segments $SEGSIZE, batches $BATCH bytes, filler ${FILLER_KB} KiB, freed by $FREE_BY"

	test_expect_success "round $r ($MODE): kput fails with 74 and one line when the disk fills" '
		{ kshard delete S 2>/dev/null; rm -f "$MNT/filler"; } &&
		mount -o remount,size=8m "$MNT" &&
		kshard create S -n $SHARDS --segment-size $SEGSIZE &&
		{ [ $FILLER_KB -eq 0 ] ||
		  dd if=/dev/zero of="$MNT/filler" bs=1024 count=$FILLER_KB status=none; } ||
			return 1
		if [ $SHARDS -eq 1 ]; then
			kput -s S -p --sync $SYNC --sync-interval 20ms --batch-size $BATCH \
				<input >acks.$r 2>err.$r
		else
			kput -s S --json -p --sync $SYNC --batch-size $BATCH \
				<input.json >acks.$r 2>err.$r
		fi
		echo $? >status.$r &&
		echo "kput exited $(cat status.$r):" && cat err.$r &&
		test "$(cat status.$r)" -eq 74 &&
		test_line_count = 1 err.$r &&
		grep -qE "^kput: .*: No space left on device\$" err.$r
	'

	test_expect_success "round $r ($MODE): what was acknowledged reads back intact" '
		complete_lines acks.$r >good.$r &&
		sed -e "s/^shardId-[0-9]* //" \
		    -e "s/^{\"SequenceNumber\":\"\([0-9]*\)\".*/\1/" good.$r >seqs.$r &&
		kget -s S -F "%s %d\n" >stored.$r 2>kget.err &&
		test ! -s kget.err &&
		sort seqs.$r | uniq -d >dups &&
		test_line_count = 0 dups &&
		cut -d" " -f2- stored.$r | sort | uniq -d >dups &&
		test_line_count = 0 dups &&
		if [ $SHARDS -eq 1 ]; then
			# Ack i is input line i; the shard holds a prefix of the input.
			head -n "$(wc -l <seqs.$r)" input | paste -d" " seqs.$r - >acked.$r &&
			head -n "$(wc -l <acked.$r)" stored.$r >stored.head &&
			test_cmp acked.$r stored.head &&
			cut -d" " -f2- stored.$r >data.$r &&
			head -n "$(wc -l <data.$r)" input >expect &&
			test_cmp expect data.$r
		else
			# Acks skip the failed shards: find each in what is stored.
			sort stored.$r >stored.sorted &&
			sort seqs.$r | join - stored.sorted >acked.$r &&
			test_line_count = "$(wc -l <seqs.$r)" acked.$r &&
			cut -d" " -f2- stored.$r | sort >data.sorted &&
			sort input | comm -13 - data.sorted >strangers &&
			test_line_count = 0 strangers
		fi &&
		if [ $SYNC != interval ]; then
			sort acked.$r >a.sorted && sort stored.$r >s.sorted &&
			test_cmp a.sorted s.sorted
		fi
	'

	test_expect_success "round $r ($MODE): acknowledged records read back by sequence number" '
		test -f acked.$r || { echo "acked.$r is missing: see the test before"; return 1; }
		n=$(wc -l <acked.$r) &&
		for i in 1 $n $(rand $r 3 1 $n) $(rand $r 4 1 $n) $(rand $r 5 1 $n); do
			[ "$n" -gt 0 ] || break
			set -- $(sed -n "${i}p" acked.$r) &&
			kget -s S --from at-sequence=$1 -n 1 >one &&
			echo "$2" >expect &&
			test_cmp expect one || return 1
		done
	'

	test_expect_success "round $r ($MODE): another writer on the full disk fits or fails cleanly" '
		echo "extra-$r" >extra || return 1
		kput -s S -p <extra >extra.ack 2>extra.err
		rc=$?
		echo "kput exited $rc" && cat extra.err &&
		kget -s S -F "%s %d\n" >stored.after 2>kget.err &&
		test ! -s kget.err &&
		if [ $rc -eq 0 ]; then
			cat stored.$r >expect && paste -d" " extra.ack extra | cut -d" " -f2- >>expect
		else
			test $rc -eq 74 && grep -q "No space left on device\$" extra.err &&
			cp stored.$r expect
		fi &&
		same_records expect stored.after
	'

	test_expect_success "round $r ($MODE): writing resumes once space is freed ($FREE_BY)" '
		if [ $FREE_BY = remove ]; then
			rm "$MNT/filler"
		else
			mount -o remount,size=16m "$MNT"
		fi &&
		awk -v r=$r "BEGIN { for (i = 1; i <= 2000; i++) printf \"resumed-%d-%d\\n\", r, i }" >resume &&
		kput -s S -p --sync $SYNC --batch-size $BATCH <resume >resume.ack &&
		test_line_count = 2000 resume.ack &&
		cut -d" " -f2 resume.ack | paste -d" " - resume >resumed &&
		kget -s S -F "%s %d\n" >stored.final 2>kget.err &&
		test ! -s kget.err &&
		cat stored.after resumed >expect &&
		same_records expect stored.final &&
		touch resumed.ok.$r
	'
	say "round $r: kput said: $(cat err.$r 2>/dev/null)"
	[ -n "${KIN_REPORT:-}" ] && report_round $r
done

test_expect_success 'the tmpfs unmounts' '
	umount "$MNT" &&
	! mounted
'

test_done
