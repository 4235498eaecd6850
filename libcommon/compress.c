/*
 * compress.c: the gzip, zstd, snappy (framed) and zip writers of
 * compress.h over zlib, libzstd and libsnappy. Output is produced straight
 * into the spare capacity of the caller's kc_buf, without staging copies.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZLIB_CONST
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "byteorder.h"
#include "compress.h"
#include "crc32c.h"
#include "banned.h"

#define OUT_STEP (128 * 1024)  /* spare room asked for before each call */
#define ZLIB_PIECE (1u << 30)  /* zlib counts in uInt: feed at most this */
#define SNAPPY_CHUNK 65536     /* input per framing-format chunk */
#define ZIP32_MAX 0xffffffffu

enum { Z_OPEN, Z_FINISHED, Z_FAILED };

struct kc_compressor {
	enum kc_codec codec;
	int level;
	int state;
	struct kc_error err; /* the failure, repeated to later calls */

	z_stream zs; /* gzip, zip */
	int zs_live;
	ZSTD_CCtx *zc; /* zstd */

	char *pend; /* snappy: input waiting for a full chunk */
	size_t npend;
	int started; /* snappy: stream identifier out; zip: header out */

	char *entry; /* zip */
	size_t entry_len;
	uint16_t flags, dos_time, dos_date;
	uint32_t crc;
	uint64_t usize, csize;
};

static const struct {
	const char *name, *ext, *encoding;
} codecs[] = {
	[KC_CODEC_NONE] = { "UNCOMPRESSED", "", NULL },
	[KC_CODEC_GZIP] = { "GZIP", ".gz", "gzip" },
	[KC_CODEC_ZSTD] = { "ZSTD", ".zst", "zstd" },
	[KC_CODEC_SNAPPY] = { "Snappy", ".snappy", NULL },
	[KC_CODEC_ZIP] = { "ZIP", ".zip", NULL },
};

#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

int kc_codec_parse(const char *name, enum kc_codec *out, struct kc_error *e)
{
	size_t i;

	if (!name || !strcasecmp(name, "NONE")) {
		*out = KC_CODEC_NONE;
		return 0;
	}
	for (i = 0; i < NCODECS; i++)
		if (!strcasecmp(name, codecs[i].name)) {
			*out = (enum kc_codec)i;
			return 0;
		}
	return kc_error_set(e, KC_EUSAGE,
			    "compression '%s': not one of UNCOMPRESSED, GZIP, "
			    "ZIP, Snappy, ZSTD",
			    name);
}

const char *kc_codec_name(enum kc_codec c)
{
	return (size_t)c < NCODECS ? codecs[c].name : "?";
}

const char *kc_codec_extension(enum kc_codec c)
{
	return (size_t)c < NCODECS ? codecs[c].ext : "";
}

const char *kc_codec_encoding(enum kc_codec c)
{
	return (size_t)c < NCODECS ? codecs[c].encoding : NULL;
}

/* Room at the end of out for a codec to write into, at least OUT_STEP. */
static char *spare(struct kc_buf *out, size_t *room)
{
	kc_buf_grow(out, OUT_STEP);
	*room = out->cap - out->len - 1;
	return out->data + out->len;
}

static void produced(struct kc_buf *out, size_t n)
{
	out->len += n;
	out->data[out->len] = '\0';
}

/*
 * Runs deflate over p[0..n), appending to out; flush is Z_NO_FLUSH or
 * Z_FINISH (applied with the last piece).
 */
