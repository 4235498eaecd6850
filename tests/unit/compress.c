/*
 * Unit tests for compress.c. Every codec's output is read back by an
 * independent tool: gzip -dc, zstd -dc, unzip -p / unzip -t, and
 * python-snappy's stream decompressor (tests/lib/unsnappy.py, so run from
 * the top of the source tree) for the snappy framing format; the bytes
 * must equal the input, fed in odd-sized pieces. Set KIN_TEST_ZIP64=1 to
 * also write and check a zip entry of more than 4 GiB (slow).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "byteorder.h"
#include "compress.h"
#include "banned.h"

static char tmp[64];

static const char *tool[] = {
	[KC_CODEC_NONE] = "cat '%s'",
	[KC_CODEC_GZIP] = "gzip -dc '%s'",
	[KC_CODEC_ZSTD] = "zstd -q -dc '%s'",
	[KC_CODEC_SNAPPY] = "/usr/bin/python3 tests/lib/unsnappy.py '%s'",
	[KC_CODEC_ZIP] = "unzip -p '%s' records.json",
};

struct input {
	const char *name;
	const char *p;
	size_t n;
};

/* JSON lines that compress well, n bytes of them at p. */
static void fill_text(char *p, size_t n)
{
	struct kc_buf b = KC_BUF_INIT;
	unsigned i;

	for (i = 0; b.len < n; i++)
		kc_buf_addf(&b, "{\"ticker\":\"T%03u\",\"price\":%u.%02u,"
				"\"sector\":\"%s\"}\n",
			    i % 577, i * 7919 % 1000, i % 100,
			    i % 3 ? "TECHNOLOGY" : "ENERGY");
	memcpy(p, b.data, n);
	kc_buf_release(&b);
}

/* 3 MiB: random bytes and text alternating by the MiB. */
static void fill_mixed(char *p, size_t n)
{
	size_t i, j;

	srand(1);
	for (i = 0; i < n; i += 1 << 20) {
		size_t m = n - i < (1 << 20) ? n - i : (1 << 20);
		if ((i >> 20) % 2 == 0)
			for (j = 0; j < m; j++)
				p[i + j] = (char)(rand() >> 8);
		else
			fill_text(p + i, m);
	}
}

static int read_file(const char *path, struct kc_buf *b)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	kc_buf_reset(b);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kc_buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Runs the codec's tool on path; 1 when it printed exactly want[0..n). */
static int tool_reads(enum kc_codec c, const char *path, const char *want,
		      size_t n)
{
	char cmd[1024], tpath[512], out[128];
	struct kc_buf got = KC_BUF_INIT;
	int same;

	snprintf(tpath, sizeof(tpath), tool[c], path);
	snprintf(out, sizeof(out), "%s/decoded", tmp);
	snprintf(cmd, sizeof(cmd), "%s >'%s'", tpath, out);
	if (system(cmd) != 0) {
		diag("failed: %s", cmd);
		return 0;
	}
	if (read_file(out, &got) < 0)
		return 0;
	same = got.len == n && (!n || !memcmp(got.data, want, n));
	if (!same)
		diag("%s: got %zu bytes, want %zu", cmd, got.len, n);
	kc_buf_release(&got);
	return same;
}

/* Compresses in pieces of 1, 7, 4093, 65535, 65537, ... bytes. */
static int compress_pieces(enum kc_codec c, const struct input *in,
			   struct kc_buf *out)
{
	static const size_t piece[] = { 1, 7, 4093, 65535, 65537, 100003, 3,
					131072, 999 };
	struct kc_compressor *z;
	struct kc_error e;
	size_t off = 0, i = 0, m;
	int rc;

	rc = kc_compress_open(c, 0, "records.json", &z, &e);
	while (!rc && off < in->n) {
		m = piece[i++ % (sizeof(piece) / sizeof(piece[0]))];
		if (m > in->n - off)
			m = in->n - off;
		rc = kc_compress_write(z, in->p + off, m, out, &e);
		off += m;
	}
	if (!rc)
		rc = kc_compress_finish(z, out, &e);
	if (rc)
		diag("%s", e.msg);
	kc_compress_free(z);
	return rc;
}

