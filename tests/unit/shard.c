/*
 * Unit tests for shard.c and reader.c against a real stream directory:
 * appends, torn-tail cutting, recovery from a damaged or foreign tail file,
 * orphan segments, rollover, seeks, and the published-end rule for readers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "buf.h"
#include "byteorder.h"
#include "crc32c.h"
#include "reader.h"
#include "record.h"
#include "segment.h"
#include "shard.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

static char root[64];
static struct kc_stream *s;

static char *shard_file(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/streams/s/shards/shardId-000000000000/%s",
		 root, name);
	return path;
}

static char *seg_file(uint64_t base)
{
	char name[32];

	kc_segment_name(base, KC_SEG_SUFFIX, name);
	return shard_file(name);
}

/* Appends n records "tag-i" through a fresh writer (a new process, as it were). */
static int put(const char *tag, int n, uint64_t *first)
{
	struct kc_shard_writer *w;
	struct kc_buf frames = KC_BUF_INIT;
	struct kc_error e;
	uint64_t offs[64];
	char data[64];
	int rc;

	if (kc_shard_writer_open(s, 0, &w, &e))
		return -1;
	for (int i = 0; i < n; i++) {
		int len = snprintf(data, sizeof(data), "%s-%d", tag, i);
		kc_frame_append(&frames, "key", 3, data, (size_t)len, NULL);
	}
	rc = kc_shard_append(w, &frames, (size_t)n, KC_SYNC_ALWAYS, offs, &e);
	if (rc)
		diag("append: %s", e.msg);
	if (!rc && first)
		*first = offs[0];
	kc_buf_release(&frames);
	kc_shard_writer_close(w);
	return rc;
}

/* Reads the whole shard from it into out as "data\n" lines; count or -1. */
static int read_all(const struct kc_iterator *it, struct kc_buf *out)
{
	struct kc_reader *r;
	struct kc_record rec;
	struct kc_error e;
	int n = 0, rc;

	kc_buf_reset(out);
	if (kc_reader_open(s, 0, it, &r, &e)) {
		diag("reader: %s", e.msg);
		return -1;
	}
	while ((rc = kc_reader_next(r, &rec, &e)) == 1) {
		kc_buf_add(out, rec.data, rec.datalen);
		kc_buf_addc(out, '\n');
		n++;
	}
	if (rc < 0)
		diag("read: %s", e.msg);
	kc_reader_close(r);
	return rc < 0 ? -1 : n;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static void append_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		diag("cannot append to %s", path);
	close(fd);
}

static struct kc_tail tail_now(void)
{
	struct kc_tail t = { 0 };
	struct kc_error e;
	int fd = open(shard_file("tail"), O_RDONLY);

	kc_tail_read(fd, &t, &e);
	close(fd);
	return t;
}

static void put_tail(const struct kc_tail *t)
{
	struct kc_error e;
	int fd = open(shard_file("tail"), O_WRONLY);

	kc_tail_write(fd, t, &e);
	close(fd);
}

/* A sealed frame as a crashed writer would have left it at offset off. */
static struct kc_buf stray_frame(uint64_t off, const char *data)
{
	struct kc_buf b = KC_BUF_INIT;
	char hdr[KC_SEG_HDR];
	int fd = open(seg_file(0), O_RDONLY);
	struct kc_segment_header h = { 0 };
	struct kc_error e;

	if (fd < 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    kc_segment_header_decode(hdr, &h, &e))
		diag("cannot read segment header");
	close(fd);
	kc_frame_append(&b, "key", 3, data, strlen(data), NULL);
	kc_frame_seal(b.data, h.salt, off, kc_now_ms());
	return b;
}

static const struct kc_iterator from_start = { KC_ITER_TRIM_HORIZON, 0, 0 };

