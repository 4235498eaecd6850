/*
 * throttle.h: per-shard throughput limits, shared by all processes.
 * (Not "limits.h": with -Ilibcommon that name would hide <limits.h>.)
 */
#ifndef KC_THROTTLE_H
#define KC_THROTTLE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/*
 * Amazon Kinesis Data Streams' per-shard limits: writes of 1,000 records
 * and 1 MiB (data plus partition key) per second; reads of 5 GetRecords
 * calls and 2 MiB per second.
 */
#define KC_THROTTLE_WRITE_RECORDS 1000
#define KC_THROTTLE_WRITE_BYTES 1048576
#define KC_THROTTLE_READ_CALLS 5
#define KC_THROTTLE_READ_BYTES 2097152

/*
 * The file "limits" in a shard directory holds the state of the shard's
 * limits for every process that writes or reads the shard. It is created
 * on first use with mode 0666 & ~umask and is never synced: it is rate
 * state only, and a crash or a damaged file costs at most one second's
 * worth of throttling.
 *
 * The rules:
 *
 *   Writes: a sliding one-second window. Time is cut into 10 ms slots
 *   (slot k covers epoch ms [10k, 10k + 10)); the file counts the records
 *   and bytes admitted in each of the last 101 slots. A write at time t
 *   in slot k sees the window of slots k - 100 .. k, which covers
 *   (t - 1000, t] and at most 10 ms more, and is admitted record by
 *   record, in order, while the window stays at or below 1,000 records
 *   and 1,048,576 bytes. So no one-second span of admission times ever
 *   holds more than one second's worth, a writer may spend that second's
 *   worth in one burst, and a writer going flat out gets 990 to 1,000
 *   records (or 1 MiB) per second. A record larger than 1 MiB (a stream's
 *   max-record-size may allow up to 10 MiB) is admitted only as the first
 *   record of a window that holds no bytes, and then blocks every write
 *   until size * 1000 / 1048576 ms (rounded up) after its admission.
 *
 *   Read calls: the times of the last 5 admitted calls; a call is refused
 *   while the oldest of them is less than 1000 ms old.
 *
 *   Read bytes: a token bucket of at most 2 MiB, refilled at 2 MiB/s.
 *   Bytes read are charged after the call, so one call may overdraw it;
 *   while it is at or below zero every call is refused. A 10 MiB read
 *   from a full bucket thus blocks reads for 4 seconds, one in steady
 *   reading for 5, as Kinesis does after a 10 MiB GetRecords.
 *
 * Byte format, 908 bytes, every integer little-endian (i64 is two's
 * complement; times are epoch ms):
 *
 *     0  8  magic "KINLIM\0\0"
 *     8  u32 format version (1)
 *    12  u32 file length (908)
 *    16  i64 write head: the newest slot number k written (0: none)
 *    24  i64 writes blocked until this time by an oversized record (0: none)
 *    32  i64 read byte bucket, in thousandths of a byte (may be negative)
 *    40  i64 time the read byte bucket was last brought up to date
 *            (0: never, the bucket is full)
 *    48  5 x i64 admission times of the last 5 read calls (0: none)
 *    88  u32 position (0-4) in that array of the oldest call time; the
 *            next admitted call overwrites it
 *    92  u32 0
 *    96  101 x 8 bytes, the write slots; slot k lives at 96 + 8 * (k mod 101):
 *            0  u32 records admitted in slot k
 *            4  u32 bytes admitted in slot k (saturating)
 *        Only slots head - 100 .. head are meaningful; the others are zero.
 *   904  u32 crc32c (crc32c.h) of bytes [0, 904)
 *
 * Every call opens the file (O_RDWR | O_CREAT), takes flock(2) LOCK_EX on
 * it, reads it whole, updates it, writes it back whole with one pwrite(2)
 * when anything changed, and closes it, releasing the lock; nothing else
 * happens under the lock. An empty, short, long or damaged file (bad
 * magic, length or CRC) is taken as a fresh one: no writes in the window,
 * no read calls, a full read bucket. A file with the magic and a version
 * above 1 is neither read nor written (checked before the CRC).
 *
 * Clocks: a time earlier than the newest time in the file (another process
 * read its clock later but took the lock first) counts as that newest
 * time; retry delays are still measured from the caller's own time. A file
 * more than 60 s ahead of the caller's clock (a clock stepped back) is
 * taken as fresh.
 *
 * Refusals return -KC_ETEMP with e->msg
 * "ProvisionedThroughputExceededException: Rate exceeded for shard NAME",
 * NAME being the last component of the shard directory's path as
 * /proc/self/fd gives it (shardId-NNNNNNNNNNNN), or "?" when that cannot
 * be read. Callers prefix the stream as usual.
 */
#define KC_THROTTLE_FILE "limits"
#define KC_THROTTLE_SIZE 908

/*
 * Admits writes of nrecords records whose sizes (partition key plus data
 * bytes) are sizes[0..nrecords) to the shard with directory fd
 * shard_dirfd at time now_ms: the longest prefix that fits the shard's
 * window is counted in the file and *admitted set to its length. When
 * *admitted < nrecords, *retry_after_ms (when not NULL) is the wait from
 * now_ms until record *admitted would fit, were nobody else writing
 * (1 ms at least); otherwise it is 0. Returns 0 when at least one record
 * (or nrecords = 0) was admitted; -KC_ETEMP when none was, with
 * *admitted = 0 and the ProvisionedThroughputExceededException message;
 * -KC_EIO when the file cannot be opened, locked, read or written; and
 * -KC_EFAIL for a newer format version. On failure nothing was counted.
 */
int kc_throttle_admit_write(int shard_dirfd, int64_t now_ms, size_t nrecords,
			    const size_t *sizes, size_t *admitted,
			    int64_t *retry_after_ms, struct kc_error *e);

/*
 * Admits one read call (a GetRecords) on the shard with directory fd
 * shard_dirfd at time now_ms: it is refused when 5 calls were admitted in
 * the last second or the read byte bucket is empty or overdrawn. Returns
 * 0 with *retry_after_ms = 0 when admitted (and counted); -KC_ETEMP with
 * *retry_after_ms the wait until both allow a call (1 ms at least) and
 * the ProvisionedThroughputExceededException message; -KC_EIO and
 * -KC_EFAIL as kc_throttle_admit_write. retry_after_ms may be NULL.
 */
int kc_throttle_admit_read(int shard_dirfd, int64_t now_ms,
			   int64_t *retry_after_ms, struct kc_error *e);

/*
 * Charges bytes read (partition key plus data of the records returned) at
 * now_ms to the read byte bucket of the shard with directory fd
 * shard_dirfd. It never refuses: the bucket may go negative, and later
 * kc_throttle_admit_read calls are refused until it refills. A charge of 0
 * touches no file. Returns 0, -KC_EIO or -KC_EFAIL.
 */
int kc_throttle_charge_read_bytes(int shard_dirfd, int64_t now_ms, size_t bytes,
				  struct kc_error *e);

#endif
