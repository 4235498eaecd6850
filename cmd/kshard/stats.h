/* stats.h: "kshard stats": a stream's shard-level metrics of the last hour. */
#ifndef KSHARD_STATS_H
#define KSHARD_STATS_H

#include "buf.h"
#include "error.h"

/*
 * Appends to out the metrics (metrics.h) of every shard of stream under
 * root, or of the one shard shard_or_null names ("shardId-N" or N), for
 * the last hour at the current time.
 *
 * JSON (prometheus 0), pretty-printed as the AWS CLI prints:
 *   {"StreamName":"s","Shards":[{"ShardId":"shardId-000000000000",
 *     "Minutes":[{"Timestamp":"2026-11-26T01:49:00.000000+00:00",
 *       "IncomingBytes":N,"IncomingRecords":N,"OutgoingBytes":N,
 *       "OutgoingRecords":N,"IteratorAgeMilliseconds":N,
 *       "WriteProvisionedThroughputExceeded":N,
 *       "ReadProvisionedThroughputExceeded":N},...],
 *     "Totals":{the same seven names}}]}
 * Minutes lists the minutes that counted anything, oldest first, each
 * stamped with its start; Totals sums them, except IteratorAgeMilliseconds,
 * the greatest of the hour. Shards appear in index order, closed ones too.
 *
 * Prometheus text exposition format 0.0.4 (prometheus 1): for each metric
 * two gauges labelled {stream="s",shard="shardId-000000000000"}:
 *   kin_<name>_last_hour       the Totals value
 *   kin_<name>_current_minute  the value so far in the current minute
 * with <name> incoming_bytes, incoming_records, outgoing_bytes,
 * outgoing_records, iterator_age_seconds (milliseconds / 1000, the
 * maximum), write_provisioned_throughput_exceeded and
 * read_provisioned_throughput_exceeded. They are gauges, not counters: the
 * hour slides, so the values go down as well as up.
 *
 * Returns 0; -KC_EUSAGE for a bad shard id; -KC_ENOENT for a missing
 * stream or shard; -KC_EIO or -KC_EFAIL from reading a metrics file, with
 * the shard id in the message.
 */
int kshard_stats(const char *root, const char *stream,
		 const char *shard_or_null, int prometheus, struct kc_buf *out,
		 struct kc_error *e);

#endif
