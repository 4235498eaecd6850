/*
 * Unit tests for mkv.c: EBML sizes, Tags written and walked back, and the
 * decode timestamps kv_mkv_dts rebuilds from presentation times.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "mkv.h"
#include "banned.h"

static void sizes(void)
{
	static const struct {
		uint64_t size;
		const char *want;
		size_t len;
	} v[] = {
		{ 0, "\x80", 1 },
		{ 126, "\xFE", 1 },
		{ 127, "\x40\x7F", 2 },
		{ 16382, "\x7F\xFE", 2 },
		{ 16383, "\x20\x3F\xFF", 3 },
		{ KV_MKV_UNKNOWN, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8 },
	};
	struct kc_buf b = KC_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kc_buf_reset(&b);
		kv_mkv_put_size(&b, v[i].size);
		ok(b.len == v[i].len && !memcmp(b.data, v[i].want, v[i].len),
		   "size %llu in %zu bytes", (unsigned long long)v[i].size,
		   v[i].len);
	}
	kc_buf_release(&b);
}

static int tag_seen(const char *name, size_t namelen, const char *value,
		    size_t valuelen, void *arg)
{
	struct kc_buf *b = arg;

	kc_buf_add(b, name, namelen);
	kc_buf_addc(b, '=');
	kc_buf_add(b, value, valuelen);
	kc_buf_addc(b, ';');
	return 0;
}

static void tags(void)
{
	static const char *const names[] = { "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
					     "camera" };
	static const char *const values[] = { "00000000000000000001", "" };
	struct kc_buf b = KC_BUF_INIT, got = KC_BUF_INIT;
	struct kv_mkv_element el;

	kv_mkv_put_tags(&b, names, values, 2);
	ok(kv_mkv_header((const uint8_t *)b.data, b.len, 0, &el) == 0 &&
	   el.id == KV_MKV_TAGS && el.data + el.size == b.len,
	   "Tags: one level-1 element holding the rest");
	is_int(kv_mkv_tags_each((const uint8_t *)b.data, &el, tag_seen, &got),
	       0, "Tags: walked");
	is_str(got.data, "AWS_KINESISVIDEO_FRAGMENT_NUMBER=00000000000000000001;"
	       "camera=;", "Tags: the SimpleTags back in order");
	kc_buf_release(&b);
	kc_buf_release(&got);
}

static int dts_valid(const int64_t *pts, const int64_t *dts, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (dts[k] > pts[k] || (k && dts[k] <= dts[k - 1]))
			return 0;
	return 1;
}

static void dts(void)
{
	/* I P B B P B B (pts in frames of 40 ms, decode order) */
	static const int64_t bf[] = { 0, 120, 40, 80, 240, 160, 200 };
	static const int64_t want_bf[] = { -40, 0, 40, 80, 120, 160, 200 };
	/* the next fragment: I P B b b (a B-pyramid: b before and after B) */
	static const int64_t pyr[] = { 280, 440, 360, 320, 400 };
	static const int64_t plain[] = { 1000, 1040, 1080 };
	int64_t out[8], delay = 0;
	size_t k, n = sizeof(bf) / sizeof(bf[0]);
	int64_t rnd[200], rdts[200];
	int i, good = 1;

	kv_mkv_dts(plain, out, 3, &delay);
	ok(delay == 0 && !memcmp(out, plain, sizeof(plain)),
	   "no B-frames: dts = pts, delay 0");
	kv_mkv_dts(bf, out, n, &delay);
	is_int(delay, 40, "B-frames: the delay is one frame");
	ok(!memcmp(out, want_bf, sizeof(want_bf)),
	   "B-frames: the k-th smallest pts less the delay");
	ok(dts_valid(bf, out, n), "B-frames: dts <= pts, increasing");
	kv_mkv_dts(pyr, out, 5, &delay);
	is_int(delay, 80, "B-pyramid: the delay grows to two frames");
	ok(dts_valid(pyr, out, 5) && out[0] == 200,
	   "B-pyramid: dts <= pts, increasing");
	delay = 0;
	kv_mkv_dts(bf, out, 0, &delay);
	is_int(delay, 0, "no frames: nothing changes");

	/* shuffled runs of up to 4 frames (reordering depth 3) */
	srand(7);
	for (i = 0; i < 50 && good; i++) {
		size_t j, m;

		for (k = 0; k < 200; k += m) {
			m = (size_t)(rand() % 4) + 1;
			m = m > 200 - k ? 200 - k : m;
			for (j = 0; j < m; j++)
				rnd[k + j] = (int64_t)(k + j);
			for (j = 1; j < m; j++) {
				size_t r = (size_t)rand() % (j + 1);
				int64_t t = rnd[k + j];

				rnd[k + j] = rnd[k + r];
				rnd[k + r] = t;
			}
		}
		delay = 0;
		kv_mkv_dts(rnd, rdts, 200, &delay);
		good = dts_valid(rnd, rdts, 200) && delay >= 0 && delay <= 3;
	}
	ok(good, "shuffled reorder groups: dts <= pts, increasing, delay <= 3");
}

int main(void)
{
	sizes();
	tags();
	dts();
	return done_testing();
}
