/* retention.h: dropping records older than a stream's retention period. */
#ifndef KC_RETENTION_H
#define KC_RETENTION_H

#include <stdint.h>
#include "error.h"
#include "stream.h"

/* What a trim removed. */
struct kc_trim_stats {
	uint64_t segments;
	uint64_t bytes;
	uint64_t shards;
};

/* The arrival time before which records of s are expired, now. */
int64_t kc_retention_cutoff(const struct kc_stream *s, int64_t now_ms);

/*
 * Removes the whole segments of the shard in directory dirfd whose records
 * all arrived before cutoff_ms, oldest first, never the segment the tail
 * names (writers append there). A segment's last arrival is its last
 * frame's, found from its last index entry (or bounded by the next
 * segment's first). Readers that have a removed segment open finish
 * reading it; readers that need it later get a "trimmed" error.
 */
int kc_retention_trim_segments(int dirfd, uint64_t shard, int64_t cutoff_ms,
			       struct kc_trim_stats *st, struct kc_error *e);

/*
 * kshard trim: trims every shard's segments, then removes closed shards
 * whose every record expired from stream.meta and from disk (under the
 * metadata lock), as Kinesis expires closed shards.
 */
int kc_retention_trim(struct kc_stream *s, int64_t now_ms,
		      struct kc_trim_stats *st, struct kc_error *e);

#endif