static void test_torn_tail(void)
{
	struct kc_buf out = KC_BUF_INIT, f;
	uint64_t first = 0;
	off_t before;

	ok(put("a", 3, &first) == 0 && first == 0, "first batch starts at offset 0");
	before = size_of(seg_file(0));
	f = stray_frame((uint64_t)before - KC_SEG_HDR, "torn");
	append_bytes(seg_file(0), f.data, 20);
	ok(read_all(&from_start, &out) == 3, "a reader ignores a torn, unpublished tail");
	ok(put("b", 1, &first) == 0 && first == (uint64_t)before - KC_SEG_HDR,
	   "the next writer cuts the torn tail and appends in its place");
	ok(read_all(&from_start, &out) == 4 &&
	   !strcmp(out.data, "a-0\na-1\na-2\nb-0\n"), "all records, no torn one");
	kc_buf_release(&f);

	/* A complete frame written but never published: kept, not acked. */
	before = size_of(seg_file(0));
	f = stray_frame((uint64_t)before - KC_SEG_HDR, "whole");
	append_bytes(seg_file(0), f.data, f.len);
	ok(read_all(&from_start, &out) == 4, "readers stop at the published end");
	ok(put("c", 1, &first) == 0 &&
	   first == (uint64_t)before - KC_SEG_HDR + f.len,
	   "a complete unpublished frame is adopted, the next goes after it");
	ok(read_all(&from_start, &out) == 6 && strstr(out.data, "whole\nc-0\n"),
	   "adopted frame is readable in place");
	kc_buf_release(&f);

	/* Garbage after the end. */
	before = size_of(seg_file(0));
	append_bytes(seg_file(0), "\xff\xff\xff\x7f garbage garbage garbage garbage!", 38);
	ok(put("d", 1, &first) == 0 && first == (uint64_t)before - KC_SEG_HDR,
	   "garbage past the end is cut");
	is_int(size_of(seg_file(0)), before + KC_FRAME_HDR + 6, "file ends after d-0");
	kc_buf_release(&out);
}

static void test_recovery(void)
{
	struct kc_buf out = KC_BUF_INIT, f;
	struct kc_tail t = tail_now();
	uint64_t first = 0;
	off_t before = size_of(seg_file(0));
	int fd;

	/* A foreign boot id: the page cache may have lost data; rescan. */
	f = stray_frame((uint64_t)before - KC_SEG_HDR, "torn");
	append_bytes(seg_file(0), f.data, 25);
	memset(t.boot, 0xab, sizeof(t.boot));
	t.end = t.seg_base;   /* lies too: recovery must not trust it */
	put_tail(&t);
	ok(put("e", 1, &first) == 0 && first == (uint64_t)before - KC_SEG_HDR,
	   "after a reboot the writer rescans the segment and cuts the torn tail");
	kc_buf_release(&f);

	/* A damaged tail file. */
	before = size_of(seg_file(0));
	fd = open(shard_file("tail"), O_WRONLY);
	ok(fd >= 0 && pwrite(fd, "XXXX", 4, 20) == 4, "damage the tail file");
	close(fd);
	ok(put("f", 1, &first) == 0 && first == (uint64_t)before - KC_SEG_HDR,
	   "a damaged tail file is rebuilt from the segment");
	ok(read_all(&from_start, &out) == 9, "nine records after recoveries");

	/* A tail file from a newer kin is refused, not guessed at. */
	{
		char raw[KC_TAIL_SIZE];
		struct kc_error e;
		struct kc_shard_writer *w;
		struct kc_buf frames = KC_BUF_INIT;
		uint64_t off;

		t = tail_now();
		kc_tail_encode(&t, raw);
		kc_put32(raw + 8, 2);
		kc_put32(raw + 60, kc_crc32c(0, raw, 60));
		fd = open(shard_file("tail"), O_WRONLY);
		ok(pwrite(fd, raw, sizeof(raw), 0) == (ssize_t)sizeof(raw), "newer tail");
		kc_shard_writer_open(s, 0, &w, &e);
		kc_frame_append(&frames, "k", 1, "x", 1, NULL);
		ok(kc_shard_append(w, &frames, 1, KC_SYNC_ALWAYS, &off, &e) == -KC_EFAIL &&
		   strstr(e.msg, "newer"), "a newer format version is refused: %s", e.msg);
		kc_shard_writer_close(w);
		kc_buf_release(&frames);
		kc_tail_encode(&t, raw);
		ok(pwrite(fd, raw, sizeof(raw), 0) == (ssize_t)sizeof(raw), "restore");
		close(fd);
	}
	kc_buf_release(&out);
}

