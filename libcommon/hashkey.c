/* hashkey.c: 128-bit hash keys: decimal text, MD5 routing, shard ranges. */
#include <stddef.h>
#include <stdint.h>

#include "hashkey.h"
#include "md5.h"
#include "banned.h"

#define TEN19 10000000000000000000ULL

size_t kc_u128_format(kc_u128 v, char out[40])
{
	char rev[40];
	size_t n = 0, i;
	uint64_t part;
	int k;

	while (v > UINT64_MAX) {
		part = (uint64_t)(v % TEN19);
		v /= TEN19;
		for (k = 0; k < 19; k++, part /= 10)
			rev[n++] = (char)('0' + part % 10);
	}
	part = (uint64_t)v;
	do {
		rev[n++] = (char)('0' + part % 10);
		part /= 10;
	} while (part);
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
	return n;
}

int kc_u128_parse(const char *s, size_t n, kc_u128 *out)
{
	kc_u128 v = 0;
	unsigned d;
	size_t i;

	if (n == 0 || n > 39 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (KC_U128_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

kc_u128 kc_hashkey_of(const void *key, size_t n)
{
	uint8_t md[16];
	kc_u128 v = 0;
	int i;

	kc_md5(key, n, md);
	for (i = 0; i < 16; i++)
		v = v << 8 | md[i];
	return v;
}

/*
 * floor(2^128 / n) computed without 2^128: floor((2^128-1)/n), plus one
 * when n divides 2^128. n <= 1 gets the whole space.
 */
void kc_hashkey_range(unsigned i, unsigned n, kc_u128 *start, kc_u128 *end)
{
	kc_u128 width;

	if (n <= 1) {
		*start = 0;
		*end = KC_U128_MAX;
		return;
	}
	width = KC_U128_MAX / n;
	if (KC_U128_MAX % n == n - 1)
		width++;
	*start = width * i;
	*end = i + 1 >= n ? KC_U128_MAX : width * (i + 1) - 1;
}
