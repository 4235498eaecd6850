# pg.sh: a throwaway PostgreSQL 15 server for tests (source it after lib.sh).
#
# pg_start: the first call (at the top level of the test script, not inside
# test_expect_success) creates a cluster in $TRASH/pg with initdb, on a free
# port of 127.0.0.1 with its unix socket inside $TRASH/pg, and sets the exit
# trap that stops it; later calls (also inside tests) start it again on the
# same port. pg_stop stops it by the pid in $TRASH/postgres.pid (fast
# shutdown) and waits until the process is gone.
#
# Sets PG_PORT and PG_URL (postgres://kin@127.0.0.1:PORT/kin: user kin, a
# superuser trusted from 127.0.0.1; every other role logs in with a
# scram-sha-256 password). pg_sql runs psql as kin on database kin, one
# unaligned, tuples-only line per row, stopping at the first error.
# track_commit_timestamp is on, so a test can tell what one transaction
# committed; PG_PYTHON is a quick python3 for helpers.
#
# PostgreSQL refuses to run as root: as root, initdb, pg_ctl and postgres run
# as the postgres system user (from Debian's postgresql package), which owns
# $TRASH/pg; $TRASH is made traversable for it.

# PostgreSQL 15 (Debian 12's), else the newest installed.
if [ -z "${PG_BIN:-}" ]; then
	PG_BIN=/usr/lib/postgresql/15/bin
	if ! [ -x "$PG_BIN/initdb" ]; then
		for pg_d in /usr/lib/postgresql/*/bin; do
			PG_BIN=$pg_d
		done
	fi
fi
# Debian's python3 starts in a tenth of the time a pyenv shim takes.
PG_PYTHON=/usr/bin/python3
[ -x "$PG_PYTHON" ] || PG_PYTHON=python3
PG_DIR="$TRASH/pg"
PG_PORT=
PG_URL=

# pg_run CMD...: runs a server program as the user that may run it.
pg_run() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U kin \
		-d kin "$@"
}

# A port nobody listens on now (the kernel's choice for an ephemeral bind).
pg_free_port() {
	"$PG_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_init() {
	mkdir -p "$PG_DIR" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chmod o+x "$TRASH" && chown postgres "$PG_DIR" || return 1
		if ! runuser -u postgres -- test -w "$PG_DIR"; then
			echo "pg.sh: the postgres user cannot reach $PG_DIR (set TMPDIR to a traversable directory)" >&2
			return 1
		fi
	fi
	pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -U kin -A trust -E UTF8 \
		--no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		return 1
	}
	pg_run sh -c 'cat >"$1"' sh "$PG_DIR/data/pg_hba.conf" <<-EOF || return 1
	local all all trust
	host all kin 127.0.0.1/32 trust
	host all all 127.0.0.1/32 scram-sha-256
	EOF
	pg_run sh -c 'cat >>"$1"' sh "$PG_DIR/data/postgresql.conf" <<-EOF || return 1
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$PG_DIR'
	max_connections = 20
	shared_buffers = 16MB
	dynamic_shared_memory_type = mmap
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	track_commit_timestamp = on
	EOF
	trap 'pg_stop; cleanup' EXIT
}

# pg_start_on PORT: starts the server on PORT; records its pid.
pg_start_on() {
	pg_run "$PG_BIN/pg_ctl" -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/log" \
		-o "-p $1" start >/dev/null 2>&1 || return 1
	head -n 1 "$PG_DIR/data/postmaster.pid" >"$TRASH/postgres.pid" &&
	echo "$1" >"$PG_DIR/port"
}

pg_start() {
	if ! [ -d "$PG_DIR/data" ]; then
		pg_init || return 1
	fi
	if [ -f "$PG_DIR/port" ]; then
		pg_start_on "$(cat "$PG_DIR/port")" || {
			tail -n 20 "$PG_DIR/log" >&2
			return 1
		}
	else
		# Another program may take the free port before the server does.
		pg_i=0
		until pg_start_on "$(pg_free_port)"; do
			pg_i=$((pg_i + 1))
			if [ $pg_i -ge 5 ]; then
				tail -n 20 "$PG_DIR/log" >&2
				return 1
			fi
		done
	fi
	PG_PORT=$(cat "$PG_DIR/port")
	PG_URL="postgres://kin@127.0.0.1:$PG_PORT/kin"
	if ! psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U kin -d postgres \
		-c "select 1 from pg_database where datname = 'kin'" | grep -q 1; then
		psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U kin -d postgres \
			-c 'create database kin' || return 1
	fi
}

pg_stop() {
	pg_pid=$(cat "$TRASH/postgres.pid" 2>/dev/null) || return 0
	# SIGINT: fast shutdown (sessions are ended, open transactions roll back).
	kill -INT "$pg_pid" 2>/dev/null
	pg_i=0
	while kill -0 "$pg_pid" 2>/dev/null; do
		pg_i=$((pg_i + 1))
		if [ $pg_i -ge 600 ]; then
			echo "pg_stop: postgres (pid $pg_pid) did not stop" >&2
			kill -KILL "$pg_pid"
			break
		fi
		sleep 0.1
	done
	rm -f "$TRASH/postgres.pid"
}
