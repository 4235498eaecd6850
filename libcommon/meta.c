/* meta.c: the stream.meta text format (kin-stream(5)). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "name.h"
#include "record.h"
#include "segment.h"
#include "stream.h"
#include "banned.h"

static void add_index_or_dash(struct kc_buf *b, uint64_t v)
{
	if (v == KC_NO_SHARD)
		kc_buf_adds(b, " -");
	else
		kc_buf_addf(b, " %" PRIu64, v);
}

static void add_u128(struct kc_buf *b, kc_u128 v)
{
	char d[40];

	kc_u128_format(v, d);
	kc_buf_addc(b, ' ');
	kc_buf_adds(b, d);
}

void kc_meta_encode(const struct kc_stream_meta *m, struct kc_buf *b)
{
	kc_buf_addf(b, "kin-stream %d\n", KC_FORMAT_VERSION);
	kc_buf_addf(b, "name %s\n", m->name);
	kc_buf_addf(b, "created-ms %" PRId64 "\n", m->created_ms);
	kc_buf_addf(b, "retention-hours %" PRIu32 "\n", m->retention_hours);
	kc_buf_addf(b, "max-record-size %" PRIu64 "\n", m->max_record_size);
	kc_buf_addf(b, "segment-size %" PRIu64 "\n", m->segment_size);
	kc_buf_addf(b, "next-shard %" PRIu64 "\n", m->next_shard);
	kc_buf_addf(b, "enforce-limits %d\n", m->enforce_limits ? 1 : 0);
	for (size_t i = 0; i < m->nshards; i++) {
		const struct kc_shard_info *s = &m->shards[i];
		kc_buf_addf(b, "shard %" PRIu64, s->index);
		add_u128(b, s->start);
		add_u128(b, s->end);
		add_index_or_dash(b, s->parent);
		add_index_or_dash(b, s->adjacent);
		kc_buf_addf(b, " %" PRId64, s->created_ms);
		if (s->closed)
			kc_buf_addf(b, " %" PRIu64 "\n", s->end_offset);
		else
			kc_buf_adds(b, " -\n");
	}
	kc_buf_addf(b, "crc32c %08x\n", kc_crc32c(0, b->data, b->len));
}

struct cursor {
	const char *p, *end;
	unsigned line;
};

/* Takes the next space- or newline-terminated word; 0 or -1 at line end. */
static int word(struct cursor *c, const char **w, size_t *n)
{
	if (c->p >= c->end || *c->p == '\n')
		return -1;
	*w = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
		c->p++;
	*n = (size_t)(c->p - *w);
	if (c->p < c->end && *c->p == ' ')
		c->p++;
	return *n && !memchr(*w, '\0', *n) ? 0 : -1;
}

static int end_line(struct cursor *c)
{
	if (c->p >= c->end || *c->p != '\n')
		return -1;
	c->p++;
	c->line++;
	return 0;
}

static int word_u64(struct cursor *c, uint64_t *v, int dash_ok)
{
	const char *w;
	size_t n;
	char tmp[32], *end;

	if (word(c, &w, &n) || n >= sizeof(tmp))
		return -1;
	if (dash_ok && n == 1 && *w == '-') {
		*v = KC_NO_SHARD;
		return 0;
	}
	memcpy(tmp, w, n);
	tmp[n] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9')
		return -1;
	errno = 0;
	*v = strtoull(tmp, &end, 10);
	return errno || *end ? -1 : 0;
}

static int word_u128(struct cursor *c, kc_u128 *v)
{
	const char *w;
	size_t n;

	return word(c, &w, &n) || kc_u128_parse(w, n, v) ? -1 : 0;
}

static int keyword(struct cursor *c, const char *kw)
{
	const char *w;
	size_t n;

	if (word(c, &w, &n) || n != strlen(kw) || memcmp(w, kw, n))
		return -1;
	return 0;
}

static int field_u64(struct cursor *c, const char *kw, uint64_t *v)
{
	return keyword(c, kw) || word_u64(c, v, 0) || end_line(c);
}

static int parse_shard(struct cursor *c, struct kc_shard_info *s)
{
	uint64_t created;

	if (keyword(c, "shard") || word_u64(c, &s->index, 0) ||
	    word_u128(c, &s->start) || word_u128(c, &s->end) ||
	    word_u64(c, &s->parent, 1) || word_u64(c, &s->adjacent, 1) ||
	    word_u64(c, &created, 0) || word_u64(c, &s->end_offset, 1) ||
	    end_line(c) || s->start > s->end || created > INT64_MAX)
		return -1;
	s->created_ms = (int64_t)created;
	s->closed = s->end_offset != KC_NO_SHARD;
	if (!s->closed)
		s->end_offset = 0;
	return 0;
}

