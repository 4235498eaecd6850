/* shard.h: appending to a shard: lock, tail recovery, framing, fsync. */
#ifndef KC_SHARD_H
#define KC_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "segment.h"
#include "stream.h"

enum kc_sync { KC_SYNC_ALWAYS, KC_SYNC_INTERVAL, KC_SYNC_NEVER };

/*
 * Returned (negated) by kc_shard_append when the shard has been closed, or
 * when stream.meta was replaced since the writer last looked (a reshard or
 * another administrative change): the caller reloads the stream's
 * metadata, calls kc_shard_writer_seen_meta, and routes the batch again.
 * Neither status ever reaches an exit status.
 */
#define KC_ECLOSED 200
#define KC_ESTALE 201

/*
 * Creates the directory of shard index under the stream directory fd
 * (shards/shardId-NNNNNNNNNNNN with its lock file, tail file and first
 * segment starting at offset 0), everything fsync'd.
 */
int kc_shard_init(int streamfd, uint64_t index, int64_t now_ms,
		  struct kc_error *e);

/*
 * A writer's handle on one shard. Opening takes no lock; every append
 * takes the shard's flock, checks the tail (cutting what a crashed writer
 * left half-written), appends, and releases it.
 */
struct kc_shard_writer {
	uint64_t index;
	uint64_t segment_size;
	int64_t retention_ms;    /* for trimming lazily at each rollover */
	int streamfd, dirfd, lockfd, tailfd, segfd, idxfd;
	unsigned long meta_ino;  /* stream.meta this writer routed by */
	uint64_t seg_base;
	uint32_t salt;
	int broken;
	uint8_t boot[8];
	struct kc_tail tail;
	struct kc_buf index_entries;
};

int kc_shard_writer_open(const struct kc_stream *s, uint64_t index,
			 struct kc_shard_writer **out, struct kc_error *e);
void kc_shard_writer_close(struct kc_shard_writer *w);

/*
 * Appends the nframes unsealed frames in frames (built with
 * kc_frame_append) as one batch: under the shard lock it gives them
 * consecutive offsets and one arrival time, writes them with one write,
 * fdatasyncs when sync is KC_SYNC_ALWAYS, and then publishes them in the
 * tail file. offsets[i] receives frame i's offset. On any failure nothing
 * of the batch is published and the segment is cut back; after a failed
 * fdatasync the writer is marked broken and refuses further appends.
 * frames is modified (sealed) but stays owned by the caller.
 */
int kc_shard_append(struct kc_shard_writer *w, struct kc_buf *frames,
		    size_t nframes, enum kc_sync sync, uint64_t *offsets,
		    struct kc_error *e);

/*
 * Records that the caller now routes by the current stream.meta, which it
 * has read into s->meta; takes the retention period from it too.
 */
void kc_shard_writer_seen_meta(struct kc_shard_writer *w, const struct kc_stream *s);

/*
 * Takes the shard lock and checks the tail as an append would (cutting a
 * torn tail); on success the lock is held and w->tail is current. Does
 * not fail for a closed shard. kc_shard_unlock releases it.
 */
int kc_shard_lock(struct kc_shard_writer *w, struct kc_error *e);
void kc_shard_unlock(struct kc_shard_writer *w);

/*
 * With the lock held: makes the shard's end durable and marks its tail
 * closed, so that every writer that takes the lock afterwards gets
 * -KC_ECLOSED. The end offset is w->tail.end.
 */
int kc_shard_mark_closed(struct kc_shard_writer *w, struct kc_error *e);

/* fdatasyncs what this writer appended (for KC_SYNC_INTERVAL). */
int kc_shard_sync(struct kc_shard_writer *w, struct kc_error *e);

#endif
