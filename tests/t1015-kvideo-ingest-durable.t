#!/bin/sh
# kvideo-ingest's durability, traced with strace(1) with fsync on: each
# fragment's writeback starts when it is written, and PERSISTED comes only
# after its file, its name in the fragments directory and its index record
# are synced;
# KIN_FSYNC turns the syncs off with 0 only; deleting the stream while
# ingesting gives ERROR 4008 and exit 66.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/media.sh"

# trace FILE CMD...: runs CMD under strace, the calls that make fragments
# durable (with the paths of their descriptors) written to FILE.
# (LeakSanitizer cannot work under ptrace: sanitized builds skip it here.)
trace() {
	tr_out=$1
	shift
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
	strace -f -qq -y -s 256 -o "$tr_out" -e signal=none \
		-e trace=sync_file_range,fsync,fdatasync,renameat,write "$@"
}
have_strace=
command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null &&
	have_strace=1

# order TRACE: for every fragment acknowledged PERSISTED in TRACE (from
# trace), checks that its writeback started before its fsync, that it was
# renamed into place, that the index write of its group came after its
# fsync and after an fsync of the directory begun after its rename, and
# that an index fdatasync ended between that write and the
# acknowledgement. Prints "NUMBER ok", or what is wrong, per fragment;
# fails if any is wrong.
order() {
	awk '
	function tmpnum(s) {
		if (match(s, /\.tmp-[0-9]+\.mkv>/))
			return substr(s, RSTART + 5, RLENGTH - 10)
		if (match(s, /\/[0-9]+\.mkv>/))
			return substr(s, RSTART + 1, RLENGTH - 6)
		return ""
	}
	function done_(what, from) {
		if (what ~ /^[0-9]+$/) fsdone[what] = NR
		else if (what == "dir") { dstart[++nd] = from; ddone[nd] = NR }
		else if (what == "index") idxsync[++ns] = NR
	}
	$2 ~ /^sync_file_range\(/ { n = tmpnum($2); if (n != "") srf[n] = NR; next }
	$2 ~ /^(fsync|fdatasync)\(/ {
		what = tmpnum($2)
		if (what != "") fsstart[what] = NR
		else if ($2 ~ /fragments>/) what = "dir"
		else if ($2 ~ /\/index>/) what = "index"
		else next
		if ($0 ~ /<unfinished \.\.\.>/) { pending[$1] = what; from[$1] = NR }
		else if ($0 ~ /= 0$/) done_(what, NR)
		next
	}
	$2 == "<..." && ($3 == "fsync" || $3 == "fdatasync") {
		if ($0 ~ /= 0$/ && ($1 in pending)) done_(pending[$1], from[$1])
		delete pending[$1]
		next
	}
	$2 ~ /^renameat\(/ && match($0, /"[0-9]+\.mkv"/) {
		rn[substr($0, RSTART + 1, RLENGTH - 6)] = NR
		next
	}
	$2 ~ /^write\(.*\/index>/ { idxw[++nw] = NR; next }
	$2 ~ /^write\(1</ && /PERSISTED/ && match($0, /FragmentNumber\\":\\"[0-9]+/) {
		s = substr($0, RSTART, RLENGTH)
		sub(/.*\\"/, "", s)
		pers[s] = NR
	}
	END {
		bad = 0
		for (n in pers) {
			why = ""
			if (!(n in srf)) why = why " no-writeback-start"
			else if (!(n in fsstart) || srf[n] > fsstart[n])
				why = why " writeback-after-fsync"
			if (!(n in rn)) why = why " not-renamed"
			w = 0
			for (i = 1; i <= nw; i++)
				if (idxw[i] < pers[n]) w = idxw[i]
			if (!w) why = why " no-index-write"
			if (!(n in fsdone) || fsdone[n] > w)
				why = why " indexed-before-fsync"
			ok = 0
			for (i = 1; i <= nd; i++)
				if (dstart[i] > rn[n] && ddone[i] < w) ok = 1
			if (!ok) why = why " indexed-before-dir-fsync"
			ok = 0
			for (i = 1; i <= ns; i++)
				if (idxsync[i] > w && idxsync[i] < pers[n]) ok = 1
			if (!ok) why = why " persisted-before-index-sync"
			print n (why == "" ? " ok" : why)
			if (why != "") bad = 1
		}
		exit bad
	}' "$1" >order.out
	or_status=$?
	sort order.out
	return $or_status
}

# syncs TRACE: the number of fsync, fdatasync and sync_file_range calls on
# files of the store in TRACE.
syncs() {
	grep -c -E "^[0-9]+ +(fsync|fdatasync|sync_file_range)\([0-9]+</" "$1"
}

test_expect_success 'setup: a 20 s clip with a 2 s GOP' '
	make_clip "$TRASH/long.ts" 20 50
'

if test -n "$have_strace"; then
test_expect_success 'fsync on: writeback starts when a fragment is written, PERSISTED follows its file, directory and index syncs' '
	kvideo create -s dur --data-retention-in-hours 1 >/dev/null &&
	KIN_FSYNC=1 trace tr kvideo-ingest -s dur -i "$TRASH/long.ts" >acks &&
	test "$(grep -c PERSISTED acks)" = 10 &&
	order tr >got &&
	printf "%020d ok\n" $(seq 1 10) >want && test_cmp want got
'

test_expect_success 'the order check catches a PERSISTED before the index fdatasync' '
	grep -v "^[0-9]* *fdatasync([0-9]*<[^>]*/index>" tr >tr.bad &&
	test_must_fail order tr.bad >got &&
	grep -q "persisted-before-index-sync" got
'

test_expect_success 'KIN_FSYNC: 0 turns every sync off, any other value (never) keeps them' '
	kvideo create -s k0 --data-retention-in-hours 1 >/dev/null &&
	KIN_FSYNC=0 trace tr0 kvideo-ingest -s k0 -i "$TRASH/long.ts" >acks0 &&
	test "$(syncs tr0)" = 0 && test "$(grep -c PERSISTED acks0)" = 10 &&
	kvideo create -s knever --data-retention-in-hours 1 >/dev/null &&
	KIN_FSYNC=never trace trn kvideo-ingest -s knever -i "$TRASH/long.ts" >/dev/null &&
	order trn >got && printf "%020d ok\n" $(seq 1 10) >want && test_cmp want got &&
	test "$(grep -c -E "^[0-9]+ +fsync\([0-9]+<[^>]*/[0-9]+\.mkv>" trn)" = 10
'
else
	say "skipping the strace tests: strace is missing or cannot trace here"
fi

test_expect_success 'deleting the stream while ingesting: ERROR 4008 and exit 66' '
	kvideo create -s del --data-retention-in-hours 1 >/dev/null &&
	{ kvideo-ingest -s del -i "$TRASH/long.ts" --re >acks 2>err &
	  echo $! >ingest.pid; } &&
	i=0 && while ! grep -q PERSISTED acks; do
		i=$((i + 1)) && test $i -lt 600 && sleep 0.1 || return 1
	done &&
	kvideo delete -s del &&
	{ wait "$(cat ingest.pid)"; echo $? >status; } &&
	echo 66 >want && test_cmp want status &&
	echo "kvideo-ingest: video stream '"'"'del'"'"': deleted while ingesting" >want &&
	test_cmp want err &&
	jq -c "select(.EventType == \"ERROR\")|[.ErrorId, .ErrorCode]" acks | sort -u >got &&
	echo "[4008,\"STREAM_NOT_ACTIVE\"]" >want && test_cmp want got &&
	test "$(grep -c "\"ERROR\"" acks)" -ge 1 &&
	test_must_fail --status=66 kvideo describe -s del 2>/dev/null
'

test_expect_success 'deleted and made again: the ingester does not write into the new stream' '
	kvideo create -s again --data-retention-in-hours 1 >/dev/null &&
	{ kvideo-ingest -s again -i "$TRASH/long.ts" --re >acks 2>err &
	  echo $! >ingest.pid; } &&
	i=0 && while ! grep -q PERSISTED acks; do
		i=$((i + 1)) && test $i -lt 600 && sleep 0.1 || return 1
	done &&
	kvideo delete -s again &&
	kvideo create -s again --data-retention-in-hours 1 >/dev/null &&
	{ wait "$(cat ingest.pid)"; echo $? >status; } &&
	echo 66 >want && test_cmp want status &&
	kvideo list-fragments -s again >lf &&
	test "$(jq ".Fragments|length" lf)" = 0 &&
	test -z "$(ls -A "$KIN_DIR/video/again/fragments")"
'

test_done
