#!/bin/sh
# Named consumers: checkpoints and resume (at-least-once), --exec batches
# checkpointed only after the command succeeds, leases shared by a group and
# taken over when a holder is killed, children only after their parents,
# kshard consumers / register / deregister.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a consumer resumes after its checkpoint' '
	kshard create c -n 4 &&
	seq 1 1000 | kput -s c &&
	kget -s c --consumer app | sort -n >first &&
	seq 1 1000 >want && test_cmp want first &&
	kget -s c --consumer app >second && test ! -s second &&
	seq 1001 1010 | kput -s c &&
	kget -s c --consumer app | sort -n >third &&
	seq 1001 1010 >want && test_cmp want third &&
	for f in "$KIN_DIR"/streams/c/consumers/app/shardId-*.checkpoint; do
		grep -E "^[0-9]{39}\$" "$f" || return 1
	done
'

test_expect_success 'consumers are independent of each other' '
	kget -s c --consumer other | wc -l >n && echo 1010 >want &&
	tr -d " " <n >got && test_cmp want got
'

test_expect_success '--exec: batches with their environment; checkpoint after exit 0' '
	kshard create ex -n 2 &&
	seq 1 50 | kput -s ex &&
	kget -s ex --consumer sink --batch 10 \
		--exec "cat >>delivered; echo \"\$KIN_SHARD_ID \$KIN_RECORDS \$KIN_FIRST_SEQUENCE_NUMBER \$KIN_LAST_SEQUENCE_NUMBER\" >>batches" &&
	sort -n delivered >got && seq 1 50 >want && test_cmp want got &&
	awk "{ n += \$2; if (\$2 > 10) bad = 1 } END { exit !(n == 50 && !bad) }" batches &&
	grep -E "^shardId-00000000000[01] [0-9]+ [0-9]{39} [0-9]{39}\$" batches >ok &&
	test_line_count = "$(wc -l <batches)" ok
'

test_expect_success '--exec failing: not checkpointed, exit 1, redelivered later' '
	seq 51 60 | kput -s ex -k one &&
	test_must_fail --status=1 kget -s ex --consumer sink --max-retries 2 \
		--exec "cat >>failed; exit 3" 2>err &&
	grep "^kget: --exec: .cat >>failed; exit 3. failed (exit status 3) for shardId-00000000000[01] records [0-9]*\.\.[0-9]* after 3 attempts; not checkpointed\$" err &&
	test "$(wc -l <failed)" -eq 30 &&
	kget -s ex --consumer sink --exec "cat >>retried" &&
	seq 51 60 >want && sort -n retried >got && test_cmp want got
'

