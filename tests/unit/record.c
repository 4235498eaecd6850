/* Unit tests for record.c: frame encoding, sealing and verification. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "byteorder.h"
#include "crc32c.h"
#include "record.h"
#include "banned.h"

static struct kc_buf frame_of(const char *key, const char *data, const kc_u128 *ehk)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_frame_append(&b, key, strlen(key), data, strlen(data), ehk);
	kc_frame_seal(b.data, 0x01020304, 4096, 1764121741123);
	return b;
}

static void test_layout(void)
{
	struct kc_buf b = frame_of("k", "hi", NULL);

	is_int(b.len, KC_FRAME_HDR + 3, "frame = 32-byte header + key + data");
	is_int(kc_get32(b.data + 4), b.len, "length field counts the whole frame");
	is_int(kc_get32(b.data + 8), 0x01020304, "salt at byte 8");
	is_int(kc_get16(b.data + 12), 1, "key length at byte 12");
	is_int(b.data[14], 0, "no flags without an explicit hash key");
	ok(kc_get64(b.data + 16) == 4096, "offset at byte 16");
	ok(kc_get64(b.data + 24) == 1764121741123ull, "arrival at byte 24");
	is_int(kc_get32(b.data), kc_crc32c(0, b.data + 4, b.len - 4),
	       "crc32c covers bytes 4..end");
	ok(!memcmp(b.data + 32, "khi", 3), "key then data after the header");
	kc_buf_release(&b);
}

static void test_decode(void)
{
	kc_u128 ehk = ((kc_u128)1 << 127) + 5;
	struct kc_buf b = frame_of("key", "data", &ehk);
	struct kc_record r;
	const char *why = NULL;
	size_t need = 0;
	long n;

	n = kc_frame_decode(b.data, b.len, 0x01020304, 4096, &r, &need, &why);
	is_int(n, (long)b.len, "a sealed frame decodes");
	ok(r.has_ehk && r.ehk == ehk, "explicit hash key round-trips");
	ok(r.keylen == 3 && !memcmp(r.key, "key", 3), "key round-trips");
	ok(r.datalen == 4 && !memcmp(r.data, "data", 4), "data round-trips");
	ok(r.offset == 4096 && r.arrival_ms == 1764121741123, "offset, arrival");

	for (size_t cut = 0; cut < b.len; cut += 7) {
		need = 0;
		n = kc_frame_decode(b.data, cut, 0x01020304, 4096, &r, &need, &why);
		if (!ok(n == 0 && need > cut, "a frame cut at %zu asks for more", cut))
			break;
	}
	n = kc_frame_decode(b.data, b.len, 0x01020305, 4096, &r, &need, &why);
	ok(n < 0 && strstr(why, "salt"), "another segment's salt is refused");
	n = kc_frame_decode(b.data, b.len, 0x01020304, 4097, &r, &need, &why);
	ok(n < 0 && strstr(why, "offset"), "a frame at the wrong place is refused");
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x10;
		n = kc_frame_decode(b.data, b.len, 0x01020304, 4096, &r, &need, &why);
		b.data[i] ^= 0x10;
		if (!ok(n < 0 || (n == 0 && i >= 4 && i < 8),
			"a flipped bit in byte %zu is detected", i))
			break;
	}
	memset(b.data, 0, b.len);
	n = kc_frame_decode(b.data, b.len, 0, 0, &r, &need, &why);
	ok(n < 0, "zeros (a preallocated or torn tail) are not a frame");
	kc_buf_release(&b);
}

static void test_utf8(void)
{
	is_int(kc_utf8_chars("abc", 3), 3, "ASCII counts bytes");
	is_int(kc_utf8_chars("\xc3\xa9t\xc3\xa9", 5), 3, "two-byte characters count once");
	is_int(kc_utf8_chars("\xf0\x9f\x98\x80", 4), 1, "four-byte character counts once");
}

int main(void)
{
	test_layout();
	test_decode();
	test_utf8();
	return done_testing();
}
