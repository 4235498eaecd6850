/*
 * mkv.c: EBML element writing, the level-1 walk of a fragment, and decode
 * timestamps rebuilt from presentation times.
 */
#include <stdlib.h>
#include <string.h>

#include "mkv.h"
#include "banned.h"

void kv_mkv_put_id(struct kc_buf *b, uint32_t id)
{
	int shift = id > 0xFFFFFF ? 24 : id > 0xFFFF ? 16 : id > 0xFF ? 8 : 0;

	for (; shift >= 0; shift -= 8)
		kc_buf_addc(b, (char)(id >> shift & 0xFF));
}

void kv_mkv_put_size(struct kc_buf *b, uint64_t size)
{
	int len = 1;
	int i;

	if (size == KV_MKV_UNKNOWN) {
		kc_buf_add(b, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
		return;
	}
	/* A length-len size holds 7*len bits, all ones being reserved. */
	while (len < 8 && size >= (((uint64_t)1 << (7 * len)) - 1))
		len++;
	for (i = len - 1; i >= 0; i--) {
		unsigned char c = (unsigned char)(size >> (8 * i));

		if (i == len - 1)
			c |= (unsigned char)(0x80 >> (len - 1));
		kc_buf_addc(b, (char)c);
	}
}

void kv_mkv_put_uint(struct kc_buf *b, uint32_t id, uint64_t v)
{
	int len = 1;
	int i;

	while (len < 8 && v >> (8 * len))
		len++;
	kv_mkv_put_id(b, id);
	kv_mkv_put_size(b, (uint64_t)len);
	for (i = len - 1; i >= 0; i--)
		kc_buf_addc(b, (char)(v >> (8 * i) & 0xFF));
}

void kv_mkv_put_string(struct kc_buf *b, uint32_t id, const char *s, size_t n)
{
	kv_mkv_put_id(b, id);
	kv_mkv_put_size(b, n);
	kc_buf_add(b, s, n);
}

static size_t size_len(uint64_t size)
{
	struct kc_buf b;
	size_t n;

	kc_buf_init(&b);
	kv_mkv_put_size(&b, size);
	n = b.len;
	kc_buf_release(&b);
	return n;
}

void kv_mkv_put_tags(struct kc_buf *b, const char *const *names,
		     const char *const *values, size_t n)
{
	uint64_t tag = 3;               /* Targets (2-byte id, size 0) */
	uint64_t simple, nl, vl;
	size_t i;

	for (i = 0; i < n; i++) {
		nl = strlen(names[i]);
		vl = strlen(values[i]);
		simple = 2 + size_len(nl) + nl + 2 + size_len(vl) + vl;
		tag += 2 + size_len(simple) + simple;
	}
	kv_mkv_put_id(b, KV_MKV_TAGS);
	kv_mkv_put_size(b, 2 + size_len(tag) + tag);
	kv_mkv_put_id(b, KV_MKV_TAG);
	kv_mkv_put_size(b, tag);
	kv_mkv_put_id(b, KV_MKV_TARGETS);
	kv_mkv_put_size(b, 0);
	for (i = 0; i < n; i++) {
		nl = strlen(names[i]);
		vl = strlen(values[i]);
		kv_mkv_put_id(b, KV_MKV_SIMPLETAG);
		kv_mkv_put_size(b, 2 + size_len(nl) + nl + 2 + size_len(vl) + vl);
		kv_mkv_put_string(b, KV_MKV_TAGNAME, names[i], nl);
		kv_mkv_put_string(b, KV_MKV_TAGSTRING, values[i], vl);
	}
}

int kv_mkv_header(const uint8_t *p, size_t n, uint64_t off,
		  struct kv_mkv_element *el)
{
	uint64_t pos = off, size;
	int len, i;
	uint32_t id;

	if (pos >= n)
		return 1;
	for (len = 1; len <= 4 && !(p[pos] & (0x80 >> (len - 1))); len++)
		;
	if (len > 4)
		return -1;
	if (pos + (uint64_t)len > n)
		return 1;
	for (id = 0, i = 0; i < len; i++)
		id = id << 8 | p[pos + (uint64_t)i];
	pos += (uint64_t)len;
	if (pos >= n)
		return 1;
	for (len = 1; len <= 8 && !(p[pos] & (0x80 >> (len - 1))); len++)
		;
	if (len > 8)
		return -1;
	if (pos + (uint64_t)len > n)
		return 1;
	size = p[pos] & (0xFF >> len);
	for (i = 1; i < len; i++)
		size = size << 8 | p[pos + (uint64_t)i];
	if (size == ((uint64_t)1 << (7 * len)) - 1)
		size = KV_MKV_UNKNOWN;
	el->id = id;
	el->offset = off;
	el->data = pos + (uint64_t)len;
	el->size = size;
	return 0;
}

int kv_mkv_next(const uint8_t *p, size_t n, uint64_t *off,
		struct kv_mkv_element *el)
{
	struct kv_mkv_element seg;
	int rc;

	if (*off >= n)
		return 1;
	rc = kv_mkv_header(p, n, *off, el);
	if (rc)
		return -1;
	if (el->id == KV_MKV_SEGMENT) {
		/* Step into the Segment: its children are level 1. */
		seg = *el;
		*off = seg.data;
		if (*off >= n)
			return 1;
		if (kv_mkv_header(p, n, *off, el))
			return -1;
	}
	if (el->size == KV_MKV_UNKNOWN || el->size > n - el->data)
		return -1;
	*off = el->data + el->size;
	return 0;
}

int kv_mkv_tags_each(const uint8_t *p, const struct kv_mkv_element *el,
		     int (*fn)(const char *name, size_t namelen,
			       const char *value, size_t valuelen, void *arg),
		     void *arg)
{
	uint64_t end = el->data + el->size, tend, send, off = el->data, o2, o3;
	struct kv_mkv_element tag, st, x;
	const char *name, *value;
	size_t namelen, valuelen;
	int rc;

	while (off < end) {
		if (kv_mkv_header(p, end, off, &tag) ||
		    tag.size == KV_MKV_UNKNOWN || tag.size > end - tag.data)
			return -1;
		off = tag.data + tag.size;
		if (tag.id != KV_MKV_TAG)
			continue;
		tend = tag.data + tag.size;
		for (o2 = tag.data; o2 < tend; o2 = st.data + st.size) {
			if (kv_mkv_header(p, tend, o2, &st) ||
			    st.size == KV_MKV_UNKNOWN || st.size > tend - st.data)
				return -1;
			if (st.id != KV_MKV_SIMPLETAG)
				continue;
			name = value = "";
			namelen = valuelen = 0;
			send = st.data + st.size;
			for (o3 = st.data; o3 < send; o3 = x.data + x.size) {
				if (kv_mkv_header(p, send, o3, &x) ||
				    x.size == KV_MKV_UNKNOWN ||
				    x.size > send - x.data)
					return -1;
				if (x.id == KV_MKV_TAGNAME) {
					name = (const char *)p + x.data;
					namelen = (size_t)x.size;
				} else if (x.id == KV_MKV_TAGSTRING) {
					value = (const char *)p + x.data;
					valuelen = (size_t)x.size;
				}
			}
			rc = fn(name, namelen, value, valuelen, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void kv_mkv_dts(const int64_t *pts, int64_t *dts, size_t n, int64_t *delay)
{
	size_t k;

	if (!n)
		return;
	memcpy(dts, pts, n * sizeof(*dts));
	qsort(dts, n, sizeof(*dts), cmp_i64);
	for (k = 0; k < n; k++)
		if (dts[k] - pts[k] > *delay)
			*delay = dts[k] - pts[k];
	for (k = 0; k < n; k++)
		dts[k] -= *delay;
}
