#!/bin/sh
# kfirehose to a dir: destination: Firehose's object names and prefixes,
# buffering by size and interval, compression read back by the real tools,
# versions, config files, deaggregation, a kin stream as a named consumer
# with checkpoints, SIGTERM, metrics, and every configuration error.
. "$(dirname "$0")/lib.sh"

# objects DIR: the object files under DIR (not the temp directory), sorted.
objects() { find "$1" -path "$1/.kfirehose-tmp" -prune -o -type f -print | sort; }

test_expect_success 'stdin lines: one object under the default YYYY/MM/dd/HH/ prefix' '
	seq 1 5 | kfirehose --name logs --to dir:o1 --buffer-interval 0 \
		--append-delimiter --now 2026-01-02T03:04:05Z &&
	objects o1 >list && test_line_count = 1 list &&
	grep -E "^o1/2026/01/02/03/logs-1-2026-01-02-03-04-0[5-9]-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$" list &&
	seq 1 5 >want && test_cmp want "$(cat list)"
'

test_expect_success 'without --append-delimiter records are concatenated, as Firehose does' '
	printf "a\nbb\nccc\n" | kfirehose --name cat --to dir:cat --buffer-interval 0 &&
	printf "abbccc" >want && test_cmp want "$(objects cat)"
'

test_expect_success '-0: NUL-delimited records, newlines kept inside them' '
	printf "a\nb\0c\0" | kfirehose --name nul -0 --to dir:nul --buffer-interval 0 \
		--append-delimiter &&
	printf "a\nb\nc\n" >want && test_cmp want "$(objects nul)"
'

test_expect_success 'prefix expressions: timestamp patterns, quoted text, random strings' '
	echo x | kfirehose --name p --to dir:p --buffer-interval 0 --now 2026-03-04T05:06:07Z \
		--prefix "year=!{timestamp:yyyy}/!{timestamp:yyyy-MM-dd'"'"'T'"'"'HH}/!{firehose:random-string}/" \
		--error-prefix "err/!{firehose:error-output-type}/" &&
	objects p >list && test_line_count = 1 list &&
	grep -E "^p/year=2026/2026-03-04T05/[0-9a-f]{11}/p-1-2026-03-04-05-06-[0-9]{2}-" list
'

test_expect_success 'a prefix without a timestamp gets yyyy/MM/dd/HH/ appended' '
	echo x | kfirehose --name q --to dir:q --buffer-interval 0 --now 2026-03-04T05:06:07Z \
		--prefix "logs/" &&
	objects q | grep "^q/logs/2026/03/04/05/q-1-"
'

test_expect_success 'buffering by size: 1 MiB objects, no record split between two' '
	awk "BEGIN { for (i = 1; i <= 30000; i++) printf \"%06d %0100d\n\", i, 0 }" >in &&
	kfirehose --name big --to dir:big --buffer-size 1 --append-delimiter <in &&
	objects big >list && test_line_count = 4 list &&
	small=0 && for f in $(cat list); do
		test "$(wc -c <"$f")" -ge 1048576 || small=$((small + 1))
		test "$(tail -c 1 "$f" | od -An -tx1 | tr -d " ")" = 0a || return 1
	done && test $small = 1 &&
	cat $(cat list) | sort >got && test_cmp in got
'

test_expect_success 'buffering by interval: a trickle is delivered after the interval' '
	{ echo first && sleep 3 && echo second; } |
		kfirehose --name tr --to dir:tr --buffer-interval 1 --append-delimiter &&
	objects tr >list && test_line_count = 2 list &&
	echo first >want && test_cmp want "$(head -n1 list)"
'

for c in gzip:.gz zstd:.zst zip:.zip snappy:.snappy; do
	codec=${c%%:*} ext=${c#*:}
	test_expect_success "--compression $codec: .$ext objects the real tools read back" '
		seq 1 50000 >in &&
		kfirehose --name c --to dir:$codec --compression $codec --append-delimiter \
			--buffer-interval 0 <in &&
		f=$(objects $codec) && case "$f" in *"$ext") ;; *) false ;; esac &&
		case $codec in
		gzip) gzip -dc "$f" ;;
		zstd) zstd -qdc "$f" ;;
		zip) unzip -p "$f" "$(basename "$f" .zip)" ;;
		snappy) /usr/bin/python3 "$TEST_DIRECTORY/lib/unsnappy.py" "$f" ;;
		esac >got &&
		test_cmp in got
	'
