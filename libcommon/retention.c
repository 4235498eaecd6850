/* retention.c: trimming expired segments and expired closed shards. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "byteorder.h"
#include "file.h"
#include "name.h"
#include "record.h"
#include "retention.h"
#include "segment.h"
#include "banned.h"

int64_t kc_retention_cutoff(const struct kc_stream *s, int64_t now_ms)
{
	return now_ms - (int64_t)s->meta.retention_hours * 3600000;
}

/* Offset of the last .tix entry of segment base, or base without one. */
static uint64_t last_indexed(int dirfd, uint64_t base)
{
	char name[32], ent[KC_INDEX_ENTRY];
	uint64_t off = base;
	struct stat st;
	int fd;

	kc_segment_name(base, KC_INDEX_SUFFIX, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return base;
	if (fstat(fd, &st) == 0 && st.st_size >= KC_INDEX_ENTRY &&
	    kc_pread_full(fd, ent, sizeof(ent),
			  st.st_size / KC_INDEX_ENTRY * KC_INDEX_ENTRY - KC_INDEX_ENTRY) ==
		    (ssize_t)sizeof(ent))
		off = kc_get64(ent + 8);
	close(fd);
	return off;
}

/*
 * Arrival time of the last frame of sealed segment base: scanned from its
 * last index entry (at most an index interval and a batch) to its end;
 * INT64_MAX when it cannot be read, so that nothing is removed on doubt.
 */
static int64_t last_arrival(int dirfd, uint64_t base, uint64_t shard)
{
	struct kc_buf b = KC_BUF_INIT;
	struct kc_error e;
	struct stat st;
	uint32_t salt;
	uint64_t off = last_indexed(dirfd, base);
	int64_t ts = INT64_MAX;
	int fd = kc_segment_open(dirfd, base, shard, O_RDONLY, &salt, &e);
	size_t at = 0, len;

	if (fd < 0)
		return ts;
	if (fstat(fd, &st) || off < base ||
	    (off_t)(off - base) + KC_SEG_HDR > st.st_size)
		goto out;
	len = (size_t)(st.st_size - (off_t)(off - base) - KC_SEG_HDR);
	kc_buf_grow(&b, len);
	if (kc_pread_full(fd, b.data, len, (off_t)(off - base) + KC_SEG_HDR) != (ssize_t)len)
		goto out;
	while (at < len) {
		struct kc_record r;
		const char *why;
		size_t need;
		long n = kc_frame_decode(b.data + at, len - at, salt, off + at, &r, &need, &why);
		if (n <= 0) {
			ts = INT64_MAX;
			break;
		}
		ts = r.arrival_ms;
		at += (size_t)n;
	}
out:
	kc_buf_release(&b);
	close(fd);
	return ts;
}

static int remove_segment(int dirfd, uint64_t base, struct kc_trim_stats *st,
			  struct kc_error *e)
{
	char name[32];
	struct stat sb;

	kc_segment_name(base, KC_SEG_SUFFIX, name);
	if (fstatat(dirfd, name, &sb, 0) == 0)
		st->bytes += (uint64_t)sb.st_size;
	if (unlinkat(dirfd, name, 0) && errno != ENOENT)
		return kc_error_errno(e, KC_EIO, errno, "cannot remove segment %s", name);
	kc_segment_name(base, KC_INDEX_SUFFIX, name);
	unlinkat(dirfd, name, 0);
	st->segments++;
	return 0;
}

int kc_retention_trim_segments(int dirfd, uint64_t shard, int64_t cutoff_ms,
			       struct kc_trim_stats *st, struct kc_error *e)
{
	int tailfd = openat(dirfd, "tail", O_RDONLY | O_CLOEXEC);
	uint64_t *bases = NULL;
	struct kc_tail t;
	size_t n = 0, removed = 0;
	int rc;

	if (tailfd < 0)
		return kc_error_errno(e, KC_EIO, errno, "cannot open tail file");
	rc = kc_tail_read(tailfd, &t, e);
	close(tailfd);
	if (!rc)
		rc = kc_segment_list(dirfd, &bases, &n, e);
	/* Oldest first; stop at the first segment that holds a live record. */
	for (size_t i = 0; !rc && i + 1 < n && bases[i] < t.seg_base; i++) {
		if (kc_segment_first_arrival(dirfd, bases[i + 1]) >= cutoff_ms &&
		    last_arrival(dirfd, bases[i], shard) >= cutoff_ms)
			break;
		rc = remove_segment(dirfd, bases[i], st, e);
		removed++;
	}
	if (!rc && removed && kc_fsync(dirfd))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync shard directory");
	free(bases);
	return rc;
}

/* Whether shard sh, closed in stream.meta, has no live record left. */
static int shard_expired(const struct kc_stream *s, const struct kc_shard_info *sh,
			 int64_t cutoff)
{
	int dirfd = kc_stream_shard_dir(s, sh->index), fd;
	struct kc_error e;
	struct kc_tail t;
	int expired = 0;

	if (dirfd < 0)
		return 1;
	fd = openat(dirfd, "tail", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && kc_tail_read(fd, &t, &e) == 0)
		expired = (t.last_ms ? t.last_ms : sh->created_ms) < cutoff;
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return expired;
}

static int drop_shards(struct kc_stream *s, int64_t cutoff, struct kc_trim_stats *st,
		       struct kc_error *e)
{
	struct kc_stream_meta *m = &s->meta;
	size_t keep = 0, dropped = 0;
	uint64_t *gone = kc_xcalloc(m->nshards, sizeof(*gone));
	int fd, rc = kc_stream_meta_lock(s, &fd, e);

	if (rc) {
		free(gone);
		return rc;
	}
	for (size_t i = 0; i < m->nshards; i++) {
		if (m->shards[i].closed && shard_expired(s, &m->shards[i], cutoff))
			gone[dropped++] = m->shards[i].index;
		else
			m->shards[keep++] = m->shards[i];
	}
	m->nshards = keep;
	if (dropped)
		rc = kc_stream_meta_save(s, e);
	kc_stream_meta_unlock(fd);
	/* stream.meta no longer names them: remove their files. */
	for (size_t i = 0; !rc && i < dropped; i++) {
		struct kc_buf path = KC_BUF_INIT;
		char id[32];
		kc_shard_id_format((unsigned long)gone[i], id);
		kc_buf_addf(&path, "%s/shards/%s", s->path, id);
		if (kc_file_remove_tree(path.data))
			rc = kc_error_errno(e, KC_EIO, errno, "cannot remove %s", path.data);
		kc_buf_release(&path);
		st->shards++;
	}
	free(gone);
	return rc;
}

int kc_retention_trim(struct kc_stream *s, int64_t now_ms,
		      struct kc_trim_stats *st, struct kc_error *e)
{
	int64_t cutoff = kc_retention_cutoff(s, now_ms);
	int rc = 0;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; !rc && i < s->meta.nshards; i++) {
		int dirfd = kc_stream_shard_dir(s, s->meta.shards[i].index);
		if (dirfd < 0)
			continue;
		rc = kc_retention_trim_segments(dirfd, s->meta.shards[i].index, cutoff,
						st, e);
		close(dirfd);
	}
	return rc ? rc : drop_shards(s, cutoff, st, e);
}
