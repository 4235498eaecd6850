/* consume.h: kget --consumer: a group worker's batches, --exec, checkpoints. */
#ifndef KGET_CONSUME_H
#define KGET_CONSUME_H

#include <stdint.h>
#include "cli.h"
#include "output.h"
#include "reader.h"
#include "stream.h"

struct kget_consume_opts {
	const struct kc_cli *cli;
	const struct kget_output *out;
	const char *name;        /* consumer name */
	const char *exec;        /* command run per batch, or NULL */
	uint64_t batch;          /* records per batch at most */
	unsigned max_retries;    /* of a failing --exec batch */
	const struct kc_iterator *from;  /* for shards without a checkpoint */
	uint64_t limit;          /* records in all, 0 for no limit */
	int follow;
};

/*
 * Reads stream s as consumer o->name until the leased shards are dry (or
 * for ever with o->follow), checkpointing each batch after it was
 * delivered. Returns the exit status.
 */
int kget_consume(struct kc_stream *s, const struct kget_consume_opts *o);

#endif
