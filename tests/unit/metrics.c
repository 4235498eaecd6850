/* Unit tests for metrics.c: the per-minute ring, its format and its lock. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "byteorder.h"
#include "crc32c.h"
#include "file.h"
#include "metrics.h"
#include "banned.h"

#define T0 1764121740000LL /* 2025-11-26T01:49:00Z, a minute start */
#define MIN 60000LL
#define FILE_LEN 4352

static char root[64];

/* A fresh directory root/name, open as a directory fd. */
static int fresh_dir(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (mkdir(path, 0777))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static struct kc_metrics_counts in(uint64_t records, uint64_t bytes)
{
	struct kc_metrics_counts d;

	memset(&d, 0, sizeof(d));
	d.incoming_records = records;
	d.incoming_bytes = bytes;
	return d;
}

/* Reads the whole metrics file of dirfd into buf; its length or -1. */
static ssize_t slurp(int dirfd, char *buf, size_t n)
{
	int fd = openat(dirfd, KC_METRICS_FILE, O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n);
	close(fd);
	return got;
}

static int put_bytes(int dirfd, off_t off, const void *p, size_t n)
{
	int fd = openat(dirfd, KC_METRICS_FILE, O_WRONLY);
	int rc;

	if (fd < 0)
		return -1;
	rc = pwrite(fd, p, n, off) == (ssize_t)n ? 0 : -1;
	close(fd);
	return rc;
}

static int truncate_at(int dirfd, off_t len)
{
	int fd = openat(dirfd, KC_METRICS_FILE, O_WRONLY);
	int rc;

	if (fd < 0)
		return -1;
	rc = ftruncate(fd, len);
	close(fd);
	return rc;
}

static void empty(void)
{
	struct kc_metrics_minute out[KC_METRICS_MINUTES];
	struct kc_metrics_counts zero;
	struct kc_error e;
	size_t n = 99;
	int fd = fresh_dir("empty");

	memset(&zero, 0, sizeof(zero));
	is_int(kc_metrics_read(fd, T0, out, KC_METRICS_MINUTES, &n, &e), 0,
	       "reading without a metrics file succeeds");
	is_int(n, 0, "and finds no minutes");
	is_int(kc_metrics_add(fd, T0, &zero, &e), 0, "adding zeros succeeds");
	ok(faccessat(fd, KC_METRICS_FILE, F_OK, 0) == -1,
	   "and creates no file");
	close(openat(fd, KC_METRICS_FILE, O_WRONLY | O_CREAT, 0666));
	is_int(kc_metrics_read(fd, T0, out, KC_METRICS_MINUTES, &n, &e), 0,
	       "an empty metrics file reads");
	is_int(n, 0, "as no minutes");
	close(fd);
}

static void format(void)
{
	struct kc_metrics_counts d = { 1, 2, 3, 4, 5, 6, 7 };
	struct kc_error e;
	char buf[8192];
	const char *b;
	struct stat st;
	mode_t old = umask(027);
	uint64_t m = (uint64_t)(T0 + 5 * MIN + 1234) / MIN;
	int fd = fresh_dir("format");

	is_int(kc_metrics_add(fd, T0 + 5 * MIN + 1234, &d, &e), 0, "one add");
	umask(old);
	ok(!fstatat(fd, KC_METRICS_FILE, &st, 0) && (st.st_mode & 0777) == 0640,
	   "created with mode 0666 & ~umask");
	is_int(slurp(fd, buf, sizeof(buf)), FILE_LEN, "the file is 4352 bytes");
	ok(!memcmp(buf, "KINMETR\0", 8), "magic");
	is_int(kc_get32(buf + 8), 1, "version 1");
	is_int(kc_get32(buf + 12), 32, "header length 32");
	is_int(kc_get32(buf + 16), 60, "60 buckets");
	is_int(kc_get32(buf + 20), 72, "bucket length 72");
	is_int(kc_get32(buf + 24), 0, "reserved 0");
	is_int(kc_get32(buf + 28), kc_crc32c(0, buf, 28), "header crc32c");
	b = buf + 32 + 72 * (m % 60);
	is_int(kc_get64(b), m, "bucket m mod 60 holds epoch minute m");
	ok(kc_get64(b + 8) == 1 && kc_get64(b + 16) == 2 &&
		   kc_get64(b + 24) == 3 && kc_get64(b + 32) == 4 &&
		   kc_get64(b + 40) == 5 && kc_get64(b + 48) == 6 &&
		   kc_get64(b + 56) == 7,
	   "the seven counters in documented order");
	is_int(kc_get32(b + 64), 0, "bucket reserved 0");
	is_int(kc_get32(b + 68), kc_crc32c(0, b, 68), "bucket crc32c");
	for (int i = 0, z = 1; i < 60; i++) {
		const char *o = buf + 32 + 72 * i;
		if (o == b)
			continue;
		for (int k = 0; k < 72; k++)
			z &= !o[k];
		if (i == 59)
			ok(z, "every other bucket is zero");
	}
	close(fd);
}

static void rollover(void)
{
	struct kc_metrics_minute out[KC_METRICS_MINUTES];
	struct kc_metrics_counts d;
	struct kc_error e;
	size_t n;
	int fd = fresh_dir("rollover");

	d = in(1, 10);
	kc_metrics_add(fd, T0 + 59999, &d, &e);
	d = in(2, 20);
	kc_metrics_add(fd, T0 + MIN, &d, &e);
	d = in(4, 40);
	kc_metrics_add(fd, T0 + 3 * MIN + 5, &d, &e);
	d = in(8, 80);
	kc_metrics_add(fd, T0 + 3 * MIN + 59000, &d, &e);
	is_int(kc_metrics_read(fd, T0 + 3 * MIN + 1, out, KC_METRICS_MINUTES,
			       &n, &e),
	       0, "read after three minutes");
	is_int(n, 3, "three minutes counted something");
	ok(n == 3 && out[0].start_ms == T0 && out[1].start_ms == T0 + MIN &&
		   out[2].start_ms == T0 + 3 * MIN,
	   "oldest first, stamped with starts");
	ok(n == 3 && out[0].counts.incoming_records == 1 &&
		   out[1].counts.incoming_records == 2 &&
		   out[2].counts.incoming_records == 12 &&
		   out[2].counts.incoming_bytes == 120,
	   "each minute its own sums");

	is_int(kc_metrics_read(fd, T0 + 2 * MIN, out, 2, &n, &e), 0,
	       "read with room for two, one minute early");
	ok(n == 2 && out[0].start_ms == T0 && out[1].start_ms == T0 + MIN,
	   "minutes after now are not returned");
	is_int(kc_metrics_read(fd, T0 + 3 * MIN, out, 2, &n, &e), 0,
	       "read with room for two");
	ok(n == 2 && out[0].start_ms == T0 + MIN &&
		   out[1].start_ms == T0 + 3 * MIN,
	   "the latest two, oldest first");
	is_int(kc_metrics_read(fd, T0 + 3 * MIN, out, 0, &n, &e), 0,
	       "read with no room");
	is_int(n, 0, "returns nothing");

	kc_metrics_read(fd, T0 + 59 * MIN, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 3 && out[0].start_ms == T0,
	   "59 minutes later the first minute is still in the hour");
	kc_metrics_read(fd, T0 + 60 * MIN, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 2 && out[0].start_ms == T0 + MIN, "60 minutes later it is not");

	/* T0 + 60 minutes reuses T0's bucket. */
	d = in(100, 1000);
	is_int(kc_metrics_add(fd, T0 + 60 * MIN + 7, &d, &e), 0,
	       "add an hour later, into the first minute's bucket");
	kc_metrics_read(fd, T0 + 60 * MIN + 7, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 3 && out[2].start_ms == T0 + 60 * MIN &&
		   out[2].counts.incoming_records == 100 &&
		   out[2].counts.incoming_bytes == 1000,
	   "the stale bucket was reset, not added to");
	d = in(5, 5);
	is_int(kc_metrics_add(fd, T0 + 30000, &d, &e), 0,
	       "an add for the minute an hour before succeeds");
	kc_metrics_read(fd, T0 + 60 * MIN + 7, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 3 && out[2].counts.incoming_records == 100,
	   "but is dropped rather than reset the newer bucket");
	kc_metrics_read(fd, T0 + 200 * MIN, out, KC_METRICS_MINUTES, &n, &e);
	is_int(n, 0, "hours later nothing is recent");
	close(fd);
}

static void merge(void)
{
	struct kc_metrics_minute out[KC_METRICS_MINUTES];
	struct kc_metrics_counts d, t;
	struct kc_error e;
	uint64_t ages[] = { 5, 100, 7, 0 };
	size_t n;
	int fd = fresh_dir("merge");

	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		memset(&d, 0, sizeof(d));
		d.outgoing_records = 10;
		d.outgoing_bytes = 1000;
		d.iterator_age_ms = ages[i];
		d.read_exceeded = i == 3;
		d.write_exceeded = 2 * (i == 0);
		kc_metrics_add(fd, T0 + (int64_t)i * 1000, &d, &e);
	}
	kc_metrics_read(fd, T0 + 5000, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 1 && out[0].counts.iterator_age_ms == 100,
	   "iterator age is the maximum of the minute");
	ok(n == 1 && out[0].counts.outgoing_records == 40 &&
		   out[0].counts.outgoing_bytes == 4000 &&
		   out[0].counts.read_exceeded == 1 &&
		   out[0].counts.write_exceeded == 2 &&
		   out[0].counts.incoming_records == 0,
	   "the others are sums");

	memset(&t, 0, sizeof(t));
	t.iterator_age_ms = 200;
	t.incoming_bytes = UINT64_MAX - 1;
	d = in(1, 5);
	d.iterator_age_ms = 50;
	kc_metrics_merge(&t, &d);
	ok(t.iterator_age_ms == 200 && t.incoming_bytes == UINT64_MAX &&
		   t.incoming_records == 1,
	   "kc_metrics_merge: max, saturating sums");
	close(fd);
}

