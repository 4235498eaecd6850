/* shard.c: appending to a shard under its lock; cutting torn tails. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "file.h"
#include "name.h"
#include "record.h"
#include "retention.h"
#include "shard.h"
#include "units.h"
#include "banned.h"

#define SCAN_CHUNK (1u << 20)

static int create_file(int dirfd, const char *name, const void *p, size_t n,
		       struct kc_error *e)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno, "cannot create %s", name);
	if ((n && kc_write_all(fd, p, n)) || kc_fsync(fd)) {
		int err = errno;
		close(fd);
		return kc_error_errno(e, KC_EIO, err, "cannot write %s", name);
	}
	close(fd);
	return 0;
}

int kc_shard_init(int streamfd, uint64_t index, int64_t now_ms,
		  struct kc_error *e)
{
	char name[64], id[32], raw[KC_TAIL_SIZE];
	struct kc_tail t = { 0 };
	int dirfd, shardsfd, rc;

	if (mkdirat(streamfd, "shards", 0777) && errno != EEXIST)
		return kc_error_errno(e, KC_EIO, errno, "cannot create shards directory");
	kc_shard_id_format((unsigned long)index, id);
	snprintf(name, sizeof(name), "shards/%s", id);
	if (mkdirat(streamfd, name, 0777))
		return kc_error_errno(e, KC_EIO, errno, "cannot create %s", name);
	dirfd = openat(streamfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return kc_error_errno(e, KC_EIO, errno, "cannot open %s", name);
	kc_boot_id(t.boot);
	kc_tail_encode(&t, raw);
	rc = create_file(dirfd, "lock", NULL, 0, e);
	if (!rc)
		rc = kc_segment_create(dirfd, 0, index, now_ms, e);
	if (!rc)
		rc = create_file(dirfd, "tail", raw, sizeof(raw), e);
	if (!rc && kc_fsync(dirfd))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync %s", name);
	close(dirfd);
	shardsfd = openat(streamfd, "shards", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!rc && (shardsfd < 0 || kc_fsync(shardsfd)))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync shards directory");
	if (shardsfd >= 0)
		close(shardsfd);
	return rc;
}

int kc_shard_writer_open(const struct kc_stream *s, uint64_t index,
			 struct kc_shard_writer **out, struct kc_error *e)
{
	struct kc_shard_writer *w = kc_xcalloc(1, sizeof(*w));

	w->index = index;
	w->segment_size = s->meta.segment_size;
	w->segfd = w->idxfd = w->lockfd = w->tailfd = -1;
	w->streamfd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 0);
	kc_shard_writer_seen_meta(w, s);
	kc_boot_id(w->boot);
	w->dirfd = kc_stream_shard_dir(s, index);
	if (w->dirfd >= 0)
		w->lockfd = openat(w->dirfd, "lock", O_RDWR | O_CLOEXEC);
	if (w->lockfd >= 0)
		w->tailfd = openat(w->dirfd, "tail", O_RDWR | O_CLOEXEC);
	if (w->tailfd < 0) {
		int err = errno;
		kc_shard_writer_close(w);
		return kc_error_errno(e, KC_EIO, err, "shard %" PRIu64 ": cannot open",
				      index);
	}
	*out = w;
	return 0;
}

static void close_segment(struct kc_shard_writer *w)
{
	if (w->segfd >= 0)
		close(w->segfd);
	if (w->idxfd >= 0)
		close(w->idxfd);
	w->segfd = w->idxfd = -1;
}

void kc_shard_writer_close(struct kc_shard_writer *w)
{
	if (!w)
		return;
	close_segment(w);
	if (w->tailfd >= 0)
		close(w->tailfd);
	if (w->lockfd >= 0)
		close(w->lockfd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->streamfd >= 0)
		close(w->streamfd);
	kc_buf_release(&w->index_entries);
	free(w);
}

static int open_segment(struct kc_shard_writer *w, uint64_t base, struct kc_error *e)
{
	char name[32];
	int fd;

	close_segment(w);
	fd = kc_segment_open(w->dirfd, base, w->index, O_RDWR, &w->salt, e);
	if (fd < 0)
		return fd;
	w->segfd = fd;
	kc_segment_name(base, KC_INDEX_SUFFIX, name);
	w->idxfd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0666);
	if (w->idxfd < 0)
		return kc_error_errno(e, KC_EIO, errno, "index %s", name);
	w->seg_base = base;
	return 0;
}

/*
 * Scans frames of the open segment from file position pos up to size and
 * sets *valid to the end of the last complete, verified frame and *last_ms
 * to its arrival time (unchanged if none).
 */
