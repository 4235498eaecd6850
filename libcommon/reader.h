/* reader.h: iterating over one shard's records without blocking writers. */
#ifndef KC_READER_H
#define KC_READER_H

#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "record.h"
#include "stream.h"

enum kc_iter_type {
	KC_ITER_TRIM_HORIZON,
	KC_ITER_LATEST,
	KC_ITER_AT_SEQUENCE,
	KC_ITER_AFTER_SEQUENCE,
	KC_ITER_AT_TIMESTAMP
};

/* Where to start: offset for the sequence types, time_ms for AT_TIMESTAMP. */
struct kc_iterator {
	enum kc_iter_type type;
	uint64_t offset;
	int64_t time_ms;
};

/*
 * A shard iterator. It takes no lock: it reads the tail file to learn how
 * far records are published and returns only complete, verified frames
 * below that point. A reader may outlive writers and sees their later
 * appends (follow mode polls kc_reader_next again after a wake-up).
 */
struct kc_reader {
	uint64_t shard;
	char id[32];             /* shardId-NNNNNNNNNNNN, for messages */
	char *dirpath;           /* the shard directory, for inotify */
	int dirfd, tailfd, segfd;
	uint64_t seg_base;
	uint32_t salt;
	int sealed;
	uint64_t pos;            /* logical offset of the next frame */
	uint64_t limit;          /* readable logical end of the open segment */
	int64_t min_ms;          /* skip records that arrived before this */
	struct kc_buf buf;       /* bytes from logical pos at buf.data + off */
	size_t off;
};

/*
 * Opens shard index of s positioned by it. Errors: -KC_ENOENT for a missing
 * shard or a sequence number before the trim horizon (trimmed); -KC_EUSAGE
 * for a sequence number that names no record of the shard or is past its
 * end; -KC_EIO for damage.
 */
int kc_reader_open(const struct kc_stream *s, uint64_t index,
		   const struct kc_iterator *it, struct kc_reader **out,
		   struct kc_error *e);
void kc_reader_close(struct kc_reader *r);

/*
 * Returns 1 and fills rec (pointers valid until the next call), 0 when no
 * further record is published yet, or a negative status (-KC_EIO when a
 * frame below the published end fails verification).
 */
int kc_reader_next(struct kc_reader *r, struct kc_record *rec, struct kc_error *e);

#endif
