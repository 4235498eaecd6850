#!/bin/sh
# kfirehose --to postgres://: COPY into a real PostgreSQL server. Lines become
# rows byte for byte; JSON objects go to the columns of the same name;
# --copy-options reaches COPY's WITH list; a bad record fails alone while
# the rest commit in the same transaction; a server that stops during a
# delivery gets the batch once it is back; one that stays down past
# --retry-duration sends the records to the error output; the password of
# the URL never shows; usage errors exit 64 with one line.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib/pg.sh"

if ! pg_start; then
	echo "Bail out! cannot start a PostgreSQL server (see the messages above)"
	exit 1
fi

# in_dir NAME: each test works in a directory of its own (err/ and files).
in_dir() {
	mkdir "$TRASH/$1" && cd "$TRASH/$1"
}

# fh TABLE [options...] <records: delivers stdin with zero buffering.
fh() {
	fh_table=$1
	shift
	kfirehose --name t --to "$PG_URL" --data-table-name "$fh_table" \
		--buffer-interval 0 --error-to dir:err --retry-duration 5 "$@"
}

# failures: the failed-record objects in err/, one line each,
# "errorCode attemptsMade|errorMessage|record", sorted.
failures() {
	find err -type f -exec cat {} + 2>/dev/null | "$PG_PYTHON" -c '
import base64, json, sys
out = []
for line in sys.stdin:
    r = json.loads(line)
    out.append("%s %d|%s|%s" % (r["errorCode"], r["attemptsMade"], r["errorMessage"],
                               base64.b64decode(r["rawData"]).decode()))
for line in sorted(out):
    print(line)
'
}

# no_failures [DIR]: the error output (err/) holds no file.
no_failures() {
	test -z "$(find "${1:-err}" -type f 2>/dev/null)"
}

