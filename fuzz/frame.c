/*
 * frame.c: libFuzzer harness for the decoders of bytes read from disk:
 * record frames, segment headers and tail files (kin-record(5)), and
 * stream.meta (kin-stream(5)).
 *
 * Input layout: byte 0 chooses the decoder (bits 0-1) and whether to
 * repair the checksum before decoding (bit 2), so that mutations reach
 * the checks behind the CRC. Frames: bytes 1-4 are the segment's salt,
 * 5-12 the offset the first frame is expected at, and the rest is a run
 * of frames decoded one after another as a reader does. Headers and tail
 * files: the 64 bytes after byte 0. stream.meta: the rest; with bit 2 a
 * correct "crc32c" line is appended. The bytes under test are copied into
 * a buffer of exactly their size, so any read past them trips ASan.
 *
 * Besides not crashing, every decoder must keep its contract: a decoded
 * frame re-encodes to the same bytes, a decoded header or meta file
 * survives encode+decode unchanged, and a refusal carries a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "byteorder.h"
#include "crc32c.h"
#include "error.h"
#include "record.h"
#include "segment.h"
#include "stream.h"
#include "fuzz.h"
#include "banned.h"

#define MODE_FRAME 0
#define MODE_SEGMENT 1
#define MODE_TAIL 2
#define MODE_META 3
#define FIX_CRC 0x4

/* A malloc'd copy of n bytes, so that ASan knows exactly where they end. */
static char *copy(const uint8_t *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	CHECK(c != NULL);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Checks one decoded frame: its fields lie inside it and it re-encodes. */
static void check_frame(const char *p, long n, uint32_t salt, uint64_t off,
			const struct kc_record *r)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t at;

	CHECK(n >= KC_FRAME_HDR + 1 && (size_t)n <= KC_FRAME_MAX);
	CHECK(r->offset == off);
	CHECK(r->keylen >= 1 && r->keylen <= KC_KEY_MAX_BYTES);
	CHECK(r->key == p + KC_FRAME_HDR + (r->has_ehk ? 16 : 0));
	CHECK(r->data == r->key + r->keylen);
	CHECK(r->data + r->datalen == p + n);
	CHECK(kc_frame_size(r->keylen, r->datalen, r->has_ehk) == (size_t)n);
	at = kc_frame_append(&b, r->key, r->keylen, r->data, r->datalen,
			     r->has_ehk ? &r->ehk : NULL);
	CHECK(at == 0 && b.len == (size_t)n);
	kc_frame_seal(b.data, salt, off, r->arrival_ms);
	CHECK(memcmp(b.data, p, (size_t)n) == 0);
	kc_buf_release(&b);
}

static void fuzz_frames(const uint8_t *data, size_t size, int fix)
{
	uint32_t salt;
	uint64_t off;
	size_t n, pos = 0;
	char *buf;

	if (size < 13)
		return;
	salt = kc_get32((const char *)data + 1);
	off = kc_get64((const char *)data + 5);
	n = size - 13;
	buf = copy(data + 13, n);
	for (;;) {
		struct kc_record r;
		const char *why = NULL;
		size_t need = 0, avail = n - pos;
		char *p = buf + pos;
		long got;

		if (fix && avail >= 8) {
			uint32_t len = kc_get32(p + 4);
			if (len >= 4 && len <= avail)
				kc_put32(p, kc_crc32c(0, p + 4, len - 4));
		}
		got = kc_frame_decode(p, avail, salt, off, &r, &need, &why);
		if (got < 0) {
			CHECK(why != NULL && *why != '\0');
			break;
		}
		if (got == 0) {
			CHECK(need > avail);
			CHECK(need >= KC_FRAME_HDR && need <= KC_FRAME_MAX);
			break;
		}
		CHECK((size_t)got <= avail);
		check_frame(p, got, salt, off, &r);
		pos += (size_t)got;
		off += (uint64_t)got;
	}
	free(buf);
}

