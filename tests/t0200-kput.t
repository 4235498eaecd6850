#!/bin/sh
# kput: framing (lines, -0, --json), partition keys (-k, -K, random),
# routing by MD5, sequence numbers (-p), sync policies, bad records and
# their golden diagnostics, and prompt commits of a slow trickle.

. "$(dirname "$0")/lib.sh"

MAX=340282366920938463463374607431768211455

# shard_of_keys N <keys >shards: for each key line, the index of the shard
# of an N-shard stream whose range holds MD5(key) as a big-endian 128-bit
# integer; computed with md5sum, independently of kin.
shard_of_keys() {
	while IFS= read -r k; do
		printf '%s' "$k" | md5sum | cut -c1-32 || return 1
	done >hexes &&
	python3 -c '
import sys
n = int(sys.argv[1])
w = 2**128 // n
for line in open("hexes"):
    h = int(line.strip(), 16)
    print(min(h // w, n - 1))
' "$1"
}

# check_acks <acks: every line is "shardId-NNNNNNNNNNNN SEQ" with a 39-digit
# SEQ, strictly increasing per shard.
check_acks() {
	python3 -c '
import re, sys
last = {}
n = 0
for line in sys.stdin:
    n += 1
    m = re.fullmatch(r"(shardId-[0-9]{12}) ([0-9]{39})\n", line)
    assert m, "bad ack line %r" % line
    sh, seq = m.group(1), int(m.group(2))
    assert seq > last.get(sh, -1), "not increasing in %s: %r" % (sh, line)
    last[sh] = seq
assert n > 0
'
}

# read_ack: one line from stdin, or failure after 10 seconds.
read_ack() {
	timeout 10 sh -c 'IFS= read -r l && printf "%s\n" "$l"'
}

test_expect_success 'setup: -h prints the usage' '
	kput -h >usage &&
	grep "^usage: kput " usage
'

# --- framing ---------------------------------------------------------------

test_expect_success 'line mode: one record per line, bytes kept, nothing on stdout' '
	kshard create lines &&
	printf "alpha\n b  c \n\ttab\t\n\\\\back\\\\slash\n" >input &&
	kput -s lines <input >out 2>err &&
	test ! -s out && test ! -s err &&
	kget -s lines >actual &&
	test_cmp input actual
'

test_expect_success 'line mode: empty lines are empty records' '
	kshard create empties &&
	printf "a\n\n\nb\n\n" | kput -s empties -p >acks &&
	test_line_count = 5 acks &&
	kget -s empties -F "[%d]\n" >actual &&
	printf "[a]\n[]\n[]\n[b]\n[]\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'line mode: a trailing record without newline is stored' '
	kshard create trailing &&
	printf "x\nlast" | kput -s trailing -p >acks &&
	test_line_count = 2 acks &&
	kget -s trailing >actual &&
	printf "x\nlast\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'empty input stores nothing and succeeds' '
	kshard create none &&
	kput -s none -p </dev/null >acks &&
	test ! -s acks &&
	kget -s none >actual &&
	test ! -s actual
'

test_expect_success 'line mode: CR and binary bytes are data' '
	kshard create crlf &&
	printf "a\r\nb\001\377c\n" >input &&
	kput -s crlf <input &&
	kget -s crlf >actual &&
	test_cmp input actual
'

test_expect_success '-0: records end at NUL; newlines are data' '
	kshard create nul &&
	printf "a\000b\nc\000\000d" | kput -s nul -0 -p >acks &&
	test_line_count = 4 acks &&
	kget -s nul -0 >actual &&
	printf "a\000b\nc\000\000d\000" >expect &&
	cmp expect actual
'

test_expect_success '--null is -0' '
	kshard create nul2 &&
	printf "one\000two\000" | kput -s nul2 --null &&
	kget -s nul2 >actual &&
	printf "one\ntwo\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: Data is base64 of the stored bytes; PartitionKey kept' '
	kshard create js -n 2 &&
	python3 -c "
import base64, json
datas = [b\"hello\", b\"\", b\"line\nbreak\", bytes(range(256)), b\"\x00\xff\"]
with open(\"entries\", \"w\") as f:
    for i, d in enumerate(datas):
        f.write(json.dumps({\"Data\": base64.b64encode(d).decode(),
                            \"PartitionKey\": \"pk-%d\" % i}) + \"\n\")
" &&
	kput -s js --json -p <entries >acks &&
	test_line_count = 5 acks &&
	kget -s js --json >got &&
	python3 -c "
import json
want = [json.loads(l) for l in open(\"entries\")]
got = [json.loads(l) for l in open(\"got\")]
acks = [json.loads(l) for l in open(\"acks\")]
bykey = {g[\"PartitionKey\"]: g for g in got}
assert len(got) == 5, got
for w, a in zip(want, acks):
    g = bykey[w[\"PartitionKey\"]]
    assert g[\"Data\"] == w[\"Data\"], (g, w)
    assert sorted(a) == [\"SequenceNumber\", \"ShardId\"], a
    assert g[\"ShardId\"] == a[\"ShardId\"], (g, a)
    assert g[\"SequenceNumber\"] == a[\"SequenceNumber\"], (g, a)
"
'

test_expect_success '--json: blank lines between entries are skipped' '
	kshard create jsblank &&
	printf "%s\n" "{\"Data\":\"YQ==\",\"PartitionKey\":\"k\"}" "" \
		"{\"Data\":\"Yg==\",\"PartitionKey\":\"k\"}" >entries &&
	kput -s jsblank --json <entries &&
	kget -s jsblank >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: ExplicitHashKey routes the entry' '
	kshard create jsehk -n 4 &&
	cat >entries <<-EOF &&
	{"Data":"MA==","PartitionKey":"same","ExplicitHashKey":"0"}
	{"Data":"MQ==","PartitionKey":"same","ExplicitHashKey":"85070591730234615865843651857942052864"}
	{"Data":"Mg==","PartitionKey":"same","ExplicitHashKey":"255211775190703847597530955573826158591"}
	{"Data":"Mw==","PartitionKey":"same","ExplicitHashKey":"$MAX"}
	EOF
	kput -s jsehk --json -p <entries >acks &&
	sed "s/.*\"ShardId\":\"\(shardId-[0-9]*\)\".*/\1/" acks >actual &&
	cat >expect <<-\EOF &&
	shardId-000000000000
	shardId-000000000001
	shardId-000000000002
	shardId-000000000003
	EOF
	test_cmp expect actual &&
	kget -s jsehk -F "%S %k %d\n" >actual &&
	cat >expect <<-\EOF &&
	shardId-000000000000 same 0
	shardId-000000000001 same 1
	shardId-000000000002 same 2
	shardId-000000000003 same 3
	EOF
	test_cmp expect actual
'

test_expect_success '--json with -k: entries without PartitionKey take KEY' '
	kshard create jsk &&
	printf "%s\n" "{\"Data\":\"YQ==\"}" "{\"Data\":\"Yg==\",\"PartitionKey\":\"own\"}" |
		kput -s jsk --json -k dflt &&
	kget -s jsk -F "%k=%d\n" >actual &&
	printf "dflt=a\nown=b\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: ExplicitHashKey may be a JSON number' '
	kshard create jsehkn -n 4 &&
	printf "%s\n" "{\"Data\":\"YQ==\",\"PartitionKey\":\"k\",\"ExplicitHashKey\":0}" \
		"{\"Data\":\"Yg==\",\"PartitionKey\":\"k\",\"ExplicitHashKey\":$MAX}" >entries &&
	kput -s jsehkn --json <entries &&
	kget -s jsehkn -F "%S %d\n" >actual &&
	printf "shardId-000000000000 a\nshardId-000000000003 b\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json with --explicit-hash-key: entries without their own use it' '
	kshard create jsdehk -n 4 &&
	printf "%s\n" "{\"Data\":\"YQ==\",\"PartitionKey\":\"k\"}" \
		"{\"Data\":\"Yg==\",\"PartitionKey\":\"k\",\"ExplicitHashKey\":\"0\"}" \
		"{\"Data\":\"Yw==\",\"PartitionKey\":\"k\"}" >entries &&
	kput -s jsdehk --json --explicit-hash-key $MAX <entries &&
	kget -s jsdehk -F "%S %d\n" | sort >actual &&
	printf "%s\n" "shardId-000000000000 b" "shardId-000000000003 a" \
		"shardId-000000000003 c" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: null members count as missing' '
	kshard create jsnull &&
	printf "%s\n" "{\"Data\":\"YQ==\",\"PartitionKey\":null}" \
		"{\"Data\":null,\"PartitionKey\":\"p\"}" \
		"{\"Data\":\"Yg==\",\"PartitionKey\":\"p\",\"ExplicitHashKey\":null}" >entries &&
	test_must_fail --status=65 kput -s jsnull --json -k dflt <entries 2>err &&
	echo "kput: record 2: Data: missing" >expect &&
	test_cmp expect err &&
	kget -s jsnull -F "%k %d\n" >actual &&
	printf "dflt a\np b\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: blank lines count in record numbers' '
	kshard create jsnum &&
	printf "%s\n" "{\"Data\":\"YQ==\",\"PartitionKey\":\"k\"}" "" "" \
		"{\"Data\":\"!\",\"PartitionKey\":\"k\"}" >entries &&
	test_must_fail --status=65 kput -s jsnum --json <entries 2>err &&
	echo "kput: record 4: Data: invalid base64" >expect &&
	test_cmp expect err
'

# --- keys ----------------------------------------------------------------------

test_expect_success '-k KEY: every record has KEY and lands in its MD5 shard' '
	kshard create kk -n 4 &&
	seq 1 20 | kput -s kk -k user-42 -p >acks &&
	echo user-42 | shard_of_keys 4 >want &&
	cut -d" " -f1 acks | sort -u >actual &&
	printf "shardId-%012d\n" "$(cat want)" >expect &&
	test_cmp expect actual &&
	kget -s kk -F "%k %S %d\n" >actual &&
	seq 1 20 | sed "s/^/user-42 $(cat expect) /" >expect2 &&
	test_cmp expect2 actual
'

test_expect_success '-K PATH: the key is a string or number at a dotted path' '
	kshard create kpath &&
	cat >input <<-\EOF &&
	{"user":{"id":"alice"},"n":1}
	{"user":{"id":42}}
	{"user":{"id":-1.5e3},"x":[1]}
	{"user":{"id":"b\u00e9"}}
	EOF
	kput -s kpath -K user.id <input &&
	kget -s kpath -F "%k\t%d\n" >actual &&
	printf "alice\t%s\n42\t%s\n-1.5e3\t%s\nb\303\251\t%s\n" \
		"$(sed -n 1p input)" "$(sed -n 2p input)" \
		"$(sed -n 3p input)" "$(sed -n 4p input)" >expect &&
	test_cmp expect actual
'

test_expect_success '-K routes each record by MD5 of its key' '
	kshard create kroute -n 4 &&
	seq -f "k%g" 1 30 >keys &&
	sed "s/.*/{\"key\":\"&\"}/" keys >input &&
	kput -s kroute -K key -p <input >acks &&
	shard_of_keys 4 <keys >want &&
	cut -d" " -f1 acks | sed "s/shardId-0*\([0-9]\)/\1/" >got &&
	test_cmp want got
'

test_expect_success 'routing: -p shard of key K holds MD5(K) (50 keys, 4 shards)' '
	kshard create route -n 4 &&
	{
		seq -f "key-%g" 1 40 &&
		printf "%s\n" "a b" "x/y" "\"quoted\"" "ключ" "日本語" "😀" \
			"0" "-" "$(printf "%0256d" 7)" "UPPER"
	} >keys &&
	test_line_count = 50 keys &&
	while IFS= read -r k; do
		echo "data for $k" | kput -s route -k "$k" -p | cut -d" " -f1 || return 1
	done <keys >got &&
	shard_of_keys 4 <keys | sed "s/.*/shardId-00000000000&/" >want &&
	test_cmp want got &&
	cut -d" " -f1 got | sort -u >used &&
	test_line_count = 4 used
'

test_expect_success 'routing with 3 shards (uneven ranges)' '
	kshard create route3 -n 3 &&
	seq -f "r3-%g" 1 50 >keys &&
	sed "s/.*/{\"Data\":\"eA==\",\"PartitionKey\":\"&\"}/" keys >entries &&
	kput -s route3 --json -p <entries >acks &&
	sed "s/.*\"ShardId\":\"shardId-0*\([0-9]\)\".*/\1/" acks >got &&
	shard_of_keys 3 <keys >want &&
	test_cmp want got
'

test_expect_success 'without a key, records get random keys routed by their MD5' '
	kshard create rnd -n 4 &&
	seq 1 200 | kput -s rnd -p >acks &&
	kget -s rnd -F "%k %S\n" >got &&
	test_line_count = 200 got &&
	cut -d" " -f1 got >keys &&
	shard_of_keys 4 <keys | sed "s/.*/shardId-00000000000&/" >want &&
	cut -d" " -f2 got >actual &&
	test_cmp want actual &&
	sort -u actual >used &&
	test_line_count = 4 used &&
	sort -u keys >ukeys &&
	test_line_count = 200 ukeys
'

test_expect_success '--explicit-hash-key N routes every record to the shard holding N' '
	kshard create ehk -n 4 &&
	for h in 0 85070591730234615865843651857942052863 \
		85070591730234615865843651857942052864 \
		170141183460469231731687303715884105728 $MAX; do
		echo "$h" | kput -s ehk -k fixed --explicit-hash-key "$h" -p || return 1
	done >acks &&
	cut -d" " -f1 acks >actual &&
	cat >expect <<-\EOF &&
	shardId-000000000000
	shardId-000000000000
	shardId-000000000001
	shardId-000000000002
	shardId-000000000003
	EOF
	test_cmp expect actual &&
	kget -s ehk --shard 0 -F "%k %d\n" >actual &&
	printf "fixed 0\nfixed 85070591730234615865843651857942052863\n" >expect &&
	test_cmp expect actual
'

# --- acknowledgements ---------------------------------------------------------------

test_expect_success '-p prints "shardId-NNNNNNNNNNNN SEQ", SEQ increasing per shard' '
	kshard create acks -n 4 &&
	seq -f "v%g" 1 100 | kput -s acks -p >acks1 &&
	seq -f "w%g" 1 100 | kput -s acks -p --batch-size 64 >acks2 &&
	test_line_count = 100 acks1 &&
	test_line_count = 100 acks2 &&
	cat acks1 acks2 | check_acks
'

test_expect_success '-p sequence numbers are the ones kget reports, in input order' '
	kshard create pseq -n 3 &&
	seq -f "rec-%g" 1 60 >input &&
	kput -s pseq -p <input >acks &&
	seq -f "small-%g" 1 60 >input2 &&
	kput -s pseq -p --batch-size 50 <input2 >acks2 &&
	{ paste -d" " acks input && paste -d" " acks2 input2; } | sort >want &&
	kget -s pseq -F "%S %s %d\n" | sort >got &&
	test_cmp want got &&
	cat acks acks2 | check_acks
'

test_expect_success '--json -p: one entry per input line, in order, errors included' '
	kshard create jsp -n 2 &&
	cat >entries <<-\EOF &&
	{"Data":"YQ==","PartitionKey":"k1"}
	{"Data":"!!","PartitionKey":"k2"}
	{"Data":"Yg==","PartitionKey":"k3"}
	bad
	{"Data":"Yw==","PartitionKey":"k1"}
	EOF
	test_must_fail --status=65 kput -s jsp --json -p <entries >out 2>err &&
	test_line_count = 5 out &&
	sed -n "2p" out >actual &&
	echo "{\"ErrorCode\":\"InvalidArgumentException\",\"ErrorMessage\":\"Data: invalid base64\"}" >expect &&
	test_cmp expect actual &&
	sed -n "4p" out >actual &&
	echo "{\"ErrorCode\":\"InvalidArgumentException\",\"ErrorMessage\":\"invalid JSON: lexical error: invalid char in json text\"}" >expect &&
	test_cmp expect actual &&
	sed -n "1p;3p;5p" out >ok &&
	sed "s/^{\"SequenceNumber\":\"\([0-9]*\)\",\"ShardId\":\"\(shardId-[0-9]*\)\"}$/\2 \1/" ok >acks &&
	check_acks <acks &&
	test "$(grep -c "^shardId" acks)" = 3 &&
	kget -s jsp -F "%S %s %k %d\n" | sort >got &&
	paste -d" " acks - <<-\EOF | sort >want &&
	k1 a
	k3 b
	k1 c
	EOF
	test_cmp want got
'

test_expect_success '--sync always, interval and never all store and acknowledge everything' '
	kshard create sync -n 2 &&
	seq -f "always-%g" 1 50 | kput -s sync --sync always -p >a1 &&
	seq -f "interval-%g" 1 50 | kput -s sync --sync interval -p >a2 &&
	seq -f "interval2-%g" 1 50 | kput -s sync --sync interval --sync-interval 10ms -p >a3 &&
	seq -f "never-%g" 1 50 | kput -s sync --sync never -p >a4 &&
	test_line_count = 50 a1 && test_line_count = 50 a2 &&
	test_line_count = 50 a3 && test_line_count = 50 a4 &&
	cat a1 a2 a3 a4 | check_acks &&
	kget -s sync | sort >got &&
	{ seq -f "always-%g" 1 50 && seq -f "interval-%g" 1 50 &&
	  seq -f "interval2-%g" 1 50 && seq -f "never-%g" 1 50; } | sort >want &&
	test_cmp want got
'

test_expect_success '--sync bogus is a usage error (64)' '
	kshard create syncbad &&
	usage_fails_with "kput: --sync: '"'"'bogus'"'"' is not always, interval or never" \
		kput -s syncbad --sync bogus &&
	kget -s syncbad >actual && test ! -s actual
'

# --- bad records: 65, the others stored -----------------------------------------------

test_expect_success 'a record over 1 MiB (data + key) is refused; the others are stored' '
	kshard create big &&
	{
		echo first &&
		head -c 1048575 /dev/zero | tr "\0" x && echo &&
		head -c 1048576 /dev/zero | tr "\0" y && echo &&
		echo last
	} >input &&
	test_must_fail --status=65 kput -s big -k k -p <input >acks 2>err &&
	echo "kput: record 3: 1048577 bytes exceeds the 1 MiB limit" >expect &&
	test_cmp expect err &&
	test_line_count = 3 acks &&
	kget -s big >got &&
	sed 3d input >want &&
	cmp want got
'

test_expect_success '--max-record-size 1KiB stream: 1024 bytes pass, 1025 are refused' '
	kshard create small --max-record-size 1KiB &&
	{
		echo a &&
		head -c 1023 /dev/zero | tr "\0" p && echo &&
		head -c 1024 /dev/zero | tr "\0" q && echo &&
		echo b
	} >input &&
	test_must_fail --status=65 kput -s small -k k <input 2>err &&
	echo "kput: record 3: 1025 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small >got &&
	sed 3d input >want &&
	cmp want got
'

test_expect_success 'an oversize line read whole reports data + key bytes' '
	kshard create small2 --max-record-size 1KiB &&
	{
		echo a &&
		head -c 3000 /dev/zero | tr "\0" z && echo &&
		echo b
	} >input &&
	test_must_fail --status=65 kput -s small2 -k k <input 2>err &&
	echo "kput: record 2: 3001 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small2 >got &&
	printf "a\nb\n" >want &&
	test_cmp want got
'

test_expect_success 'an oversize line arriving in pieces reports data + key bytes too' '
	kshard create small2p --max-record-size 1KiB &&
	{
		echo a &&
		head -c 3000 /dev/zero | tr "\0" z &&
		sleep 0.3 &&
		echo && echo b
	} | test_must_fail --status=65 kput -s small2p -k k 2>err &&
	echo "kput: record 2: 3001 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small2p >got &&
	printf "a\nb\n" >want &&
	test_cmp want got
'

test_expect_success 'an oversize last record without newline is refused; the others stored' '
	kshard create small3 --max-record-size 1KiB &&
	{ echo a && echo b && head -c 1500 /dev/zero | tr "\0" z; } >input &&
	test_must_fail --status=65 kput -s small3 -k k -p <input >acks 2>err &&
	test_line_count = 2 acks &&
	echo "kput: record 3: 1501 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small3 >got &&
	printf "a\nb\n" >want &&
	test_cmp want got
'

test_expect_success '-0: an oversize record is refused; the others stored' '
	kshard create small4 --max-record-size 1KiB &&
	{ printf "a\000" && head -c 1024 /dev/zero | tr "\0" q && printf "\000b\000"; } >input &&
	test_must_fail --status=65 kput -s small4 -0 -k k <input 2>err &&
	echo "kput: record 2: 1025 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small4 >got &&
	printf "a\nb\n" >want &&
	test_cmp want got
'

test_expect_success '--json: an oversize entry is refused with its record size' '
	kshard create small5 --max-record-size 1KiB &&
	python3 -c "
import base64, json
for n in (10, 1024, 1023, 100000, 20):
    print(json.dumps({\"Data\": base64.b64encode(b\"d\" * n).decode(),
                      \"PartitionKey\": \"k\"}))
" >entries &&
	test_must_fail --status=65 kput -s small5 --json <entries 2>err &&
	cat >expect <<-\EOF &&
	kput: record 2: 1025 bytes exceeds the 1 KiB limit
	kput: record 4: 100001 bytes exceeds the 1 KiB limit
	EOF
	test_cmp expect err &&
	kget -s small5 -F "%d\n" | awk "{ print length(\$0) }" >actual &&
	printf "10\n1023\n20\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: an oversize entry arriving in pieces reports its record size' '
	kshard create small6 --max-record-size 1KiB &&
	python3 -c "
import base64, json
for n in (10, 100000, 20):
    print(json.dumps({\"Data\": base64.b64encode(b\"d\" * n).decode(),
                      \"PartitionKey\": \"k\"}))
" >entries &&
	cat entries | test_must_fail --status=65 kput -s small6 --json 2>err &&
	echo "kput: record 2: 100001 bytes exceeds the 1 KiB limit" >expect &&
	test_cmp expect err &&
	kget -s small6 -F "%d\n" | awk "{ print length(\$0) }" >actual &&
	printf "10\n20\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'empty partition key (-K to an empty string) is refused' '
	kshard create emptykey &&
	printf "%s\n" "{\"k\":\"a\"}" "{\"k\":\"\"}" "{\"k\":\"c\"}" >input &&
	test_must_fail --status=65 kput -s emptykey -K k -p <input >acks 2>err &&
	echo "kput: record 2: empty partition key" >expect &&
	test_cmp expect err &&
	test_line_count = 2 acks &&
	kget -s emptykey -F "%k\n" >actual &&
	printf "a\nc\n" >expect &&
	test_cmp expect actual
'

test_expect_success '-K: a missing or non-scalar key and bad JSON are refused' '
	kshard create kbad &&
	printf "%s\n" "{\"k\":\"ok1\"}" "{\"j\":1}" "{\"k\":{\"x\":1}}" "{\"k\":null}" \
		"bad" "{\"k\":\"ok2\"}" >input &&
	test_must_fail --status=65 kput -s kbad -K k <input 2>err &&
	cat >expect <<-\EOF &&
	kput: record 2: partition key path '"'"'k'"'"': missing
	kput: record 3: partition key path '"'"'k'"'"': not a string or number
	kput: record 4: partition key path '"'"'k'"'"': missing
	kput: record 5: invalid JSON: lexical error: invalid char in json text
	EOF
	test_cmp expect err &&
	kget -s kbad -F "%k\n" >actual &&
	printf "ok1\nok2\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'partition keys: 256 characters pass, 257 are refused (UTF-8 counted in characters)' '
	kshard create keylen &&
	python3 -c "
import base64, json, sys
keys = [\"k\" * 256, \"k\" * 257, \"\u00e9\" * 256, \"\u00e9\" * 257,
        \"\U0001F600\" * 256, \"\U0001F600\" * 257, \"\u65e5\" * 255 + \"x\"]
for i, k in enumerate(keys):
    e = {\"Data\": base64.b64encode(str(i).encode()).decode(), \"PartitionKey\": k}
    sys.stdout.buffer.write(json.dumps(e, ensure_ascii=False).encode() + b\"\n\")
" >entries &&
	test_must_fail --status=65 kput -s keylen --json <entries 2>err &&
	cat >expect <<-\EOF &&
	kput: record 2: partition key of 257 characters exceeds 256
	kput: record 4: partition key of 257 characters exceeds 256
	kput: record 6: partition key of 257 characters exceeds 256
	EOF
	test_cmp expect err &&
	kget -s keylen -F "%d\n" >actual &&
	printf "0\n2\n4\n6\n" >expect &&
	test_cmp expect actual &&
	kget -s keylen -F "%k\n" >keys &&
	python3 -c "
lens = [len(l.rstrip(\"\n\")) for l in open(\"keys\", encoding=\"utf-8\")]
assert lens == [256, 256, 256, 256], lens
"
'

test_expect_success '-k with 257 characters refuses every record; 256 stores them' '
	kshard create keylen2 &&
	k257=$(printf "%0257d" 0) &&
	k256=$(printf "%0256d" 0) &&
	test_must_fail --status=65 kput -s keylen2 -k "$k257" -p <<-\EOF >acks 2>err &&
	a
	b
	EOF
	test ! -s acks &&
	cat >expect <<-\EOF &&
	kput: record 1: partition key of 257 characters exceeds 256
	kput: record 2: partition key of 257 characters exceeds 256
	EOF
	test_cmp expect err &&
	printf "c\n" | kput -s keylen2 -k "$k256" &&
	kget -s keylen2 >actual &&
	echo c >expect &&
	test_cmp expect actual
'

test_expect_success '--json: bad base64, bad JSON, missing Data or PartitionKey are refused' '
	kshard create jbad -n 2 &&
	cat >entries <<-\EOF &&
	{"Data":"b2s=","PartitionKey":"a"}
	{"Data":"!!!!","PartitionKey":"a"}
	{"Data":"YQ=","PartitionKey":"a"}
	{"Data":
	{"PartitionKey":"a"}
	{"Data":"YQ=="}
	{"Data":"YQ==","PartitionKey":""}
	{"Data":"YQ==","PartitionKey":"a","ExplicitHashKey":"x"}
	{"Data":"YQ==","PartitionKey":"a"} trailing
	{"Data":"b2sy","PartitionKey":"b"}
	EOF
	test_must_fail --status=65 kput -s jbad --json -p <entries >out 2>err &&
	cat >expect <<-\EOF &&
	kput: record 2: Data: invalid base64
	kput: record 3: Data: invalid base64
	kput: record 4: invalid JSON: parse error: premature EOF
	kput: record 5: Data: missing
	kput: record 6: PartitionKey: missing
	kput: record 7: empty partition key
	kput: record 8: ExplicitHashKey: not an integer in 0..2^128-1
	kput: record 9: invalid JSON: parse error: trailing garbage
	EOF
	test_cmp expect err &&
	test_line_count = 10 out &&
	grep -c ErrorCode out >n && echo 8 >expect && test_cmp expect n &&
	kget -s jbad -F "%k %d\n" | sort >actual &&
	printf "a ok\nb ok2\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--json: Data that is not a string is refused' '
	kshard create jtype &&
	printf "%s\n" "{\"Data\":1234,\"PartitionKey\":\"a\"}" \
		"{\"Data\":\"b2s=\",\"PartitionKey\":\"a\"}" >entries &&
	test_must_fail --status=65 kput -s jtype --json <entries 2>err &&
	test_line_count = 1 err &&
	grep "^kput: record 1: Data: " err &&
	kget -s jtype >actual &&
	echo ok >expect &&
	test_cmp expect actual
'

test_expect_success '-q silences the messages, not the status' '
	kshard create quiet &&
	printf "%s\n" "{\"Data\":\"!!\",\"PartitionKey\":\"a\"}" \
		"{\"Data\":\"b2s=\",\"PartitionKey\":\"a\"}" >entries &&
	test_must_fail --status=65 kput -q -s quiet --json <entries 2>err &&
	test ! -s err &&
	kget -s quiet >actual &&
	echo ok >expect && test_cmp expect actual
'

# --- usage errors ----------------------------------------------------------

test_expect_success 'a missing stream is 66' '
	fails_with 66 "kput: stream '"'"'nope'"'"': no such stream" kput -s nope </dev/null &&
	echo x | test_must_fail --status=66 kput -s nope 2>/dev/null
'

test_expect_success 'a bad stream name is 64' '
	fails_with 64 "kput: stream name '"'"'../x'"'"': only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" \
		kput -s ../x </dev/null
'

test_expect_success '-k with -K is 64 and stores nothing' '
	kshard create kK &&
	echo "{\"a\":1}" >input &&
	test_must_fail --status=64 kput -s kK -k x -K a <input >out 2>err &&
	{ echo "kput: -k and -K cannot be used together" && cat usage; } >expect &&
	test_cmp expect err &&
	kget -s kK >actual && test ! -s actual
'

test_expect_success 'other usage errors are 64' '
	kshard create use &&
	usage_fails_with "kput: no stream given (-s STREAM)" kput &&
	usage_fails_with "kput: -K cannot be used with --json (entries carry their PartitionKey)" \
		kput -s use --json -K a &&
	usage_fails_with "kput: -0 cannot be used with --json" kput -s use --json -0 &&
	usage_fails_with "kput: unexpected argument '"'"'extra'"'"'" kput -s use extra &&
	usage_fails_with "kput: --explicit-hash-key: '"'"'340282366920938463463374607431768211456'"'"' is not an integer in 0..2^128-1" \
		kput -s use --explicit-hash-key 340282366920938463463374607431768211456 &&
	usage_fails_with "kput: --explicit-hash-key: '"'"'-1'"'"' is not an integer in 0..2^128-1" \
		kput -s use --explicit-hash-key -1 &&
	usage_fails_with "kput: --explicit-hash-key: '"'"'007'"'"' is not an integer in 0..2^128-1" \
		kput -s use --explicit-hash-key 007 &&
	usage_fails_with "kput: invalid --sync-interval '"'"'5x'"'"': expected a duration such as 500ms, 30s or 5m" \
		kput -s use --sync-interval 5x &&
	usage_fails_with "kput: invalid --batch-size '"'"'big'"'"': expected a size such as 512KiB or 1MiB" \
		kput -s use --batch-size big &&
	usage_fails_with "kput: invalid option -- '"'"'x'"'"'" kput -s use -x
'

# --- prompt commits ----------------------------------------------------------------

test_expect_success 'a slow trickle is committed promptly: a is acknowledged before b is sent' '
	kshard create trickle -n 2 &&
	mkfifo in.fifo out.fifo || return 1
	kput -s trickle -k key -p <in.fifo >out.fifo 2>kput.err &
	kp=$!
	echo $kp >kput.pid &&
	test_bg $kp &&
	exec 3>in.fifo 4<out.fifo &&
	echo a >&3 &&
	read_ack <&4 >ack1 &&
	test_line_count = 1 ack1 &&
	check_acks <ack1 &&
	kill -0 $kp &&
	kget -s trickle -n 1 >seen &&
	echo a >expect && test_cmp expect seen &&
	kget -s trickle --from at-sequence="$(cut -d" " -f2 ack1)" >seen &&
	test_cmp expect seen &&
	echo b >&3 &&
	read_ack <&4 >ack2 &&
	exec 3>&- &&
	timeout 10 cat <&4 >rest &&
	wait $kp &&
	test ! -s rest && test ! -s kput.err &&
	cat ack1 ack2 | check_acks &&
	kget -s trickle >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a slow trickle with --json -p is acknowledged entry by entry' '
	kshard create trickle2 &&
	mkfifo in2.fifo out2.fifo || return 1
	kput -s trickle2 --json -p <in2.fifo >out2.fifo &
	kp=$!
	echo $kp >kput2.pid &&
	exec 3>in2.fifo 4<out2.fifo &&
	echo "{\"Data\":\"YQ==\",\"PartitionKey\":\"k\"}" >&3 &&
	read_ack <&4 >ack1 &&
	grep "^{\"SequenceNumber\":\"[0-9]\{39\}\",\"ShardId\":\"shardId-000000000000\"}$" ack1 &&
	kget -s trickle2 >seen &&
	echo a >expect && test_cmp expect seen &&
	exec 3>&- &&
	timeout 10 cat <&4 >rest &&
	wait $kp &&
	test ! -s rest
'

test_expect_success '--sync interval: a trickle is acknowledged after the interval, before EOF' '
	kshard create trickle3 &&
	mkfifo in3.fifo out3.fifo || return 1
	kput -s trickle3 -k k -p --sync interval --sync-interval 100ms <in3.fifo >out3.fifo &
	kp=$!
	echo $kp >kput3.pid &&
	exec 3>in3.fifo 4<out3.fifo &&
	echo a >&3 &&
	read_ack <&4 >ack1 &&
	check_acks <ack1 &&
	kill -0 $kp &&
	echo b >&3 &&
	read_ack <&4 >ack2 &&
	check_acks <ack2 &&
	exec 3>&- &&
	timeout 10 cat <&4 >rest &&
	wait $kp &&
	test ! -s rest &&
	cat ack1 ack2 | check_acks &&
	kget -s trickle3 >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'kput -p whose reader goes away exits 74; what it acknowledged is stored' '
	kshard create gone &&
	seq 1 200000 >input &&
	{ kput -s gone -p <input 2>kerr; echo $? >status; } | head -n 1 >first &&
	echo 74 >expect &&
	test_cmp expect status &&
	grep "^shardId-000000000000 [0-9]\{39\}$" first &&
	kget -s gone -n 1 >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_done