# wait_for 'SQL': polls until the query prints something other than 0 (30 s).
wait_for() {
	wf_i=0
	until [ "$(pg_sql -c "$1" 2>/dev/null || echo 0)" != 0 ]; do
		wf_i=$((wf_i + 1))
		if [ $wf_i -gt 300 ]; then
			echo "wait_for: still 0: $1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# wait_exit PIDFILE: waits (60 s at most: retries back off) for that
# process to end.
wait_exit() {
	we_i=0
	while kill -0 "$(cat "$1")" 2>/dev/null; do
		we_i=$((we_i + 1))
		if [ $we_i -gt 600 ]; then
			echo "wait_exit: $1 still runs" >&2
			return 1
		fi
		sleep 0.1
	done
}

test_expect_success 'lines become rows byte for byte (--data-table-columns)' '
	in_dir t1 &&
	pg_sql -c "create table lines (id serial, line text)" &&
	printf "%s\n" "hello world" "  spaced  " "ünïcödé ✓ 😀" "" \
		"quotes \"x\" and '\''y'\''" "a,b;c|d" >want &&
	fh lines --data-table-columns line <want &&
	pg_sql -c "select line from lines order by id" >got &&
	test_cmp want got &&
	no_failures
'

test_expect_success 'the COPY text format: tabs split columns, \N is NULL, escapes' '
	in_dir t2 &&
	pg_sql -c "create table text (n int, s text)" &&
	printf "1\tone\n2\t\\\\N\n3\ta\\\\tb\n4\t\n5\tback\\\\\\\\slash\n" >in &&
	fh text <in &&
	printf "1|one\n2|<null>\n3|a\tb\n4|\n5|back\\\\slash\n" >want &&
	pg_sql -c "select n, coalesce(s, '\''<null>'\'') from text order by n" >got &&
	test_cmp want got
'

test_expect_success 'JSON objects go to the columns of the same name (json auto)' '
	in_dir t3 &&
	pg_sql -c "create table j (id int, name text, tags jsonb, ok boolean, note text default '\''none'\'')" &&
	cat >in <<-\EOF &&
	{"id": 1, "name": "tab\there \u00e9\ud83d\ude00", "tags": {"a": [1, "x\"y"]}, "ok": true}
	{"name": null, "id": 2, "other": "ignored", "ok": false}
	{"id": 3, "id": 4, "Name": "case matters", "tags": [true, null]}
	EOF
	fh j --data-table-columns id,name,tags,ok --copy-options "json '\''auto'\''" <in &&
	printf "1|tab\there é😀|{\"a\": [1, \"x\\\\\"y\"]}|true|none\n" >want &&
	printf "2|<null>|<null>|false|none\n3|<null>|[true, null]|<null>|none\n" >>want &&
	pg_sql -c "select id, coalesce(name, '\''<null>'\''), coalesce(tags::text, '\''<null>'\''),
		coalesce(ok::text, '\''<null>'\''), note from j order by id" >got &&
	test_cmp want got
'

test_expect_success 'json auto ignorecase without columns: every column of the table' '
	in_dir t4 &&
	pg_sql -c "create schema s" -c "create table s.\"Mixed\" (id int, \"Label\" text)" &&
	echo "{\"ID\": 7, \"label\": \"seven\"}" >in &&
	fh s.Mixed --copy-options "json '\''auto ignorecase'\''" <in &&
	echo "7|seven" >want &&
	pg_sql -c "select * from s.\"Mixed\"" >got &&
	test_cmp want got
'

test_expect_success 'CSV through --copy-options' '
	in_dir t5 &&
	pg_sql -c "create table csv (n int, s text)" &&
	printf "%s\n" "1,\"hello, world\"" "2," "3,\"\"" "4,\"say \"\"hi\"\"\"" >in &&
	fh csv --copy-options "FORMAT csv" <in &&
	printf "%s\n" "1|hello, world" "2|<null>" "3|" "4|say \"hi\"" >want &&
	pg_sql -c "select n, coalesce(s, '\''<null>'\'') from csv order by n" >got &&
	test_cmp want got
'

test_expect_success 'bad records fail alone; the others commit in one transaction' '
	in_dir t6 &&
	pg_sql -c "create table typed (n int primary key, s text not null)" &&
	printf "1\tone\nx\ttwo\n3\tthree\n1\tagain\n\\\\.\n6\t\\\\N\n7\tseven\n" >in &&
	fh typed <in &&
	printf "1|one\n3|three\n7|seven\n" >want &&
	pg_sql -c "select n, s from typed order by n" >got &&
	test_cmp want got &&
	pg_sql -c "select count(distinct pg_xact_commit_timestamp(xmin)) from typed" >got &&
	echo 1 >want && test_cmp want got &&
	failures >got &&
	cat >want <<-\EOF &&
	PostgreSQL.CopyFailed 1|SQLSTATE 22P02: invalid input syntax for type integer: "x" (COPY typed, column n: "x")|x	two
	PostgreSQL.CopyFailed 1|SQLSTATE 23502: null value in column "s" of relation "typed" violates not-null constraint: Failing row contains (6, null). (COPY typed: "6	\N")|6	\N
	PostgreSQL.CopyFailed 1|SQLSTATE 23505: duplicate key value violates unique constraint "typed_pkey": Key (n)=(1) already exists. (COPY typed)|1	again
	PostgreSQL.CopyFailed 1|the record is \., COPY'"'"'s end-of-data marker|\.
	EOF
	test_cmp want got
'

test_expect_success 'many records, a few bad: each found, the rest delivered' '
	in_dir t7 &&
	pg_sql -c "create table many (n int)" &&
	seq 1 5000 | sed "s/^\(17\|2500\|4999\)\$/bad\1/" >in &&
	fh many <in &&
	pg_sql -c "select count(*), sum(n) from many" >got &&
	echo "4997|$((5000 * 5001 / 2 - 17 - 2500 - 4999))" >want &&
	test_cmp want got &&
	failures | cut -d"|" -f3 >got &&
	printf "%s\n" bad17 bad2500 bad4999 >want &&
	test_cmp want got
'

test_expect_success 'a deferred foreign key fails per COPY (no line named: halves)' '
	in_dir fk &&
	pg_sql -c "create table parent (id int primary key)" \
		-c "insert into parent select generate_series(1, 100)" \
		-c "create table child (p int references parent (id)
			deferrable initially deferred)" &&
	seq 1 200 | awk "\$1 > 100 && \$1 % 37 != 0 { \$1 -= 100 } { print }" >in &&
	fh child <in &&
	pg_sql -c "select count(*) from child" >got &&
	echo 197 >want && test_cmp want got &&
	failures | cut -d"|" -f2,3 >got &&
	for n in 111 148 185; do
		echo "SQLSTATE 23503: insert or update on table \"child\" violates foreign key constraint \"child_p_fkey\": Key (p)=($n) is not present in table \"parent\".|$n" || return 1
	done >want &&
	test_cmp want got
'

test_expect_success 'a JSON record that is not an object fails alone' '
	in_dir t8 &&
	pg_sql -c "create table jj (id int)" &&
	printf "%s\n" "{\"id\": 1}" "[1]" "nope" "{\"id\": 2}" >in &&
	fh jj --copy-options "json auto" <in &&
	printf "1\n2\n" >want &&
	pg_sql -c "select id from jj order by id" >got &&
	test_cmp want got &&
	failures | cut -d"|" -f1,3 >got &&
	printf "%s\n" "PostgreSQL.CopyFailed 1|nope" "PostgreSQL.CopyFailed 1|[1]" >want &&
	test_cmp want got
