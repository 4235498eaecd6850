/* metrics.h: per-shard, per-minute counters shared by all processes. */
#ifndef KC_METRICS_H
#define KC_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/*
 * The file "metrics" in a shard directory keeps the shard-level metrics of
 * the last hour, named as Amazon CloudWatch names Kinesis's, one bucket per
 * minute. Every process that writes or reads the shard adds to it once per
 * batch; "kshard stats" reads it. It is created on first use with mode
 * 0666 & ~umask and never synced: counts are advisory and a crash may lose
 * the last updates.
 *
 * Byte format, 4352 bytes, every integer little-endian:
 *
 *   Header, 32 bytes:
 *      0  8  magic "KINMETR\0"
 *      8  u32 format version (1)
 *     12  u32 header length (32)
 *     16  u32 number of buckets (60)
 *     20  u32 bucket length (72)
 *     24  u32 0
 *     28  u32 crc32c of bytes [0, 28)
 *
 *   60 buckets of 72 bytes from offset 32; bucket i at 32 + 72 * i:
 *      0  u64 epoch minute: floor(epoch ms / 60000) of the counted minute
 *      8  u64 IncomingBytes          data + partition key bytes appended
 *     16  u64 IncomingRecords        records appended
 *     24  u64 OutgoingBytes          data + partition key bytes read
 *     32  u64 OutgoingRecords        records read
 *     40  u64 IteratorAgeMilliseconds  the greatest age seen in the minute
 *     48  u64 WriteProvisionedThroughputExceeded  throttled write batches
 *     56  u64 ReadProvisionedThroughputExceeded   throttled read batches
 *     64  u32 0
 *     68  u32 crc32c of bytes [0, 68) of the bucket
 *
 * Minute m lives in bucket m mod 60. A bucket whose CRC does not match
 * (all-zero buckets of a new file among them) is empty. The crc32c is
 * kc_crc32c(0, ...) (crc32c.h).
 *
 * Updates: a process opens the file (O_RDWR | O_CREAT), takes flock(2)
 * LOCK_EX on it, and, if the file is shorter than 4352 bytes or its header
 * is damaged, rewrites it whole as a fresh file: the header and 60 zeroed
 * buckets. It reads bucket m mod 60; if that bucket is empty or holds an
 * older minute, it starts it afresh for minute m (the stale minute is
 * dropped); if it holds a later minute the update is dropped. It adds the
 * sums, takes the maximum of the iterator ages, writes the 72 bytes back
 * with one pwrite(2), and releases the lock. Readers take LOCK_SH while
 * they read the file. A file with the magic and a version above 1 is
 * neither read nor written, whatever its CRC (the version is checked
 * first, since a later version may lay its header out otherwise).
 */
#define KC_METRICS_FILE "metrics"
#define KC_METRICS_MINUTES 60

/*
 * One set of the seven counters. Given to kc_metrics_add it is a delta:
 * iterator_age_ms is merged as a maximum, every other field as a sum.
 */
struct kc_metrics_counts {
	uint64_t incoming_bytes;
	uint64_t incoming_records;
	uint64_t outgoing_bytes;
	uint64_t outgoing_records;
	uint64_t iterator_age_ms;
	uint64_t write_exceeded; /* WriteProvisionedThroughputExceeded */
	uint64_t read_exceeded;	 /* ReadProvisionedThroughputExceeded */
};

/* The counts of one minute, which starts at start_ms (a multiple of 60000). */
struct kc_metrics_minute {
	int64_t start_ms;
	struct kc_metrics_counts counts;
};

/*
 * Adds d to the bucket of the minute holding now_ms in the metrics file of
 * the shard directory shard_dirfd, creating the file when missing. A delta
 * of all zeros changes nothing and touches no file. Returns 0; -KC_EIO when
 * the file cannot be opened, locked, read or written (a reader without
 * write permission gets this); -KC_EFAIL for a newer format version.
 * Callers treat a failure as a lost sample, not as a failed batch.
 */
int kc_metrics_add(int shard_dirfd, int64_t now_ms,
		   const struct kc_metrics_counts *d, struct kc_error *e);

/*
 * Reads the minutes of the last hour (the minute holding now_ms and the 59
 * before it) that counted anything, oldest first, into out[0..*n). When
 * more than max minutes qualify, the latest max are returned. A missing or
 * empty file has no minutes. Returns 0; -KC_EIO when the file cannot be
 * read or its header is damaged; -KC_EFAIL for a newer format version.
 */
int kc_metrics_read(int shard_dirfd, int64_t now_ms,
		    struct kc_metrics_minute *out, size_t max, size_t *n,
		    struct kc_error *e);

/*
 * Merges src into dst as kc_metrics_add does: sums, and the maximum of
 * the iterator ages. Used to total minutes.
 */
void kc_metrics_merge(struct kc_metrics_counts *dst,
		      const struct kc_metrics_counts *src);

#endif
