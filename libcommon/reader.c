/* reader.c: shard iterators: seeks by sequence number and time, reads. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "file.h"
#include "name.h"
#include "reader.h"
#include "retention.h"
#include "segment.h"
#include "seqno.h"
#include "units.h"
#include "banned.h"

#define READ_CHUNK (1u << 20)

static int open_segment(struct kc_reader *r, uint64_t base, struct kc_error *e)
{
	int fd = kc_segment_open(r->dirfd, base, r->shard, O_RDONLY, &r->salt, e);

	if (fd < 0)
		return kc_error_prefix(e, "%s: ", r->id);
	if (r->segfd >= 0)
		close(r->segfd);
	r->segfd = fd;
	r->seg_base = base;
	r->sealed = 0;
	r->limit = base;
	r->pos = base;
	kc_buf_reset(&r->buf);
	r->off = 0;
	return 0;
}

/* Learns how far the open segment may be read. */
static int refresh_limit(struct kc_reader *r, struct kc_error *e)
{
	struct kc_tail t;
	struct stat st;
	int rc;

	if (r->sealed)
		return 0;
	rc = kc_tail_read(r->tailfd, &t, e);
	if (rc)
		return kc_error_prefix(e, "%s: ", r->id);
	if (t.seg_base == r->seg_base) {
		r->limit = t.end;
	} else if (t.seg_base > r->seg_base) {
		if (fstat(r->segfd, &st))
			return kc_error_errno(e, KC_EIO, errno, "segment stat");
		r->sealed = 1;
		r->limit = r->seg_base + (uint64_t)st.st_size - KC_SEG_HDR;
	}
	return 0;
}

static int corrupt(struct kc_reader *r, const char *why, struct kc_error *e)
{
	char seq[40];

	kc_seqno_format(r->shard, r->pos, seq);
	return kc_error_set(e, KC_EIO,
			    "%s: segment %020" PRIu64
			    ": record at sequence number %s: %s",
			    r->id, r->seg_base, seq, why);
}

/* Reads more of the segment so that at least need bytes are buffered. */
static int fill(struct kc_reader *r, size_t need, struct kc_error *e)
{
	size_t have = r->buf.len - r->off, want;
	uint64_t from = r->pos + have;
	ssize_t got;

	if (r->off) {
		memmove(r->buf.data, r->buf.data + r->off, have);
		r->buf.len = have;
		r->off = 0;
	}
	want = need > READ_CHUNK ? need - have : READ_CHUNK;
	if (from + want > r->limit)
		want = (size_t)(r->limit - from);
	kc_buf_grow(&r->buf, want);
	got = kc_pread_full(r->segfd, r->buf.data + have, want,
			    (off_t)(from - r->seg_base + KC_SEG_HDR));
	if (got < 0)
		return kc_error_errno(e, KC_EIO, errno, "%s: read",
				      r->id);
	if ((size_t)got < want)
		return corrupt(r, "segment shorter than published", e);
	r->buf.len += (size_t)got;
	return 0;
}

static int next_segment(struct kc_reader *r, struct kc_error *e)
{
	int rc;

	if (r->buf.len > r->off)
		return corrupt(r, "incomplete frame at the end of a sealed segment", e);
	rc = open_segment(r, r->limit, e);
	if (rc == -KC_ENOENT) {
		char seq[40], cur[32];
		kc_seqno_format(r->shard, r->limit, seq);
		kc_segment_name(r->seg_base, KC_SEG_SUFFIX, cur);
		/* Trimming removes the oldest segments first: if the one just
		 * read is still there, the next one is missing, not trimmed. */
		if (faccessat(r->dirfd, cur, F_OK, 0) == 0)
			rc = kc_error_set(e, KC_EIO, "%s: segment %020" PRIu64 " is "
					  "missing after segment %020" PRIu64 " (damage)",
					  r->id, r->limit, r->seg_base);
		else
			rc = kc_error_set(e, KC_ENOENT, "%s: records from sequence "
					  "number %s were trimmed (retention) while "
					  "being read", r->id, seq);
	}
	return rc;
}