static int scan_frames(struct kc_shard_writer *w, off_t pos, off_t size,
		       off_t *valid, int64_t *last_ms, struct kc_error *e)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t chunk = SCAN_CHUNK;
	int rc = 0;

	*valid = pos;
	while (pos < size) {
		size_t want = (size_t)(size - pos) < chunk ? (size_t)(size - pos) : chunk;
		size_t at = 0, need = 0;
		ssize_t got;

		kc_buf_reset(&b);
		kc_buf_grow(&b, want);
		got = kc_pread_full(w->segfd, b.data, want, pos);
		if (got < 0) {
			rc = kc_error_errno(e, KC_EIO, errno, "cannot read segment");
			break;
		}
		for (;;) {
			struct kc_record r;
			const char *why;
			long n = kc_frame_decode(b.data + at, (size_t)got - at, w->salt,
						 w->seg_base + (uint64_t)(pos + (off_t)at) - KC_SEG_HDR,
						 &r, &need, &why);
			if (n <= 0)
				break;
			at += (size_t)n;
			*last_ms = r.arrival_ms;
		}
		pos += (off_t)at;
		*valid = pos;
		if (need == 0 || pos + (off_t)need > size || (at == 0 && (size_t)got >= need))
			break;   /* a bad frame, or a frame cut short: the end */
		if (at == 0)
			chunk = need;
	}
	kc_buf_release(&b);
	return rc;
}

/* Cuts the segment to file size len and syncs the cut. */
static int cut_segment(struct kc_shard_writer *w, off_t len, struct kc_error *e)
{
	if (ftruncate(w->segfd, len) || kc_fdatasync(w->segfd)) {
		w->broken = 1;
		return kc_error_errno(e, KC_EIO, errno,
				      "shard %" PRIu64 ": cannot cut the segment tail",
				      w->index);
	}
	return 0;
}

/* Drops index entries at or past the tail's end; sets next_index. */
static void trim_index(struct kc_shard_writer *w)
{
	struct stat st;
	off_t n;
	char ent[KC_INDEX_ENTRY];

	w->tail.next_index = w->tail.seg_base;
	if (fstat(w->idxfd, &st))
		return;
	n = st.st_size / KC_INDEX_ENTRY;
	while (n > 0) {
		if (kc_pread_full(w->idxfd, ent, sizeof(ent),
				  (n - 1) * KC_INDEX_ENTRY) == (ssize_t)sizeof(ent) &&
		    kc_get64(ent + 8) < w->tail.end) {
			w->tail.next_index = kc_get64(ent + 8) + KC_INDEX_INTERVAL;
			break;
		}
		n--;
	}
	/* The index is derived data: a failed cut only costs a longer scan. */
	if (ftruncate(w->idxfd, n * KC_INDEX_ENTRY))
		w->tail.next_index = UINT64_MAX;
}

static void purge_temp_files(struct kc_shard_writer *w)
{
	uint64_t *bases;
	size_t n;
	struct kc_error ignore;
	char name[64];

	/* Only ".tmp-<segment>" names are made here; try the next one. */
	if (kc_segment_list(w->dirfd, &bases, &n, &ignore))
		return;
	if (n) {
		char seg[32];
		kc_segment_name(w->tail.end, KC_SEG_SUFFIX, seg);
		snprintf(name, sizeof(name), ".tmp-%s", seg);
		unlinkat(w->dirfd, name, 0);
	}
	free(bases);
}

/*
 * Rebuilds the tail from the segments themselves: after a reboot (the page
 * cache may have lost unsynced data), or when the tail file is damaged or
 * disagrees with the segment.
 */
static int recover_full(struct kc_shard_writer *w, const struct kc_tail *old,
			struct kc_error *e)
{
	uint64_t *bases, last;
	size_t n;
	struct stat st;
	off_t valid;
	int64_t last_ms = old ? old->last_ms : 0;
	int rc = kc_segment_list(w->dirfd, &bases, &n, e);

	if (rc)
		return rc;
	if (n == 0) {
		free(bases);
		return kc_error_set(e, KC_EIO, "shard %" PRIu64 ": no segments", w->index);
	}
	last = bases[n - 1];
	free(bases);
	rc = open_segment(w, last, e);
	if (rc)
		return rc;
	if (fstat(w->segfd, &st))
		return kc_error_errno(e, KC_EIO, errno, "segment stat");
	rc = scan_frames(w, KC_SEG_HDR, st.st_size, &valid, &last_ms, e);
	if (rc)
		return rc;
	if (valid < st.st_size && (rc = cut_segment(w, valid, e)))
		return rc;
	memset(&w->tail, 0, sizeof(w->tail));
	w->tail.flags = old ? old->flags : 0;
	w->tail.seg_base = last;
	w->tail.end = last + (uint64_t)valid - KC_SEG_HDR;
	w->tail.last_ms = last_ms;
	memcpy(w->tail.boot, w->boot, 8);
	trim_index(w);
	purge_temp_files(w);
	return kc_tail_write(w->tailfd, &w->tail, e);
}

