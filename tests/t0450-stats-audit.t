#!/bin/sh
# kshard stats: real per-shard counts with the CloudWatch names, as JSON and
# Prometheus text; the audit log: one JSON line per administrative operation.
. "$(dirname "$0")/lib.sh"

kshard -h >"$TRASH/usage"

test_expect_success 'incoming and outgoing counts are exact' '
	kshard create st -n 2 &&
	seq -f "%04g" 1 100 | kput -s st -k a &&
	seq -f "%04g" 1 50 | kput -s st -k b &&
	kget -s st >/dev/null &&
	kget -s st -n 10 >/dev/null &&
	kshard stats st >s.json &&
	python3 - s.json <<-\PY
	import json, sys, hashlib
	d = json.load(open(sys.argv[1]))
	assert d["StreamName"] == "st"
	tot = {s["ShardId"]: s["Totals"] for s in d["Shards"]}
	def shard(key):
	    h = int(hashlib.md5(key.encode()).hexdigest(), 16)
	    return "shardId-00000000000%d" % (0 if h < 2**127 else 1)
	inc = {}
	for key, n in (("a", 100), ("b", 50)):
	    t = inc.setdefault(shard(key), [0, 0])
	    t[0] += n; t[1] += n * 5      # 4 data bytes + 1 key byte
	for sid, (recs, nbytes) in inc.items():
	    assert tot[sid]["IncomingRecords"] == recs, (sid, tot[sid])
	    assert tot[sid]["IncomingBytes"] == nbytes, (sid, tot[sid])
	assert sum(t["OutgoingRecords"] for t in tot.values()) == 160, tot
	assert sum(t["OutgoingBytes"] for t in tot.values()) == 800, tot
	for s in d["Shards"]:
	    for m in s["Minutes"]:
	        assert m["Timestamp"].endswith(":00.000000+00:00"), m
	PY
'

test_expect_success '--shard and --prometheus' '
	kshard stats st --shard 1 >one.json &&
	grep -c "\"ShardId\"" one.json >n && echo 1 >want && test_cmp want n &&
	kshard stats st --prometheus >p.txt &&
	grep "^# TYPE kin_incoming_records_last_hour gauge\$" p.txt &&
	grep -E "^kin_outgoing_records_last_hour\{stream=\"st\",shard=\"shardId-00000000000[01]\"\} [0-9]+\$" p.txt &&
	awk "/^kin_incoming_records_last_hour/ { n += \$2 } END { exit n != 150 }" p.txt &&
	usage_fails_with "kshard: describe: --shard and --prometheus are only valid with stats" \
		kshard describe st --prometheus
'
test_expect_success 'every administrative operation is in the audit log' '
	kshard create au -n 2 &&
	kshard retention au 48 &&
	kshard limits au on &&
	kshard split au 0 1000 &&
	kshard merge au 2 3 &&
	kshard scale au 2 &&
	kshard register au efo >/dev/null &&
	kshard deregister au efo &&
	kshard trim au &&
	test_must_fail kshard retention au 5 2>/dev/null &&
	python3 - "$KIN_DIR"/streams/au/audit.log <<-\PY
	import json, sys, os
	lines = [json.loads(l) for l in open(sys.argv[1])]
	ops = [l["operation"] for l in lines]
	want = ["create", "retention", "limits", "split", "merge"]
	assert ops[:5] == want, ops
	for op in ("scale", "register", "deregister", "trim"):
	    assert op in ops, ops
	for l in lines:
	    assert set(l) == {"time", "user", "uid", "pid", "operation", "arguments", "result"}, l
	    assert l["uid"] == os.getuid() and l["pid"] > 0
	    assert l["arguments"]["stream"] == "au"
	assert lines[3]["arguments"]["operands"] == ["0", "1000"], lines[3]
	assert lines[-1]["operation"] == "retention" and "outside 24..8760" in lines[-1]["result"], lines[-1]
	assert all(l["result"] == "ok" for l in lines[:-1])
	PY
'

test_expect_success 'deletes go to the root audit log' '
	kshard delete au &&
	tail -n 1 "$KIN_DIR"/audit.log | grep "\"operation\":\"delete\",\"arguments\":{\"stream\":\"au\",\"operands\":\[\]},\"result\":\"ok\"}"
'

test_done