static void damage(void)
{
	struct kc_metrics_minute out[KC_METRICS_MINUTES];
	struct kc_metrics_counts d = in(3, 30);
	struct kc_error e;
	char buf[8192], hdr[32];
	size_t n;
	int fd = fresh_dir("damage");

	kc_metrics_add(fd, T0, &d, &e);
	kc_metrics_add(fd, T0 + MIN, &d, &e);
	put_bytes(fd, 32 + 72 * (size_t)(((uint64_t)T0 / MIN) % 60) + 8, "x",
		  1);
	kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 1 && out[0].start_ms == T0 + MIN,
	   "a bucket failing its crc is empty");
	kc_metrics_add(fd, T0, &d, &e);
	kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 2 && out[0].counts.incoming_records == 3,
	   "and is started afresh by the next add");

	put_bytes(fd, 0, "X", 1);
	is_int(kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e),
	       -KC_EIO, "a damaged header is an I/O error to readers");
	is_str(e.msg, "metrics file: damaged header", "with a message");
	is_int(kc_metrics_add(fd, T0 + MIN, &d, &e), 0,
	       "a writer starts a fresh file instead");
	kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e);
	ok(n == 1 && out[0].counts.incoming_records == 3,
	   "which holds only the new counts");

	ok(!truncate_at(fd, 100), "cut the file short");
	is_int(kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e),
	       -KC_EIO, "a short file is an I/O error to readers");
	is_int(kc_metrics_add(fd, T0 + MIN, &d, &e), 0, "a writer rewrites it");
	is_int(slurp(fd, buf, sizeof(buf)), FILE_LEN, "whole again");

	/* A version 2 header, with a valid CRC. */
	memcpy(hdr, buf, 32);
	kc_put32(hdr + 8, 2);
	kc_put32(hdr + 28, kc_crc32c(0, hdr, 28));
	put_bytes(fd, 0, hdr, 32);
	is_int(kc_metrics_read(fd, T0 + MIN, out, KC_METRICS_MINUTES, &n, &e),
	       -KC_EFAIL, "a newer version is refused by readers");
	is_str(e.msg,
	       "metrics file: format version 2 is newer than this kin "
	       "understands (1)",
	       "with the usual message");
	is_int(kc_metrics_add(fd, T0 + MIN, &d, &e), -KC_EFAIL,
	       "and by writers");
	slurp(fd, buf, sizeof(buf));
	ok(kc_get32(buf + 8) == 2, "which leave the file alone");
	close(fd);
	is_int(kc_metrics_add(-1, T0, &d, &e), -KC_EIO, "a bad directory fd");
	ok(!strncmp(e.msg, "cannot open metrics file: ", 26), "says so: %s",
	   e.msg);
}