static void fuzz_segment_header(const uint8_t *data, size_t size, int fix)
{
	struct kc_segment_header h, h2;
	struct kc_error e;
	char *in, out[KC_SEG_HDR];
	int rc;

	if (size < 1 + KC_SEG_HDR)
		return;
	in = copy(data + 1, KC_SEG_HDR);
	if (fix)
		kc_put32(in + 60, kc_crc32c(0, in, 60));
	e.code = 0;
	rc = kc_segment_header_decode(in, &h, &e);
	if (rc) {
		CHECK(rc == -KC_EIO || rc == -KC_EFAIL);
		CHECK(e.code == -rc && e.msg[0] != '\0');
	} else {
		CHECK(h.version >= 1 && h.version <= KC_FORMAT_VERSION);
		kc_segment_header_encode(&h, out);
		CHECK(kc_segment_header_decode(out, &h2, &e) == 0);
		CHECK(h2.version == h.version && h2.base == h.base &&
		      h2.shard == h.shard && h2.salt == h.salt &&
		      h2.created_ms == h.created_ms);
		/* Everything but the reserved bytes is as it was read. */
		CHECK(memcmp(in, out, 36) == 0 &&
		      memcmp(in + 40, out + 40, 8) == 0);
	}
	free(in);
}

static void fuzz_tail(const uint8_t *data, size_t size, int fix)
{
	struct kc_tail t, t2;
	struct kc_error e;
	char *in, out[KC_TAIL_SIZE];
	int rc;

	if (size < 1 + KC_TAIL_SIZE)
		return;
	in = copy(data + 1, KC_TAIL_SIZE);
	if (fix)
		kc_put32(in + 60, kc_crc32c(0, in, 60));
	e.code = 0;
	rc = kc_tail_decode(in, &t, &e);
	if (rc) {
		CHECK(rc == -KC_EIO || rc == -KC_EFAIL);
		CHECK(e.code == -rc && e.msg[0] != '\0');
	} else {
		CHECK(t.end >= t.seg_base);
		kc_tail_encode(&t, out);
		CHECK(kc_tail_decode(out, &t2, &e) == 0);
		CHECK(t2.flags == t.flags && t2.seg_base == t.seg_base &&
		      t2.end == t.end && t2.last_ms == t.last_ms &&
		      t2.next_index == t.next_index &&
		      memcmp(t2.boot, t.boot, 8) == 0);
		/* Everything but the reserved bytes is as it was read. */
		CHECK(memcmp(in, out, 56) == 0);
	}
	free(in);
}

static void fuzz_meta(const uint8_t *data, size_t size, int fix)
{
	struct kc_stream_meta m, m2;
	struct kc_buf text = KC_BUF_INIT, again = KC_BUF_INIT,
		      third = KC_BUF_INIT;
	struct kc_error e;
	char *in;
	int rc;

	if (size < 1)
		return;
	kc_buf_add(&text, data + 1, size - 1);
	if (fix)
		kc_buf_addf(&text, "crc32c %08x\n",
			    kc_crc32c(0, text.data, text.len));
	in = copy((const uint8_t *)text.data, text.len);
	e.code = 0;
	rc = kc_meta_decode(in, text.len, &m, &e);
	if (rc) {
		CHECK(rc == -KC_EIO || rc == -KC_EFAIL);
		CHECK(e.code == -rc && e.msg[0] != '\0');
	} else {
		CHECK(m.nshards >= 1 && m.shards != NULL);
		CHECK(m.version >= 1 && m.version <= KC_FORMAT_VERSION);
		/* Encoding is a fixed point after one round. */
		kc_meta_encode(&m, &again);
		CHECK(kc_meta_decode(again.data, again.len, &m2, &e) == 0);
		CHECK(m2.nshards == m.nshards);
		kc_meta_encode(&m2, &third);
		CHECK(third.len == again.len &&
		      memcmp(third.data, again.data, again.len) == 0);
		kc_meta_release(&m2);
		kc_meta_release(&m);
	}
	free(in);
	kc_buf_release(&text);
	kc_buf_release(&again);
	kc_buf_release(&third);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fix;

	if (size < 1)
		return 0;
	fix = (data[0] & FIX_CRC) != 0;
	switch (data[0] & 3) {
	case MODE_FRAME:
		fuzz_frames(data, size, fix);
		break;
	case MODE_SEGMENT:
		fuzz_segment_header(data, size, fix);
		break;
	case MODE_TAIL:
		fuzz_tail(data, size, fix);
		break;
	case MODE_META:
		fuzz_meta(data, size, fix);
		break;
	}
	return 0;
}
