# ksql_golden.sh: helpers for the ksql tests (sourced after lib.sh).
# Expected outputs are written by hand in the tests; these helpers only
# run ksql and compare.

# The system's Python starts much faster than a pyenv shim; stdlib only.
PY=python3
test -x /usr/bin/python3 && PY=/usr/bin/python3

# json_schema FILE 'NAME:TYPE[:MAPPING]'...: writes an AWS InputSchema for
# JSON records (RecordRowPath $), mapping each column to $.NAME unless a
# JSONPath is given.
json_schema() {
	js_f=$1
	shift
	{
		printf '{\n  "RecordFormat": {\n    "RecordFormatType": "JSON",\n'
		printf '    "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}\n  },\n'
		printf '  "RecordEncoding": "UTF-8",\n  "RecordColumns": [\n'
		js_sep=""
		for js_c in "$@"; do
			js_n=${js_c%%:*} js_r=${js_c#*:}
			js_t=${js_r%%:*}
			case "$js_r" in *:*) js_m=${js_r#*:} ;; *) js_m="\$.$js_n" ;; esac
			printf '%s    {"Name": "%s", "SqlType": "%s", "Mapping": "%s"}' \
				"$js_sep" "$js_n" "$js_t" "$js_m"
			js_sep=",
"
		done
		printf '\n  ]\n}\n'
	} >"$js_f"
}

# csv_schema FILE 'NAME:TYPE'...: an InputSchema for CSV records (',' between
# columns, '\n' between records), columns in order.
csv_schema() {
	cs_f=$1
	shift
	{
		printf '{"RecordFormat": {"RecordFormatType": "CSV", "MappingParameters": '
		printf '{"CSVMappingParameters": {"RecordRowDelimiter": "\\n", "RecordColumnDelimiter": ","}}},\n'
		printf ' "RecordEncoding": "UTF-8",\n "RecordColumns": [\n'
		cs_sep=""
		for cs_c in "$@"; do
			printf '%s  {"Name": "%s", "SqlType": "%s"}' "$cs_sep" "${cs_c%%:*}" "${cs_c#*:}"
			cs_sep=",
"
		done
		printf '\n ]}\n'
	} >"$cs_f"
}

# ksql_golden NAME [ksql options...]: runs `ksql -f NAME.sql --rowtime
# OPTIONS <NAME.in`; its stdout must be NAME.want byte for byte, its stderr
# empty and its status 0.
ksql_golden() {
	kg=$1
	shift
	ksql -f "$kg.sql" --rowtime "$@" <"$kg.in" >"$kg.got" 2>"$kg.err" || {
		echo "ksql_golden: ksql exited $?" >&2
		cat "$kg.err" >&2
		return 1
	}
	test_cmp "$kg.want" "$kg.got" && test_cmp /dev/null "$kg.err"
}

# rowtimes_ascending FILE: the ROWTIME members of the JSON lines in FILE
# never go backwards (windows are emitted in time order).
rowtimes_ascending() {
	jq -r .ROWTIME "$1" >"$1.rt" &&
	sort -c "$1.rt"
}

# ksql_golden_windows NAME [options...]: as ksql_golden, for aggregates
# whose rows of one window may come in any order: ROWTIMEs must ascend, and
# the rows must equal NAME.want once both are sorted (ROWTIME first, so the
# sort keeps windows in order and orders each window's rows).
ksql_golden_windows() {
	kw=$1
	shift
	ksql -f "$kw.sql" --rowtime "$@" <"$kw.in" >"$kw.got" 2>"$kw.err" || {
		echo "ksql_golden_windows: ksql exited $?" >&2
		cat "$kw.err" >&2
		return 1
	}
	test_cmp /dev/null "$kw.err" &&
	rowtimes_ascending "$kw.got" &&
	sort "$kw.want" >"$kw.want.sorted" &&
	sort "$kw.got" >"$kw.got.sorted" &&
	test_cmp "$kw.want.sorted" "$kw.got.sorted"
}

# wait_for_lines N FILE [SECONDS]: waits (default 60 s) until FILE has at
# least N lines.
wait_for_lines() {
	wf_i=0 wf_max=$((${3:-60} * 10))
	while test "$(wc -l <"$2" 2>/dev/null || echo 0)" -lt "$1"; do
		wf_i=$((wf_i + 1))
		test $wf_i -le $wf_max || {
			echo "wait_for_lines: $2 has $(wc -l <"$2") lines, expected $1" >&2
			return 1
		}
		sleep 0.1
	done
}

# unhex: decodes a hex string on stdin (DATA_ROW of the error_stream).
unhex() {
	"$PY" -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'
}

# csv_norm <CSV >LINES: parses CSV (as ksql -o csv and sqlite3 -csv write
# it, quoted or not) and writes each row as tab-separated fields, numbers
# in one form, rounded to 12 significant digits (12, 12.0 and 1.2e1 all
# become 12; sqlite3 prints 15 digits, ksql the shortest exact form), so
# two programs' results compare equal when their values do. Long digit
# strings (sequence numbers) stay as they are.
csv_norm() {
	"$PY" -c '
import csv, re, sys
num = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
for row in csv.reader(sys.stdin):
    out = []
    for f in row:
        if num.match(f) and len(f.replace("-", "").split(".")[0]) < 16:
            f = "%.12g" % float(f)
        out.append(f)
    print("\t".join(out))
'
}