static void round_trips(const struct input *in, size_t nin)
{
	static const enum kc_codec all[] = { KC_CODEC_NONE, KC_CODEC_GZIP,
					     KC_CODEC_ZSTD, KC_CODEC_SNAPPY,
					     KC_CODEC_ZIP };
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	char path[128];
	size_t i, k;
	int rc;

	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		enum kc_codec c = all[k];
		const char *name = kc_codec_name(c);

		for (i = 0; i < nin; i++) {
			snprintf(path, sizeof(path), "%s/%s-%s%s", tmp,
				 in[i].name, name, kc_codec_extension(c));
			kc_buf_reset(&out);
			kc_buf_add(&out, "", 0);
			rc = compress_pieces(c, &in[i], &out);
			ok(rc == 0 && !write_file(path, out.data, out.len) &&
				   tool_reads(c, path, in[i].p, in[i].n),
			   "%s, %s in pieces: the real tool reads it back",
			   name, in[i].name);
			if (c == KC_CODEC_ZIP) {
				char cmd[256];

				snprintf(cmd, sizeof(cmd),
					 "unzip -tq '%s' >/dev/null", path);
				ok(system(cmd) == 0, "unzip -t %s",
				   in[i].name);
			}
			if (c == KC_CODEC_NONE)
				ok(out.len == in[i].n &&
					   !memcmp(out.data, in[i].p, in[i].n),
				   "UNCOMPRESSED copies %s", in[i].name);

			kc_buf_reset(&out);
			rc = kc_compress(c, 0, "records.json", in[i].p,
					 in[i].n, &out, &e);
			snprintf(path, sizeof(path), "%s/%s-%s-oneshot%s", tmp,
				 in[i].name, name, kc_codec_extension(c));
			ok(rc == 0 && !write_file(path, out.data, out.len) &&
				   tool_reads(c, path, in[i].p, in[i].n),
			   "%s, %s one-shot: the real tool reads it back",
			   name, in[i].name);
		}
	}
	kc_buf_release(&out);
}

/* Walks a framing-format stream; counts the chunk kinds. */
static void snappy_chunks(const struct input *in)
{
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	size_t off = 10, len, ncomp = 0, nraw = 0, bad = 0;

	kc_compress(KC_CODEC_SNAPPY, 0, NULL, in->p, in->n, &out, &e);
	ok(out.len >= 10 && !memcmp(out.data, "\xff\x06\x00\x00sNaPpY", 10),
	   "snappy starts with the stream identifier");
	while (off + 4 <= out.len) {
		len = kc_get32(out.data + off) >> 8;
		switch ((unsigned char)out.data[off]) {
		case 0x00:
			ncomp++;
			break;
		case 0x01:
			nraw++;
			bad += len - 4 > 65536;
			break;
		default:
			bad++;
		}
		off += 4 + len;
	}
	ok(off == out.len && !bad, "snappy chunks tile the output");
	ok(ncomp > 0 && nraw > 0,
	   "%s uses compressed (%zu) and uncompressed (%zu) chunks",
	   in->name, ncomp, nraw);
	ok(ncomp + nraw == (in->n + 65535) / 65536,
	   "one chunk per 64 KiB of input");
	kc_buf_release(&out);
}

static uint16_t dos_date(time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	return (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
			  tm.tm_mday);
}

