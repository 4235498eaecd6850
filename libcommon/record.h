/* record.h: a record and its frame, the unit of a segment (kin-record(5)). */
#ifndef KC_RECORD_H
#define KC_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "hashkey.h"

/*
 * Frame layout (all integers little-endian), 32-byte header:
 *   0  u32 crc32c   of bytes [4, length)
 *   4  u32 length   of the whole frame, header included
 *   8  u32 salt     the segment's salt
 *  12  u16 keylen   partition key bytes (1..KC_KEY_MAX_BYTES)
 *  14  u8  flags    bit 0: a 16-byte explicit hash key follows the header
 *  15  u8  0
 *  16  u64 offset   logical offset of this frame in its shard
 *  24  i64 arrival  approximate arrival time, epoch milliseconds
 *  32  [16-byte explicit hash key, big-endian] key bytes, data bytes
 */
#define KC_FRAME_HDR 32
#define KC_FRAME_EHK 0x01
#define KC_KEY_MAX_CHARS 256
#define KC_KEY_MAX_BYTES 1024
#define KC_RECORD_MAX_LIMIT (10u << 20)   /* largest settable record size */
#define KC_FRAME_MAX (KC_FRAME_HDR + 16 + KC_KEY_MAX_BYTES + KC_RECORD_MAX_LIMIT)

/* A decoded record; pointers refer to the buffer it was decoded from. */
struct kc_record {
	uint64_t shard;          /* shard index */
	uint64_t offset;         /* logical offset = sequence number position */
	int64_t arrival_ms;
	int has_ehk;
	kc_u128 ehk;
	const char *key;
	size_t keylen;
	const char *data;
	size_t datalen;
};

/* Frame size of a record with these lengths. */
size_t kc_frame_size(size_t keylen, size_t datalen, int has_ehk);

/*
 * Appends a frame for the record to b with offset, arrival time, salt and
 * CRC left zero; kc_frame_seal fills them once the writer holds the shard
 * lock. Returns the frame's position in b.
 */
size_t kc_frame_append(struct kc_buf *b, const char *key, size_t keylen,
		       const char *data, size_t datalen, const kc_u128 *ehk);

/* Fills in salt, offset and arrival of the frame at p and computes its CRC. */
void kc_frame_seal(char *p, uint32_t salt, uint64_t offset, int64_t arrival_ms);

/*
 * Decodes and verifies the frame at p, of which avail bytes are present.
 * Returns the frame length on success; 0 when avail is too short to hold
 * the whole frame (need set to the bytes required, or KC_FRAME_HDR);
 * -1 when the frame is invalid (insane length, bad CRC, wrong salt or
 * offset), with why set to a static reason.
 */
long kc_frame_decode(const char *p, size_t avail, uint32_t salt,
		     uint64_t expect_offset, struct kc_record *rec,
		     size_t *need, const char **why);

/* The length of the (possibly unsealed) frame at p, from its header. */
size_t kc_frame_size_at(const char *p);

/*
 * The routing hash of the frame at p: its explicit hash key if it has one,
 * else MD5 of its partition key (as kc_hashkey_of).
 */
kc_u128 kc_frame_hash(const char *p);

/* Counts UTF-8 characters (bytes that are not continuation bytes). */
size_t kc_utf8_chars(const char *s, size_t n);

#endif