static int deflate_feed(struct kc_compressor *z, const void *p, size_t n,
			int flush, struct kc_buf *out, struct kc_error *e)
{
	z_stream *s = &z->zs;
	size_t piece, room;
	int f, rc;

	do {
		piece = n < ZLIB_PIECE ? n : ZLIB_PIECE;
		f = piece == n ? flush : Z_NO_FLUSH;
		s->next_in = p;
		s->avail_in = (uInt)piece;
		do {
			s->next_out = (Bytef *)spare(out, &room);
			if (room > ZLIB_PIECE)
				room = ZLIB_PIECE;
			s->avail_out = (uInt)room;
			rc = deflate(s, f);
			produced(out, room - s->avail_out);
			if (rc == Z_STREAM_ERROR)
				return kc_error_set(e, KC_EFAIL, "deflate: %s",
						    s->msg ? s->msg : "stream error");
		} while (s->avail_out == 0 || (f == Z_FINISH && rc != Z_STREAM_END));
		p = (const char *)p + piece;
		n -= piece;
	} while (n);
	return 0;
}

static int zstd_feed(struct kc_compressor *z, const void *p, size_t n, int end,
		     struct kc_buf *out, struct kc_error *e)
{
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_outBuffer ob;
	size_t r;

	for (;;) {
		ob.dst = spare(out, &ob.size);
		ob.pos = 0;
		r = ZSTD_compressStream2(z->zc, &ob, &in,
					 end ? ZSTD_e_end : ZSTD_e_continue);
		produced(out, ob.pos);
		if (ZSTD_isError(r))
			return kc_error_set(e, KC_EFAIL, "zstd: %s",
					    ZSTD_getErrorName(r));
		if (end ? r == 0 : in.pos == in.size)
			return 0;
	}
}

/*
 * Appends one framing-format data chunk holding p[0..n), n <= 65536:
 * compressed (type 0x00) unless that saves less than an eighth, then
 * stored (0x01); both carry the masked CRC-32C of the uncompressed data.
 */
