/*
 * Unit tests for crc32c.c. The library source is included so both the
 * slicing-by-8 path and the SSE4.2 path (its static functions) are compared
 * against a bitwise reference, whatever the CPU picks at run time.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "../../libcommon/crc32c.c"
#include "banned.h"

#define POLY 0x82F63B78u
#define BIG 5000

/* The definition, one bit at a time. */
static uint32_t crc_ref(uint32_t crc, const unsigned char *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (POLY & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Whether the SSE4.2 path can run here. */
static int have_sse42(void)
{
#ifdef KC_CRC32C_SSE42
	return __builtin_cpu_supports("sse4.2");
#else
	return 0;
#endif
}

/* The SSE4.2 path's result, or the reference's when it cannot run. */
static uint32_t crc_sse42(uint32_t crc, const unsigned char *p, size_t n)
{
#ifdef KC_CRC32C_SSE42
	if (have_sse42())
		return ~crc32c_sse42(~crc, p, n);
#endif
	return crc_ref(crc, p, n);
}

static uint32_t rng_state = 2463534242u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void known_vectors(void)
{
	unsigned char b[32];
	int i;

	is_int(kc_crc32c(0, "123456789", 9), 0xE3069283, "\"123456789\"");
	is_int(kc_crc32c(0, NULL, 0), 0, "empty input gives 0");
	is_int(kc_crc32c(0x12345678, "", 0), 0x12345678,
	       "empty input keeps the running crc");
	memset(b, 0, sizeof(b));
	is_int(kc_crc32c(0, b, 32), 0x8A9136AA, "32 zero bytes");
	memset(b, 0xff, sizeof(b));
	is_int(kc_crc32c(0, b, 32), 0x62A8AB43, "32 0xff bytes");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	is_int(kc_crc32c(0, b, 32), 0x46DD794E, "32 incrementing bytes");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	is_int(kc_crc32c(0, b, 32), 0x113FDB5C, "32 decrementing bytes");
	is_int(crc_ref(0, (const unsigned char *)"123456789", 9), 0xE3069283,
	       "the bitwise reference agrees");
}

/* Every length 0..300 and some long ones, at alignments 0..15. */
static void paths_agree(const unsigned char *buf)
{
	static const size_t longs[] = { 511, 1024, 4093, 4096, BIG - 16 };
	int bad_sw = 0, bad_hw = 0, bad_api = 0, cases = 0;
	size_t off, len, i;
	uint32_t want, seed;

	for (off = 0; off < 16; off++) {
		for (i = 0; i < 301 + sizeof(longs) / sizeof(longs[0]); i++) {
			len = i < 301 ? i : longs[i - 301];
			seed = rng();
			want = crc_ref(seed, buf + off, len);
			bad_sw += ~crc32c_sw(~seed, buf + off, len) != want;
			bad_hw += crc_sse42(seed, buf + off, len) != want;
			bad_api += kc_crc32c(seed, buf + off, len) != want;
			cases++;
		}
	}
	is_int(bad_sw, 0, "slicing-by-8 equals the reference (%d cases)",
	       cases);
	if (have_sse42())
		is_int(bad_hw, 0, "SSE4.2 equals the reference (%d cases)",
		       cases);
	else
		skip("no SSE4.2 path on this machine");
	is_int(bad_api, 0, "kc_crc32c equals the reference (%d cases)", cases);
}

/* A computation split anywhere gives the one-shot result. */
static void chunked(const unsigned char *buf)
{
	uint32_t whole, crc;
	size_t i, at, n;
	int bad = 0;

	whole = kc_crc32c(0, buf, 200);
	for (i = 0; i <= 200; i++)
		bad += kc_crc32c(kc_crc32c(0, buf, i), buf + i, 200 - i) !=
		       whole;
	is_int(bad, 0, "every two-way split of 200 bytes");

	whole = kc_crc32c(0, buf, BIG);
	for (i = 0; i < 50; i++) {
		crc = 0;
		for (at = 0; at < BIG; at += n) {
			n = rng() % 700;
			if (n > BIG - at)
				n = BIG - at;
			crc = kc_crc32c(crc, buf + at, n);
		}
		bad += crc != whole;
	}
	is_int(bad, 0, "50 random chunkings of %d bytes", BIG);
}

int main(void)
{
	static unsigned char buf[BIG];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rng();
	known_vectors();
	paths_agree(buf);
	chunked(buf);
	return done_testing();
}
