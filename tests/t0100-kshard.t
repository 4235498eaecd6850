#!/bin/sh
# kshard: create, describe, list, delete, retention; names, options,
# exit statuses and golden diagnostics; file modes and the root directory.

. "$(dirname "$0")/lib.sh"

MAX=340282366920938463463374607431768211455

# ranges STREAM: "start end" of every shard's hash key range, in order.
ranges() {
	kshard describe "$1" >desc.json &&
	python3 -c '
import json, sys
d = json.load(open("desc.json"))
for s in d["Shards"]:
    r = s["HashKeyRange"]
    print(r["StartingHashKey"], r["EndingHashKey"])
'
}

# field STREAM KEY: a StreamDescriptionSummary field of describe, as JSON.
field() {
	kshard describe "$1" >desc.json &&
	python3 -c '
import json, sys
d = json.load(open("desc.json"))
print(json.dumps(d["StreamDescriptionSummary"][sys.argv[1]]))
' "$2"
}

# shard_list STREAM: "ShardId StartingSequenceNumber" of every shard.
shard_list() {
	kshard describe "$1" >desc.json &&
	python3 -c '
import json
d = json.load(open("desc.json"))
for s in d["Shards"]:
    print(s["ShardId"], s["SequenceNumberRange"]["StartingSequenceNumber"])
'
}

test_expect_success 'setup: -h prints the usage on stdout and exits 0' '
	kshard -h >usage &&
	head -n 1 usage >first &&
	grep "^usage: kshard " first
'

# --- create and describe ---------------------------------------------------

test_expect_success 'create makes a stream with one shard by default' '
	kshard create one >out 2>err &&
	test ! -s out && test ! -s err &&
	field one StreamName >actual &&
	echo "\"one\"" >expect && test_cmp expect actual &&
	field one OpenShardCount >actual &&
	echo 1 >expect && test_cmp expect actual &&
	field one RetentionPeriodHours >actual &&
	echo 24 >expect && test_cmp expect actual &&
	field one MaxRecordSizeInKiB >actual &&
	echo 1024 >expect && test_cmp expect actual &&
	field one StreamStatus >actual &&
	echo "\"ACTIVE\"" >expect && test_cmp expect actual &&
	shard_list one >actual &&
	echo "shardId-000000000000 170141183460469231731687303715884105728" >expect &&
	test_cmp expect actual
'

test_expect_success 'describe: StreamCreationTimestamp is ISO 8601 UTC and recent' '
	kshard create ts >/dev/null &&
	field ts StreamCreationTimestamp >actual &&
	python3 -c "