/* Adopts a segment created at the tail's end by a writer that then died. */
static int adopt_orphan(struct kc_shard_writer *w, struct kc_error *e)
{
	char name[32];

	kc_segment_name(w->tail.end, KC_SEG_SUFFIX, name);
	if (faccessat(w->dirfd, name, F_OK, 0) != 0)
		return 0;
	w->tail.seg_base = w->tail.end;
	w->tail.next_index = w->tail.end;
	return kc_tail_write(w->tailfd, &w->tail, e);
}

/* Checks the open segment against the tail; cuts a torn tail. */
static int check_tail(struct kc_shard_writer *w, struct kc_error *e)
{
	struct kc_tail *t = &w->tail;
	struct stat st;
	off_t expect, valid;
	int rc;

	if (t->end != t->seg_base && (rc = adopt_orphan(w, e)))
		return rc;
	if (w->segfd < 0 || w->seg_base != t->seg_base) {
		rc = open_segment(w, t->seg_base, e);
		if (rc)
			return recover_full(w, t, e);
	}
	if (fstat(w->segfd, &st))
		return kc_error_errno(e, KC_EIO, errno, "segment stat");
	expect = KC_SEG_HDR + (off_t)(t->end - t->seg_base);
	if (st.st_size == expect)
		return 0;
	if (st.st_size < expect)
		return recover_full(w, t, e);
	rc = scan_frames(w, expect, st.st_size, &valid, &t->last_ms, e);
	if (rc)
		return rc;
	if (valid < st.st_size && (rc = cut_segment(w, valid, e)))
		return rc;
	t->end = t->seg_base + (uint64_t)valid - KC_SEG_HDR;
	trim_index(w);
	return kc_tail_write(w->tailfd, t, e);
}

/* The inode of stream.meta now: it changes whenever the file is replaced. */
static unsigned long meta_ino(const struct kc_shard_writer *w)
{
	struct stat st;

	if (w->streamfd < 0 || fstatat(w->streamfd, KC_META_FILE, &st, 0))
		return 0;
	return (unsigned long)st.st_ino;
}

void kc_shard_writer_seen_meta(struct kc_shard_writer *w, const struct kc_stream *s)
{
	w->meta_ino = meta_ino(w);
	w->retention_ms = (int64_t)s->meta.retention_hours * 3600000;
}

int kc_shard_lock(struct kc_shard_writer *w, struct kc_error *e)
{
	struct kc_tail t;
	int rc;

	if (w->broken)
		return kc_error_set(e, KC_EIO,
				    "shard %" PRIu64 ": an earlier write or fsync "
				    "failed; refusing to write",
				    w->index);
	while (flock(w->lockfd, LOCK_EX))
		if (errno != EINTR)
			return kc_error_errno(e, KC_EIO, errno, "cannot lock shard");
	rc = kc_tail_read(w->tailfd, &t, e);
	if (rc == -KC_EFAIL)
		goto fail;
	if (rc || memcmp(t.boot, w->boot, 8) != 0) {
		rc = recover_full(w, rc ? NULL : &t, e);
	} else {
		w->tail = t;
		rc = check_tail(w, e);
	}
	if (!rc)
		return 0;
fail:
	flock(w->lockfd, LOCK_UN);
	return rc;
}

void kc_shard_unlock(struct kc_shard_writer *w)
{
	flock(w->lockfd, LOCK_UN);
}

/* Locks for an append: also refuses a closed shard or a stale route. */
static int lock_and_check(struct kc_shard_writer *w, struct kc_error *e)
{
	int rc = kc_shard_lock(w, e);

	if (rc)
		return rc;
	if (w->tail.flags & KC_TAIL_CLOSED)
		rc = kc_error_set(e, KC_ECLOSED, "shard %" PRIu64 " is closed", w->index);
	else if (meta_ino(w) != w->meta_ino)
		rc = kc_error_set(e, KC_ESTALE, "stream metadata changed");
	if (rc)
		kc_shard_unlock(w);
	return rc;
}

int kc_shard_mark_closed(struct kc_shard_writer *w, struct kc_error *e)
{
	if (kc_fdatasync(w->segfd))
		return kc_error_errno(e, KC_EIO, errno, "shard %" PRIu64 ": fsync",
				      w->index);
	w->tail.flags |= KC_TAIL_CLOSED;
	if (kc_tail_write(w->tailfd, &w->tail, e))
		return -KC_EIO;
	if (kc_fsync(w->tailfd))
		return kc_error_errno(e, KC_EIO, errno, "shard %" PRIu64 ": fsync",
				      w->index);
	return 0;
}