static void zip_layout(void)
{
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	time_t before = time(NULL), after;
	uint16_t d;
	int rc;

	rc = kc_compress(KC_CODEC_ZIP, 0, "dir/x.json", "hello\n", 6, &out,
			 &e);
	after = time(NULL);
	ok(rc == 0 && out.len > 30 && kc_get32(out.data) == 0x04034b50,
	   "zip starts with a local file header");
	ok(kc_get16(out.data + 6) & 0x0008,
	   "general purpose bit 3: sizes in a data descriptor");
	ok(kc_get16(out.data + 8) == 8, "method 8, deflate");
	d = kc_get16(out.data + 12);
	ok(d == dos_date(before) || d == dos_date(after),
	   "DOS date is today's UTC date");
	ok(!memcmp(out.data + 30, "dir/x.json", 10), "entry name as given");
	ok(out.len >= 22 && kc_get32(out.data + out.len - 22) == 0x06054b50,
	   "ends with the end of central directory record");
	kc_buf_release(&out);
}

static void zip64(void)
{
	const char *env = getenv("KIN_TEST_ZIP64");
	struct kc_compressor *z;
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	size_t piece = 8 << 20, i, total = ((size_t)4 << 30) + 12345;
	char *zeros, path[128], cmd[1024];
	FILE *f;
	int rc = 0;

	if (!env || strcmp(env, "1")) {
		skip("zip64 over 4 GiB: set KIN_TEST_ZIP64=1");
		return;
	}
	zeros = kc_xcalloc(1, piece);
	snprintf(path, sizeof(path), "%s/big.zip", tmp);
	f = fopen(path, "wb");
	rc |= !f || kc_compress_open(KC_CODEC_ZIP, 1, "records.json", &z, &e);
	for (i = 0; !rc && i < total; i += piece) {
		rc |= kc_compress_write(z, zeros,
					total - i < piece ? total - i : piece,
					&out, &e) < 0;
		rc |= fwrite(out.data, 1, out.len, f) != out.len;
		kc_buf_reset(&out);
	}
	rc |= kc_compress_finish(z, &out, &e) < 0;
	rc |= fwrite(out.data, 1, out.len, f) != out.len;
	rc |= fclose(f) != 0;
	kc_compress_free(z);
	snprintf(cmd, sizeof(cmd),
		 "unzip -tq '%s' >/dev/null && "
		 "test \"$(unzip -p '%s' records.json | tr -d '\\000' | "
		 "wc -c)\" = 0 && "
		 "test \"$(unzip -p '%s' records.json | wc -c)\" = %zu",
		 path, path, path, total);
	ok(!rc && system(cmd) == 0, "a zip64 entry of 4 GiB + 12345 bytes");
	free(zeros);
	kc_buf_release(&out);
}

static void names(void)
{
	static const struct {
		const char *s;
		enum kc_codec c;
	} good[] = {
		{ "UNCOMPRESSED", KC_CODEC_NONE }, { "uncompressed", KC_CODEC_NONE },
		{ "none", KC_CODEC_NONE },         { "GZIP", KC_CODEC_GZIP },
		{ "gzip", KC_CODEC_GZIP },         { "ZSTD", KC_CODEC_ZSTD },
		{ "Zstd", KC_CODEC_ZSTD },         { "Snappy", KC_CODEC_SNAPPY },
		{ "SNAPPY", KC_CODEC_SNAPPY },     { "zip", KC_CODEC_ZIP },
	};
	static const char *bad[] = { "lz4", "", "gz", "gzip ", "HADOOP_SNAPPY" };
	enum kc_codec c;
	struct kc_error e;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(kc_codec_parse(good[i].s, &c, &e) == 0 && c == good[i].c,
		   "parses '%s'", good[i].s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kc_codec_parse(bad[i], &c, &e), -KC_EUSAGE,
		       "rejects '%s'", bad[i]);
	kc_codec_parse("lz4", &c, &e);
	is_str(e.msg,
	       "compression 'lz4': not one of UNCOMPRESSED, GZIP, ZIP, Snappy, "
	       "ZSTD",
	       "the error names the choices");
	is_int(e.code, KC_EUSAGE, "with KC_EUSAGE");

	is_str(kc_codec_name(KC_CODEC_NONE), "UNCOMPRESSED", "name NONE");
	is_str(kc_codec_name(KC_CODEC_GZIP), "GZIP", "name GZIP");
	is_str(kc_codec_name(KC_CODEC_ZSTD), "ZSTD", "name ZSTD");
	is_str(kc_codec_name(KC_CODEC_SNAPPY), "Snappy", "name Snappy");
	is_str(kc_codec_name(KC_CODEC_ZIP), "ZIP", "name ZIP");
	is_str(kc_codec_extension(KC_CODEC_NONE), "", "no extension");
	is_str(kc_codec_extension(KC_CODEC_GZIP), ".gz", "extension .gz");
	is_str(kc_codec_extension(KC_CODEC_ZSTD), ".zst", "extension .zst");
	is_str(kc_codec_extension(KC_CODEC_SNAPPY), ".snappy",
	       "extension .snappy");
	is_str(kc_codec_extension(KC_CODEC_ZIP), ".zip", "extension .zip");
	is_str(kc_codec_encoding(KC_CODEC_GZIP), "gzip", "encoding gzip");
	is_str(kc_codec_encoding(KC_CODEC_ZSTD), "zstd", "encoding zstd");
	ok(!kc_codec_encoding(KC_CODEC_NONE) &&
		   !kc_codec_encoding(KC_CODEC_SNAPPY) &&
		   !kc_codec_encoding(KC_CODEC_ZIP),
	   "no Content-Encoding for UNCOMPRESSED, Snappy, ZIP");
}

