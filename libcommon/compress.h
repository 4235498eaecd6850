/*
 * compress.h: the compression formats kin writes: gzip (RFC 1952, zlib),
 * zstd (a zstd frame), snappy (the snappy framing format, as the snappy
 * CLI tools and python-snappy's stream format read it), zip (a PKZIP
 * archive of one deflated entry). Streaming: feed input in pieces, the
 * compressed bytes are appended to a kc_buf as they are produced.
 */
#ifndef KC_COMPRESS_H
#define KC_COMPRESS_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

enum kc_codec { KC_CODEC_NONE, KC_CODEC_GZIP, KC_CODEC_ZSTD, KC_CODEC_SNAPPY, KC_CODEC_ZIP };

/*
 * Parses a codec name, case-insensitively: UNCOMPRESSED (or none), GZIP,
 * ZSTD, Snappy, ZIP. Returns 0, or -KC_EUSAGE with e naming the choices.
 * A NULL name parses as KC_CODEC_NONE.
 */
int kc_codec_parse(const char *name, enum kc_codec *out, struct kc_error *e);
const char *kc_codec_name(enum kc_codec c);       /* "GZIP", ... */
const char *kc_codec_extension(enum kc_codec c);  /* ".gz", ".zst", ".snappy", ".zip", "" */
const char *kc_codec_encoding(enum kc_codec c);   /* Content-Encoding: "gzip", "zstd" or NULL */

struct kc_compressor;

/*
 * Starts compressing with codec c at level (0 = the codec's default:
 * gzip 6, zstd 3; zstd compresses in two worker threads). entry names the single file inside a zip archive
 * (ignored otherwise). KC_CODEC_NONE copies.
 * Details of compress.c: levels are 1..9 for gzip and zip, zstd's
 * ZSTD_minCLevel()..ZSTD_maxCLevel() for zstd, ignored for Snappy and
 * UNCOMPRESSED; a level out of range or a zip without an entry name is
 * -KC_EUSAGE. zstd frames carry a content checksum. Snappy chunks hold
 * 64 KiB of input each, stored uncompressed when compressing saves less
 * than an eighth. A zip entry is deflated with sizes and CRC-32 in a data
 * descriptor (general purpose bit 3), dated now in UTC; past 4 GiB - 1 it
 * switches to zip64 (8-byte descriptor sizes, zip64 extra field and end
 * records). *out is NULL on failure; free it with kc_compress_free.
 */
int kc_compress_open(enum kc_codec c, int level, const char *entry,
		     struct kc_compressor **out, struct kc_error *e);
/*
 * Compresses p[0..n), appending output to out, which the caller may drain
 * (write out and reset) between calls. After a failure, or after finish,
 * every call fails.
 */
int kc_compress_write(struct kc_compressor *z, const void *p, size_t n,
		      struct kc_buf *out, struct kc_error *e);
/* Ends the stream/archive, appending the rest to out. */
int kc_compress_finish(struct kc_compressor *z, struct kc_buf *out, struct kc_error *e);
void kc_compress_free(struct kc_compressor *z);

/* One-shot: compresses p[0..n) into out. */
int kc_compress(enum kc_codec c, int level, const char *entry, const void *p,
		size_t n, struct kc_buf *out, struct kc_error *e);

#endif
