#!/bin/sh
# Limits emulation (opt-in): per shard 1,000 records/s and 1 MiB/s written,
# 5 reads/s and 2 MiB/s read. Rates are measured from what was stored (arrival
# times) and what was delivered (time stamps of --exec batches), within 10%.
. "$(dirname "$0")/lib.sh"

# rate FILE LIMIT: FILE has one time in ms per event (optionally "ms weight");
# checks no 1-second window holds more than LIMIT*1.1 and the overall rate is
# within 10% of LIMIT per second.
rate() {
	python3 - "$1" "$2" <<-\PY
	import sys
	ev = []
	for line in open(sys.argv[1]):
	    f = line.split()
	    ev.append((int(f[0]), int(f[1]) if len(f) > 1 else 1))
	ev.sort()
	limit = float(sys.argv[2])
	j = total = worst = 0
	for i in range(len(ev)):
	    total += ev[i][1]
	    while ev[i][0] - ev[j][0] >= 1000:
	        total -= ev[j][1]; j += 1
	    worst = max(worst, total)
	# Admissions come in bursts: the rate is what came before the last
	# instant, over the time from the first instant to the last.
	span = (ev[-1][0] - ev[0][0]) / 1000.0
	overall = sum(w for t, w in ev if t < ev[-1][0]) / span
	print("events", len(ev), "worst window", worst, "overall per second", round(overall, 1))
	sys.exit(0 if worst <= max(limit * 1.1, limit + 1) and abs(overall - limit) <= limit * 0.1 else 1)
	PY
}

kshard -h >"$TRASH/usage"

test_expect_success 'limits are off by default, on with --enforce-limits or kshard limits' '
	kshard create plain && kshard limits plain >got && echo off >want && test_cmp want got &&
	kshard create lim --enforce-limits && kshard limits lim >got && echo on >want && test_cmp want got &&
	kshard describe lim | grep "\"EnforceLimits\": true" &&
	kshard limits plain on && kshard limits plain >got && test_cmp want got &&
	kshard limits plain off &&
	grep "\"operation\":\"limits\"" "$KIN_DIR"/streams/plain/audit.log &&
	usage_fails_with "kshard: limits: '"'"'maybe'"'"' is not on or off" kshard limits plain maybe
'

test_expect_success 'writes: 1,000 records/s per shard, the excess retried' '
	awk "BEGIN { for (i = 0; i < 3000; i++) printf \"%099d\\n\", i }" >in &&
	kput -s lim -p <in >acks 2>err &&
	test_line_count = 3000 acks &&
	grep "^kput: stream '"'"'lim'"'"': [0-9]* records throttled (ProvisionedThroughputExceededException) and retried\$" err &&
	kget -s lim -F "%T\n" >times &&
	rate times 1000 &&
	kget -s lim >got && test_cmp in got
'

test_expect_success 'writes: 1 MiB/s per shard' '
	kshard create big --enforce-limits --max-record-size 2MiB &&
	python3 -c "print(\"\\n\".join([\"x\" * 102399] * 30))" >big.in &&
	kput -s big -k k <big.in 2>/dev/null &&
	kget -s big -F "%T %d\n" | awk "{ print \$1, length(\$2) + 1 }" >weights &&
	rate weights 1048576
'

test_expect_success '--no-retry: exit 75 once throttled, what was stored is acknowledged' '
	kshard create nr --enforce-limits &&
	awk "BEGIN { for (i = 0; i < 1500; i++) print i }" | test_must_fail --status=75 kput -s nr -p --no-retry >acks 2>err &&
	grep "^kput: stream '"'"'nr'"'"': ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000: [0-9]* records not stored\$" err &&
	n=$(wc -l <acks) && test "$n" -ge 900 && test "$n" -le 1000 &&
	kget -s nr | wc -l >count && echo "$n" >want && tr -d " " <count >got && test_cmp want got
'

test_expect_success 'reads: 5 GetRecords calls/s per shard' '
	kshard create rd --enforce-limits &&
	seq 1 31 | kput -s rd &&
	kget -s rd --consumer c --batch 1 --exec "date +%s%3N >>calls; cat >/dev/null" &&
	test_line_count = 31 calls &&
	rate calls 5 &&
	kshard stats rd | grep -E "\"ReadProvisionedThroughputExceeded\": [1-9]"
'

test_expect_success 'reads: 2 MiB/s per shard' '
	kshard create rb --enforce-limits &&
	python3 -c "print(\"\\n\".join([\"y\" * 104856] * 120))" | kput -s rb -k k 2>/dev/null &&
	kget -s rb --consumer c --batch 10 --exec "n=\$(wc -c); echo \$(date +%s%3N) \$n >>reads" &&
	test_line_count = 12 reads &&
	python3 - reads <<-\PY
	import sys
	# A call may overdraw the 2 MiB bucket (as a 10 MiB GetRecords may), so
	# judge the steady rate: what was read after the first second of
	# burst, over the time it took.
	ev = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
	t0 = ev[0][0]
	later = [(t, b) for t, b in ev if t >= t0 + 1000]
	span = (later[-1][0] - later[0][0]) / 1000.0
	rate = sum(b for t, b in later[1:]) / span
	print("steady read rate", round(rate), "bytes/s")
	sys.exit(0 if abs(rate - 2097152) <= 2097152 * 0.1 else 1)
	PY
'

test_expect_success 'throttling shows in kshard stats' '
	kshard stats lim | grep -E "\"WriteProvisionedThroughputExceeded\": [1-9]"
'

test_done