import json, sys, datetime
v = json.load(open(\"actual\"))
t = datetime.datetime.strptime(v, \"%Y-%m-%dT%H:%M:%S.%f+00:00\")
t = t.replace(tzinfo=datetime.timezone.utc)
now = datetime.datetime.now(datetime.timezone.utc)
sys.exit(0 if abs((now - t).total_seconds()) < 120 else 1)
"
'

test_expect_success 'hash key ranges for -n 1' '
	kshard create r1 -n 1 &&
	ranges r1 >actual &&
	echo "0 $MAX" >expect &&
	test_cmp expect actual
'

test_expect_success 'hash key ranges for -n 2' '
	kshard create r2 -n 2 &&
	ranges r2 >actual &&
	cat >expect <<-EOF &&
	0 170141183460469231731687303715884105727
	170141183460469231731687303715884105728 $MAX
	EOF
	test_cmp expect actual
'

test_expect_success 'hash key ranges for -n 3' '
	kshard create r3 -n 3 &&
	ranges r3 >actual &&
	cat >expect <<-EOF &&
	0 113427455640312821154458202477256070484
	113427455640312821154458202477256070485 226854911280625642308916404954512140969
	226854911280625642308916404954512140970 $MAX
	EOF
	test_cmp expect actual
'

test_expect_success 'hash key ranges for -n 4 (--shards 4)' '
	kshard create r4 --shards 4 &&
	ranges r4 >actual &&
	cat >expect <<-EOF &&
	0 85070591730234615865843651857942052863
	85070591730234615865843651857942052864 170141183460469231731687303715884105727
	170141183460469231731687303715884105728 255211775190703847597530955573826158591
	255211775190703847597530955573826158592 $MAX
	EOF
	test_cmp expect actual
'

test_expect_success 'hash key ranges for -n 1024 tile the space with width 2^118' '
	kshard create r1024 -n 1024 &&
	ranges r1024 >actual &&
	python3 -c "
import sys
rows = [tuple(map(int, l.split())) for l in open(\"actual\")]
assert len(rows) == 1024, len(rows)
w = 2**128 // 1024
for i, (s, e) in enumerate(rows):
    assert s == w * i, (i, s)
    assert e == (w * (i + 1) - 1 if i < 1023 else 2**128 - 1), (i, e)
"
'

test_expect_success 'create -n 3: three shards, ids and starting sequence numbers' '
	kshard create three -n 3 &&
	field three OpenShardCount >actual &&
	echo 3 >expect && test_cmp expect actual &&
	shard_list three >actual &&
	cat >expect <<-\EOF &&
	shardId-000000000000 170141183460469231731687303715884105728
	shardId-000000000001 170141183460469231750134047789593657344
	shardId-000000000002 170141183460469231768580791863303208960
	EOF
	test_cmp expect actual
'

test_expect_success 'the first record of each shard gets its StartingSequenceNumber' '
	kshard create first -n 3 &&
	shard_list first >shards &&
	{
		echo a | kput -s first -p --explicit-hash-key 0 &&
		echo b | kput -s first -p --explicit-hash-key 113427455640312821154458202477256070485 &&
		echo c | kput -s first -p --explicit-hash-key $MAX
	} >acks &&
	test_cmp shards acks
'

test_expect_success 'create --retention sets RetentionPeriodHours' '
	kshard create ret48 --retention 48 &&
	field ret48 RetentionPeriodHours >actual &&
	echo 48 >expect && test_cmp expect actual &&
	kshard retention ret48 >actual &&
	test_cmp expect actual
'

test_expect_success 'create --retention accepts 24 and 8760' '
	kshard create ret24 --retention 24 &&
	kshard create ret8760 --retention 8760 &&
	kshard retention ret24 >actual &&
	echo 24 >expect && test_cmp expect actual &&
	kshard retention ret8760 >actual &&
	echo 8760 >expect && test_cmp expect actual
'

test_expect_success 'create --max-record-size sets MaxRecordSizeInKiB and the limit' '
	kshard create m1k --max-record-size 1KiB &&
	kshard create m10m --max-record-size 10MiB &&
	kshard create m512k --max-record-size 512k &&
	field m1k MaxRecordSizeInKiB >actual &&
	echo 1 >expect && test_cmp expect actual &&
	field m10m MaxRecordSizeInKiB >actual &&
	echo 10240 >expect && test_cmp expect actual &&
	field m512k MaxRecordSizeInKiB >actual &&
	echo 512 >expect && test_cmp expect actual &&
	head -c 1023 /dev/zero | tr "\0" x >ok1023 &&
	kput -s m1k -k k <ok1023 &&
	{ cat ok1023 && echo x; } >too1024 &&
	test_must_fail --status=65 kput -s m1k -k k <too1024 2>err &&
	echo "kput: record 1: 1025 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err
'

test_expect_success 'create --segment-size 4KiB rolls segments; the default does not' '
	kshard create seg4k --segment-size 4KiB &&
	kshard create segdef &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		seq -f "record-%04g-padding-padding-padding" 1 40 >batch &&
		kput -s seg4k -k k <batch &&
		kput -s segdef -k k <batch || return 1
	done &&
	ls "$KIN_DIR"/streams/seg4k/shards/shardId-000000000000/*.seg >segs &&
	test_line_count -gt 5 segs &&
	ls "$KIN_DIR"/streams/segdef/shards/shardId-000000000000/*.seg >segs &&
	test_line_count = 1 segs &&
	kget -s seg4k >a && kget -s segdef >b && test_cmp a b &&
	test_line_count = 400 a
'

test_expect_success 'options may come before the command' '
	kshard -n 2 --retention 72 create before &&
	field before OpenShardCount >actual &&
	echo 2 >expect && test_cmp expect actual &&
	kshard retention before >actual &&
	echo 72 >expect && test_cmp expect actual
'

test_expect_success '-s STREAM stands for the STREAM operand' '
	kshard -s viaopt create -n 2 &&
	field viaopt OpenShardCount >actual &&
	echo 2 >expect && test_cmp expect actual &&
	kshard -s viaopt describe >a && kshard describe viaopt >b &&
	test_cmp a b &&
	kshard -s viaopt retention 48 &&
	test "$(kshard -s viaopt retention)" = 48 &&
	kshard -s viaopt delete &&
	test_must_fail --status=66 kshard describe viaopt 2>/dev/null
'

test_expect_success 'with POSIXLY_CORRECT options must come before the command' '
	POSIXLY_CORRECT=1 && export POSIXLY_CORRECT &&
	usage_fails_with "kshard: create: wrong number of arguments" kshard create px -n 2 &&
	kshard -n 2 create px &&
	field px OpenShardCount >actual &&
	echo 2 >expect && test_cmp expect actual
'

test_expect_success 'names: 128 characters and every allowed character are accepted' '
	n128=$(printf "%0128d" 0 | tr 0 n) &&
	kshard create "$n128" &&
	kshard create "Az09_.-x" &&
	kshard create "..." &&
	kshard describe "$n128" >/dev/null &&
	field "Az09_.-x" StreamName >actual &&
	echo "\"Az09_.-x\"" >expect &&
	test_cmp expect actual
'

# --- list ------------------------------------------------------------------

test_expect_success 'list on a root that does not exist prints nothing' '
	KIN_DIR=$PWD/nothing-here && export KIN_DIR &&
	kshard list >actual 2>err &&
	test ! -s actual && test ! -s err &&
	kshard list --json >actual &&
	cat >expect <<-\EOF &&
	{
	    "StreamNames": [],
	    "HasMoreStreams": false
	}
	EOF
	test_cmp expect actual &&
	test ! -e nothing-here
'

test_expect_success 'list prints the stream names sorted, one a line' '
	KIN_DIR=$PWD/listroot && export KIN_DIR &&
	kshard create zeta && kshard create alpha && kshard create Mid &&
	kshard create b-2 && kshard create b_1 &&
	kshard list >actual &&
	printf "%s\n" Mid alpha b-2 b_1 zeta >expect &&
	test_cmp expect actual
'

test_expect_success 'list --json prints StreamNames and HasMoreStreams' '
	KIN_DIR=$PWD/listroot2 && export KIN_DIR &&
	kshard create s2 && kshard create s1 &&
	kshard list --json >actual &&
	cat >expect <<-\EOF &&
	{
	    "StreamNames": [
	        "s1",
	        "s2"
	    ],
	    "HasMoreStreams": false
	}
	EOF
	test_cmp expect actual
'

test_expect_success 'a stream whose name starts with a dot is listed (or refused)' '
	KIN_DIR=$PWD/dotroot && export KIN_DIR &&
	kshard create .hidden 2>err
	rc=$?
	if test $rc -eq 0; then
		kshard list >actual &&
		echo .hidden >expect &&
		test_cmp expect actual
	else
		test $rc -eq 64
	fi
'

test_expect_success 'create leaves no temporary entries in the streams directory' '
	KIN_DIR=$PWD/tmproot && export KIN_DIR &&
	kshard create x -n 2 &&
	test_must_fail --status=1 kshard create x 2>/dev/null &&
	ls -A tmproot/streams >actual &&
	echo x >expect &&
	test_cmp expect actual &&
	test -z "$(ls -A tmproot/tmp 2>/dev/null)"
'

# --- delete ----------------------------------------------------------------

test_expect_success 'delete removes the stream and its data' '
	KIN_DIR=$PWD/delroot && export KIN_DIR &&
	kshard create keep && kshard create gone -n 2 &&
	seq 1 10 | kput -s gone &&
	kshard delete gone >out 2>err &&
	test ! -s out && test ! -s err &&
	kshard list >actual &&
	echo keep >expect && test_cmp expect actual &&
	ls -A delroot/streams >actual &&
	test_cmp expect actual &&
	test -z "$(ls -A delroot/tmp 2>/dev/null)" &&
	fails_with 66 "kshard: stream '"'"'gone'"'"': no such stream" kshard describe gone
'

test_expect_success 'a deleted stream can be created again, empty' '
	kshard create again -n 2 &&
	seq 1 10 | kput -s again &&
	kshard delete again &&
	kshard create again &&
	kget -s again >actual &&
	test ! -s actual &&
	field again OpenShardCount >actual &&
	echo 1 >expect && test_cmp expect actual
'

# --- retention ---------------------------------------------------------------

test_expect_success 'retention prints the period; setting 24..8760 is accepted' '
	kshard create rt &&
	kshard retention rt >actual &&
	echo 24 >expect && test_cmp expect actual &&
	kshard retention rt 8760 >out && test ! -s out &&
	kshard retention rt >actual &&
	echo 8760 >expect && test_cmp expect actual &&
	field rt RetentionPeriodHours >actual && test_cmp expect actual &&
	kshard retention rt 24 &&
	kshard retention rt >actual &&
	echo 24 >expect && test_cmp expect actual &&
	kshard retention rt 100 &&
	kshard retention rt >actual &&
	echo 100 >expect && test_cmp expect actual
'

test_expect_success 'retention 23 is refused (64) and changes nothing' '
	kshard create rt23 --retention 48 &&
	fails_with 64 "kshard: retention 23 hours is outside 24..8760 (InvalidArgumentException)" \
		kshard retention rt23 23 &&
	kshard retention rt23 >actual &&
	echo 48 >expect && test_cmp expect actual
'

test_expect_success 'retention 8761 is refused (64) and changes nothing' '
	kshard create rt8761 --retention 48 &&
	fails_with 64 "kshard: retention 8761 hours is outside 24..8760 (InvalidArgumentException)" \
		kshard retention rt8761 8761 &&
	kshard retention rt8761 >actual &&
	echo 48 >expect && test_cmp expect actual
'

test_expect_success 'retention with a non-number is a usage error' '
	kshard create rtabc &&
	usage_fails_with "kshard: invalid retention hours '"'"'abc'"'"': expected an integer from 0 to 4294967295" \
		kshard retention rtabc abc
'

test_expect_success 'retention of a missing stream is 66 (get and set)' '
	fails_with 66 "kshard: stream '"'"'nope'"'"': no such stream" kshard retention nope &&
	fails_with 66 "kshard: stream '"'"'nope'"'"': no such stream" kshard retention nope 48
'

test_expect_success 'setting retention changes nothing else' '
	kshard create rtkeep -n 3 --max-record-size 2MiB &&
	kshard describe rtkeep >before &&
	kshard retention rtkeep 168 &&
	kshard describe rtkeep >after &&
	sed "s/\"RetentionPeriodHours\": 24,/\"RetentionPeriodHours\": 168,/" before >expect &&
	test_cmp expect after
'

# --- errors ----------------------------------------------------------------

test_expect_success 'create of an existing stream fails with 1 and keeps it' '
	kshard create dup --retention 48 &&
	seq 1 3 | kput -s dup &&
	fails_with 1 "kshard: stream '"'"'dup'"'"': already exists (ResourceInUseException)" \
		kshard create dup -n 4 &&
	field dup OpenShardCount >actual &&
	echo 1 >expect && test_cmp expect actual &&
	kshard retention dup >actual &&
	echo 48 >expect && test_cmp expect actual &&
	kget -s dup >actual &&
	seq 1 3 >expect && test_cmp expect actual
'

test_expect_success 'bad names are refused before anything is created' '
	KIN_DIR=$PWD/badroot && export KIN_DIR &&
	before=$(ls -A) &&
	allowed="only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" &&
	fails_with 64 "kshard: stream name '"'"'../x'"'"': $allowed" kshard create ../x &&
	fails_with 64 "kshard: stream name '"'"'a/b'"'"': $allowed" kshard create a/b &&
	fails_with 64 "kshard: stream name '"'"'/abs'"'"': $allowed" kshard create /abs &&
	fails_with 64 "kshard: stream name '"'"'a b'"'"': $allowed" kshard create "a b" &&
	fails_with 64 "kshard: stream name must not be empty" kshard create "" &&
	fails_with 64 "kshard: stream name '"'"'.'"'"' is reserved" kshard create . &&
	fails_with 64 "kshard: stream name '"'"'..'"'"' is reserved" kshard create .. &&
	n129=$(printf "%0129d" 0 | tr 0 n) &&
	fails_with 64 "kshard: stream name '"'"'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...'"'"' is longer than 128 characters" \
		kshard create "$n129" &&
	test ! -e badroot && test ! -e /abs &&
	test "$(ls -A)" = "$before"
'

test_expect_success 'bad names are refused by describe, delete and retention' '
	allowed="only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" &&
	fails_with 64 "kshard: stream name '"'"'../x'"'"': $allowed" kshard describe ../x &&
	fails_with 64 "kshard: stream name '"'"'a/b'"'"': $allowed" kshard delete a/b &&
	fails_with 64 "kshard: stream name must not be empty" kshard retention "" &&
	fails_with 64 "kshard: stream name '"'"'.'"'"' is reserved" kshard delete .
'

test_expect_success 'describe and delete of a missing stream are 66' '
	fails_with 66 "kshard: stream '"'"'missing'"'"': no such stream" kshard describe missing &&
	fails_with 66 "kshard: stream '"'"'missing'"'"': no such stream" kshard delete missing
'

test_expect_success 'unknown command is 64' '
	usage_fails_with "kshard: unknown command '"'"'frob'"'"'" kshard frob
'

test_expect_success 'missing command and missing or extra arguments are 64' '
	usage_fails_with "kshard: no command given" kshard &&
	usage_fails_with "kshard: create: wrong number of arguments" kshard create &&
	usage_fails_with "kshard: create: wrong number of arguments" kshard create a b &&
	usage_fails_with "kshard: describe: wrong number of arguments" kshard describe &&
	usage_fails_with "kshard: delete: wrong number of arguments" kshard delete &&
	usage_fails_with "kshard: retention: wrong number of arguments" kshard retention &&
	usage_fails_with "kshard: retention: wrong number of arguments" kshard retention a 48 49 &&
	usage_fails_with "kshard: list: wrong number of arguments" kshard list extra
'

test_expect_success 'an option used with the wrong command is 64' '
	kshard create wrong &&
	usage_fails_with "kshard: describe: option only valid with create" kshard describe wrong -n 3 &&
	usage_fails_with "kshard: list: option only valid with create" kshard list --retention 48 &&
	usage_fails_with "kshard: retention: option only valid with create" \
		kshard retention wrong --max-record-size 2MiB &&
	usage_fails_with "kshard: delete: option only valid with create" \
		kshard delete wrong --segment-size 8KiB &&
	usage_fails_with "kshard: describe: --json is only valid with list" kshard describe wrong --json &&
	kshard describe wrong >/dev/null
'

test_expect_success 'unknown options and missing option arguments are 64' '
	usage_fails_with "kshard: invalid option -- '"'"'x'"'"'" kshard -x list &&
	usage_fails_with "kshard: unrecognized option '"'"'--bogus'"'"'" kshard --bogus list &&
	usage_fails_with "kshard: option requires an argument -- '"'"'n'"'"'" kshard create x -n
'

test_expect_success 'bad -n (0, 1025, abc, -1) is 64 and creates nothing' '
	usage_fails_with "kshard: invalid --shards '"'"'0'"'"': expected an integer from 1 to 1024" \
		kshard create badn -n 0 &&
	usage_fails_with "kshard: invalid --shards '"'"'1025'"'"': expected an integer from 1 to 1024" \
		kshard create badn -n 1025 &&
	usage_fails_with "kshard: invalid --shards '"'"'abc'"'"': expected an integer from 1 to 1024" \
		kshard create badn -n abc &&
	usage_fails_with "kshard: invalid --shards '"'"'-1'"'"': expected an integer from 1 to 1024" \
		kshard create badn -n -1 &&
	test_must_fail --status=66 kshard describe badn 2>/dev/null
'

test_expect_success 'bad --retention on create is 64' '
	usage_fails_with "kshard: invalid --retention '"'"'23'"'"': expected an integer from 24 to 8760" \
		kshard create badr --retention 23 &&
	usage_fails_with "kshard: invalid --retention '"'"'8761'"'"': expected an integer from 24 to 8760" \
		kshard create badr --retention 8761 &&
	test_must_fail --status=66 kshard describe badr 2>/dev/null
'

test_expect_success 'bad --max-record-size and --segment-size are 64' '
	fails_with 64 "kshard: maximum record size 0 is outside 1KiB..10MiB" \
		kshard create bads --max-record-size 0 &&
	fails_with 64 "kshard: maximum record size 11534336 is outside 1KiB..10MiB" \
		kshard create bads --max-record-size 11MiB &&
	usage_fails_with "kshard: --max-record-size: 1023 is not a whole number of KiB" \
		kshard create bads --max-record-size 1023 &&
	usage_fails_with "kshard: --max-record-size: 10485761 is not a whole number of KiB" \
		kshard create bads --max-record-size 10485761 &&
	fails_with 64 "kshard: segment size 4095 is outside 4KiB..1TiB" \
		kshard create bads --segment-size 4095 &&
	usage_fails_with "kshard: invalid --segment-size '"'"'4XB'"'"': expected a size such as 512KiB or 1MiB" \
		kshard create bads --segment-size 4XB &&
	usage_fails_with "kshard: invalid --max-record-size '"'"'1.5MiB'"'"': expected a size such as 512KiB or 1MiB" \
		kshard create bads --max-record-size 1.5MiB &&
	test_must_fail --status=66 kshard describe bads 2>/dev/null
'

# set_meta_version FILE N: rewrites a stream.meta with format version N and
# a correct CRC-32C line (computed here, independently of kin).
set_meta_version() {
	python3 -c '
import sys
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF
p, v = sys.argv[1], sys.argv[2].encode()
text = open(p, "rb").read()
body = text[:text.index(b"crc32c ")]
assert b"crc32c %08x\n" % crc32c(body) == text[len(body):], "crc check"
assert body.startswith(b"kin-stream ")
body = b"kin-stream " + v + body[body.index(b"\n"):]
open(p, "wb").write(body + b"crc32c %08x\n" % crc32c(body))
' "$1" "$2"
}

test_expect_success 'damaged stream.meta: describe and retention fail with 74' '
	kshard create damaged &&
	meta=$KIN_DIR/streams/damaged/stream.meta &&
	sed "s/^retention-hours 24$/retention-hours 25/" "$meta" >meta.new &&
	! cmp -s "$meta" meta.new &&
	cat meta.new >"$meta" &&
	fails_with 74 "kshard: stream '"'"'damaged'"'"': stream.meta: checksum mismatch" \
		kshard describe damaged &&
	fails_with 74 "kshard: stream '"'"'damaged'"'"': stream.meta: checksum mismatch" \
		kshard retention damaged &&
	fails_with 74 "kshard: stream '"'"'damaged'"'"': stream.meta: checksum mismatch" \
		kshard retention damaged 48 &&
	test_cmp meta.new "$meta"
'

test_expect_success 'a newer stream.meta format version is refused with 1' '
	kshard create newer &&
	meta=$KIN_DIR/streams/newer/stream.meta &&
	set_meta_version "$meta" 2 &&
	cp "$meta" meta.v2 &&
	msg="kshard: stream '"'"'newer'"'"': stream.meta: format version 2 is newer than this kin understands (1)" &&
	fails_with 1 "$msg" kshard describe newer &&
	fails_with 1 "$msg" kshard retention newer &&
	fails_with 1 "$msg" kshard retention newer 48 &&
	test_cmp meta.v2 "$meta" &&
	set_meta_version "$meta" 1 &&
	kshard describe newer >/dev/null
'

test_expect_success 'a root that is a file: create and list fail with 74' '
	: >afile &&
	fails_with 74 "kshard: cannot create '"'"'$PWD/afile/streams'"'"': Not a directory" \
		kshard -d "$PWD/afile" create x &&
	fails_with 74 "kshard: cannot list streams: Not a directory" \
		kshard -d "$PWD/afile" list
'

# --- file modes ---------------------------------------------------------------

test_expect_success 'umask 077: no group or other bits on anything created' '
	KIN_DIR=$PWD/u077 && export KIN_DIR &&
	umask 077 &&
	kshard create u7 -n 2 --segment-size 4KiB &&
	for i in 1 2 3 4 5 6; do
		seq -f "umask-%04g-padding-padding-padding" 1 50 | kput -s u7 || return 1
	done &&
	kshard retention u7 48 &&
	find u077/streams/u7 -name "*.seg" >segs &&
	test_line_count -gt 2 segs &&
	test -f u077/streams/u7/stream.meta &&
	find u077/streams/u7 -perm /077 >actual &&
	test_cmp /dev/null actual &&
	stat -c %a u077/streams/u7/stream.meta >actual &&
	echo 600 >expect && test_cmp expect actual
'

test_expect_success 'umask 022: files are 0644, directories 0755' '
	KIN_DIR=$PWD/u022 && export KIN_DIR &&
	umask 022 &&
	kshard create u2 --segment-size 4KiB &&
	for i in 1 2 3 4; do
		seq -f "umask-%04g-padding-padding-padding" 1 50 | kput -s u2 || return 1
	done &&
	kshard retention u2 48 &&
	stat -c %a u022/streams/u2/stream.meta >actual &&
	echo 644 >expect && test_cmp expect actual &&
	stat -c %a u022/streams/u2/shards/shardId-000000000000/00000000000000000000.seg >actual &&
	test_cmp expect actual &&
	find u022/streams/u2 -type f ! -perm 644 >actual &&
	test_cmp /dev/null actual &&
	find u022/streams/u2 -type d ! -perm 755 >actual &&
	test_cmp /dev/null actual
'

# --- the root directory ----------------------------------------------------------

test_expect_success 'streams are created under KIN_DIR and nowhere else' '
	mkdir kd-only && cd kd-only &&
	HOME=$PWD/home && export HOME &&
	XDG_DATA_HOME=$PWD/xdg && export XDG_DATA_HOME &&
	KIN_DIR=$PWD/kd && export KIN_DIR &&
	kshard create s -n 2 &&
	seq 1 5 | kput -s s &&
	test -d kd/streams/s &&
	test "$(ls -A)" = kd &&
	{ ls -A kd | grep -v "^streams$" | grep -v "^tmp$" >other || true; } &&
	test ! -s other &&
	test "$(ls -A kd/streams)" = s &&
	test -z "$(ls -A kd/tmp 2>/dev/null)"
'

test_expect_success '-d DIR overrides KIN_DIR; nothing appears elsewhere' '
	mkdir d-only && cd d-only &&
	HOME=$PWD/home && export HOME &&
	XDG_DATA_HOME=$PWD/xdg && export XDG_DATA_HOME &&
	KIN_DIR=$PWD/kd && export KIN_DIR &&
	kshard -d "$PWD/dd" create s &&
	seq 1 5 | kput -d "$PWD/dd" -s s &&
	test -d dd/streams/s &&
	test "$(ls -A)" = dd &&
	test "$(kshard -d "$PWD/dd" list)" = s &&
	test -z "$(kshard list)" &&
	test ! -e kd &&
	test_must_fail --status=66 kshard describe s 2>/dev/null &&
	test "$(ls -A)" = dd
'

test_expect_success '--dir=DIR and a relative -d work too' '
	mkdir rel && cd rel &&
	kshard --dir=a/b create s1 &&
	kshard -d a/b create s2 &&
	test "$(kshard -d "$PWD/a/b" list | tr "\n" " ")" = "s1 s2 " &&
	test "$(ls -A)" = a
'

test_expect_success 'without KIN_DIR: $XDG_DATA_HOME/kin, else $HOME/.local/share/kin' '
	mkdir fallback && cd fallback &&
	unset KIN_DIR &&
	HOME=$PWD/home && export HOME &&
	XDG_DATA_HOME=$PWD/xdg && export XDG_DATA_HOME &&
	kshard create x1 &&
	test -d xdg/kin/streams/x1 && test ! -e home &&
	unset XDG_DATA_HOME &&
	kshard create x2 &&
	test -d home/.local/share/kin/streams/x2 &&
	test "$(ls -A | tr "\n" " ")" = "home xdg " &&
	unset HOME &&
	kshard create x3 &&
	test -d .local/share/kin/streams/x3 &&
	test "$(ls -A | tr "\n" " ")" = ".local home xdg "
'

test_done
