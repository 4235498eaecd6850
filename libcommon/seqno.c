/* seqno.c: sequence numbers: 2^127 + shard_index * 2^64 + offset. */
#include <stdint.h>
#include <string.h>

#include "seqno.h"
#include "banned.h"

#define SEQNO_BASE ((kc_u128)1 << 127)

kc_u128 kc_seqno_make(uint64_t shard_index, uint64_t offset)
{
	return SEQNO_BASE + ((kc_u128)shard_index << 64) + offset;
}

void kc_seqno_format(uint64_t shard_index, uint64_t offset, char out[40])
{
	kc_u128_format(kc_seqno_make(shard_index, offset), out);
}

/* Any 39-digit value in [2^127, 2^128) has a shard index below 2^63. */
int kc_seqno_parse(const char *s, uint64_t *shard_index, uint64_t *offset)
{
	kc_u128 v;

	if (strlen(s) != KC_SEQNO_LEN || kc_u128_parse(s, KC_SEQNO_LEN, &v) ||
	    v < SEQNO_BASE)
		return -1;
	v -= SEQNO_BASE;
	*shard_index = (uint64_t)(v >> 64);
	*offset = (uint64_t)v;
	return 0;
}
