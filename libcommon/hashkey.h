/* hashkey.h: 128-bit hash keys, their decimal form, and shard hash ranges. */
#ifndef KC_HASHKEY_H
#define KC_HASHKEY_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 kc_u128;

#define KC_U128_MAX (~(kc_u128)0)

/*
 * Writes the decimal form of v (no leading zeros, "0" for zero) into out,
 * which must hold 40 bytes; returns the length.
 */
size_t kc_u128_format(kc_u128 v, char out[40]);

/*
 * Parses s[0..n) as a decimal 128-bit unsigned integer: digits only, no
 * sign, no leading zeros except "0" itself. Returns 0, or -1 when malformed
 * or above 2^128-1.
 */
int kc_u128_parse(const char *s, size_t n, kc_u128 *out);

/* MD5(key) read as an unsigned big-endian 128-bit integer (Kinesis routing). */
kc_u128 kc_hashkey_of(const void *key, size_t n);

/*
 * The hash key range of shard i of n created together, exactly as Kinesis
 * CreateStream assigns them: width floor(2^128/n), shard i covers
 * [i*width, (i+1)*width-1], and the last ends at 2^128-1. Requires 0 <= i < n.
 */
void kc_hashkey_range(unsigned i, unsigned n, kc_u128 *start, kc_u128 *end);

#endif