static int rollover(struct kc_shard_writer *w, struct kc_error *e)
{
	int rc;

	if (kc_fdatasync(w->segfd)) {
		w->broken = 1;
		return kc_error_errno(e, KC_EIO, errno, "cannot sync segment");
	}
	rc = kc_segment_create(w->dirfd, w->tail.end, w->index, kc_now_ms(), e);
	if (rc)
		return rc;
	w->tail.seg_base = w->tail.end;
	w->tail.next_index = w->tail.end;
	rc = kc_tail_write(w->tailfd, &w->tail, e);
	if (!rc)
		rc = open_segment(w, w->tail.seg_base, e);
	if (!rc) {
		/* Writers trim lazily; kshard trim does the rest from cron. */
		struct kc_trim_stats st = { 0 };
		struct kc_error ignore;
		kc_retention_trim_segments(w->dirfd, w->index,
					   kc_now_ms() - w->retention_ms, &st, &ignore);
	}
	return rc;
}

static int pwrite_all(int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Seals each frame with its offset and the batch's arrival time. */
static void seal_batch(struct kc_shard_writer *w, struct kc_buf *frames,
		       size_t nframes, uint64_t *offsets)
{
	int64_t now = kc_now_ms(), ts = now > w->tail.last_ms ? now : w->tail.last_ms;
	uint64_t off = w->tail.end;
	char *p = frames->data;

	kc_buf_reset(&w->index_entries);
	for (size_t i = 0; i < nframes; i++) {
		uint32_t len = kc_get32(p + 4);
		kc_frame_seal(p, w->salt, off, ts);
		offsets[i] = off;
		if (off >= w->tail.next_index) {
			char ent[KC_INDEX_ENTRY];
			kc_put64(ent, (uint64_t)ts);
			kc_put64(ent + 8, off);
			kc_buf_add(&w->index_entries, ent, sizeof(ent));
			w->tail.next_index = off + KC_INDEX_INTERVAL;
		}
		off += len;
		p += len;
	}
	w->tail.last_ms = ts;
}

static int write_batch(struct kc_shard_writer *w, struct kc_buf *frames,
		       enum kc_sync sync, struct kc_error *e)
{
	off_t pos = KC_SEG_HDR + (off_t)(w->tail.end - w->seg_base);

	if (pwrite_all(w->segfd, frames->data, frames->len, pos)) {
		int err = errno;
		int rc = kc_error_errno(e, KC_EIO, err, "shard %" PRIu64 ": cannot write",
					w->index);
		struct kc_error ignore;
		cut_segment(w, pos, &ignore);
		return rc;
	}
	if (sync == KC_SYNC_ALWAYS && kc_fdatasync(w->segfd)) {
		int err = errno;
		struct kc_error ignore;
		/* fsyncgate: never retry; leave nothing unacknowledged published. */
		cut_segment(w, pos, &ignore);
		w->broken = 1;
		return kc_error_errno(e, KC_EIO, err, "shard %" PRIu64 ": fsync failed",
				      w->index);
	}
	/* The index is derived: a failed write only makes seeks scan longer. */
	if (w->index_entries.len &&
	    kc_write_all(w->idxfd, w->index_entries.data, w->index_entries.len))
		w->tail.next_index = UINT64_MAX;
	w->tail.end += frames->len;
	return kc_tail_write(w->tailfd, &w->tail, e);
}

int kc_shard_append(struct kc_shard_writer *w, struct kc_buf *frames,
		    size_t nframes, enum kc_sync sync, uint64_t *offsets,
		    struct kc_error *e)
{
	uint64_t used;
	int rc = lock_and_check(w, e);

	if (rc)
		return rc;
	used = w->tail.end - w->tail.seg_base;
	if (used > 0 && used + frames->len > w->segment_size)
		rc = rollover(w, e);
	if (!rc) {
		struct kc_tail before = w->tail;
		seal_batch(w, frames, nframes, offsets);
		rc = write_batch(w, frames, sync, e);
		if (rc)
			w->tail = before;
	}
	flock(w->lockfd, LOCK_UN);
	return rc;
}

int kc_shard_sync(struct kc_shard_writer *w, struct kc_error *e)
{
	if (w->segfd >= 0 && kc_fdatasync(w->segfd)) {
		w->broken = 1;
		return kc_error_errno(e, KC_EIO, errno, "shard %" PRIu64 ": fsync failed",
				      w->index);
	}
	return 0;
}
