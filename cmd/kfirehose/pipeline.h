/*
 * pipeline.h: kfirehose's engine: records in, through deaggregation, the
 * transform and partitioning, into one buffer per partition; full or due
 * buffers delivered with retries; failures to the error output; source
 * positions committed once everything made of them is delivered.
 */
#ifndef FH_PIPELINE_H
#define FH_PIPELINE_H

#include <signal.h>
#include <stdint.h>
#include "config.h"
#include "firehose.h"
#include "group.h"

struct fh_pipeline;

/* What the source knows of a record (kinesisRecordMetadata). */
struct fh_source_record {
	const char *data;
	size_t len;
	int64_t arrival_ms;
	uint64_t shard;          /* FH_STDIN for stdin */
	uint64_t offset;         /* the record's offset, or the line number */
	const char *partition_key;
	size_t partition_key_len;
};

/*
 * Builds the pipeline: opens the destination, the error output, the
 * transform and the partitioner. group (may be NULL) receives the commits.
 * stop is polled while waiting between retries. Returns 0 or a negative
 * status with e set.
 */
int fh_pipeline_open(const struct fh_config *c, const struct fh_run *run,
		     const struct fh_dest_type *type, struct kc_group *group,
		     volatile sig_atomic_t *stop, struct fh_pipeline **out,
		     struct kc_error *e);

/* Takes one source record in. Returns 0 or a negative status (fatal). */
int fh_pipeline_put(struct fh_pipeline *p, const struct fh_source_record *r,
		    struct kc_error *e);

/*
 * Delivers the buffers that are due (full, or older than the interval),
 * everything when all is set, then commits. Returns 0 or a negative status.
 */
int fh_pipeline_tick(struct fh_pipeline *p, int all, struct kc_error *e);

/* Milliseconds until the next buffer is due (-1: nothing buffered). */
int64_t fh_pipeline_next_due(const struct fh_pipeline *p);

/* The clock kfirehose uses (shifted by --now). */
int64_t fh_pipeline_now(const struct fh_pipeline *p);

/* Writes a metrics line when one is due (or when final is set). */
void fh_pipeline_metrics(struct fh_pipeline *p, int final);

/*
 * When stderr is a terminal (and not -q, and metrics do not go there):
 * rewrites the progress line once a second, and ends it when final is set.
 */
void fh_pipeline_progress(struct fh_pipeline *p, int final);

void fh_pipeline_close(struct fh_pipeline *p);

#endif
