/* Unit tests for md5.c: the RFC 1321 suite and block boundaries. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "md5.h"
#include "banned.h"

/* The hex form of p[0..n) in a static buffer. */
static const char *hex(const uint8_t *p, size_t n)
{
	static char s[2 * 16 + 1];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	return s;
}

static void check(const char *in, size_t n, const char *want, const char *name)
{
	uint8_t md[16];

	kc_md5(in, n, md);
	is_str(hex(md, sizeof(md)), want, "MD5(%s)", name);
}

static void rfc1321(void)
{
	static const char *suite[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		  "0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
		{ "The quick brown fox jumps over the lazy dog",
		  "9e107d9d372bb6826bd81d3542a419d6" },
	};
	char name[40];
	size_t i;

	for (i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
		snprintf(name, sizeof(name), "\"%.30s\"", suite[i][0]);
		check(suite[i][0], strlen(suite[i][0]), suite[i][1], name);
	}
}

/* Lengths around the 56- and 64-byte padding boundaries. */
static void boundaries(void)
{
	static const struct {
		size_t n;
		const char *md5;
	} as[] = {
		{ 55, "ef1772b6dff9a122358552954ad0df65" },
		{ 56, "3b0c8ac703f828b04c6c197006d17218" },
		{ 57, "652b906d60af96844ebd21b674f35e93" },
		{ 63, "b06521f39153d618550606be297466d5" },
		{ 64, "014842d480b571495a4a0363793f7367" },
		{ 65, "c743a45e0d2e6a95cb859adae0248435" },
		{ 119, "8a7bd0732ed6a28ce75f6dabc90e1613" },
		{ 120, "5f61c0ccad4cac44c75ff505e1f1e537" },
		{ 128, "e510683b3f5ffe4093d021808bc6ff70" },
		{ 1000, "cabe45dcc9ae5b66ba86600cca6b8ba8" },
	};
	char buf[1001], name[32];
	size_t i;

	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		snprintf(name, sizeof(name), "%zu x 'a'", as[i].n);
		check(buf, as[i].n, as[i].md5, name);
	}
	check(buf + 1, 64, "014842d480b571495a4a0363793f7367",
	      "64 x 'a' unaligned");
}

int main(void)
{
	rfc1321();
	boundaries();
	return done_testing();
}
