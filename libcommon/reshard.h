/* reshard.h: splitting, merging and uniformly scaling a stream's shards. */
#ifndef KC_RESHARD_H
#define KC_RESHARD_H

#include <stdint.h>
#include "error.h"
#include "hashkey.h"
#include "stream.h"

/*
 * Each operation runs under the stream's metadata lock and the locks of
 * the shards it closes, with the rules of Amazon Kinesis. The parents'
 * ends are made durable, the children created under the next free shard
 * indexes, and stream.meta replaced (the commit point); then the parents'
 * tails are marked closed. Writers that were routing by the old map find
 * the shard closed, or stream.meta replaced, at their next append and
 * route again. s->meta is current on return.
 */

/* SplitShard: children [Start, key-1] and [key, End]; Start+1 < key < End. */
int kc_reshard_split(struct kc_stream *s, uint64_t shard, kc_u128 key,
		     struct kc_error *e);

/* MergeShards: shard and adjacent must be open and hash-adjacent. */
int kc_reshard_merge(struct kc_stream *s, uint64_t shard, uint64_t adjacent,
		     struct kc_error *e);

/*
 * UpdateShardCount with UNIFORM_SCALING: splits at the new uniform
 * boundaries, then merges away the old ones, so every new shard has at
 * most two parents. target must be within half to double the open count.
 */
int kc_reshard_scale(struct kc_stream *s, unsigned target, struct kc_error *e);

#endif
