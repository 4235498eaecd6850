/*
 * sink.h: kvideo-ingest's durability thread. The reading thread writes each
 * finished fragment into its temporary file, starts its writeback and
 * hands it over (kvi_sink_put) and goes on; the sink thread takes whatever
 * has queued up and stores it as one group: renames the files into place,
 * fsyncs them and the directory at the same time with a few helper
 * threads (so the disk's cache flushes are shared), appends their index
 * records and fdatasyncs the index, acknowledges PERSISTED when the stream
 * keeps data (retention > 0), and applies the retention.
 */
#ifndef KVI_SINK_H
#define KVI_SINK_H

#include <pthread.h>
#include <stdint.h>
#include "error.h"
#include "video.h"

#define KVI_SYNC_HELPERS 3          /* fsyncs at once: helpers + the sink */

/* One finished fragment, written but not yet synced nor visible. */
struct kvi_item {
	struct kv_fragment f;       /* size set */
	int64_t timecode;           /* FragmentTimecode of its acks */
	int fd;                     /* its temporary file; the sink closes it */
};

/* The helpers' shared work: item 0 the directory, item i fds[i - 1]. */
struct kvi_sync_work {
	const struct kv_fragment *f;
	const int *fds;
	size_t n, next, left;
	unsigned gen;               /* a new batch when it changes */
	int failed, quit;
	struct kc_error err;
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
	/* fsync helpers, started with the first durable group */
	pthread_t helpers[KVI_SYNC_HELPERS];
	int nhelpers;
	pthread_mutex_t smu;
	pthread_cond_t sgo, sdone;
	struct kvi_sync_work work;
};

/* Starts the sink thread writing into w. */
int kvi_sink_start(struct kvi_sink *s, struct kv_writer *w, struct kc_error *e);

/*
 * Queues item (its file passes to the sink); waits while the queue is
 * full. Returns 0, or the sink's failure (then the item's file was closed)
 * with e filled.
 */
int kvi_sink_put(struct kvi_sink *s, struct kvi_item *item, struct kc_error *e);

/*
 * Commits everything queued, stops the threads and returns 0 or the first
 * failure.
 */
int kvi_sink_finish(struct kvi_sink *s, struct kc_error *e);

#endif