static void snappy_chunk(const char *p, size_t n, struct kc_buf *out)
{
	size_t clen = snappy_max_compressed_length(n);
	uint32_t crc = kc_crc32c(0, p, n);
	unsigned type = 0x00;
	char *h;

	kc_buf_grow(out, 8 + clen);
	h = out->data + out->len;
	if (snappy_compress(p, n, h + 8, &clen) != SNAPPY_OK ||
	    clen >= n - n / 8) {
		type = 0x01;
		memcpy(h + 8, p, n);
		clen = n;
	}
	kc_put32(h, type | (uint32_t)(clen + 4) << 8);
	kc_put32(h + 4, ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
	produced(out, 8 + clen);
}

static void snappy_feed(struct kc_compressor *z, const char *p, size_t n,
			int end, struct kc_buf *out)
{
	size_t take;

	if (!z->started) {
		kc_buf_add(out, "\xff\x06\x00\x00sNaPpY", 10);
		z->started = 1;
	}
	if (z->npend && n) {
		take = SNAPPY_CHUNK - z->npend;
		if (take > n)
			take = n;
		memcpy(z->pend + z->npend, p, take);
		z->npend += take;
		p += take;
		n -= take;
		if (z->npend == SNAPPY_CHUNK) {
			snappy_chunk(z->pend, z->npend, out);
			z->npend = 0;
		}
	}
	for (; n >= SNAPPY_CHUNK; p += SNAPPY_CHUNK, n -= SNAPPY_CHUNK)
		snappy_chunk(p, SNAPPY_CHUNK, out);
	if (n) {
		if (!z->pend)
			z->pend = kc_xmalloc(SNAPPY_CHUNK);
		memcpy(z->pend, p, n);
		z->npend = n;
	}
	if (end && z->npend) {
		snappy_chunk(z->pend, z->npend, out);
		z->npend = 0;
	}
}

/* Local file header: sizes and CRC follow the data (flag bit 3). */
static void zip_header(struct kc_compressor *z, struct kc_buf *out)
{
	char h[30];

	kc_put32(h, 0x04034b50);
	kc_put16(h + 4, 20);
	kc_put16(h + 6, z->flags);
	kc_put16(h + 8, 8);
	kc_put16(h + 10, z->dos_time);
	kc_put16(h + 12, z->dos_date);
	memset(h + 14, 0, 12);
	kc_put16(h + 26, (uint16_t)z->entry_len);
	kc_put16(h + 28, 0);
	kc_buf_add(out, h, sizeof(h));
	kc_buf_add(out, z->entry, z->entry_len);
	z->started = 1;
}

/*
 * Data descriptor, central directory and end records. Zip64 (sizes in the
 * data descriptor widened to 8 bytes, a zip64 extra field in the central
 * header, the zip64 end records) is used only when the entry's sizes or
 * the directory's offset pass 4 GiB - 1, as Java's and Go's writers do.
 */
static void zip_trailer(struct kc_compressor *z, struct kc_buf *out)
{
	int zip64 = z->usize > ZIP32_MAX || z->csize > ZIP32_MAX;
	uint64_t cd_off = 30 + z->entry_len + z->csize + (zip64 ? 24 : 16);
	uint64_t cd_size = 46 + z->entry_len + (zip64 ? 20 : 0);
	int end64 = zip64 || cd_off > ZIP32_MAX;
	char h[56];

	kc_put32(h, 0x08074b50);
	kc_put32(h + 4, z->crc);
	if (zip64) {
		kc_put64(h + 8, z->csize);
		kc_put64(h + 16, z->usize);
		kc_buf_add(out, h, 24);
	} else {
		kc_put32(h + 8, (uint32_t)z->csize);
		kc_put32(h + 12, (uint32_t)z->usize);
		kc_buf_add(out, h, 16);
	}

	kc_put32(h, 0x02014b50);
	kc_put16(h + 4, 3 << 8 | (zip64 ? 45 : 20)); /* made by Unix */
	kc_put16(h + 6, zip64 ? 45 : 20);
	kc_put16(h + 8, z->flags);
	kc_put16(h + 10, 8);
	kc_put16(h + 12, z->dos_time);
	kc_put16(h + 14, z->dos_date);
	kc_put32(h + 16, z->crc);
	kc_put32(h + 20, zip64 ? ZIP32_MAX : (uint32_t)z->csize);
	kc_put32(h + 24, zip64 ? ZIP32_MAX : (uint32_t)z->usize);
	kc_put16(h + 28, (uint16_t)z->entry_len);
	kc_put16(h + 30, zip64 ? 20 : 0);
	memset(h + 32, 0, 6); /* comment length, disk, internal attributes */
	kc_put32(h + 38, 0100644u << 16); /* a regular file, rw-r--r-- */
	kc_put32(h + 42, 0);              /* local header offset */
	kc_buf_add(out, h, 46);
	kc_buf_add(out, z->entry, z->entry_len);
	if (zip64) {
		kc_put16(h, 0x0001);
		kc_put16(h + 2, 16);
		kc_put64(h + 4, z->usize);
		kc_put64(h + 12, z->csize);
		kc_buf_add(out, h, 20);
	}

	if (end64) {
		kc_put32(h, 0x06064b50);
		kc_put64(h + 4, 44);
		kc_put16(h + 12, 3 << 8 | 45);
		kc_put16(h + 14, 45);
		kc_put32(h + 16, 0);
		kc_put32(h + 20, 0);
		kc_put64(h + 24, 1);
		kc_put64(h + 32, 1);
		kc_put64(h + 40, cd_size);
		kc_put64(h + 48, cd_off);
		kc_buf_add(out, h, 56);
		kc_put32(h, 0x07064b50);
		kc_put32(h + 4, 0);
		kc_put64(h + 8, cd_off + cd_size);
		kc_put32(h + 16, 1);
		kc_buf_add(out, h, 20);
	}
	kc_put32(h, 0x06054b50);
	kc_put16(h + 4, 0);
	kc_put16(h + 6, 0);
	kc_put16(h + 8, 1);
	kc_put16(h + 10, 1);
	kc_put32(h + 12, (uint32_t)cd_size);
	kc_put32(h + 16, cd_off > ZIP32_MAX ? ZIP32_MAX : (uint32_t)cd_off);
	kc_put16(h + 20, 0);
	kc_buf_add(out, h, 22);
}

static int zip_feed(struct kc_compressor *z, const void *p, size_t n, int end,
		    struct kc_buf *out, struct kc_error *e)
{
	size_t before;
	int rc;

	if (!z->started)
		zip_header(z, out);
	if (n) /* crc32_z(crc, NULL, 0) is 0, not crc */
		z->crc = (uint32_t)crc32_z(z->crc, p, n);
	z->usize += n;
	before = out->len;
	rc = deflate_feed(z, p, n, end ? Z_FINISH : Z_NO_FLUSH, out, e);
	z->csize += out->len - before;
	if (rc < 0)
		return rc;
	if (end)
		zip_trailer(z, out);
	return 0;
}

/* Compresses p[0..n) and, when end, ends the stream. */
static int feed(struct kc_compressor *z, const void *p, size_t n, int end,
		struct kc_buf *out, struct kc_error *e)
{
	int rc = 0;

	if (z->state != Z_OPEN) {
		if (z->state == Z_FINISHED)
			return kc_error_set(e, KC_EFAIL,
					    "%s compressor: already finished",
					    kc_codec_name(z->codec));
		if (e)
			*e = z->err;
		return -z->err.code;
	}
	if (!n && !end)
		return 0;
	switch (z->codec) {
	case KC_CODEC_NONE:
		if (n)
			kc_buf_add(out, p, n);
		break;
	case KC_CODEC_GZIP:
		rc = deflate_feed(z, p, n, end ? Z_FINISH : Z_NO_FLUSH, out,
				  &z->err);
		break;
	case KC_CODEC_ZSTD:
		rc = zstd_feed(z, p, n, end, out, &z->err);
		break;
	case KC_CODEC_SNAPPY:
		snappy_feed(z, p, n, end, out);
		break;
	case KC_CODEC_ZIP:
		rc = zip_feed(z, p, n, end, out, &z->err);
		break;
	}
	if (rc < 0) {
		z->state = Z_FAILED;
		if (e)
			*e = z->err;
		return rc;
	}
	if (end)
		z->state = Z_FINISHED;
	return 0;
}

static void dos_now(struct kc_compressor *z)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || tm.tm_year < 80) {
		z->dos_time = 0;
		z->dos_date = 1 << 5 | 1; /* 1980-01-01 */
		return;
	}
	z->dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	z->dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
				 tm.tm_mday);
}

