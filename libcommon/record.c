/* record.c: encoding and verifying record frames (kin-record(5)). */
#include <string.h>

#include "byteorder.h"
#include "crc32c.h"
#include "record.h"
#include "banned.h"

size_t kc_frame_size(size_t keylen, size_t datalen, int has_ehk)
{
	return KC_FRAME_HDR + (has_ehk ? 16 : 0) + keylen + datalen;
}

static void put_u128_be(char *p, kc_u128 v)
{
	for (int i = 15; i >= 0; i--) {
		p[i] = (char)(unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static kc_u128 get_u128_be(const char *p)
{
	kc_u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

size_t kc_frame_append(struct kc_buf *b, const char *key, size_t keylen,
		       const char *data, size_t datalen, const kc_u128 *ehk)
{
	size_t len = kc_frame_size(keylen, datalen, ehk != NULL);
	size_t at = b->len;
	char *p;

	kc_buf_grow(b, len);
	p = b->data + at;
	memset(p, 0, KC_FRAME_HDR);
	kc_put32(p + 4, (uint32_t)len);
	kc_put16(p + 12, (uint16_t)keylen);
	p[14] = ehk ? KC_FRAME_EHK : 0;
	p += KC_FRAME_HDR;
	if (ehk) {
		put_u128_be(p, *ehk);
		p += 16;
	}
	memcpy(p, key, keylen);
	if (datalen)
		memcpy(p + keylen, data, datalen);
	b->len += len;
	b->data[b->len] = '\0';
	return at;
}

void kc_frame_seal(char *p, uint32_t salt, uint64_t offset, int64_t arrival_ms)
{
	uint32_t len = kc_get32(p + 4);

	kc_put32(p + 8, salt);
	kc_put64(p + 16, offset);
	kc_put64(p + 24, (uint64_t)arrival_ms);
	kc_put32(p, kc_crc32c(0, p + 4, len - 4));
}

long kc_frame_decode(const char *p, size_t avail, uint32_t salt,
		     uint64_t expect_offset, struct kc_record *rec,
		     size_t *need, const char **why)
{
	uint32_t len, keylen;
	size_t fixed;
	int ehk;

	if (avail < KC_FRAME_HDR) {
		*need = KC_FRAME_HDR;
		return 0;
	}
	len = kc_get32(p + 4);
	keylen = kc_get16(p + 12);
	ehk = (p[14] & KC_FRAME_EHK) != 0;
	fixed = KC_FRAME_HDR + (ehk ? 16 : 0);
	if (len < fixed + 1 || len > KC_FRAME_MAX || keylen < 1 ||
	    keylen > KC_KEY_MAX_BYTES || keylen > len - fixed ||
	    (p[14] & ~KC_FRAME_EHK) || p[15]) {
		*why = "bad frame header";
		return -1;
	}
	if (avail < len) {
		*need = len;
		return 0;
	}
	if (kc_crc32c(0, p + 4, len - 4) != kc_get32(p)) {
		*why = "checksum mismatch";
		return -1;
	}
	if (kc_get32(p + 8) != salt) {
		*why = "frame salt differs from its segment's";
		return -1;
	}
	if (kc_get64(p + 16) != expect_offset) {
		*why = "frame offset differs from its position";
		return -1;
	}
	rec->offset = expect_offset;
	rec->arrival_ms = (int64_t)kc_get64(p + 24);
	rec->has_ehk = ehk;
	rec->ehk = ehk ? get_u128_be(p + KC_FRAME_HDR) : 0;
	rec->key = p + fixed;
	rec->keylen = keylen;
	rec->data = p + fixed + keylen;
	rec->datalen = len - fixed - keylen;
	return (long)len;
}

size_t kc_frame_size_at(const char *p)
{
	return kc_get32(p + 4);
}

kc_u128 kc_frame_hash(const char *p)
{
	const char *key = p + KC_FRAME_HDR;

	if (p[14] & KC_FRAME_EHK)
		return get_u128_be(key);
	return kc_hashkey_of(key, kc_get16(p + 12));
}

size_t kc_utf8_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}
