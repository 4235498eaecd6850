/* Unit tests for audit.c: the JSON lines of audit.log, alone and concurrent. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "audit.h"
#include "file.h"
#include "json.h"
#include "units.h"
#include "banned.h"

static char root[64];

static int fresh_dir(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (mkdir(path, 0777))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Reads dirfd's audit.log into a malloc'd, NUL-terminated string. */
static char *read_log(int dirfd, size_t *n)
{
	char path[160], *data = NULL;
	struct kc_error e;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd,
		 KC_AUDIT_FILE);
	if (kc_file_read(path, &data, n, &e))
		*n = 0;
	return data;
}

/* The value of field path in j as a string, or "(missing)". */
static const char *field(struct kc_json *j, const char *path)
{
	static char buf[8][256];
	static int next;
	const char *v, *why;
	size_t len;
	char *out = buf[next++ % 8];

	if (!j || kc_json_get(j, path, &v, &len, &why))
		return "(missing)";
	snprintf(out, 256, "%.*s", (int)len, v);
	return out;
}

static void args(void)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_audit_args(&b, NULL);
	is_str(b.data, "{}", "kc_audit_args with no pairs");
	kc_buf_reset(&b);
	kc_audit_args(&b, "shard", "shardId-000000000001", "hash-key", "12",
		      NULL);
	is_str(b.data,
	       "{\"shard\":\"shardId-000000000001\",\"hash-key\":\"12\"}",
	       "two pairs");
	kc_buf_reset(&b);
	kc_audit_args(&b, "q\"k", "a\nb\\", "none", (const char *)NULL, NULL);
	is_str(b.data, "{\"q\\\"k\":\"a\\nb\\\\\",\"none\":null}",
	       "escaped, and a NULL value is null");
	kc_buf_release(&b);
}

static void one_line(void)
{
	struct kc_buf a = KC_BUF_INIT;
	struct kc_error e;
	struct kc_json *j;
	struct passwd *pw = getpwuid(geteuid());
	struct stat st;
	char want[32], *log, *nl;
	int64_t t, now = kc_now_ms();
	mode_t old = umask(077);
	size_t n;
	int fd = fresh_dir("one");

	kc_audit_args(&a, "shard", "shardId-000000000000", "hash-key",
		      "170141183460469231731687303715884105728", NULL);
	is_int(kc_audit_append(fd, "split", a.data, NULL, &e), 0,
	       "append a split");
	umask(old);
	ok(!fstatat(fd, KC_AUDIT_FILE, &st, 0) && (st.st_mode & 0777) == 0600,
	   "audit.log created with mode 0666 & ~umask");
	log = read_log(fd, &n);
	nl = log ? strchr(log, '\n') : NULL;
	ok(nl && nl == log + n - 1, "one line, ending in a newline");
	j = log ? kc_json_parse(log, n, &e) : NULL;
	ok(j != NULL, "which is valid JSON");
	ok(!kc_parse_time("time", field(j, "time"), &t, &e) &&
		   t >= now - 1000 && t <= kc_now_ms(),
	   "time is an ISO 8601 time of now");
	is_int(strlen(field(j, "time")), 32, "formatted as kc_format_time");
	is_str(field(j, "user"), pw ? pw->pw_name : field(j, "uid"),
	       "user is the login name");
	snprintf(want, sizeof(want), "%u", (unsigned)geteuid());
	is_str(field(j, "uid"), want, "uid");
	snprintf(want, sizeof(want), "%d", (int)getpid());
	is_str(field(j, "pid"), want, "pid");
	is_str(field(j, "operation"), "split", "operation");
	is_str(field(j, "arguments.shard"), "shardId-000000000000",
	       "arguments.shard");
	is_str(field(j, "arguments.hash-key"),
	       "170141183460469231731687303715884105728", "arguments.hash-key");
	is_str(field(j, "result"), "ok", "a NULL result is ok");
	ok(log && !strncmp(log, "{\"time\":", 8) &&
		   strstr(log, "\"pid\":") < strstr(log, "\"operation\":") &&
		   strstr(log, "\"arguments\":") < strstr(log, "\"result\":"),
	   "fields in the documented order");
	kc_json_free(j);
	free(log);

	is_int(kc_audit_append(fd, "merge", "{\n  \"a\": \"x\"\r\n}",
			       "stream 'x': shard \"1\" is closed", &e),
	       0, "append a failed merge with arguments on several lines");
	is_int(kc_audit_append(fd, "retention", NULL, NULL, &e), 0,
	       "append with NULL arguments");
	log = read_log(fd, &n);
	nl = log ? strchr(log, '\n') : NULL;
	j = nl ? kc_json_parse(nl + 1, strcspn(nl + 1, "\n"), &e) : NULL;
	ok(j != NULL, "the second line alone is valid JSON");
	is_str(field(j, "arguments.a"), "x", "its arguments survive");
	is_str(field(j, "result"), "stream 'x': shard \"1\" is closed",
	       "the error message is the result");
	kc_json_free(j);
	nl = nl ? strchr(nl + 1, '\n') : NULL;
	j = nl ? kc_json_parse(nl + 1, strcspn(nl + 1, "\n"), &e) : NULL;
	ok(j && strstr(nl, "\"arguments\":{}"), "NULL arguments are {}");
	ok(nl && nl + 1 + strcspn(nl + 1, "\n") == log + n - 1,
	   "three lines in all");
	kc_json_free(j);

	is_int(kc_audit_append(fd, "split", "[1]", NULL, &e), -KC_EFAIL,
	       "an array is not an arguments object");
	is_str(e.msg, "audit: arguments are not a JSON object", "says so");
	is_int(kc_audit_append(fd, "split", "{\"a\":", NULL, &e), -KC_EFAIL,
	       "nor is broken JSON");
	free(log);
	log = read_log(fd, &n);
	ok(log && !strstr(log, "[1]") && !strstr(log, "\"arguments\":{\"a\":,"),
	   "refused entries write nothing");
	free(log);
	kc_buf_release(&a);
	close(fd);
	is_int(kc_audit_append(-1, "split", NULL, NULL, &e), -KC_EIO,
	       "a bad directory fd");
	ok(!strncmp(e.msg, "cannot open audit.log: ", 23), "says so: %s",
	   e.msg);
}