done

test_expect_success '--file-extension overrides the extension' '
	echo x | kfirehose --name fx --to dir:fx --compression gzip --file-extension .json.gz \
		--buffer-interval 0 &&
	objects fx | grep "\.json\.gz\$"
'

test_expect_success 'the version goes up when the configuration changes, not otherwise' '
	echo a | kfirehose --name v --to dir:v --buffer-interval 0 &&
	echo b | kfirehose --name v --to dir:v --buffer-interval 0 &&
	echo c | kfirehose --name v --to dir:v --buffer-interval 0 --append-delimiter &&
	objects v | sed "s|.*/v-\([0-9]*\)-.*|\1|" | sort | uniq -c | awk "{ print \$1, \$2 }" >got &&
	printf "2 1\n1 2\n" >want && test_cmp want got
'

test_expect_success '-c FILE: options from a file, the command line overrides' '
	cat >fh.conf <<-\EOF &&
	# a delivery stream
	name = conf
	to = dir:conf-a
	buffer-interval = 0
	append-delimiter
	EOF
	echo x | kfirehose -c fh.conf &&
	echo y | kfirehose -c fh.conf --to dir:conf-b &&
	echo x >want && test_cmp want "$(objects conf-a)" &&
	echo y >want && test_cmp want "$(objects conf-b)"
'

test_expect_success '-c FILE errors name the file and line' '
	printf "name = x\nbogus = 1\n" >bad.conf &&
	fails_with 64 "kfirehose: bad.conf:2: unknown option '"'"'bogus'"'"'" kfirehose -c bad.conf &&
	printf "name\n" >bad2.conf &&
	fails_with 64 "kfirehose: bad2.conf:1: option '"'"'name'"'"' needs a value (name = VALUE)" kfirehose -c bad2.conf
'

test_expect_success 'deaggregation of JSON records: {..}{..} becomes records' '
	printf "{\"a\":1}{\"a\":2} {\"b\":\"}{\"}\n{\"c\":[1,{}]}\n" |
		kfirehose --name dj --to dir:dj --deaggregate json --append-delimiter \
			--buffer-interval 0 &&
	printf "{\"a\":1}\n{\"a\":2}\n{\"b\":\"}{\"}\n{\"c\":[1,{}]}\n" >want &&
	test_cmp want "$(objects dj)"
'

test_expect_success 'deaggregation of delimited records' '
	printf "a####b####c\nd\n" |
		kfirehose --name dd --to dir:dd --deaggregate delimited --delimiter "####" \
			--append-delimiter --buffer-interval 0 &&
	printf "a\nb\nc\nd\n" >want && test_cmp want "$(objects dd)"
'

test_expect_success 'a record that is not JSON fails deaggregation into the error prefix' '
	printf "{\"a\":1}\nnot json\n" |
		kfirehose --name de --to dir:de --deaggregate json --append-delimiter \
			--buffer-interval 0 --now 2026-05-06T07:08:09Z &&
	objects de >list && test_line_count = 2 list &&
	grep "^de/processing-failed/2026/05/06/07/de-1-" list >errs &&
	python3 - "$(cat errs)" <<-\PY
	import json, sys, base64
	lines = open(sys.argv[1]).read().splitlines()
	assert len(lines) == 1, lines
	r = json.loads(lines[0])
	assert r["errorCode"] == "RecordDeAggregation.InvalidJSON", r
	assert base64.b64decode(r["rawData"]) == b"not json", r
	assert r["attemptsMade"] == 1 and r["arrivalTimestamp"] >= 1778051289000, r
	assert r["attemptEndingTimestamp"] >= r["arrivalTimestamp"], r
	assert set(r) == {"attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage",
	                  "attemptEndingTimestamp", "rawData"}, r
	PY
'