test_expect_success 'exactly-once on top: an idempotent sink keyed by sequence number' '
	cat >sink.sh <<-\EOF &&
	# Applies each record once: skips sequence numbers at or below the last
	# one applied for the shard (39 digits: string order is numeric order).
	last=$(cat "state.$KIN_SHARD_ID" 2>/dev/null || echo 0)
	awk -v last="$last" "(\$1 \"\") > (last \"\") { print \$2 }" >>applied &&
	if [ "$KIN_LAST_SEQUENCE_NUMBER" \> "$last" ]; then
		echo "$KIN_LAST_SEQUENCE_NUMBER" >"state.$KIN_SHARD_ID"
	fi
	EOF
	kshard create eo -n 1 &&
	seq 1 20 | kput -s eo &&
	kget -s eo --consumer eo --batch 7 -F "%s %d\n" --exec "sh sink.sh" &&
	rm "$KIN_DIR"/streams/eo/consumers/eo/*.checkpoint &&
	seq 21 25 | kput -s eo &&
	kget -s eo --consumer eo --batch 11 -F "%s %d\n" --exec "sh sink.sh" &&
	seq 1 25 >want && test_cmp want applied
'

test_expect_success 'a group of 3 workers shares 6 shards: 2 leases each' '
	kshard create g -n 6 &&
	for w in 1 2 3; do
		{ kget -s g --consumer grp -f >out.$w 2>err.$w & } && echo $! >w$w.pid || return 1
	done &&
	i=0 && while :; do
		kshard consumers g >cons.json &&
		python3 - cons.json >owners <<-\PY
		import json, sys
		c = [c for c in json.load(open(sys.argv[1]))["Consumers"] if c["ConsumerName"] == "grp"][0]
		for s in c["Shards"]:
		    print(s["LeaseOwner"])
		PY
		if [ "$(sort owners | uniq -c | awk "\$1 == 2 && \$2 != \"None\"" | wc -l)" = 3 ]; then break; fi
		i=$((i + 1)); [ $i -lt 100 ] || { cat cons.json; return 1; }
		sleep 0.1
	done &&
	seq 1 600 | kput -s g &&
	i=0 && while [ "$(cat out.1 out.2 out.3 | wc -l)" -lt 600 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	cat out.1 out.2 out.3 | sort -n >got && seq 1 600 | sort -n >want &&
	test_cmp want got &&
	test -s out.1 && test -s out.2 && test -s out.3
'

test_expect_success 'kill -9 of a worker: its leases are taken over, nothing lost' '
	kill -9 "$(cat w1.pid)" &&
	seq 601 1200 | kput -s g &&
	i=0 && while [ "$(cat out.2 out.3 | grep -c -E "^(6[0-9][1-9]|[7-9][0-9][0-9]|1[01][0-9][0-9]|1200)\$")" -lt 600 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done &&
	cat out.1 out.2 out.3 | sort -n -u >got && seq 1 1200 >want &&
	test_cmp want got &&
	kill "$(cat w2.pid)" "$(cat w3.pid)"
'

test_expect_success 'children are read only after their parents reach SHARD_END' '
	kshard create sp -n 1 &&
	seq -f "old-%g" 1 100 | kput -s sp -k same &&
	kshard split sp 0 170141183460469231731687303715884105728 &&
	seq -f "new-%g" 1 100 | kput -s sp -k same &&
	kget -s sp --consumer ord >got &&
	{ seq -f "old-%g" 1 100 && seq -f "new-%g" 1 100; } >want &&
	test_cmp want got &&
	echo SHARD_END >want &&
	test_cmp want "$KIN_DIR"/streams/sp/consumers/ord/shardId-000000000000.checkpoint
'

test_expect_success 'a consumer started at latest reads new children from their start' '
	kshard create lt -n 1 &&
	seq -f "before-%g" 1 3 | kput -s lt &&
	{ kget -s lt --consumer l --from latest -f >lt.out & } && echo $! >lt.pid &&
	sleep 0.5 &&
	seq -f "parent-%g" 1 3 | kput -s lt -k same &&
	wait_lines 3 lt.out &&
	kshard split lt 0 170141183460469231731687303715884105728 &&
	seq -f "child-%g" 1 3 | kput -s lt -k same &&
	wait_lines 6 lt.out &&
	kill "$(cat lt.pid)" &&
	{ seq -f "parent-%g" 1 3 && seq -f "child-%g" 1 3; } >want &&
	test_cmp want lt.out
'

test_expect_success 'kshard consumers: positions and lag' '
	kshard create lag -n 1 &&
	seq 1 10 | kput -s lag &&
	kget -s lag --consumer l >/dev/null &&
	seq 11 20 | kput -s lag &&
	kshard consumers lag >c.json &&
	python3 - c.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["Consumers"][0]
	s = c["Shards"][0]
	assert c["ConsumerName"] == "l" and c["Registered"] is False, c
	assert len(s["Checkpoint"]) == 39, s
	# ten records of 2 bytes, 16-byte keys and 32-byte headers: 10 * 50
	assert s["LagBytes"] == 500, s
	PY
	kget -s lag --consumer l >/dev/null &&
	kshard consumers lag | grep "\"LagBytes\": 0"
'

test_expect_success 'register and deregister (enhanced fan-out)' '
	kshard register lag efo >r.json &&
	grep "\"ConsumerARN\": \"arn:aws:kinesis:local:000000000000:stream/lag/consumer/efo:[0-9]*\"" r.json &&
	kshard describe lag | grep "\"ConsumerCount\": 1" &&
	fails_with 1 "kshard: stream '"'"'lag'"'"': consumer '"'"'efo'"'"' is registered already (ResourceInUseException)" \
		kshard register lag efo &&
	kshard deregister lag efo &&
	kshard describe lag | grep "\"ConsumerCount\": 0" &&
	fails_with 66 "kshard: stream '"'"'lag'"'"': no consumer '"'"'efo'"'"' (ResourceNotFoundException)" \
		kshard deregister lag efo &&
	for i in $(seq 1 20); do kshard register lag "c$i" >/dev/null || return 1; done &&
	fails_with 1 "kshard: stream '"'"'lag'"'"': 20 consumers are registered already (LimitExceededException)" \
		kshard register lag c21
'

test_expect_success 'consumer names are validated' '
	fails_with 64 "kget: consumer name '"'"'../x'"'"': only letters, digits, '"'"'_'"'"', '"'"'.'"'"' and '"'"'-'"'"' are allowed" \
		kget -s lag --consumer ../x
'

test_done
