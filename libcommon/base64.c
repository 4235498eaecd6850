/* base64.c: base64 with the standard alphabet and padding (RFC 4648). */
#include <limits.h>
#include <stddef.h>

#include "base64.h"
#include "banned.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The value of each byte in the alphabet, -1 for every other byte. */
/* clang-format off */
static const signed char value[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

size_t kc_base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void kc_base64_encode(const void *src, size_t n, char *dst)
{
	const unsigned char *s = src;
	unsigned long v;

	for (; n >= 3; n -= 3, s += 3, dst += 4) {
		v = (unsigned long)s[0] << 16 | (unsigned long)s[1] << 8 | s[2];
		dst[0] = alphabet[v >> 18];
		dst[1] = alphabet[(v >> 12) & 63];
		dst[2] = alphabet[(v >> 6) & 63];
		dst[3] = alphabet[v & 63];
	}
	if (n == 0)
		return;
	v = (unsigned long)s[0] << 16 | (n == 2 ? (unsigned long)s[1] << 8 : 0);
	dst[0] = alphabet[v >> 18];
	dst[1] = alphabet[(v >> 12) & 63];
	dst[2] = n == 2 ? alphabet[(v >> 6) & 63] : '=';
	dst[3] = '=';
}

/* Non-zero bits under the padding are accepted, as most decoders do. */
long kc_base64_decode(const char *src, size_t n, void *dst)
{
	const unsigned char *s = (const unsigned char *)src;
	unsigned char *d = dst;
	size_t i, pad = 0;
	long a, b, c, e, v;
	int last;

	if (n % 4 || n / 4 > LONG_MAX / 3)
		return -1;
	if (n && s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i += 4) {
		last = i + 4 == n;
		a = value[s[i]];
		b = value[s[i + 1]];
		c = last && pad == 2 ? 0 : value[s[i + 2]];
		e = last && pad ? 0 : value[s[i + 3]];
		if ((a | b | c | e) < 0)
			return -1;
		v = a << 18 | b << 12 | c << 6 | e;
		*d++ = (unsigned char)(v >> 16);
		if (!last || pad < 2)
			*d++ = (unsigned char)(v >> 8);
		if (!last || !pad)
			*d++ = (unsigned char)v;
	}
	return (long)(d - (unsigned char *)dst);
}
