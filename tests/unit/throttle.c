/*
 * Unit tests for throttle.c with a fake clock: the write window (records,
 * bytes, bursts, oversized records, a writer going flat out), two processes
 * sharing a shard's budget, read calls and read bytes with overdraw, the
 * file format, damaged and newer files, and clocks that disagree.
 */
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
#include "error.h"
#include "file.h"
#include "throttle.h"
#include "banned.h"

#define T0 1764121741000LL /* a multiple of 10 ms: a slot starts here */
#define KiB 1024u
#define MiB (1024u * 1024u)
#define THROTTLED                                                              \
	"ProvisionedThroughputExceededException: Rate exceeded for shard "

static char root[64];
static int nshards;

/* A fresh shard directory root/shardId-NNNNNNNNNNNN, open as a directory fd. */
static int fresh_shard(char name[32])
{
	char path[128];

	snprintf(name, 32, "shardId-%012d", nshards++);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (mkdir(path, 0777))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static size_t sizes_of(size_t *sizes, size_t n, size_t each)
{
	for (size_t i = 0; i < n; i++)
		sizes[i] = each;
	return n;
}

/* Admits n records of size each; returns the number admitted (-1: error). */
static long put(int fd, int64_t now, size_t n, size_t each, int64_t *retry,
		int *rc)
{
	static size_t sizes[5000];
	struct kc_error e;
	size_t got = 12345;
	int64_t r;

	sizes_of(sizes, n, each);
	*rc = kc_throttle_admit_write(fd, now, n, sizes, &got,
				      retry ? retry : &r, &e);
	return *rc && *rc != -KC_ETEMP ? -1 : (long)got;
}

static void test_records(void)
{
	struct kc_error e;
	char name[32], want[128];
	int64_t retry;
	size_t got;
	int rc, fd = fresh_shard(name);

	is_int(put(fd, T0, 1500, 100, &retry, &rc), 1000,
	       "a batch of 1500: the first 1000 are admitted");
	is_int(rc, 0, "a partial admission returns 0");
	is_int(retry, 1010,
	       "retry when the oldest 10 ms slot leaves the window");
	is_int(put(fd, T0 + 1, 1, 100, &retry, &rc), 0, "then nothing fits");
	is_int(rc, -KC_ETEMP, "refused with -KC_ETEMP");
	is_int(retry, 1009, "retry measured from the caller's time");
	got = 99;
	rc = kc_throttle_admit_write(fd, T0 + 500, 1, (size_t[]){ 10 }, &got,
				     &retry, &e);
	snprintf(want, sizeof(want), THROTTLED "%s", name);
	is_str(e.msg, want, "the message names the exception and the shard");
	is_int((long)got, 0, "*admitted is 0 on refusal");
	is_int(e.code, KC_ETEMP, "e->code is KC_ETEMP");
	is_int(put(fd, T0 + 1009, 1, 100, &retry, &rc), 0,
	       "still refused 1 ms before the retry time");
	is_int(put(fd, T0 + 1010, 1200, 100, &retry, &rc), 1000,
	       "at the retry time a whole second's worth again");
	is_int(put(fd, T0 + 1010, 1, 100, NULL, &rc), 0, "and no more");
	close(fd);

	fd = fresh_shard(name);
	for (got = 0; got < 1001; got++)
		if (put(fd, T0 + 3, 1, 50, &retry, &rc) != 1)
			break;
	is_int((long)got, 1000, "1000 single-record calls, then refusal");
	is_int(retry, 1007, "retry for a mid-slot time");
	rc = kc_throttle_admit_write(fd, T0, 0, NULL, &got, &retry, &e);
	ok(rc == 0 && got == 0 && retry == 0,
	   "an empty batch is admitted even when the window is full");
	close(fd);
}

static void test_bytes(void)
{
	char name[32];
	int64_t retry;
	size_t got;
	struct kc_error e;
	int rc, fd = fresh_shard(name);

	is_int(put(fd, T0, 20, 100 * KiB, &retry, &rc), 10,
	       "100 KiB records: 10 fit in 1 MiB");
	is_int(retry, 1010, "the 11th waits for the window");
	is_int(put(fd, T0 + 10, 1, 100 * KiB, &retry, &rc), 0,
	       "the 11th is refused");
	is_int(put(fd, T0 + 10, 1, 24 * KiB, &retry, &rc), 1,
	       "but the last 24 KiB of the MiB still fit");
	is_int(put(fd, T0 + 10, 1, 1, &retry, &rc), 0,
	       "and then not one byte more");
	is_int(put(fd, T0 + 1010, 20, 100 * KiB, &retry, &rc), 10,
	       "when the first slot leaves, ten fit beside the 24 KiB");
	is_int(retry, 1010, "the 11th waits for both slots to leave");
	is_int(put(fd, T0 + 1020, 1, 100 * KiB, &retry, &rc), 0,
	       "the 24 KiB leaving is not enough");
	is_int(retry, 1000, "retry from 1020 ms to 2020 ms");
	close(fd);

	fd = fresh_shard(name);
	rc = kc_throttle_admit_write(
		fd, T0, 3, (size_t[]){ 600 * KiB, 500 * KiB, 400 * KiB }, &got,
		&retry, &e);
	ok(rc == 0 && got == 1, "the longest prefix: a record that does not "
				"fit stops the batch");
	rc = kc_throttle_admit_write(fd, T0, 1, (size_t[]){ 400 * KiB }, &got,
				     &retry, &e);
	ok(rc == 0 && got == 1, "a smaller later batch still fits");
	close(fd);
}

static void test_burst(void)
{
	char name[32];
	int64_t retry;
	int rc, fd = fresh_shard(name);

	is_int(put(fd, T0, 500, 10, &retry, &rc), 500, "half a second's worth");
	is_int(put(fd, T0 + 500, 600, 10, &retry, &rc), 500,
	       "half a second later only the other half");
	is_int(put(fd, T0 + 600, 1, 10, &retry, &rc), 0, "the window is full");
	is_int(retry, 410, "until the first burst leaves it");
	is_int(put(fd, T0 + 1010, 1000, 10, &retry, &rc), 500,
	       "unused time does not accumulate beyond the window");
	is_int(put(fd, T0 + 100000, 5000, 10, &retry, &rc), 1000,
	       "after a long idle a burst is at most one second's worth");
	is_int(retry, 1010, "and the rest waits a second");
	close(fd);
}

static void test_oversized(void)
{
	char name[32];
	int64_t retry;
	size_t got;
	struct kc_error e;
	int rc, fd = fresh_shard(name);

	is_int(put(fd, T0, 2, 3 * MiB, &retry, &rc), 1,
	       "a 3 MiB record is admitted alone into an empty window");
	is_int(retry, 3000, "and blocks writes for 3 seconds");
	is_int(put(fd, T0 + 2999, 1, 1, &retry, &rc), 0,
	       "nothing is admitted meanwhile");
	is_int(retry, 1, "retry 1 ms before the end of the block");
	is_int(put(fd, T0 + 3000, 1, 1, &retry, &rc), 1,
	       "after 3 seconds writes resume");
	close(fd);

	fd = fresh_shard(name);
	rc = kc_throttle_admit_write(fd, T0, 2, (size_t[]){ 100, 2 * MiB },
				     &got, &retry, &e);
	ok(rc == 0 && got == 1 && retry == 1010,
	   "an oversized record waits for a window holding no bytes");
	is_int(put(fd, T0 + 1010, 1, MiB + 1, &retry, &rc), 1,
	       "1 MiB + 1 byte fits an empty window");
	is_int(retry, 0, "retry 0 when the whole batch was admitted");
	is_int(put(fd, T0 + 2010, 1, 1, &retry, &rc), 0,
	       "it blocks for ceil(1000 * (1 MiB + 1) / 1 MiB) = 1001 ms");
	is_int(retry, 10, "but its bytes stay in the window for 1010 ms");
	close(fd);
}

struct event {
	int64_t t;
	long records;
	uint64_t bytes;
};

/*
 * A writer pushing random batches as fast as the limits let it for 10
 * seconds of fake time; checks every one-second window of admission times
 * and the total.
 */
static void flat_out(size_t min_size, size_t max_size, const char *what)
{
	static size_t sizes[500];
	static struct event ev[20000];
	struct kc_error e;
	char name[32];
	int64_t t = T0 + 3, retry, maxr = 0;
	uint64_t maxb = 0, total_r = 0, total_b = 0;
	size_t n, got, nev = 0, j = 0;
	int fd = fresh_shard(name), bad = 0;

	srand(42);
	while (t < T0 + 10000 && nev < 20000) {
		n = 1 + (size_t)rand() % 500;
		for (size_t i = 0; i < n; i++)
			sizes[i] = min_size +
				   (size_t)rand() % (max_size - min_size + 1);
		if (kc_throttle_admit_write(fd, t, n, sizes, &got, &retry,
					    &e) &&
		    e.code != KC_ETEMP)
			bad++;
		if (got) {
			ev[nev].t = t;
			ev[nev].records = (long)got;
			ev[nev].bytes = 0;
			for (size_t i = 0; i < got; i++)
				ev[nev].bytes += sizes[i];
			nev++;
		}
		t += got < n ? retry : rand() % 4;
	}
	/* every window (ev[i].t - 1000, ev[i].t] */
	for (size_t i = 0; i < nev; i++) {
		int64_t r = 0;
		uint64_t b = 0;

		while (ev[j].t <= ev[i].t - 1000)
			j++;
		for (size_t k = j; k <= i; k++) {
			r += ev[k].records;
			b += ev[k].bytes;
		}
		if (r > maxr)
			maxr = r;
		if (b > maxb)
			maxb = b;
		total_r += (uint64_t)ev[i].records;
		total_b += ev[i].bytes;
	}
	is_int(bad, 0, "%s: no errors", what);
	ok(maxr <= 1000, "%s: at most 1000 records in any second (%lld)", what,
	   (long long)maxr);
	ok(maxb <= MiB, "%s: at most 1 MiB in any second (%llu)", what,
	   (unsigned long long)maxb);
	if (max_size <= 200)
		ok(total_r >= 9000 && total_r <= 11000,
		   "%s: 1000 records/s +-10%% over 10 s (%llu)", what,
		   (unsigned long long)total_r);
	else
		ok(total_b >= 9 * MiB && total_b <= 11 * MiB,
		   "%s: 1 MiB/s +-10%% over 10 s (%llu)", what,
		   (unsigned long long)total_b);
	close(fd);
}

/* Reads a child's count from a pipe. */
static long read_count(int fd)
{
	char buf[32];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atol(buf);
}

/*
 * Two processes, started together, write to one shard: both at one fake
 * time until refused (mode 0), or each sweeping 3 s of fake time (mode 1).
 */
static void two_writers(int mode)
{
	char name[32];
	int fd = fresh_shard(name), go[2], out[2][2];
	pid_t pid[2];
	long count[2];
	int status, fine = 1;

	if (pipe(go))
		return;
	for (int c = 0; c < 2; c++) {
		if (pipe(out[c]))
			return;
		pid[c] = fork();
		if (pid[c] == 0) {
			char b;
			long n = 0, got;
			int64_t retry;
			int rc, len;
			char buf[32];

			close(go[1]);
			if (read(go[0], &b, 1) < 0)
				_exit(2);
			if (mode == 0) {
				while ((got = put(fd, T0, 7, 100, &retry,
						  &rc)) > 0)
					n += got;
			} else {
				for (int64_t t = T0; t <= T0 + 3000; t++) {
					got = put(fd, t, 3, 100, &retry, &rc);
					if (got < 0)
						_exit(3);
					n += got;
				}
			}
			len = snprintf(buf, sizeof(buf), "%ld", n);
			if (write(out[c][1], buf, (size_t)len) != len)
				_exit(4);
			_exit(got < 0 ? 5 : 0);
		}
		close(out[c][1]);
	}
	close(go[0]);
	close(go[1]); /* both start */
	for (int c = 0; c < 2; c++) {
		count[c] = read_count(out[c][0]);
		close(out[c][0]);
		if (waitpid(pid[c], &status, 0) != pid[c] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fine = 0;
	}
	ok(fine, "two writers (%s): both children succeed",
	   mode ? "3 s" : "one instant");
	diag("two writers: %ld + %ld", count[0], count[1]);
	if (mode == 0)
		is_int(count[0] + count[1], 1000,
		       "two writers at one instant share 1000 records");
	else
		ok(count[0] + count[1] >= 2700 && count[0] + count[1] <= 4000,
		   "two writers over 3 s share about 3000 records (%ld)",
		   count[0] + count[1]);
	close(fd);
}

static int read_call(int fd, int64_t now, int64_t *retry)
{
	struct kc_error e;

	return kc_throttle_admit_read(fd, now, retry, &e);
}

static void test_read_calls(void)
{
	struct kc_error e;
	char name[32], want[128];
	int64_t retry;
	int n = 0, rc, fd = fresh_shard(name);

	while (n < 10 && read_call(fd, T0, &retry) == 0)
		n++;
	is_int(n, 5, "5 read calls in a second");
	is_int(retry, 1000, "the 6th waits a second");
	rc = kc_throttle_admit_read(fd, T0 + 999, &retry, &e);
	is_int(rc, -KC_ETEMP, "still refused at 999 ms");
	snprintf(want, sizeof(want), THROTTLED "%s", name);
	is_str(e.msg, want, "with the throughput message");
	is_int(retry, 1, "for 1 ms more");
	for (n = 0; n < 10 && read_call(fd, T0 + 1000, &retry) == 0;)
		n++;
	is_int(n, 5, "5 more at 1000 ms");
	is_int(read_call(fd, T0 + 1200, &retry), -KC_ETEMP, "not at 1200 ms");
	is_int(retry, 800, "retry 800 ms");

	n = 0;
	for (int64_t t = T0 + 5000; t < T0 + 15000;) {
		if (read_call(fd, t, &retry) == 0)
			n++;
		else
			t += retry;
	}
	ok(n >= 45 && n <= 55,
	   "a reader going flat out: 5 calls/s (%d in 10 s)", n);
	close(fd);
}

static void test_read_bytes(void)
{
	struct kc_error e;
	char name[32];
	int64_t retry;
	uint64_t total = 0;
	int fd = fresh_shard(name);

	is_int(read_call(fd, T0, &retry), 0, "a first call");
	is_int(kc_throttle_charge_read_bytes(fd, T0, 10 * MiB, &e), 0,
	       "reads 10 MiB: overdraws the 2 MiB budget");
	is_int(read_call(fd, T0 + 1, &retry), -KC_ETEMP,
	       "the next call is refused");
	is_int(retry, 4000, "until the 8 MiB debt is repaid at 2 MiB/s");
	is_int(read_call(fd, T0 + 4000, &retry), -KC_ETEMP,
	       "a budget of exactly zero still refuses");
	is_int(retry, 1, "for 1 ms");
	is_int(read_call(fd, T0 + 4001, &retry), 0, "then a call is admitted");
	is_int(kc_throttle_charge_read_bytes(fd, T0 + 4001, 10 * MiB, &e), 0,
	       "another 10 MiB from an empty budget");
	is_int(read_call(fd, T0 + 4001, &retry), -KC_ETEMP, "refused");
	is_int(retry, 5000, "for 5 s, as Kinesis after a 10 MiB GetRecords");
	close(fd);

	fd = fresh_shard(name);
	is_int(kc_throttle_charge_read_bytes(fd, T0, MiB, &e), 0, "1 MiB read");
	is_int(read_call(fd, T0, &retry), 0, "1 MiB left: admitted");
	is_int(kc_throttle_charge_read_bytes(fd, T0, MiB, &e), 0, "1 MiB more");
	is_int(read_call(fd, T0 + 1, &retry), 0,
	       "1 ms later 2 KiB have come back: admitted");
	close(fd);

	/* flat out, 700 KiB per call, 10 s */
	fd = fresh_shard(name);
	for (int64_t t = T0; t < T0 + 10000;) {
		if (read_call(fd, t, &retry) == 0) {
			kc_throttle_charge_read_bytes(fd, t, 700 * KiB, &e);
			total += 700 * KiB;
		} else {
			t += retry;
		}
	}
	ok(total >= 20 * MiB && total <= 23 * MiB,
	   "a reader going flat out gets 2 MiB/s plus one burst (%llu KiB in "
	   "10 s)",
	   (unsigned long long)(total / KiB));
	close(fd);
}

static int read_limits(const char *name, char *buf, size_t n)
{
	char path[128];
	int fd;
	ssize_t got;

	snprintf(path, sizeof(path), "%s/%s/limits", root, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	got = kc_pread_full(fd, buf, n, 0);
	close(fd);
	return (int)got;
}

static int write_limits(const char *name, const char *buf, size_t n)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s/limits", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		return -1;
	rc = kc_write_all(fd, buf, n);
	close(fd);
	return rc;
}

static void test_format(void)
{
	char name[32], buf[2048];
	struct kc_error e;
	struct stat st;
	char path[128];
	int64_t retry, k = (T0 + 25) / 10;
	size_t got;
	int rc, fd = fresh_shard(name);

	rc = kc_throttle_admit_write(fd, T0, 0, NULL, &got, &retry, &e);
	is_int(kc_throttle_charge_read_bytes(fd, T0, 0, &e), 0, "charge of 0");
	snprintf(path, sizeof(path), "%s/%s/limits", root, name);
	ok(rc == 0 && stat(path, &st) != 0,
	   "empty batches and zero charges create no file");

	put(fd, T0 + 25, 3, 40, &retry, &rc);
	read_call(fd, T0 + 27, &retry);
	kc_throttle_charge_read_bytes(fd, T0 + 28, 1000, &e);
	is_int(read_limits(name, buf, sizeof(buf)), KC_THROTTLE_SIZE,
	       "the file is 908 bytes");
	ok(!memcmp(buf, "KINLIM\0\0", 8), "magic");
	is_int(kc_get32(buf + 8), 1, "version");
	is_int(kc_get32(buf + 12), KC_THROTTLE_SIZE, "length");
	is_int((int64_t)kc_get64(buf + 16), k, "write head slot");
	is_int((int64_t)kc_get64(buf + 24), 0, "no write block");
	is_int((int64_t)kc_get64(buf + 32), 2097152000LL - 1000000,
	       "read bucket in thousandths of a byte");
	is_int((int64_t)kc_get64(buf + 40), T0 + 28, "read bucket time");
	is_int((int64_t)kc_get64(buf + 48), T0 + 27, "first read call time");
	is_int(kc_get32(buf + 88), 1, "oldest call position");
	is_int(kc_get32(buf + 96 + 8 * (k % 101)), 3, "slot records");
	is_int(kc_get32(buf + 96 + 8 * (k % 101) + 4), 120, "slot bytes");
	is_int(kc_get32(buf + 904), kc_crc32c(0, buf, 904), "crc32c");

	/* damaged: taken as fresh and rewritten */
	buf[100] ^= 1;
	write_limits(name, buf, KC_THROTTLE_SIZE);
	is_int(put(fd, T0 + 30, 2000, 1, &retry, &rc), 1000,
	       "a damaged file counts as fresh");
	write_limits(name, "garbage", 7);
	is_int(put(fd, T0 + 30, 2000, 1, &retry, &rc), 1000,
	       "so does a short one");
	memset(buf + KC_THROTTLE_SIZE, 0, 100);
	read_limits(name, buf, sizeof(buf));
	write_limits(name, buf, KC_THROTTLE_SIZE + 100);
	is_int(put(fd, T0 + 30, 2000, 1, &retry, &rc), 1000, "and a long one");
	is_int(read_limits(name, buf, sizeof(buf)), KC_THROTTLE_SIZE,
	       "which is cut back to 908 bytes");

	/* newer version */
	kc_put32(buf + 8, 2);
	write_limits(name, buf, 16);
	rc = kc_throttle_admit_write(fd, T0, 1, (size_t[]){ 1 }, &got, &retry,
				     &e);
	is_int(rc, -KC_EFAIL, "a newer version is refused");
	is_str(e.msg,
	       "limits file: format version 2 is newer than this kin "
	       "understands (1)",
	       "with the usual message");
	is_int(read_call(fd, T0, &retry), -KC_EFAIL, "by reads too");
	is_int(read_limits(name, buf, sizeof(buf)), 16, "and left alone");

	rc = kc_throttle_admit_write(-1, T0, 1, (size_t[]){ 1 }, &got, &retry,
				     &e);
	is_int(rc, -KC_EIO, "a bad directory fd is an I/O error");
	is_str(e.msg, "cannot open limits file: Bad file descriptor",
	       "with the errno");
	close(fd);
}

static void test_clocks(void)
{
	char name[32];
	int64_t retry;
	int rc, fd = fresh_shard(name);

	is_int(put(fd, T0 + 100, 1000, 1, &retry, &rc), 1000, "a full second");
	is_int(put(fd, T0 + 95, 1, 1, &retry, &rc), 0,
	       "a process whose clock read earlier is refused too");
	is_int(retry, 1015, "its retry is from its own clock");
	is_int(put(fd, T0 + 100 - 30000, 1, 1, &retry, &rc), 0,
	       "a clock 30 s behind is still held to the window");
	is_int(put(fd, T0 + 100 - 61000, 1000, 1, &retry, &rc), 1000,
	       "a clock stepped back over a minute starts afresh");
	close(fd);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/kin-throttle-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_records();
	test_bytes();
	test_burst();
	test_oversized();
	flat_out(10, 200, "small records");
	flat_out(2000, 8000, "large records");
	two_writers(0);
	two_writers(1);
	test_read_calls();
	test_read_bytes();
	test_format();
	test_clocks();
	kc_file_remove_tree(root);
	return done_testing();
}