test_expect_success '--from STREAM: every record once, checkpointed; a restart goes on' '
	kshard create s -n 4 &&
	seq 1 20000 | kput -s s &&
	kfirehose --name d --from s --starting-position TRIM_HORIZON --once --to dir:fs \
		--append-delimiter --buffer-interval 0 &&
	cat $(objects fs) | sort -n >got && seq 1 20000 >want && test_cmp want got &&
	ls "$KIN_DIR"/streams/s/consumers/d/ | grep -c checkpoint >n && echo 4 >want && test_cmp want n &&
	seq 20001 20010 | kput -s s &&
	kfirehose --name d --from s --once --to dir:fs --append-delimiter --buffer-interval 0 &&
	cat $(objects fs) | sort -n >got && seq 1 20010 >want && test_cmp want got
'

test_expect_success '--from: LATEST (the default) skips what was there' '
	kshard create late -n 1 &&
	seq 1 5 | kput -s late &&
	{ kfirehose --name lt --from late --to dir:lt --append-delimiter \
		--buffer-interval 0 2>lt.err & } && echo $! >lt.pid &&
	i=0 && while ! ls "$KIN_DIR"/streams/late/consumers/lt/ 2>/dev/null | grep -q lease; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1; sleep 0.1; done &&
	sleep 1 &&
	seq 6 8 | kput -s late &&
	i=0 && while [ "$(cat $(objects lt) 2>/dev/null | wc -l)" -lt 3 ]; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1; sleep 0.1; done &&
	kill "$(cat lt.pid)" && wait_exit=0 &&
	cat $(objects lt) >got && seq 6 8 >want && test_cmp want got
'

test_expect_success 'SIGTERM: the buffer is delivered and checkpointed, exit 0' '
	kshard create st -n 2 &&
	seq 1 1000 | kput -s st &&
	{ kfirehose --name sg --from st --starting-position TRIM_HORIZON --to dir:sg \
		--append-delimiter --buffer-interval 900 & } && echo $! >sg.pid &&
	i=0 && while [ "$(kshard consumers st | grep -c "\"Checkpoint\": null")" != 0 ] ||
		! test -e "$KIN_DIR"/streams/st/consumers/sg; do
		[ -z "$(objects sg 2>/dev/null)" ] || return 1
		i=$((i + 1)); [ $i -lt 30 ] || break; sleep 0.1; done &&
	test -z "$(objects sg 2>/dev/null)" &&
	kill -TERM "$(cat sg.pid)" &&
	while kill -0 "$(cat sg.pid)" 2>/dev/null; do sleep 0.1; done &&
	cat $(objects sg) | sort -n >got && seq 1 1000 >want && test_cmp want got &&
	kfirehose --name sg --from st --once --to dir:sg --append-delimiter --buffer-interval 0 &&
	cat $(objects sg) | sort -n >got && test_cmp want got
'

test_expect_success 'metrics: a JSON line per interval with the Firehose names' '
	seq 1 100 | kfirehose --name m --to dir:m --buffer-interval 0 --append-delimiter \
		--metrics-file m.jsonl &&
	python3 - <<-\PY
	import json
	lines = [json.loads(l) for l in open("m.jsonl")]
	total = lambda k: sum(l.get(k, 0) for l in lines)
	assert total("IncomingRecords") == 100, lines
	assert total("IncomingBytes") == 192, lines
	assert total("DeliveryToS3.Records") == 100, lines
	assert total("DeliveryToS3.Bytes") == 292, lines
	assert all(l["DeliveryStreamName"] == "m" for l in lines)
	assert lines[-1]["DeliveryToS3.Success"] == 1.0, lines
	PY
'

test_expect_success 'a progress line when stderr is a terminal, none otherwise' '
	seq 1 1000 >in &&
	python3 - <<-\PY &&
	import os, pty, subprocess
	m, s = pty.openpty()
	subprocess.run(["kfirehose", "--name", "pg", "--to", "dir:pg", "--buffer-interval", "0"],
	               stdin=open("in"), stderr=s, check=True)
	os.close(s)
	out = os.read(m, 65536).decode()
	assert out.endswith("\r\n"), repr(out)
	last = out[:-2].split("\r")[-1]
	assert last == "\x1b[Kkfirehose: pg: 1000 records in, 1000 delivered, 0 failed, 0 buffered in 0 partitions", repr(out)
	PY
	kfirehose --name pg --to dir:pg --buffer-interval 0 <in 2>err &&
	test ! -s err