static int parse_body(struct cursor *c, struct kc_stream_meta *m)
{
	const char *w;
	size_t n;
	uint64_t created, ret;

	if (keyword(c, "name") || word(c, &w, &n) || n >= sizeof(m->name) ||
	    end_line(c))
		return -1;
	memcpy(m->name, w, n);
	m->name[n] = '\0';
	if (field_u64(c, "created-ms", &created) ||
	    field_u64(c, "retention-hours", &ret) ||
	    field_u64(c, "max-record-size", &m->max_record_size) ||
	    field_u64(c, "segment-size", &m->segment_size) ||
	    field_u64(c, "next-shard", &m->next_shard) || created > INT64_MAX)
		return -1;
	m->created_ms = (int64_t)created;
	m->retention_hours = ret > UINT32_MAX ? UINT32_MAX : (uint32_t)ret;
	if (c->end - c->p > 15 && memcmp(c->p, "enforce-limits ", 15) == 0) {
		uint64_t on;
		if (field_u64(c, "enforce-limits", &on) || on > 1)
			return -1;
		m->enforce_limits = (int)on;
	}
	while (c->end - c->p > 6 && memcmp(c->p, "shard ", 6) == 0) {
		struct kc_shard_info s;
		if (parse_shard(c, &s))
			return -1;
		m->shards = kc_xrealloc(m->shards, (m->nshards + 1) * sizeof(s));
		m->shards[m->nshards++] = s;
	}
	return m->nshards ? 0 : -1;
}

/* The checksum line's value: exactly 8 lower-case hex digits, a newline, EOF. */
static int parse_crc_line(const char *p, const char *end, unsigned *crc)
{
	*crc = 0;
	if (end - p != 9 || p[8] != '\n')
		return -1;
	for (int i = 0; i < 8; i++) {
		int c = p[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		*crc = *crc << 4 | (unsigned)v;
	}
	return 0;
}

static int cmp_start(const void *a, const void *b)
{
	const struct kc_shard_info *x = *(const struct kc_shard_info *const *)a;
	const struct kc_shard_info *y = *(const struct kc_shard_info *const *)b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The open shards must tile the hash key space exactly: no gap, no overlap. */
static const char *check_map(const struct kc_stream_meta *m)
{
	const struct kc_shard_info **open = kc_xcalloc(m->nshards, sizeof(*open));
	const char *why = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->nshards; i++) {
		if (m->shards[i].index >= m->next_shard)
			why = "a shard index at or above next-shard";
		for (size_t k = 0; k < i; k++)
			if (m->shards[k].index == m->shards[i].index)
				why = "a shard index twice";
		if (!m->shards[i].closed)
			open[n++] = &m->shards[i];
	}
	qsort(open, n, sizeof(*open), cmp_start);
	if (!why && (n == 0 || open[0]->start != 0 || open[n - 1]->end != KC_U128_MAX))
		why = "open shards do not cover the hash key space";
	for (size_t i = 1; !why && i < n; i++)
		if (open[i - 1]->end == KC_U128_MAX || open[i - 1]->end + 1 != open[i]->start)
			why = "open shards overlap or leave a gap";
	free(open);
	return why;
}

/* Settings within the ranges kshard create allows. */
static const char *check_settings(const struct kc_stream_meta *m)
{
	struct kc_error ignore;

	if (kc_name_check("stream", m->name, &ignore))
		return "a bad stream name";
	if (m->retention_hours < KC_RETENTION_MIN || m->retention_hours > KC_RETENTION_MAX)
		return "retention-hours out of range";
	if (m->max_record_size < KC_RECORD_MAX_MIN || m->max_record_size > KC_RECORD_MAX_LIMIT ||
	    m->max_record_size % 1024)
		return "max-record-size out of range";
	if (m->segment_size < 4096 || m->segment_size > (1ull << 40))
		return "segment-size out of range";
	return check_map(m);
}

int kc_meta_decode(const char *text, size_t n, struct kc_stream_meta *m,
		   struct kc_error *e)
{
	struct cursor c = { text, text + n, 1 };
	const char *crcline, *why;
	uint64_t version;
	unsigned crc;

	memset(m, 0, sizeof(*m));
	if (keyword(&c, "kin-stream") || word_u64(&c, &version, 0) || end_line(&c))
		return kc_error_set(e, KC_EIO, "stream.meta: not a kin stream");
	if (version > KC_FORMAT_VERSION)
		return kc_error_set(e, KC_EFAIL,
				    "stream.meta: format version %" PRIu64
				    " is newer than this kin understands (%d)",
				    version, KC_FORMAT_VERSION);
	if (version == 0)
		return kc_error_set(e, KC_EIO, "stream.meta: format version 0");
	m->version = (uint32_t)version;
	crcline = memmem(text, n, "\ncrc32c ", 8);
	if (!crcline || parse_crc_line(crcline + 8, text + n, &crc) ||
	    kc_crc32c(0, text, (size_t)(crcline + 1 - text)) != crc)
		return kc_error_set(e, KC_EIO, "stream.meta: checksum mismatch");
	c.end = crcline + 1;
	if (parse_body(&c, m) || c.p != c.end) {
		kc_meta_release(m);
		return kc_error_set(e, KC_EIO, "stream.meta: line %u: malformed",
				    c.line);
	}
	why = check_settings(m);
	if (why) {
		kc_meta_release(m);
		return kc_error_set(e, KC_EIO, "stream.meta: %s", why);
	}
	return 0;
}

void kc_meta_release(struct kc_stream_meta *m)
{
	free(m->shards);
	m->shards = NULL;
	m->nshards = 0;
}