/* Two processes, each 5000 adds of 1 record / 100 bytes, to a new file. */
static void concurrent(void)
{
	enum { PROCS = 2, ADDS = 5000 };
	struct kc_metrics_minute out[KC_METRICS_MINUTES];
	struct kc_error e;
	pid_t pid[PROCS];
	int fd = fresh_dir("concurrent"), status, good = 1;
	size_t n;

	for (int p = 0; p < PROCS; p++) {
		pid[p] = fork();
		if (pid[p] == 0) {
			struct kc_metrics_counts d = in(1, 100);
			int bad = 0;
			for (int i = 0; i < ADDS; i++) {
				d.iterator_age_ms = (uint64_t)(p * ADDS + i);
				bad |= kc_metrics_add(fd, T0 + i % 60000, &d,
						      &e) != 0;
			}
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++)
		good &= pid[p] > 0 && waitpid(pid[p], &status, 0) == pid[p] &&
			WIFEXITED(status) && !WEXITSTATUS(status);
	ok(good, "%d processes made %d adds each without an error", PROCS,
	   ADDS);
	is_int(kc_metrics_read(fd, T0 + 1000, out, KC_METRICS_MINUTES, &n, &e),
	       0, "read the result");
	is_int(n, 1, "one minute");
	is_int(n ? out[0].counts.incoming_records : 0, PROCS * ADDS,
	       "records sum exactly");
	is_int(n ? out[0].counts.incoming_bytes : 0, PROCS * ADDS * 100,
	       "bytes sum exactly");
	is_int(n ? out[0].counts.iterator_age_ms : 0, PROCS * ADDS - 1,
	       "the age is the maximum of both");
	close(fd);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/kin-unit-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		printf("1..0 # skip cannot create a temporary directory\n");
		return 0;
	}
	empty();
	format();
	rollover();
	merge();
	damage();
	concurrent();
	if (kc_file_remove_tree(root))
		diag("cannot remove %s", root);
	return done_testing();
}