'

test_expect_success 'secrets never reach the disk or stderr' '
	echo x | kfirehose --name sec --to http://u:hunter2@127.0.0.1:9/ \
		--access-key s3cr3t-key --error-to dir:sec --retry-duration 0 \
		--buffer-interval 0 2>err &&
	! grep -r -e hunter2 -e s3cr3t "$KIN_DIR" err sec &&
	grep "^access-key=md5:[0-9a-f]\{32\}\$" "$KIN_DIR"/firehose/sec/config &&
	find sec -type f -path "*http-endpoint-failed*" | grep -q .
'

test_expect_success 'configuration errors: one line, exit 64' '
	fails_with 64 "kfirehose: no delivery stream name given (--name NAME)" kfirehose --to dir:x &&
	fails_with 64 "kfirehose: no destination given (--to URL)" kfirehose --name x &&
	fails_with 64 "kfirehose: --to '"'"'ftp://x'"'"': expected dir:PATH, http(s)://URL, opensearch:URL, splunk:URL or postgres://URI" kfirehose --name x --to ftp://x &&
	fails_with 64 "kfirehose: --buffer-size 200: out of range: 1 to 128 MiB for this destination" kfirehose --name x --to dir:x --buffer-size 200 &&
	fails_with 64 "kfirehose: --buffer-interval 901: out of range: 0 to 900 seconds" kfirehose --name x --to dir:x --buffer-interval 901 &&
	fails_with 64 "kfirehose: compression '"'"'lz4'"'"': not one of UNCOMPRESSED, GZIP, ZIP, Snappy, ZSTD" kfirehose --name x --to dir:x --compression lz4 &&
	fails_with 64 "kfirehose: --prefix '"'"'a/!{timestamp:yyyy}/'"'"' has expressions, so --error-prefix must be given too" kfirehose --name x --to dir:x --prefix "a/!{timestamp:yyyy}/" &&
	fails_with 64 "kfirehose: --prefix: unknown namespace '"'"'foo'"'"' (timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda)" kfirehose --name x --to dir:x --prefix "a/!{foo:bar}/" --error-prefix e/ &&
	fails_with 64 "kfirehose: --prefix '"'"'a/!{firehose:error-output-type}/'"'"': !{firehose:error-output-type} may only be used in --error-prefix" kfirehose --name x --to dir:x --prefix "a/!{firehose:error-output-type}/" &&
	fails_with 64 "kfirehose: --error-prefix '"'"'e/!{timestamp:yyyy}/'"'"' has expressions, so it must contain !{firehose:error-output-type}" kfirehose --name x --to dir:x --prefix "a/!{timestamp:yyyy}/" --error-prefix "e/!{timestamp:yyyy}/" &&
	fails_with 64 "kfirehose: --prefix: timestamp pattern '"'"'yyyyQ'"'"': letter '"'"'Q'"'"' is not supported (y u M d D H h m s S E a)" kfirehose --name x --to dir:x --prefix "!{timestamp:yyyyQ}" --error-prefix "e/!{firehose:error-output-type}" &&
	fails_with 64 "kfirehose: --prefix '"'"'/abs'"'"': must not start with '"'"'/'"'"'" kfirehose --name x --to dir:x --prefix /abs &&
	fails_with 64 "kfirehose: --error-to dir:PATH is required with a http destination (failed records go there)" kfirehose --name x --to http://127.0.0.1:1/ &&
	fails_with 64 "kfirehose: --index-name: only for a opensearch destination, not dir" kfirehose --name x --to dir:x --index-name i &&
	fails_with 64 "kfirehose: --once: only with --from STREAM" kfirehose --name x --to dir:x --once &&
	fails_with 64 "kfirehose: --deaggregate delimited needs --delimiter" kfirehose --name x --to dir:x --deaggregate delimited &&
	fails_with 64 "kfirehose: delivery stream name '"'"'../x'"'"': only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" kfirehose --name ../x --to dir:x
'

test_expect_success 'a missing source stream: exit 66' '
	test_must_fail --status=66 kfirehose --name x --from nosuch --to dir:x
'

test_done