static void test_rollover_and_seek(void)
{
	struct kc_buf out = KC_BUF_INIT;
	struct kc_iterator it = { KC_ITER_AT_SEQUENCE, 0, 0 };
	struct kc_tail t;
	struct kc_error e;
	uint64_t first = 0, mid = 0, *bases;
	size_t nseg;
	int dirfd, n;

	for (int i = 0; i < 40; i++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "r%02d", i);
		if (put(tag, 10, i == 30 ? &mid : &first))
			break;
	}
	dirfd = open(shard_file(""), O_RDONLY | O_DIRECTORY);
	kc_segment_list(dirfd, &bases, &nseg, &e);
	ok(nseg > 3, "4 KiB segments rolled over (%zu segments)", nseg);
	t = tail_now();
	ok(t.seg_base == bases[nseg - 1], "the tail names the last segment");
	for (size_t i = 1; i < nseg; i++)
		if (!ok(bases[i] > bases[i - 1], "segment bases increase"))
			break;
	n = read_all(&from_start, &out);
	is_int(n, 409, "every record across segments");
	it.offset = mid;
	n = read_all(&it, &out);
	ok(n == 409 - 9 - 300 && !strncmp(out.data, "r30-0\n", 6),
	   "AT_SEQUENCE_NUMBER seeks into a later segment");
	it.type = KC_ITER_AFTER_SEQUENCE;
	n = read_all(&it, &out);
	ok(n == 99 && !strncmp(out.data, "r30-1\n", 6), "AFTER_SEQUENCE_NUMBER");
	it.offset = mid + 1;
	it.type = KC_ITER_AT_SEQUENCE;
	{
		struct kc_reader *r;
		ok(kc_reader_open(s, 0, &it, &r, &e) == -KC_EUSAGE,
		   "a sequence number inside a record is refused: %s", e.msg);
	}

	/* An orphan: a segment made at the end by a writer that then died. */
	t = tail_now();
	ok(kc_segment_create(dirfd, t.end, 0, 1, &e) == 0, "orphan segment made");
	ok(put("o", 1, &first) == 0 && first == t.end, "the orphan is adopted");
	t = tail_now();
	ok(t.seg_base == first, "and becomes the tail segment");
	n = read_all(&from_start, &out);
	ok(n == 410 && strstr(out.data, "r39-9\no-0\n"), "reader crosses into it");
	free(bases);
	close(dirfd);
	kc_buf_release(&out);
}

static void test_timestamp_seek(void)
{
	struct kc_buf out = KC_BUF_INIT;
	struct kc_tail t;
	struct kc_iterator it = { KC_ITER_AT_TIMESTAMP, 0, 0 };
	int n;

	t = tail_now();
	usleep(5000);
	it.time_ms = t.last_ms + 2;
	put("late", 3, NULL);
	n = read_all(&it, &out);
	ok(n == 3 && !strcmp(out.data, "late-0\nlate-1\nlate-2\n"),
	   "AT_TIMESTAMP starts at the first record at or after the time");
	it.time_ms = 0;
	is_int(read_all(&it, &out), 413, "a time before everything = trim horizon");
	kc_buf_release(&out);
}

int main(void)
{
	struct kc_stream_config cfg = { 1, 24, 1u << 20, 4096, 0 };
	struct kc_error e;
	char cmd[128];

	setenv("KIN_FSYNC", "0", 1);
	snprintf(root, sizeof(root), "/tmp/kin-unit-shard.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	ok(kc_stream_create(root, "s", &cfg, &e) == 0, "create stream");
	ok(kc_stream_open(root, "s", &s, &e) == 0, "open stream");
	test_torn_tail();
	test_recovery();
	test_rollover_and_seek();
	test_timestamp_seek();
	kc_stream_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		diag("cleanup failed");
	return done_testing();
}