static int zip_open(struct kc_compressor *z, const char *entry,
		    struct kc_error *e)
{
	const char *s;

	if (!entry || !*entry)
		return kc_error_set(e, KC_EUSAGE, "zip: no entry name given");
	z->entry_len = strlen(entry);
	if (z->entry_len > 0xffff)
		return kc_error_set(e, KC_EUSAGE, "zip: entry name too long");
	z->entry = kc_xstrdup(entry);
	z->flags = 0x0008;
	for (s = entry; *s; s++)
		if ((unsigned char)*s >= 0x80)
			z->flags |= 0x0800; /* the name is UTF-8 */
	if (z->level == 1)
		z->flags |= 0x0006; /* as Info-ZIP marks its levels */
	else if (z->level == 2)
		z->flags |= 0x0004;
	else if (z->level >= 8)
		z->flags |= 0x0002;
	dos_now(z);
	return 0;
}

static int codec_open(struct kc_compressor *z, const char *entry,
		      struct kc_error *e)
{
	const char *name = kc_codec_name(z->codec);
	size_t r;
	int rc;

	switch (z->codec) {
	case KC_CODEC_NONE:
	case KC_CODEC_SNAPPY:
		return 0;
	case KC_CODEC_GZIP:
	case KC_CODEC_ZIP:
		if (!z->level)
			z->level = 6;
		if (z->level < 1 || z->level > 9)
			return kc_error_set(e, KC_EUSAGE,
					    "%s level %d: not in 1..9", name,
					    z->level);
		if (z->codec == KC_CODEC_ZIP && (rc = zip_open(z, entry, e)) < 0)
			return rc;
		rc = deflateInit2(&z->zs, z->level, Z_DEFLATED,
				  z->codec == KC_CODEC_GZIP ? 15 + 16 : -15, 8,
				  Z_DEFAULT_STRATEGY);
		if (rc != Z_OK)
			return kc_error_set(e, KC_EFAIL, "deflate: %s",
					    zError(rc));
		z->zs_live = 1;
		return 0;
	case KC_CODEC_ZSTD:
		if (!z->level)
			z->level = ZSTD_CLEVEL_DEFAULT;
		if (z->level < ZSTD_minCLevel() || z->level > ZSTD_maxCLevel())
			return kc_error_set(e, KC_EUSAGE,
					    "%s level %d: not in %d..%d", name,
					    z->level, ZSTD_minCLevel(),
					    ZSTD_maxCLevel());
		z->zc = ZSTD_createCCtx();
		if (!z->zc)
			return kc_error_set(e, KC_EFAIL, "zstd: out of memory");
		r = ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel,
					   z->level);
		if (!ZSTD_isError(r))
			r = ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1);
		/*
		 * Two worker threads (the machines kin targets have 2 cores);
		 * a libzstd built without threads refuses, and compresses in
		 * this thread.
		 */
		if (!ZSTD_isError(r))
			(void)ZSTD_CCtx_setParameter(z->zc, ZSTD_c_nbWorkers, 2);
		if (ZSTD_isError(r))
			return kc_error_set(e, KC_EFAIL, "zstd: %s",
					    ZSTD_getErrorName(r));
		return 0;
	}
	return kc_error_set(e, KC_EUSAGE, "compression %d: unknown", (int)z->codec);
}