'

test_expect_success 'a missing table is retried, then PostgreSQL.TableNotFound' '
	in_dir t9 &&
	printf "1\n2\n" | fh nosuch --retry-duration 1 &&
	failures | sed "s/ [0-9]*|/ N|/" | LC_ALL=C sort >got &&
	cat >want <<-\EOF &&
	PostgreSQL.TableNotFound N|SQLSTATE 42P01: relation "nosuch" does not exist|1
	PostgreSQL.TableNotFound N|SQLSTATE 42P01: relation "nosuch" does not exist|2
	EOF
	test_cmp want got
'

test_expect_success 'copy options the server refuses: PostgreSQL.IncorrectCopyOptions' '
	in_dir t9b &&
	echo 1 | fh text --retry-duration 1 --copy-options "DELIMITER '\''ab'\''" &&
	echo 1 | fh text --retry-duration 1 --copy-options "NO_SUCH_OPTION 1" &&
	failures | sed "s/ [0-9]*|/ N|/" | LC_ALL=C sort >got &&
	cat >want <<-\EOF &&
	PostgreSQL.IncorrectCopyOptions N|SQLSTATE 0A000: COPY delimiter must be a single one-byte character|1
	PostgreSQL.IncorrectCopyOptions N|SQLSTATE 42601: option "no_such_option" not recognized|1
	EOF
	test_cmp want got
'

test_expect_success 'a connection lost between batches is replaced at once' '
	in_dir t10 &&
	pg_sql -c "create table idle (n int)" &&
	mkfifo in &&
	{ fh idle -v <in >out 2>errout & echo $! >fh.pid; } &&
	exec 3>in &&
	echo 1 >&3 &&
	wait_for "select count(*) from idle" &&
	pg_sql -c "select pg_terminate_backend(pid) from pg_stat_activity
		where application_name = '\''kfirehose'\''" >/dev/null &&
	echo 2 >&3 &&
	exec 3>&- &&
	wait_exit fh.pid &&
	printf "1\n2\n" >want &&
	pg_sql -c "select n from idle order by n" >got &&
	test_cmp want got &&
	no_failures &&
	grep "\"DeliveryToPostgreSQL.Success\":1.0000" errout &&
	! grep "\"DeliveryToPostgreSQL.Success\":0" errout
'

test_expect_success 'the server stops during a COPY: retried, delivered once after a restart' '
	in_dir t11 &&
	pg_sql -c "create table slow (n int)" \
		-c "create function gate() returns trigger language plpgsql as
			\$\$ begin perform pg_advisory_xact_lock_shared(4242); return new; end \$\$" \
		-c "create trigger gate before insert on slow for each row execute function gate()" &&
	{ pg_sql -c "select pg_advisory_lock(4242)" -c "select pg_sleep(600)" >/dev/null 2>&1 &
	  echo $! >holder.pid; } &&
	wait_for "select count(*) from pg_locks where locktype = '\''advisory'\'' and granted" &&
	{ seq 1 5 | fh slow --retry-duration 120 >out 2>errout & echo $! >fh.pid; } &&
	wait_for "select count(*) from pg_stat_activity
		where wait_event_type = '\''Lock'\'' and query like '\''COPY%'\''" &&
	pg_stop &&
	pg_start &&
	wait_exit fh.pid &&
	seq 1 5 >want &&
	pg_sql -c "select n from slow order by n" >got &&
	test_cmp want got &&
	no_failures
'

test_expect_success 'the server stays down past --retry-duration: the error output' '
	in_dir t12 &&
	pg_stop &&
	printf "1\n2\n" | fh lines --retry-duration 2 2>errout;
	status=$? &&
	pg_start &&
	test $status -eq 0 &&
	failures | sed "s/port [0-9]*/port P/" >got &&
	awk -F"|" "\$1 !~ /^PostgreSQL.ConnectionFailed [1-9]\$/" got >unexpected &&
	test ! -s unexpected &&
	cut -d"|" -f2,3 got >got2 &&
	cat >want <<-\EOF &&
	connection to server at "127.0.0.1", port P failed: Connection refused|1
	connection to server at "127.0.0.1", port P failed: Connection refused|2
	EOF
	test_cmp want got2
'

