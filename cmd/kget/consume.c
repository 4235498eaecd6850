/* consume.c: kget --consumer: deliver a group worker's batches, then commit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consume.h"
#include "file.h"
#include "group.h"
#include "name.h"
#include "seqno.h"
#include "banned.h"

/* One batch read from one shard, formatted for output. */
static struct consume {
	struct kc_stream *s;
	const struct kget_consume_opts *o;
	struct kc_buf batch;
	struct kc_buf end;       /* --json: the ChildShards of an ended shard */
	uint64_t shard, first, last;
	size_t records;
} cs;

/* kc_group_fn: adds a record to the batch. */
static int add_record(void *arg, const struct kc_record *rec)
{
	(void)arg;
	if (!cs.records)
		cs.first = rec->offset;
	cs.last = rec->offset;
	cs.records++;
	kget_output_record(cs.o->out, &cs.batch, rec);
	return 0;
}

/* kc_group_end_fn: get-records' end of shard, for --json to stdout. */
static void shard_end(void *arg, uint64_t shard)
{
	(void)arg;
	if (cs.o->out->mode != OUT_JSON || cs.o->exec)
		return;
	kget_output_child_shards(&cs.s->meta, shard, &cs.end);
	kc_cli_flush(cs.o->cli, &cs.end);
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1))
		_exit(126);
}

/* Runs --exec once with the batch on its stdin; returns its wait status. */
static int run_exec(unsigned attempt)
{
	char id[32], a[40], b[40], num[32];
	int p[2], status = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		kc_shard_id_format((unsigned long)cs.shard, id);
		kc_seqno_format(cs.shard, cs.first, a);
		kc_seqno_format(cs.shard, cs.last, b);
		set_env("KIN_STREAM", cs.s->meta.name);
		set_env("KIN_CONSUMER", cs.o->name);
		set_env("KIN_SHARD_ID", id);
		set_env("KIN_FIRST_SEQUENCE_NUMBER", a);
		set_env("KIN_LAST_SEQUENCE_NUMBER", b);
		snprintf(num, sizeof(num), "%zu", cs.records);
		set_env("KIN_RECORDS", num);
		snprintf(num, sizeof(num), "%u", attempt);
		set_env("KIN_ATTEMPT", num);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], STDIN_FILENO) < 0)
			_exit(126);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", cs.o->exec, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* A command that does not read all its input is its own business. */
	kc_write_all(p[1], cs.batch.data, cs.batch.len);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Delivers the batch: to stdout, or through --exec with retries. */
static void deliver(void)
{
	char id[32], a[40], b[40];
	struct kc_error e;
	int status = 0;

	if (!cs.o->exec) {
		kc_cli_flush(cs.o->cli, &cs.batch);
		return;
	}
	for (unsigned attempt = 1; attempt <= cs.o->max_retries + 1; attempt++) {
		status = run_exec(attempt);
		if (status == 0) {
			kc_buf_reset(&cs.batch);
			return;
		}
		if (attempt <= cs.o->max_retries)
			usleep((useconds_t)(100000u << (attempt < 6 ? attempt - 1 : 5)));
	}
	kc_shard_id_format((unsigned long)cs.shard, id);
	kc_seqno_format(cs.shard, cs.first, a);
	kc_seqno_format(cs.shard, cs.last, b);
	kc_error_set(&e, KC_EFAIL,
		     "--exec: '%s' failed (%s %d) for %s records %s..%s after "
		     "%u attempts; not checkpointed", cs.o->exec,
		     WIFEXITED(status) ? "exit status" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		     id, a, b, cs.o->max_retries + 1);
	kc_cli_fail(&e);
}

int kget_consume(struct kc_stream *s, const struct kget_consume_opts *o)
{
	struct kc_group_opts go = { o->name, o->from, o->follow, shard_end, NULL };
	struct kc_group *g;
	struct kc_error e;
	uint64_t count = 0;
	int n;

	cs.s = s;
	cs.o = o;
	if (kc_group_open(s, &go, &g, &e))
		kc_cli_fail(&e);
	while (!o->limit || count < o->limit) {
		uint64_t max = o->batch;
		if (o->limit && o->limit - count < max)
			max = o->limit - count;
		kc_buf_reset(&cs.batch);
		cs.records = 0;
		n = kc_group_read(g, (size_t)max, 10u << 20, add_record, NULL,
				  &cs.shard, &e);
		if (n < 0)
			kc_cli_fail(&e);
		if (n > 0) {
			deliver();
			if (kc_group_commit(g, cs.shard, cs.last, &e))
				kc_cli_fail(&e);
			count += (uint64_t)n;
			continue;
		}
		if (!o->follow && kc_group_idle(g))
			break;
		if (kc_group_wait(g, 500, &e))
			kc_cli_fail(&e);
	}
	kc_group_close(g);
	kc_buf_release(&cs.batch);
	kc_buf_release(&cs.end);
	return 0;
}