/* PROCS processes append LINES long lines each; every line must be whole. */
static void concurrent(void)
{
	enum { PROCS = 4, LINES = 300 };
	static char big[6000];
	struct kc_error e;
	pid_t pid[PROCS];
	int count[PROCS], fd = fresh_dir("concurrent"), status, good = 1;
	int lines = 0, bad = 0;
	char *log, *p;
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	for (int i = 0; i < PROCS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			struct kc_buf a = KC_BUF_INIT;
			int fail = 0;
			big[0] = (char)('a' + i);
			kc_audit_args(&a, "payload", big, NULL);
			for (int k = 0; k < LINES; k++)
				fail |= kc_audit_append(fd, "split", a.data,
							NULL, &e) != 0;
			kc_buf_release(&a);
			_exit(fail);
		}
	}
	for (int i = 0; i < PROCS; i++)
		good &= pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
			WIFEXITED(status) && !WEXITSTATUS(status);
	ok(good, "%d processes appended %d lines each without an error", PROCS,
	   LINES);
	memset(count, 0, sizeof(count));
	log = read_log(fd, &n);
	for (p = log; p && p < log + n;) {
		size_t len = strcspn(p, "\n");
		struct kc_json *j = kc_json_parse(p, len, &e);
		const char *who = field(j, "pid");
		const char *v, *why;
		size_t vlen;
		int i;

		lines++;
		for (i = 0; i < PROCS; i++)
			if (atol(who) == (long)pid[i])
				break;
		if (!j || i == PROCS ||
		    kc_json_get(j, "arguments.payload", &v, &vlen, &why) ||
		    vlen != sizeof(big) - 1 || v[0] != 'a' + i)
			bad++;
		else
			count[i]++;
		kc_json_free(j);
		p += len + 1;
	}
	is_int(lines, PROCS * LINES, "the log has every line");
	is_int(bad, 0, "each one whole and valid JSON");
	for (int i = 0, all = 1; i < PROCS; i++) {
		all &= count[i] == LINES;
		if (i == PROCS - 1)
			ok(all, "each process's lines are all there");
	}
	free(log);
	close(fd);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	setenv("KIN_FSYNC", "0", 1);
	snprintf(root, sizeof(root), "%s/kin-unit-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		printf("1..0 # skip cannot create a temporary directory\n");
		return 0;
	}
	args();
	one_line();
	concurrent();
	if (kc_file_remove_tree(root))
		diag("cannot remove %s", root);
	return done_testing();
}
