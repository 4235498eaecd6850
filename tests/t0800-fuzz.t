#!/bin/sh
# Fuzzing: builds the libFuzzer harnesses (make fuzz: fuzz/frame.c for the
# frame, segment header, tail file and stream.meta decoders, and
# fuzz/json_entry.c for kput --json's entry reader) and runs each for
# FUZZ_SECONDS (30 by default) from seeds cut out of a real stream. A crash,
# a sanitizer report or a broken invariant fails the test; the input that
# caused it is kept in build/fuzz/crashes/ and dumped below. With
# FUZZ_CORPUS=DIR the corpora grow in DIR/frame and DIR/json_entry across
# runs (scripts/torture fuzz does that) instead of starting afresh.
. "$(dirname "$0")/lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
TOP=$(cd "$TEST_DIRECTORY/.." && pwd)
FUZZ=$TOP/build/fuzz
CRASHES=$FUZZ/crashes
CORPUS=${FUZZ_CORPUS:-$TRASH/corpus}

# Found while writing the harness: yajl frees its tree recursively, and a
# line of --json input may be megabytes long, so nesting alone must not
# be able to crash kput (it may accept the entry or reject it).
test_expect_success 'kput survives deeply nested JSON entries (--json, -K)' '
	kshard create deep &&
	perl -e "print q({\"Data\":\"YQ==\",\"PartitionKey\":\"k\",\"x\":), \"[\" x 1e6, \"]\" x 1e6, qq(}\n)" >deep.json &&
	kput -s deep --json <deep.json >/dev/null 2>err.json
	rc_json=$?
	kput -s deep -K x <deep.json >/dev/null 2>err.key
	rc_key=$?
	echo "kput --json exited $rc_json: $(cat err.json)" &&
	echo "kput -K x exited $rc_key: $(cat err.key)" &&
	for rc in $rc_json $rc_key; do
		test $rc -eq 0 || test $rc -eq 65 || return 1
	done
'

# libFuzzer needs clang and its runtime (libclang-rt-14-dev on Debian 12).
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >probe.c
if ! clang -fsanitize=fuzzer -o probe probe.c >/dev/null 2>&1; then
	for t in build seeds frame json_entry; do
		test_count=$((test_count + 1))
		echo "ok $test_count # skip clang with libFuzzer is not installed (scripts/install-deps)"
	done
	test_done
fi

test_expect_success 'make fuzz builds the harnesses' '
	make -s -C "$TOP" fuzz >make.out 2>&1 || { cat make.out; return 1; }
	test -x "$FUZZ/frame" && test -x "$FUZZ/json_entry"
'

# Seed inputs for fuzz/frame.c: a mode byte, then for frames the salt, the
# expected offset and up to three frames from that offset; for headers and
# tail files the 64 bytes; for stream.meta its text (mode 7: without the
# crc32c line, which the harness then adds).
cut_seeds() { # cut_seeds SHARD-DIR OUT-DIR
	perl -e '
		my ($dir, $out) = @ARGV;
		my $n = 0;
		sub put { open my $f, ">:raw", sprintf("%s/%s-%03d", $out, $_[0], $n++)
				or die; print $f $_[1]; close $f }
		sub slurp { open my $f, "<:raw", $_[0] or die "$_[0]: $!";
				local $/; my $s = <$f>; close $f; $s }
		for my $seg (glob "$dir/*.seg") {
			my $s = slurp($seg);
			put("segment", "\x01" . substr($s, 0, 64));
			my $salt = substr($s, 32, 4);
			for (my ($pos, $i) = (64, 0); $pos + 32 <= length $s; $i++) {
				my $len = unpack "V", substr($s, $pos + 4, 4);
				last if $len < 33;
				if ($i < 12) {
					my $run = substr($s, $pos, 3 * 120);
					my $off = substr($s, $pos + 16, 8);
					put("frame", "\x00" . $salt . $off . $run);
					put("frame-fix", "\x04" . $salt . $off . substr($s, $pos, $len));
				}
				$pos += $len;
			}
		}
		put("tail", "\x02" . slurp("$dir/tail"));
	' "$1" "$2"
}