int kc_compress_open(enum kc_codec c, int level, const char *entry,
		     struct kc_compressor **out, struct kc_error *e)
{
	struct kc_compressor *z = kc_xcalloc(1, sizeof(*z));
	int rc;

	z->codec = c;
	z->level = level;
	rc = codec_open(z, entry, e);
	if (rc < 0) {
		kc_compress_free(z);
		*out = NULL;
		return rc;
	}
	*out = z;
	return 0;
}

int kc_compress_write(struct kc_compressor *z, const void *p, size_t n,
		      struct kc_buf *out, struct kc_error *e)
{
	return feed(z, p, n, 0, out, e);
}

int kc_compress_finish(struct kc_compressor *z, struct kc_buf *out,
		       struct kc_error *e)
{
	return feed(z, NULL, 0, 1, out, e);
}

void kc_compress_free(struct kc_compressor *z)
{
	if (!z)
		return;
	if (z->zs_live)
		deflateEnd(&z->zs);
	ZSTD_freeCCtx(z->zc);
	free(z->pend);
	free(z->entry);
	free(z);
}

/*
 * Sizes out for the whole result first, so that zlib and zstd compress in
 * a single pass (zstd then skips its internal input buffer).
 */
int kc_compress(enum kc_codec c, int level, const char *entry, const void *p,
		size_t n, struct kc_buf *out, struct kc_error *e)
{
	struct kc_compressor *z;
	int rc;

	rc = kc_compress_open(c, level, entry, &z, e);
	if (rc < 0)
		return rc;
	if (z->zs_live && n <= ZLIB_PIECE)
		kc_buf_grow(out, deflateBound(&z->zs, (uLong)n) + 256 + z->entry_len * 2);
	else if (z->zc) {
		ZSTD_CCtx_setPledgedSrcSize(z->zc, n);
		kc_buf_grow(out, ZSTD_compressBound(n));
	}
	rc = feed(z, p, n, 1, out, e);
	kc_compress_free(z);
	return rc;
}
