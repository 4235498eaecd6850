/* segment.h: segment files, their index, and a shard's tail file (kin-record(5)). */
#ifndef KC_SEGMENT_H
#define KC_SEGMENT_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define KC_FORMAT_VERSION 1

/*
 * Segment header, 64 bytes, little-endian:
 *   0  8  magic "KINSEG\0\0"
 *   8  u32 format version (1)
 *  12  u32 header length (64)
 *  16  u64 base: logical offset of the first frame
 *  24  u64 shard index
 *  32  u32 salt, random per segment, repeated in every frame
 *  36  u32 0
 *  40  i64 creation time, epoch ms
 *  48  12 zero bytes
 *  60  u32 crc32c of bytes [0, 60)
 * Segment NNNN.seg holds frames from logical offset NNNN (20 digits); the
 * frame at file position p has logical offset base + p - 64. The segment
 * after it has base equal to its logical end, so a shard's offsets run
 * without gaps from its oldest segment to its tail.
 */
#define KC_SEG_HDR 64
#define KC_SEG_SUFFIX ".seg"
#define KC_INDEX_SUFFIX ".tix"
#define KC_INDEX_ENTRY 16
#define KC_INDEX_INTERVAL (16u << 10)

struct kc_segment_header {
	uint32_t version;
	uint64_t base;
	uint64_t shard;
	uint32_t salt;
	int64_t created_ms;
};

void kc_segment_header_encode(const struct kc_segment_header *h, char out[KC_SEG_HDR]);
/* Returns 0, -KC_EIO for a damaged header, -KC_EFAIL for a newer version. */
int kc_segment_header_decode(const char in[KC_SEG_HDR], struct kc_segment_header *h,
			     struct kc_error *e);

/* "%020llu.seg" / ".tix" for base into out (32 bytes). */
void kc_segment_name(uint64_t base, const char *suffix, char out[32]);

/*
 * Lists the segment bases in directory fd dirfd, sorted ascending, into a
 * malloc'd array the caller frees. Returns 0 or -KC_EIO.
 */
int kc_segment_list(int dirfd, uint64_t **bases, size_t *n, struct kc_error *e);

/*
 * The tail file of a shard, 64 bytes, little-endian, rewritten in place
 * under the shard lock after every append:
 *   0  8  magic "KINTAIL\0"
 *   8  u32 format version (1)
 *  12  u32 flags (bit 0: shard closed)
 *  16  u64 base of the last segment
 *  24  u64 end: logical offset after the last published frame
 *  32  i64 arrival time of the last frame (0 if none)
 *  40  u64 offset at or after which the next index entry is due
 *  48  8  boot id of the machine that wrote it (first 8 bytes)
 *  56  u32 0
 *  60  u32 crc32c of bytes [0, 60)
 */
#define KC_TAIL_SIZE 64
#define KC_TAIL_CLOSED 0x1

struct kc_tail {
	uint32_t flags;
	uint64_t seg_base;
	uint64_t end;
	int64_t last_ms;
	uint64_t next_index;
	uint8_t boot[8];
};

void kc_tail_encode(const struct kc_tail *t, char out[KC_TAIL_SIZE]);
/* Returns 0, -KC_EIO when damaged, -KC_EFAIL for a newer version. */
int kc_tail_decode(const char in[KC_TAIL_SIZE], struct kc_tail *t, struct kc_error *e);
/* Reads the tail file at fd; retries a torn read a few times. */
int kc_tail_read(int fd, struct kc_tail *t, struct kc_error *e);
/* Writes t at offset 0 of fd. 0 or -KC_EIO. */
int kc_tail_write(int fd, const struct kc_tail *t, struct kc_error *e);
/* The first 8 bytes of this boot's id (from /proc/sys/kernel/random/boot_id). */
void kc_boot_id(uint8_t out[8]);



/*
 * Creates segment base of shard in directory dirfd durably: a temporary
 * file gets the header and is fsync'd, renamed into place, and the
 * directory fsync'd. Returns 0 or -KC_EIO.
 */
int kc_segment_create(int dirfd, uint64_t base, uint64_t shard, int64_t now_ms,
		      struct kc_error *e);
/*
 * Opens segment base of shard in directory dirfd with flags (O_RDONLY or
 * O_RDWR; O_CLOEXEC is added) and checks its header: readable, a known
 * version, and naming this base and shard. Returns the fd and sets *salt,
 * or returns a negative status (-KC_ENOENT when missing) with e filled.
 */
int kc_segment_open(int dirfd, uint64_t base, uint64_t shard, int flags,
		    uint32_t *salt, struct kc_error *e);

/*
 * The arrival time of the first frame of segment base in dirfd (read from
 * its header, not verified), or INT64_MAX when it has none or is missing.
 */
int64_t kc_segment_first_arrival(int dirfd, uint64_t base);

#endif