/* Decodes the next frame, reading as needed: 1, 0 (none yet) or < 0. */
static int next_frame(struct kc_reader *r, struct kc_record *rec, struct kc_error *e)
{
	for (;;) {
		size_t need = KC_FRAME_HDR;
		const char *why = NULL;
		long n = 0;
		int rc;

		if (r->buf.len > r->off)
			n = kc_frame_decode(r->buf.data + r->off, r->buf.len - r->off,
					    r->salt, r->pos, rec, &need, &why);
		if (n < 0)
			return corrupt(r, why, e);
		if (n > 0) {
			rec->shard = r->shard;
			r->off += (size_t)n;
			r->pos += (uint64_t)n;
			return 1;
		}
		if (r->pos + need > r->limit && (rc = refresh_limit(r, e)))
			return rc;
		if (r->pos + need <= r->limit) {
			if ((rc = fill(r, need, e)))
				return rc;
			continue;
		}
		/* Published ends fall between frames, so this is damage. */
		if (r->pos < r->limit)
			return corrupt(r, "frame runs past the published end", e);
		if (!r->sealed)
			return 0;
		if ((rc = next_segment(r, e)))
			return rc;
	}
}

int kc_reader_next(struct kc_reader *r, struct kc_record *rec, struct kc_error *e)
{
	int rc;

	while ((rc = next_frame(r, rec, e)) == 1) {
		if (rec->arrival_ms >= r->min_ms)
			return 1;
	}
	return rc;
}

/* Index of the last base <= off in bases, or -1. */
static long find_base(const uint64_t *bases, size_t n, uint64_t off)
{
	long lo = 0, hi = (long)n - 1, best = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (bases[mid] <= off) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best;
}

static int seek_sequence(struct kc_reader *r, const uint64_t *bases, size_t n,
			 uint64_t off, int after, struct kc_error *e)
{
	struct kc_record rec;
	char seq[40];
	long i = find_base(bases, n, off);
	int rc;

	kc_seqno_format(r->shard, off, seq);
	if (i < 0)
		return kc_error_set(e, KC_ENOENT,
				    "sequence number %s is before the trim horizon "
				    "of %s (trimmed)", seq, r->id);
	if ((rc = open_segment(r, bases[i], e)) || (rc = refresh_limit(r, e)))
		return rc;
	r->pos = off;
	if (off >= r->limit)
		return kc_error_set(e, KC_EUSAGE,
				    "sequence number %s is past the end of %s",
				    seq, r->id);
	rc = next_frame(r, &rec, e);
	if (rc <= 0)
		return kc_error_set(e, KC_EUSAGE,
				    "sequence number %s does not name a record of "
				    "%s", seq, r->id);
	if (!after) {
		r->pos = off;
		r->off = 0;
		kc_buf_reset(&r->buf);
	}
	return 0;
}

/*
 * The offset of the last index entry of segment base that arrived before t,
 * with its time in *at (base and INT64_MIN without one).
 */
