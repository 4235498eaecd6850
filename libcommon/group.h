/*
 * group.h: one worker of a named consumer group: it shares the shards of a
 * stream with the other live workers of the same consumer name through
 * leases (see consumer.h), reads the shards it holds, and checkpoints what
 * its caller says is done. kget --consumer and kfirehose --from use it.
 */
#ifndef KC_GROUP_H
#define KC_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "reader.h"
#include "record.h"
#include "stream.h"

/*
 * Called just before the SHARD_END checkpoint of shard is written (during
 * kc_group_read or kc_group_commit), for a caller that reports the end of
 * a shard, as kget --json does with the shard's ChildShards.
 */
typedef void (*kc_group_end_fn)(void *arg, uint64_t shard);

struct kc_group_opts {
	const char *name;                /* consumer name (validated) */
	const struct kc_iterator *from;  /* start of a shard with no checkpoint */
	int follow;                      /* kc_group_wait may block for data */
	/* Added for kget: */
	kc_group_end_fn shard_end;       /* or NULL */
	void *arg;                       /* for shard_end */
};

struct kc_group;

/*
 * Opens consumer o->name of s (created when missing), joins it as a worker
 * and takes this worker's first leases. s must stay open until
 * kc_group_close; the group reloads s's metadata after reshards (pointers
 * into s->meta.shards are invalidated by every kc_group_read). o and its
 * strings need not outlive the call.
 */
int kc_group_open(struct kc_stream *s, const struct kc_group_opts *o,
		  struct kc_group **out, struct kc_error *e);

/*
 * Called once per record read: rec's pointers are valid during the call
 * only. Returning non-zero stops kc_group_read after this record (the
 * record counts as read).
 */
typedef int (*kc_group_fn)(void *arg, const struct kc_record *rec);

/*
 * Reads the next records of one held shard with records available (shards
 * taken in turn, so no shard starves), at most max_records records and
 * about max_bytes bytes of data (at least one record), calling fn for each
 * in order. Sets *shard to the shard read. Returns the number of records
 * read (0 when no held shard has a record now), or a negative status.
 * A read shard whose parent shards reached SHARD_END and which is closed
 * and fully read is remembered; its SHARD_END checkpoint is written by the
 * kc_group_commit that covers its last record (or at once when it was read
 * to its end with nothing pending).
 * Also rebalances leases every half second: it releases only shards with
 * nothing read-but-uncommitted, so a caller's pending records always stay
 * its own to commit. A shard over this worker's share that has pending
 * records is no longer read, and is released by a later rebalance once
 * they are committed (kc_group_idle does not wait for it).
 */
int kc_group_read(struct kc_group *g, size_t max_records, size_t max_bytes,
		  kc_group_fn fn, void *arg, uint64_t *shard, struct kc_error *e);

/*
 * The records of shard up to and including the one at offset are done
 * (delivered): writes the checkpoint atomically and durably (SHARD_END
 * when that was the shard's last record and the shard is closed). Commits
 * may come in any order of shards, in increasing offsets per shard.
 */
int kc_group_commit(struct kc_group *g, uint64_t shard, uint64_t offset,
		    struct kc_error *e);

/*
 * Whether any record was read but not committed.
 */
int kc_group_pending(const struct kc_group *g);

/*
 * Waits up to ms milliseconds for new records in held shards, a change of
 * the shard map, or the next rebalance (inotify; returns at once without
 * follow). With limits emulation, while a held shard's reads are throttled
 * it sleeps until the first may read again (also without follow).
 * Returns 0, or a negative status.
 */
int kc_group_wait(struct kc_group *g, int ms, struct kc_error *e);

/*
 * Whether nothing more can come without follow: every held shard read to
 * its published end and no other shard eligible for this worker. It is
 * what the last kc_group_read found (0 records, no shard throttled), until
 * a commit finishes a shard, which may make its children eligible.
 */
int kc_group_idle(struct kc_group *g);

/*
 * Added for ksql (a caller whose first commit may come long after its first
 * read, as when a tumbling window is open): checkpoints every held shard
 * that was opened at opts.from without a checkpoint, and that this worker
 * has not committed yet, at the last record before the position it was
 * opened at, so that a restart reads the shard again from that position.
 * A shard without such a record gets no checkpoint. Each shard is looked at
 * once; call it after kc_group_open and after every kc_group_read (new
 * leases). Returns 0, or a negative status.
 */
int kc_group_commit_start(struct kc_group *g, struct kc_error *e);

/* Releases the leases and the worker (kc_group_close(NULL) is a no-op). */
void kc_group_close(struct kc_group *g);

#endif
