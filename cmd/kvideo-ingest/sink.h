/*
 * sink.h: kvideo-ingest's durability thread. The reading thread hands
 * finished fragments over (kvi_sink_put); the sink thread writes each to a
 * temporary file and commits whatever has queued up together (one fsync
 * round for the lot: group commit), then acknowledges PERSISTED when the
 * stream keeps data (retention > 0) and applies the retention.
 */
#ifndef KVI_SINK_H
#define KVI_SINK_H

#include <pthread.h>
#include <stdint.h>
#include "error.h"
#include "video.h"

/* One finished fragment: its MKV as header + tags + the rest. */
struct kvi_item {
	struct kv_fragment f;
	int64_t timecode;           /* FragmentTimecode of its acks */
	uint8_t *mkv;               /* av_malloc'd by the muxer, freed here */
	size_t hdr_len, len;        /* the tags go in at hdr_len */
	char *tags;                 /* malloc'd, freed here */
	size_t tags_len;
};

struct kvi_sink {
	struct kv_writer *w;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, space;
	struct kvi_item *q;         /* ring of cap items */
	size_t cap, head, n;
	uint64_t queued_bytes;
	int closing, failed, started;
	struct kc_error err;        /* the first failure */
	int64_t last_trim_ms;
};

/* Starts the sink thread writing into w. */
int kvi_sink_start(struct kvi_sink *s, struct kv_writer *w, struct kc_error *e);

/*
 * Queues item (ownership of its buffers passes to the sink); waits while
 * the queue is full. Returns 0, or the sink's failure (then the item was
 * freed) with e filled.
 */
int kvi_sink_put(struct kvi_sink *s, struct kvi_item *item, struct kc_error *e);

/*
 * Commits everything queued, stops the thread and returns 0 or its first
 * failure.
 */
int kvi_sink_finish(struct kvi_sink *s, struct kc_error *e);

#endif
