# lib.sh: the shell test library (after git's t/test-lib.sh), printing TAP.
# A test script sources it, then calls test_expect_success / test_must_fail
# and ends with test_done. Each test script runs in its own temporary
# directory with KIN_DIR pointing into it; programs come from $KIN_BIN.

set -u
TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd)
: "${KIN_BIN:=$TEST_DIRECTORY/../build/default/bin}"
PATH="$KIN_BIN:$PATH"
export PATH
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/kin-test.XXXXXX")
KIN_DIR="$TRASH/root"
export KIN_DIR
# Tests may turn fsync off; production code takes the same paths either way.
: "${KIN_FSYNC:=0}"
export KIN_FSYNC
unset XDG_DATA_HOME
# faketime(1) preloads a library: let sanitized builds run under it.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
test_count=0
test_failed=0
test_pids=""

cleanup() {
	for p in $test_pids $(cat "$TRASH"/*.pid 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	cd / && rm -rf "$TRASH"
}
trap cleanup EXIT
cd "$TRASH" || exit 1

say() { printf '# %s\n' "$*"; }

# test_expect_success 'description' 'commands'
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out" | tail -n 40
	fi
}

# test_must_fail [--status=N] cmd...: the command must fail (with status N).
test_must_fail() {
	want=""
	case "$1" in --status=*) want=${1#--status=}; shift ;; esac
	"$@"
	got=$?
	if [ "$got" -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	fi
	if [ "$got" -gt 128 ]; then
		echo "test_must_fail: '$*' died by signal $((got - 128))" >&2
		return 1
	fi
	if [ -n "$want" ] && [ "$got" -ne "$want" ]; then
		echo "test_must_fail: '$*' exited $got, expected $want" >&2
		return 1
	fi
	return 0
}

# test_cmp expected actual
test_cmp() {
	diff -u "$1" "$2"
}

# test_line_count = N file
test_line_count() {
	n=$(wc -l <"$3" | tr -d ' ')
	if ! [ "$n" "$1" "$2" ]; then
		echo "test_line_count: $3 has $n lines, expected $1 $2" >&2
		return 1
	fi
}

# fails_with STATUS 'message' cmd...: cmd fails with STATUS, prints nothing
# on stdout and exactly the message line on stderr.
fails_with() {
	fw_status=$1 fw_msg=$2
	shift 2
	test_must_fail --status="$fw_status" "$@" >out 2>err || return 1
	printf '%s\n' "$fw_msg" >expect &&
	test_cmp expect err &&
	test ! -s out
}

# usage_fails_with 'message' cmd...: fails with 64, the message followed by
# the usage text (as -h prints it, saved by the test in $TRASH/usage).
usage_fails_with() {
	uf_msg=$1
	shift
	test_must_fail --status=64 "$@" >out 2>err </dev/null || return 1
	{ printf '%s\n' "$uf_msg" && cat "$TRASH/usage"; } >expect &&
	test_cmp expect err &&
	test ! -s out
}

# wait_lines N FILE: waits up to 10 s until FILE has at least N lines.
wait_lines() {
	wl_i=0
	while test "$(wc -l <"$2")" -lt "$1"; do
		wl_i=$((wl_i + 1))
		test $wl_i -le 100 || {
			echo "wait_lines: $2 has $(wc -l <"$2") lines, expected $1" >&2
			return 1
		}
		sleep 0.1
	done
}

# Remembers a background process to kill at exit (inside a test, which
# runs in a subshell, write its pid to a file NAME.pid in the test directory).
test_bg() { test_pids="$test_pids $1"; }

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}