test_expect_success 'seed corpora from a real stream' '
	mkdir -p seeds.frame seeds.json_entry "$CORPUS/frame" "$CORPUS/json_entry" &&
	kshard create seed -n 2 --segment-size 4KiB &&
	cat >entries <<-\EOF &&
	{"Data":"aGk=","PartitionKey":"k"}
	{"Data":"","PartitionKey":"empty data"}
	{"Data":"AAEC/w==","PartitionKey":"\u00e9t\u00e9 \"quoted\" \\ \t","ExplicitHashKey":"0"}
	{"Data":"YWJj","PartitionKey":"h","ExplicitHashKey":"340282366920938463463374607431768211455"}
	{"Data":"eHl6eg==","PartitionKey":12345,"Other":{"a":[1,2,{"b":null}]}}
	{"PartitionKey":"no data"}
	{"Data":"not base64!","PartitionKey":"x"}
	EOF
	test_must_fail --status=65 kput -s seed --json -p <entries >acks 2>/dev/null &&
	test "$(grep -c SequenceNumber acks)" -eq 5 &&
	awk "BEGIN { for (i = 0; i < 300; i++) printf \"line %d %s\\n\", i, substr(\"abcdefghijklmnopqrstuvwxyz\", 1, i % 27) }" |
		kput -s seed --batch-size 512 &&
	for s in 0 1; do
		cut_seeds "$KIN_DIR/streams/seed/shards/shardId-00000000000$s" seeds.frame ||
			return 1
	done &&
	meta=$KIN_DIR/streams/seed/stream.meta &&
	{ printf "\003" && cat "$meta"; } >seeds.frame/meta &&
	{ printf "\007" && sed "/^crc32c /d" "$meta"; } >seeds.frame/meta-fix &&
	kget -s seed --json -n 50 >got.json &&
	i=0 && cat entries got.json | while IFS= read -r line; do
		i=$((i + 1)) && printf "%s\n" "$line" >seeds.json_entry/entry-$i || return 1
	done &&
	cat >json.dict <<-\EOF &&
	"\"Data\""
	"\"PartitionKey\""
	"\"ExplicitHashKey\""
	"\\u"
	"\\ud83d\\ude00"
	"=="
	"null"
	"true"
	"1e400"
	"340282366920938463463374607431768211456"
	EOF
	test "$(ls seeds.frame | wc -l)" -gt 40 &&
	test "$(ls seeds.json_entry | wc -l)" -gt 10
'

# run_fuzzer NAME [libFuzzer options]: runs NAME for FUZZ_SECONDS. Fork
# mode goes on past a crash, so that one known bug does not hide others;
# each distinct failure is shown once with an input that causes it, and
# every such input is kept in build/fuzz/crashes/.
run_fuzzer() {
	rf_name=$1
	shift
	rf_art=$TRASH/artifacts.$rf_name
	mkdir -p "$rf_art" "$CRASHES" || return 1
	"$FUZZ/$rf_name" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$rf_art/" "$@" \
		"$CORPUS/$rf_name" seeds.$rf_name >fuzz.$rf_name.log 2>&1
	rf_rc=$?
	if ! grep -q "^INFO: exiting: " fuzz.$rf_name.log; then
		echo "$rf_name exited $rf_rc before its time was up:"
		tail -n 30 fuzz.$rf_name.log
		return 1
	fi
	[ $rf_rc -eq 0 ] && [ -z "$(ls "$rf_art")" ] && return 0
	echo "$rf_name exited $rf_rc; failures found:"
	: >seen
	for f in "$rf_art"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$CRASHES/$rf_name-$(basename "$f")"
		why=$("$FUZZ/$rf_name" -timeout=10 "$f" 2>&1 |
			grep -m1 -E "check failed|ERROR: |runtime error" |
			sed -e "s/^==[0-9]*== *//" -e "s/ on address .*//")
		grep -qxF "$why" seen && continue
		echo "$why" >>seen
		echo "- $why"
		echo "  input $CRASHES/$rf_name-$(basename "$f"):"
		od -A d -t x1z "$f" | head -n 12 | sed "s/^/    /"
	done
	return 1
}

report() { # report NAME: the size of the run, from libFuzzer's last status line
	say "$1: $(grep "^#[0-9]*: cov:" fuzz.$1.log | tail -n 1 |
		sed "s|^#\([0-9]*\): cov: \([0-9]*\) .* corp: \([0-9]*\).*crash: \([0-9/]*\) .*|runs=\1 cov=\2 corpus=\3 oom/timeout/crash=\4|")"
}

test_expect_success "frame and header decoders survive ${FUZZ_SECONDS}s of fuzzing" '
	run_fuzzer frame
'
report frame

test_expect_success "kput --json entry reader survives ${FUZZ_SECONDS}s of fuzzing" '
	run_fuzzer json_entry -dict=json.dict -max_len=4096
'
report json_entry

test_done