static uint64_t index_lookup(struct kc_reader *r, uint64_t base, int64_t t,
			     int64_t *at)
{
	char name[32], ent[KC_INDEX_ENTRY];
	uint64_t best = base;
	struct stat st;
	long lo = 0, hi;
	int fd;

	kc_segment_name(base, KC_INDEX_SUFFIX, name);
	fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return base;
	if (fstat(fd, &st) == 0) {
		hi = (long)(st.st_size / KC_INDEX_ENTRY) - 1;
		while (lo <= hi) {
			long mid = lo + (hi - lo) / 2;
			if (kc_pread_full(fd, ent, sizeof(ent), (off_t)mid * KC_INDEX_ENTRY) !=
			    (ssize_t)sizeof(ent))
				break;
			if ((int64_t)kc_get64(ent) < t) {
				best = kc_get64(ent + 8);
				*at = (int64_t)kc_get64(ent);
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
	}
	close(fd);
	return best;
}

static int seek_time(struct kc_reader *r, const uint64_t *bases, size_t n,
		     int64_t t, struct kc_error *e)
{
	long lo = 0, hi = (long)n - 1, seg = 0;
	int64_t at = INT64_MIN;
	uint64_t start;
	struct kc_record rec;
	int rc;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (kc_segment_first_arrival(r->dirfd, bases[mid]) < t) {
			seg = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if ((rc = open_segment(r, bases[seg], e)) || (rc = refresh_limit(r, e)))
		return rc;
	if (t > r->min_ms)
		r->min_ms = t;
	start = index_lookup(r, bases[seg], t, &at);
	if (start == bases[seg] || start >= r->limit)
		return 0;
	/* The index is a hint: use it only if the frame there is the one it
	 * names, a valid frame of that arrival time (times never decrease). */
	r->pos = start;
	if (next_frame(r, &rec, e) == 1 && rec.arrival_ms == at) {
		r->pos = start;
	} else {
		r->pos = bases[seg];
	}
	r->off = 0;
	kc_buf_reset(&r->buf);
	return 0;
}

static int seek(struct kc_reader *r, const struct kc_iterator *it, struct kc_error *e)
{
	uint64_t *bases;
	size_t n;
	struct kc_tail t;
	int rc;

	if (it->type == KC_ITER_LATEST) {
		if ((rc = kc_tail_read(r->tailfd, &t, e)) || (rc = open_segment(r, t.seg_base, e)))
			return rc;
		r->pos = r->limit = t.end;
		return 0;
	}
	if ((rc = kc_segment_list(r->dirfd, &bases, &n, e)))
		return rc;
	if (n == 0)
		rc = kc_error_set(e, KC_EIO, "%s: no segments", r->id);
	else if (it->type == KC_ITER_TRIM_HORIZON)
		rc = seek_time(r, bases, n, r->min_ms, e);
	else if (it->type == KC_ITER_AT_TIMESTAMP)
		rc = seek_time(r, bases, n, it->time_ms, e);
	else
		rc = seek_sequence(r, bases, n, it->offset,
				   it->type == KC_ITER_AFTER_SEQUENCE, e);
	free(bases);
	return rc;
}

int kc_reader_open(const struct kc_stream *s, uint64_t index,
		   const struct kc_iterator *it, struct kc_reader **out,
		   struct kc_error *e)
{
	struct kc_reader *r = kc_xcalloc(1, sizeof(*r));
	struct kc_buf path = KC_BUF_INIT;
	char id[32];
	int rc;

	r->shard = index;
	r->segfd = r->tailfd = -1;
	/* Records past the retention period are gone even before a trim. */
	r->min_ms = kc_retention_cutoff(s, kc_now_ms());
	kc_shard_id_format((unsigned long)index, id);
	memcpy(r->id, id, sizeof(r->id));
	kc_buf_addf(&path, "%s/shards/%s", s->path, id);
	r->dirpath = path.data;
	r->dirfd = open(r->dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd >= 0)
		r->tailfd = openat(r->dirfd, "tail", O_RDONLY | O_CLOEXEC);
	if (r->tailfd < 0) {
		rc = kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO, errno,
				    "stream '%s': shard %s", s->meta.name, id);
	} else {
		rc = seek(r, it, e);
	}
	if (rc) {
		kc_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void kc_reader_close(struct kc_reader *r)
{
	if (!r)
		return;
	if (r->segfd >= 0)
		close(r->segfd);
	if (r->tailfd >= 0)
		close(r->tailfd);
	if (r->dirfd >= 0)
		close(r->dirfd);
	kc_buf_release(&r->buf);
	free(r->dirpath);
	free(r);
}