static void misuse(void)
{
	struct kc_compressor *z;
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;

	is_int(kc_compress_open(KC_CODEC_GZIP, 10, NULL, &z, &e), -KC_EUSAGE,
	       "gzip level 10 is refused");
	is_str(e.msg, "GZIP level 10: not in 1..9", "and says why");
	is_int(kc_compress_open(KC_CODEC_ZSTD, 99, NULL, &z, &e), -KC_EUSAGE,
	       "zstd level 99 is refused");
	is_int(kc_compress_open(KC_CODEC_ZIP, 0, NULL, &z, &e), -KC_EUSAGE,
	       "zip without an entry name is refused");
	is_str(e.msg, "zip: no entry name given", "and says why");
	ok(kc_compress_open(KC_CODEC_ZSTD, 19, NULL, &z, &e) == 0 &&
		   kc_compress_write(z, "abc", 3, &out, &e) == 0 &&
		   kc_compress_finish(z, &out, &e) == 0,
	   "zstd level 19 works");
	is_int(kc_compress_write(z, "abc", 3, &out, &e), -KC_EFAIL,
	       "writing after finish fails");
	is_str(e.msg, "ZSTD compressor: already finished", "and says why");
	kc_compress_free(z);
	kc_compress_free(NULL);
	ok(1, "kc_compress_free(NULL) is a no-op");
	kc_buf_release(&out);
}

int main(void)
{
	struct input in[] = {
		{ "empty", "", 0 },
		{ "one-byte", "x", 1 },
		{ "text-100k", NULL, 100 << 10 },
		{ "mixed-3m", NULL, 3 << 20 },
	};
	const char *t = getenv("TMPDIR");
	char cmd[128], *text = kc_xmalloc(100 << 10), *mixed = kc_xmalloc(3 << 20);

	snprintf(tmp, sizeof(tmp), "%s/kc-compress.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp %s\n", tmp);
		return 1;
	}
	fill_text(text, in[2].n);
	in[2].p = text;
	fill_mixed(mixed, in[3].n);
	in[3].p = mixed;

	if (access("tests/lib/unsnappy.py", R_OK)) {
		printf("Bail out! run from the top of the source tree "
		       "(tests/lib/unsnappy.py decodes snappy)\n");
		return 1;
	}
	names();
	misuse();
	round_trips(in, sizeof(in) / sizeof(in[0]));
	snappy_chunks(&in[3]);
	zip_layout();
	zip64();

	free(text);
	free(mixed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
