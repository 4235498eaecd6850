/* consumer.h: named consumers: checkpoints, shard leases, workers. */
#ifndef KC_CONSUMER_H
#define KC_CONSUMER_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "stream.h"

/*
 * A consumer lives in streams/NAME/consumers/CONSUMER/ (see kin-stream(5)):
 *   shardId-N.checkpoint  "SEQUENCE_NUMBER\n" or "SHARD_END\n", replaced
 *                         atomically (temp file, fsync, rename, fsync dir)
 *   shardId-N.lease       held with flock(2) LOCK_EX by the worker that reads
 *                         the shard; the kernel drops it when that process
 *                         dies, so a lease expires the moment its holder does
 *   workers/PID           one per running worker, flock'd while it runs
 *   registered            present after kshard register (enhanced fan-out)
 */
#define KC_CONSUMERS_MAX 20

enum kc_checkpoint_state { KC_CKPT_NONE, KC_CKPT_SEQUENCE, KC_CKPT_SHARD_END };

struct kc_consumer {
	char name[129];
	char *dir;
	int dirfd;
	int workerfd;            /* this process's worker file, or -1 */
};

/*
 * Opens consumer name of stream s, creating its directory when create is
 * set (-KC_ENOENT otherwise when missing). kc_consumer_close(NULL) is a
 * no-op; it releases the worker file but not leases.
 */
int kc_consumer_open(const struct kc_stream *s, const char *name, int create,
		     struct kc_consumer **out, struct kc_error *e);
void kc_consumer_close(struct kc_consumer *c);

/* Reads shard's checkpoint: state, and the offset for KC_CKPT_SEQUENCE. */
int kc_consumer_checkpoint(struct kc_consumer *c, uint64_t shard,
			   enum kc_checkpoint_state *state, uint64_t *offset,
			   struct kc_error *e);

/* Writes shard's checkpoint atomically and durably. */
int kc_consumer_set_checkpoint(struct kc_consumer *c, uint64_t shard,
			       enum kc_checkpoint_state state, uint64_t offset,
			       struct kc_error *e);

/*
 * Tries to take shard's lease without waiting: returns the lease fd (keep
 * it open to hold the lease; close it to release), -1 with *busy set when
 * another live worker holds it, or a negative status below -1 on error.
 */
int kc_consumer_lease(struct kc_consumer *c, uint64_t shard, int *busy,
		      struct kc_error *e);

/* The pid holding shard's lease, or 0 if nobody does. */
long kc_consumer_lease_holder(struct kc_consumer *c, uint64_t shard);

/* Announces this process as a worker (once). */
int kc_consumer_join(struct kc_consumer *c, struct kc_error *e);

/* Counts the live workers, removing files of dead ones. */
size_t kc_consumer_workers(struct kc_consumer *c);

/* register/deregister (enhanced fan-out) and listing. */
int kc_consumer_register(const struct kc_stream *s, const char *name,
			 struct kc_error *e);
int kc_consumer_deregister(const struct kc_stream *s, const char *name,
			   struct kc_error *e);
int kc_consumer_is_registered(const struct kc_consumer *c, int64_t *created_ms);
int kc_consumer_list(const struct kc_stream *s, char ***names, size_t *n,
		     struct kc_error *e);

#endif