test_expect_success 'the password of the URL never shows' '
	in_dir t13 &&
	pg_sql -c "create role writer login password '\''Sup3rS3cret'\''" \
		-c "grant insert on lines to writer" \
		-c "grant usage on sequence lines_id_seq to writer" &&
	base="writer:Sup3rS3cret@127.0.0.1:$PG_PORT/kin" &&
	echo ok | kfirehose --name t --to "postgres://$base" --data-table-name lines \
		--data-table-columns line --buffer-interval 0 --error-to dir:ok 2>stderr &&
	no_failures ok &&
	pg_sql -c "select count(*) from lines where line = '\''ok'\''" >got &&
	echo 1 >want && test_cmp want got &&
	for to in "postgres://writer:Sup3rS3cret-no@127.0.0.1:$PG_PORT/kin" \
		"postgres://$base" \
		"postgresql://writer@127.0.0.1:$PG_PORT/kin?password=Sup3rS3cret"
	do
		echo x | kfirehose --name t --to "$to" --data-table-name secret \
			--buffer-interval 0 --error-to dir:err --retry-duration 1 \
			2>>stderr || return 1
	done &&
	for to in "postgres://$base?nosuch=1" "postgres://writer:Sup3rS3cret%zz@127.0.0.1/kin" \
		"postgres://writer:Sup3rS3cret@[::1/kin"
	do
		test_must_fail --status=64 kfirehose --name t --to "$to" \
			--data-table-name t --error-to dir:err </dev/null 2>>stderr || return 1
	done &&
	failures >errors &&
	grep -c "^PostgreSQL.ConnectionFailed .*password authentication failed for user \"writer\"" errors &&
	grep -c "^PostgreSQL.TableNotFound " errors >n && echo 2 >want && test_cmp want n &&
	test_line_count = 3 stderr &&
	grep "^kfirehose: --to: '\''postgres://writer:\*\*\*@127.0.0.1:$PG_PORT/kin?nosuch=1'\'': " stderr &&
	! grep -r Sup3rS3cret stderr errors err &&
	test -d "$KIN_DIR/firehose/t" &&
	! grep -r Sup3rS3cret "$KIN_DIR"
'

test_expect_success 'the options in a -c file (the password out of ps)' '
	in_dir conf &&
	pg_sql -c "create table cfg (id int, name text)" \
		-c "grant insert on cfg to writer" &&
	cat >fh.conf <<-EOF &&
	to = postgres://writer:Sup3rS3cret@127.0.0.1:$PG_PORT/kin
	data-table-name = cfg
	copy-options = json '\''auto'\''
	error-to = dir:err
	buffer-interval = 0
	EOF
	echo "{\"name\": \"from a file\", \"id\": 1}" | kfirehose -c fh.conf --name t &&
	echo "1|from a file" >want &&
	pg_sql -c "select * from cfg" >got &&
	test_cmp want got &&
	no_failures
'

test_expect_success 'usage errors: exit 64 with one line' '
	in_dir t14 &&
	url=postgres://kin@127.0.0.1:1/kin &&
	fails_with 64 "kfirehose: --data-table-name: required for a postgres:// destination" \
		kfirehose --name t --to $url --error-to dir:failed &&
	fails_with 64 "kfirehose: --to: '\''postgres://kin@127.0.0.1:99999/kin'\'': invalid port '\''99999'\''" \
		kfirehose --name t --to postgres://kin@127.0.0.1:99999/kin --data-table-name t --error-to dir:failed &&
	fails_with 64 "kfirehose: --data-table-name: '\''a.b.c'\'': expected TABLE or SCHEMA.TABLE" \
		kfirehose --name t --to $url --data-table-name a.b.c --error-to dir:failed &&
	fails_with 64 "kfirehose: --data-table-columns: '\''a,,b'\'': an empty column name" \
		kfirehose --name t --to $url --data-table-name t --data-table-columns a,,b --error-to dir:failed &&
	fails_with 64 "kfirehose: --copy-options: FORMAT binary cannot carry one record per line" \
		kfirehose --name t --to $url --data-table-name t --copy-options "format binary" --error-to dir:failed &&
	fails_with 64 "kfirehose: --copy-options: HEADER would skip the first record of every COPY" \
		kfirehose --name t --to $url --data-table-name t --copy-options "FORMAT csv, HEADER" --error-to dir:failed &&
	fails_with 64 "kfirehose: --copy-options: '\''FORMAT csv; drop table t'\'': '\'';'\'' outside quotes" \
		kfirehose --name t --to $url --data-table-name t --copy-options "FORMAT csv; drop table t" --error-to dir:failed &&
	fails_with 64 "kfirehose: --copy-options: json '\''auto'\'' cannot be combined with other options" \
		kfirehose --name t --to $url --data-table-name t --copy-options "FORMAT csv, json auto" --error-to dir:failed
'

test_done
