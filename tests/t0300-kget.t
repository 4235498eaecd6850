#!/bin/sh
# kget: output forms (lines, -0, --json, -F), --shard, -n, every --from
# position, merging shards, following, reading across segment rollover and
# very large records.

. "$(dirname "$0")/lib.sh"

# iso MS: epoch milliseconds as YYYY-MM-DDTHH:MM:SS.mmmZ.
iso() {
	python3 -c '
import datetime, sys
ms = int(sys.argv[1])
t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
print(t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000))
' "$1"
}

# offset_of SEQ: the position a sequence number names within its shard.
offset_of() {
	python3 -c 'import sys; print((int(sys.argv[1]) - 2**127) % 2**64)' "$1"
}

test_expect_success 'setup: -h prints the usage; a 2-shard stream with data' '
	kget -h >usage &&
	grep "^usage: kget " usage &&
	kshard create two -n 2 &&
	seq -f "rec-%02g" 1 30 >input &&
	kput -s two -p <input >acks &&
	test_line_count = 30 acks
'

# --- output forms ------------------------------------------------------------

test_expect_success 'default output: data and a newline per record' '
	kshard create plain &&
	printf "one\n\ntwo words\nlast" | kput -s plain &&
	kget -s plain >actual 2>err &&
	printf "one\n\ntwo words\nlast\n" >expect &&
	test_cmp expect actual &&
	test ! -s err
'

test_expect_success '-0: data and a NUL per record' '
	kshard create nul &&
	printf "a\nb\000\000c" | kput -s nul -0 &&
	kget -s nul -0 >actual &&
	printf "a\nb\000\000c\000" >expect &&
	cmp expect actual &&
	kget -s nul --null >actual &&
	cmp expect actual
'

test_expect_success '--json: the get-records fields, matching kput -p and the input' '
	kget -s two --json >got &&
	test_line_count = 30 got &&
	kget -s two -F "%T\n" >times &&
	python3 -c "
