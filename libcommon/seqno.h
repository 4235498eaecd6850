/* seqno.h: sequence numbers, decimal strings that decode to a position. */
#ifndef KC_SEQNO_H
#define KC_SEQNO_H

#include <stdint.h>
#include "hashkey.h"

/*
 * A sequence number is the 128-bit value 2^127 + shard_index * 2^64 + offset,
 * printed in decimal: always 39 digits, so numeric and lexicographic order
 * agree. offset is the record's logical byte offset in its shard (see
 * kin-record(5)), so the number is strictly increasing within a shard and
 * names the exact place of the record.
 */
#define KC_SEQNO_LEN 39

kc_u128 kc_seqno_make(uint64_t shard_index, uint64_t offset);

/* Writes the 39-digit decimal form plus NUL into out. */
void kc_seqno_format(uint64_t shard_index, uint64_t offset, char out[40]);

/*
 * Decodes a decimal sequence number. Returns 0, or -1 when s is not a kin
 * sequence number (wrong digits, range or shard index above 2^63-1).
 */
int kc_seqno_parse(const char *s, uint64_t *shard_index, uint64_t *offset);

#endif