import base64, json, re
acks = {}
for line, data in zip(open(\"acks\"), open(\"input\")):
    sh, seq = line.split()
    acks[seq] = (sh, data.rstrip(\"\n\"))
times = [int(l) for l in open(\"times\")]
seen = set()
for line, ms in zip(open(\"got\"), times):
    pairs = json.loads(line, object_pairs_hook=lambda p: p)
    keys = [k for k, v in pairs]
    assert keys == [\"SequenceNumber\", \"ApproximateArrivalTimestamp\", \"Data\",
                    \"PartitionKey\", \"ShardId\"], keys
    r = dict(pairs)
    sh, data = acks[r[\"SequenceNumber\"]]
    assert r[\"ShardId\"] == sh, (r, sh)
    assert base64.b64decode(r[\"Data\"], validate=True).decode() == data, r
    assert re.fullmatch(r\"[0-9a-f]{16}\", r[\"PartitionKey\"]), r
    ts = r[\"ApproximateArrivalTimestamp\"]
    assert re.fullmatch(r\"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\", ts), ts
    import datetime
    t = datetime.datetime.strptime(ts, \"%Y-%m-%dT%H:%M:%S.%f+00:00\")
    t = t.replace(tzinfo=datetime.timezone.utc)
    assert round(t.timestamp() * 1000) == ms, (ts, ms)
    seen.add(r[\"SequenceNumber\"])
assert seen == set(acks), \"records missing\"
"
'

test_expect_success '--json: keys and data with quotes, backslashes and controls' '
	kshard create esc &&
	printf "%s\n" "{\"Data\":\"AAEKIlw=\",\"PartitionKey\":\"a\\\"b\\\\c\\td\"}" >entries &&
	kput -s esc --json <entries &&
	kget -s esc --json >got &&
	python3 -c "
import base64, json
r = json.loads(open(\"got\").read())
assert r[\"PartitionKey\"] == \"a\\\"b\\\\c\\td\", repr(r[\"PartitionKey\"])
assert base64.b64decode(r[\"Data\"]) == b\"\\x00\\x01\\n\\\"\\\\\", r
"
'

test_expect_success '-F: every field and escape' '
	kshard create fmt &&
	echo "payload" | kput -s fmt -k the-key -p >ack &&
	seq=$(cut -d" " -f2 ack) &&
	kget -s fmt -F "%T" >ms &&
	t=$(cat ms) &&
	kget -s fmt -F "%t" >isotime &&
	kget -s fmt -F "s=%s k=%k d=%d t=%t T=%T S=%S %% tab\tnl\nnul\0bs\\\\ end\n" >actual &&
	printf "s=%s k=the-key d=payload t=%s T=%s S=shardId-000000000000 %% tab\tnl\nnul\000bs\\\\ end\n" \
		"$seq" "$(cat isotime)" "$t" >expect &&
	cmp expect actual &&
	python3 -c "
import datetime, sys
iso = open(\"isotime\").read()
ms = int(open(\"ms\").read())
t = datetime.datetime.strptime(iso, \"%Y-%m-%dT%H:%M:%S.%f+00:00\")
t = t.replace(tzinfo=datetime.timezone.utc)
assert round(t.timestamp() * 1000) == ms, (iso, ms)
"
'

test_expect_success '-F: text without fields repeats per record; other backslashes stay' '
	kget -s two -n 3 -F "x\q" >actual &&
	printf "x\\\\qx\\\\qx\\\\q" >expect &&
	cmp expect actual
'

test_expect_success '-F: an unknown field is 64; so is a lone % at the end' '
	usage_fails_with "kget: -F: unknown field '"'"'%x'"'"'" kget -s two -F "%x" &&
	test_must_fail --status=64 kget -s two -F "abc%" >out 2>err &&
	test ! -s out &&
	grep "^kget: -F: unknown field " err
'

test_expect_success '-F: a later -F replaces an earlier one' '
	kget -s two -n 2 -F "%k|" -F "%d\n" >actual &&
	kget -s two -n 2 >expect &&
	test_line_count = 2 expect &&
	test_cmp expect actual
'

test_expect_success '-0, --json and -F cannot be combined' '
	usage_fails_with "kget: -0, --json and -F cannot be combined" kget -s two -0 --json &&
	usage_fails_with "kget: -0, --json and -F cannot be combined" kget -s two --json -F "%d" &&
	usage_fails_with "kget: -0, --json and -F cannot be combined" kget -s two -0 -F "%d"
'

# --- shards and limits -------------------------------------------------------

test_expect_success '--shard ID and --shard INDEX read one shard, in put order' '
	for sh in 0 1; do
		grep -n "^shardId-00000000000$sh " acks | cut -d: -f1 >lines &&
		sed "s/$/p/" lines | sed -n -f - input >want &&
		kget -s two --shard shardId-00000000000$sh >got1 &&
		kget -s two --shard $sh >got2 &&
		test_cmp want got1 && test_cmp want got2 &&
		test -s want || return 1
	done
'

test_expect_success '--shard of a missing shard is 66; a malformed one is 64' '
	fails_with 66 "kget: stream '"'"'two'"'"': no shard shardId-000000000009" \
		kget -s two --shard shardId-000000000009 &&
	fails_with 66 "kget: stream '"'"'two'"'"': no shard shardId-000000000002" \
		kget -s two --shard 2 &&
	usage_fails_with "kget: --shard: shard '"'"'bogus'"'"': not a shard id (expected shardId-NNNNNNNNNNNN or an index)" \
		kget -s two --shard bogus &&
	usage_fails_with "kget: --shard: shard '"'"'shardId-1'"'"': not a shard id (expected shardId-NNNNNNNNNNNN or an index)" \
		kget -s two --shard shardId-1
'

test_expect_success '-n N prints the first N records' '
	kshard create lim &&
	seq 1 10 | kput -s lim &&
	kget -s lim -n 3 >actual &&
	seq 1 3 >expect && test_cmp expect actual &&
	kget -s lim --limit 10 >actual &&
	seq 1 10 >expect && test_cmp expect actual &&
	kget -s lim -n 100 >actual &&
	test_cmp expect actual &&
	usage_fails_with "kget: invalid --limit '"'"'0'"'"': expected an integer from 1 to 18446744073709551615" \
		kget -s lim -n 0 &&
	usage_fails_with "kget: invalid --limit '"'"'abc'"'"': expected an integer from 1 to 18446744073709551615" \
		kget -s lim -n abc
'

test_expect_success 'merging 4 shards keeps each shard in put order' '
	kshard create four -n 4 &&
	for b in 1 2 3 4 5; do
		seq -f "b$b-%03g" 1 40 | kput -s four -p --batch-size 200 || return 1
	done >acks4 &&
	for b in 1 2 3 4 5; do seq -f "b$b-%03g" 1 40; done >input4 &&
	kget -s four -F "%S %s %d\n" >got &&
	test_line_count = 200 got &&
	paste -d" " acks4 input4 | sort >want &&
	sort got >gotsorted &&
	test_cmp want gotsorted &&
	kget -s four -F "%T %S\n" >order &&
	sort -s -n -k1,1 order | sort -s -k1,1n -k2,2 >sorted &&
	test_cmp sorted order &&
	for sh in 0 1 2 3; do
		grep "^shardId-00000000000$sh " acks4 | cut -d" " -f2 >wantseq &&
		grep "^shardId-00000000000$sh " got | cut -d" " -f2 >gotseq &&
		test_cmp wantseq gotseq &&
		test -s wantseq || return 1
	done
'

# --- --from ----------------------------------------------------------------------

test_expect_success '--from trim-horizon is the default' '
	kget -s two >a &&
	kget -s two --from trim-horizon >b &&
	kget -s two --from TRIM_HORIZON >c &&
	test_cmp a b && test_cmp a c &&
	test_line_count = 30 a
'

test_expect_success '--from latest prints nothing without -f' '
	kget -s two --from latest >actual &&
	test ! -s actual &&
	kget -s two --from LATEST >actual &&
	test ! -s actual
'

test_expect_success '--from at-sequence and after-sequence start at / after a record' '
	line=$(grep -n "^shardId-000000000001 " acks | sed -n 5p) &&
	n=${line%%:*} && seq=${line##* } &&
	grep -n "^shardId-000000000001 " acks | cut -d: -f1 >lines &&
	sed -n "/^$n\$/,\$p" lines | sed "s/$/p/" | sed -n -f - input >want_at &&
	sed 1d want_at >want_after &&
	kget -s two --from at-sequence=$seq >got &&
	test_cmp want_at got &&
	kget -s two --from after-sequence=$seq >got &&
	test_cmp want_after got &&
	kget -s two --shard 1 --from at-sequence=$seq >got &&
	test_cmp want_at got
'

test_expect_success '--from accepts the AWS spellings' '
	seq=$(sed -n 7p acks | cut -d" " -f2) &&
	kget -s two --from at-sequence=$seq >want_at &&
	kget -s two --from after-sequence=$seq >want_after &&
	kget -s two --from AT_SEQUENCE_NUMBER=$seq >got &&
	test_cmp want_at got &&
	kget -s two --from at-sequence-number=$seq >got &&
	test_cmp want_at got &&
	kget -s two --from AFTER_SEQUENCE_NUMBER=$seq >got &&
	test_cmp want_after got &&
	kget -s two --from after-sequence-number=$seq >got &&
	test_cmp want_after got &&
	test_line_count -gt 0 want_after
'

test_expect_success 'at-sequence of a record of another shard than --shard is 64' '
	line=$(grep "^shardId-000000000001 " acks | sed -n 1p) &&
	seq=${line##* } &&
	usage_fails_with "kget: --from: the sequence number belongs to shard 1, not 0" \
		kget -s two --shard 0 --from at-sequence=$seq &&
	usage_fails_with "kget: --from: the sequence number belongs to shard 1, not 0" \
		kget -s two --shard shardId-000000000000 --from after-sequence=$seq
'

test_expect_success 'a sequence number that names no record is 64' '
	line=$(grep "^shardId-000000000000 " acks | sed -n 2p) &&
	seq=${line##* } &&
	bad=$(echo "$seq + 1" | bc) &&
	fails_with 64 "kget: sequence number $bad does not name a record of shardId-000000000000" \
		kget -s two --from at-sequence=$bad &&
	fails_with 64 "kget: sequence number $bad does not name a record of shardId-000000000000" \
		kget -s two --from after-sequence=$bad
'

test_expect_success 'after-sequence of the last record prints only later records' '
	kshard create resume &&
	seq 1 3 | kput -s resume -p >ack &&
	last=$(tail -n 1 ack | cut -d" " -f2) &&
	kget -s resume --from after-sequence=$last >got &&
	test ! -s got &&
	seq 4 6 | kput -s resume &&
	kget -s resume --from after-sequence=$last >got &&
	seq 4 6 >want &&
	test_cmp want got
'

test_expect_success 'at-sequence of the very first record reads everything' '
	first=$(head -n 1 ack | cut -d" " -f2) &&
	kget -s resume --from at-sequence=$first >got &&
	seq 1 6 >want &&
	test_cmp want got
'

test_expect_success 'a sequence number past the end of its shard is 64' '
	kshard create pastend &&
	echo only | kput -s pastend -p >ack &&
	seq=$(cut -d" " -f2 ack) &&
	far=$(echo "$seq + 1000000" | bc) &&
	fails_with 64 "kget: sequence number $far is past the end of shardId-000000000000" \
		kget -s pastend --from at-sequence=$far
'

test_expect_success 'a sequence number of a shard the stream lacks is 66' '
	seq=$(echo "2^127 + 7 * 2^64" | bc) &&
	fails_with 66 "kget: stream '"'"'two'"'"': no shard shardId-000000000007" \
		kget -s two --from at-sequence=$seq
'

test_expect_success 'malformed sequence numbers are 64' '
	usage_fails_with "kget: --from: '"'"'12345'"'"' is not a sequence number" \
		kget -s two --from at-sequence=12345 &&
	usage_fails_with "kget: --from: '"'"''"'"' is not a sequence number" \
		kget -s two --from at-sequence &&
	usage_fails_with "kget: --from: '"'"'170141183460469231731687303715884105727'"'"' is not a sequence number" \
		kget -s two --from at-sequence=170141183460469231731687303715884105727 &&
	usage_fails_with "kget: --from: '"'"'x70141183460469231731687303715884105728'"'"' is not a sequence number" \
		kget -s two --from after-sequence=x70141183460469231731687303715884105728
'

test_expect_success 'bad --from positions are 64' '
	usage_fails_with "kget: --from: unknown position '"'"'sideways'"'"'" kget -s two --from sideways &&
	usage_fails_with "kget: --from: '"'"'latest'"'"' takes no value" kget -s two --from latest=5 &&
	usage_fails_with "kget: --from: '"'"'trim-horizon'"'"' takes no value" kget -s two --from TRIM_HORIZON=1 &&
	usage_fails_with "kget: --from at-timestamp: no time given" kget -s two --from at-timestamp &&
	usage_fails_with "kget: invalid --from at-timestamp '"'"'2026-13-01T00:00:00Z'"'"': expected epoch milliseconds or a time such as 2026-11-26T01:49:01Z" \
		kget -s two --from at-timestamp=2026-13-01T00:00:00Z &&
	usage_fails_with "kget: invalid --from at-timestamp '"'"'yesterday'"'"': expected epoch milliseconds or a time such as 2026-11-26T01:49:01Z" \
		kget -s two --from at-timestamp=yesterday &&
	usage_fails_with "kget: invalid --from at-timestamp '"'"'2027-02-29T00:00:00Z'"'"': expected epoch milliseconds or a time such as 2026-11-26T01:49:01Z" \
		kget -s two --from at-timestamp=2027-02-29T00:00:00Z &&
	usage_fails_with "kget: invalid --from at-timestamp '"'"'2026-11-26T01:49:01.1234567890Z'"'"': expected epoch milliseconds or a time such as 2026-11-26T01:49:01Z" \
		kget -s two --from at-timestamp=2026-11-26T01:49:01.1234567890Z &&
	kget -s two --from at-timestamp=2400-02-29T00:00:00Z >got &&
	test ! -s got
'

test_expect_success '--from at-timestamp: earlier records excluded, later included' '
	kshard create ts -n 2 &&
	seq -f "early-%g" 1 10 | kput -s ts &&
	sleep 0.05 &&
	seq -f "late-%g" 1 10 | kput -s ts &&
	kget -s ts -F "%T %d\n" >all &&
	early=$(grep " early-" all | cut -d" " -f1 | sort -n | tail -n 1) &&
	late=$(grep " late-" all | cut -d" " -f1 | sort -n | head -n 1) &&
	test "$early" -lt "$late" &&
	grep " late-" all | cut -d" " -f2 | sort >want &&
	kget -s ts --from at-timestamp=$late | sort >got &&
	test_cmp want got &&
	kget -s ts --from at-timestamp=$((early + 1)) | sort >got &&
	test_cmp want got &&
	kget -s ts --from AT_TIMESTAMP=$late | sort >got &&
	test_cmp want got &&
	kget -s ts --from at-timestamp=$(iso $late) | sort >got &&
	test_cmp want got &&
	first=$(cut -d" " -f1 all | sort -n | head -n 1) &&
	for t in $first $early; do
		awk -v t=$t "\$1 >= t { print \$2 }" all | sort >want_t &&
		kget -s ts --from at-timestamp=$t | sort >got &&
		test_cmp want_t got || return 1
	done &&
	cut -d" " -f2 all | sort >want_all &&
	test_line_count = 20 want_all &&
	kget -s ts --from at-timestamp=$first | sort >got &&
	test_cmp want_all got &&
	kget -s ts --from at-timestamp=0 | sort >got &&
	test_cmp want_all got &&
	kget -s ts --from at-timestamp=$((late + 3600000)) >got &&
	test ! -s got
'

test_expect_success '--from at-timestamp: ISO forms with zones and fractions' '
	kshard create tz &&
	echo before | kput -s tz &&
	sleep 1.1 &&
	echo after | kput -s tz &&
	kget -s tz -F "%T\n" >times &&
	t=$(sed -n 2p times) &&
	s=$(( (t / 1000) * 1000 )) &&
	test "$(sed -n 1p times)" -lt "$s" &&
	python3 -c "
import datetime, sys
s = int(sys.argv[1]) // 1000
u = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
p = u.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
m = u.astimezone(datetime.timezone(-datetime.timedelta(hours=5, minutes=30)))
print(u.strftime(\"%Y-%m-%dT%H:%M:%SZ\"))
print(u.strftime(\"%Y-%m-%dT%H:%M:%S\"))
print(u.strftime(\"%Y-%m-%d %H:%M:%S.000Z\"))
print(p.strftime(\"%Y-%m-%dT%H:%M:%S+02:00\"))
print(m.strftime(\"%Y-%m-%dT%H:%M:%S.0-05:30\"))
print(u.strftime(\"%Y-%m-%dT%H:%M:%S.000999999Z\"))
print(u.strftime(\"%Y-%m-%dT%H:%M:%S.000000000+00:00\"))
" $s >forms &&
	while read -r f; do
		kget -s tz --from "at-timestamp=$f" >got &&
		echo after >expect &&
		test_cmp expect got || { echo "form: $f" >&2; return 1; }
	done <forms
'

# --- follow ----------------------------------------------------------------------

test_expect_success '-f prints existing records, then new ones as they arrive' '
	kshard create fol -n 2 &&
	seq -f "old-%g" 1 5 | kput -s fol &&
	: >fout || return 1
	kget -s fol -f >fout 2>ferr &
	kp=$!
	echo $kp >kget-fol.pid
	test_bg $kp
	wait_lines 5 fout &&
	seq -f "new-%g" 1 20 | kput -s fol &&
	wait_lines 25 fout &&
	seq -f "more-%g" 1 5 | kput -s fol -k one &&
	wait_lines 30 fout &&
	kill $kp &&
	{ wait $kp; true; } &&
	kget -s fol >all &&
	sort all >want && sort fout >got &&
	test_cmp want got &&
	test ! -s ferr
'

test_expect_success '-f --from latest prints only records put after it started' '
	kshard create fol2 &&
	seq -f "old-%g" 1 5 | kput -s fol2 &&
	: >fout2 || return 1
	kget -s fol2 -f --from latest >fout2 &
	kp=$!
	echo $kp >kget-fol2.pid
	test_bg $kp
	sleep 0.3 &&
	seq -f "new-%g" 1 5 | kput -s fol2 &&
	wait_lines 5 fout2 &&
	kill $kp &&
	{ wait $kp; true; } &&
	seq -f "new-%g" 1 5 >expect &&
	test_cmp expect fout2
'

test_expect_success '-f -n N exits after N records' '
	kshard create fol3 -n 2 || return 1
	kget -s fol3 -f -n 3 >fout3 &
	kp=$!
	echo $kp >kget-fol3.pid
	test_bg $kp
	seq 1 10 | kput -s fol3 --batch-size 1 &&
	i=0 &&
	while kill -0 $kp 2>/dev/null; do
		i=$((i + 1)) && test $i -le 100 && sleep 0.1 || return 1
	done &&
	wait $kp &&
	test_line_count = 3 fout3
'

test_expect_success '-f follows across segment rollover' '
	kshard create folroll --segment-size 4KiB &&
	: >fout4 || return 1
	kget -s folroll -f >fout4 &
	kp=$!
	echo $kp >kget-folroll.pid
	test_bg $kp
	for b in 1 2 3 4 5 6 7 8 9 10; do
		seq -f "b$b-%03g-padding-padding-padding" 1 50 |
			kput -s folroll --batch-size 512 || return 1
	done &&
	wait_lines 500 fout4 &&
	kill $kp &&
	{ wait $kp; true; } &&
	ls "$KIN_DIR"/streams/folroll/shards/shardId-000000000000/*.seg >segs &&
	test_line_count -gt 3 segs &&
	kget -s folroll >want &&
	test_line_count = 500 want &&
	test_cmp want fout4
'

# --- segments and large records ---------------------------------------------------

test_expect_success 'reading across segment rollover: 2000 records back identical' '
	kshard create roll --segment-size 4KiB &&
	seq -f "record-%05g" 1 2000 >rinput &&
	kput -s roll -k key -p --batch-size 512 <rinput >racks &&
	test_line_count = 2000 racks &&
	check=$(cut -d" " -f1 racks | sort -u) &&
	test "$check" = shardId-000000000000 &&
	ls "$KIN_DIR"/streams/roll/shards/shardId-000000000000/ | grep "\.seg$" >segs &&
	test_line_count -gt 10 segs &&
	kget -s roll >routput &&
	test_cmp rinput routput &&
	kget -s roll -F "%s\n" >seqs &&
	cut -d" " -f2 racks >want &&
	test_cmp want seqs
'

test_expect_success 'at-sequence into the middle of a later segment' '
	seq=$(sed -n 1500p racks | cut -d" " -f2) &&
	off=$(offset_of $seq) &&
	sed "s/\.seg$//; s/^0*\([0-9]\)/\1/" segs | sort -n >bases &&
	base=$(awk -v off="$off" "\$1 <= off { b = \$1 } END { print b }" bases) &&
	test "$base" -gt 0 && test "$base" -lt "$off" &&
	kget -s roll --from at-sequence=$seq >got &&
	sed -n "1500,\$p" rinput >want &&
	test_cmp want got &&
	kget -s roll --from after-sequence=$seq >got &&
	sed -n "1501,\$p" rinput >want &&
	test_cmp want got &&
	kget -s roll --from at-sequence=$seq -n 1 -F "%s %d\n" >got &&
	echo "$seq record-01500" >want &&
	test_cmp want got
'

test_expect_success 'at-sequence at the first record of every segment' '
	python3 -c "
bases = set(int(l) for l in open(\"bases\"))
for n, line in enumerate(open(\"racks\"), 1):
    seq = int(line.split()[1])
    if (seq - 2**127) % 2**64 in bases:
        print(n, seq)
" >starts &&
	test_line_count = $(wc -l <bases) starts &&
	test_line_count -gt 10 starts &&
	while read -r n s; do
		kget -s roll --from at-sequence=$s -n 2 >got &&
		sed -n "${n},$((n + 1))p" rinput >want &&
		test_cmp want got || return 1
	done <starts
'

test_expect_success 'after-sequence of the last record of a segment continues in the next' '
	while read -r n s; do
		test $n -gt 1 || continue
		prev=$(sed -n "$((n - 1))p" racks | cut -d" " -f2) &&
		kget -s roll --from after-sequence=$prev -n 1 -F "%s %d\n" >got &&
		echo "$s $(sed -n "${n}p" rinput)" >want &&
		test_cmp want got || return 1
	done <starts
'

test_expect_success 'at-timestamp across segments' '
	kshard create tsroll --segment-size 4KiB &&
	for b in 1 2 3 4 5 6 7 8 9 10 11 12; do
		seq -f "b$b-%03g-padding" 1 60 | kput -s tsroll -k k || return 1
		sleep 0.02
	done &&
	ls "$KIN_DIR"/streams/tsroll/shards/shardId-000000000000/*.seg >segs2 &&
	test_line_count -gt 5 segs2 &&
	kget -s tsroll -F "%T %d\n" >all &&
	for b in 2 5 9 12; do
		t=$(grep " b$b-001-padding\$" all | cut -d" " -f1) &&
		awk -v t="$t" "\$1 >= t { print \$2 }" all >want &&
		kget -s tsroll --from at-timestamp=$t >got &&
		test_cmp want got &&
		kget -s tsroll --from at-timestamp=$t -n 1 >got &&
		echo "b$b-001-padding" >want &&
		test_cmp want got || return 1
	done
'

test_expect_success 'a 5 MiB record round-trips byte for byte (line and --json)' '
	kshard create huge --max-record-size 10MiB &&
	head -c 3932160 /dev/urandom | base64 -w 0 >big &&
	echo >>big &&
	test $(wc -c <big) = 5242881 &&
	kput -s huge -k k -p <big >ack &&
	test_line_count = 1 ack &&
	kget -s huge >got &&
	cmp big got &&
	kget -s huge --json >gotjson &&
	python3 -c "
import base64, json
r = json.loads(open(\"gotjson\").read())
d = base64.b64decode(r[\"Data\"], validate=True)
assert d + b\"\\n\" == open(\"big\", \"rb\").read()
assert r[\"SequenceNumber\"] == open(\"ack\").read().split()[1]
with open(\"entry\", \"w\") as f:
    f.write(json.dumps({\"Data\": r[\"Data\"], \"PartitionKey\": \"j\"}) + \"\\n\")
" &&
	kput -s huge --json <entry &&
	kget -s huge --from after-sequence=$(cut -d" " -f2 ack) -F "%k:%d\n" >got2 &&
	{ printf "j:" && cat big; } >want2 &&
	cmp want2 got2
'

# --- errors and filter manners -----------------------------------------------------

test_expect_success 'a missing stream is 66; a bad name 64; no -s 64' '
	fails_with 66 "kget: stream '"'"'nope'"'"': no such stream" kget -s nope &&
	fails_with 64 "kget: stream name '"'"'a/b'"'"': only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" \
		kget -s a/b &&
	usage_fails_with "kget: no stream given (-s STREAM)" kget &&
	usage_fails_with "kget: unexpected argument '"'"'extra'"'"'" kget -s two extra
'

test_expect_success 'a reader that goes away ends kget quietly with 0' '
	{ kget -s huge 2>kerr; echo $? >status; } | head -c 100 >first &&
	head -c 100 big >expect &&
	test_cmp expect first &&
	echo 0 >expect &&
	test_cmp expect status &&
	test ! -s kerr
'

test_done
