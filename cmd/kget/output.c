/* output.c: kget's output forms, compiled once and applied per record. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"
#include "name.h"
#include "output.h"
#include "seqno.h"
#include "units.h"
#include "banned.h"

static void add_literal(struct kget_output *o, const char *p, size_t n)
{
	struct fmt_op *op;

	if (o->nops && o->ops[o->nops - 1].field == 0) {
		o->ops[o->nops - 1].len += n;
	} else {
		o->ops = kc_xrealloc(o->ops, (o->nops + 1) * sizeof(*op));
		op = &o->ops[o->nops++];
		op->field = 0;
		op->start = o->literals.len;
		op->len = n;
	}
	kc_buf_add(&o->literals, p, n);
}

int kget_output_format(struct kget_output *o, const char *f, char *bad)
{
	o->nops = 0;
	kc_buf_reset(&o->literals);
	o->mode = OUT_FORMAT;
	for (; *f; f++) {
		char c = f[1];
		if (*f == '%') {
			if (c == '%') {
				add_literal(o, "%", 1);
			} else if (c && strchr("skdtTS", c)) {
				o->ops = kc_xrealloc(o->ops, (o->nops + 1) * sizeof(*o->ops));
				o->ops[o->nops++] = (struct fmt_op){ c, 0, 0 };
			} else {
				*bad = c ? c : ' ';
				return -1;
			}
			f++;
		} else if (*f == '\\' && c && strchr("nt0\\", c)) {
			char lit = c == 'n' ? '\n' : c == 't' ? '\t' : c == '0' ? '\0' : '\\';
			add_literal(o, &lit, 1);
			f++;
		} else {
			add_literal(o, f, 1);
		}
	}
	return 0;
}

void kget_output_release(struct kget_output *o)
{
	free(o->ops);
	o->ops = NULL;
	o->nops = 0;
	kc_buf_release(&o->literals);
}

static void add_seq(struct kc_buf *out, const struct kc_record *r)
{
	char seq[40];

	kc_seqno_format(r->shard, r->offset, seq);
	kc_buf_add(out, seq, KC_SEQNO_LEN);
}

static void add_base64(struct kc_buf *out, const char *p, size_t n)
{
	size_t len = kc_base64_encoded_len(n);

	kc_buf_grow(out, len);
	kc_base64_encode(p, n, out->data + out->len);
	out->len += len;
	out->data[out->len] = '\0';
}

static void add_field(struct kc_buf *out, char field, const struct kc_record *r)
{
	char buf[40];

	switch (field) {
	case 's':
		add_seq(out, r);
		break;
	case 'k':
		kc_buf_add(out, r->key, r->keylen);
		break;
	case 'd':
		kc_buf_add(out, r->data, r->datalen);
		break;
	case 't':
		kc_buf_add(out, buf, (size_t)kc_format_time(r->arrival_ms, buf));
		break;
	case 'T':
		kc_buf_addf(out, "%" PRId64, r->arrival_ms);
		break;
	case 'S':
		kc_shard_id_format((unsigned long)r->shard, buf);
		kc_buf_adds(out, buf);
		break;
	}
}

/* One get-records Records entry plus ShardId. */
static void add_json(struct kc_buf *out, const struct kc_record *r)
{
	char buf[40];

	kc_buf_adds(out, "{\"SequenceNumber\":\"");
	add_seq(out, r);
	kc_buf_adds(out, "\",\"ApproximateArrivalTimestamp\":\"");
	kc_buf_add(out, buf, (size_t)kc_format_time(r->arrival_ms, buf));
	kc_buf_adds(out, "\",\"Data\":\"");
	add_base64(out, r->data, r->datalen);
	kc_buf_adds(out, "\",\"PartitionKey\":");
	kc_json_add_string(out, r->key, r->keylen);
	kc_shard_id_format((unsigned long)r->shard, buf);
	kc_buf_addf(out, ",\"ShardId\":\"%s\"}\n", buf);
}

void kget_output_record(const struct kget_output *o, struct kc_buf *out,
			const struct kc_record *r)
{
	switch (o->mode) {
	case OUT_LINES:
		kc_buf_grow(out, r->datalen + 1);
		memcpy(out->data + out->len, r->data, r->datalen);
		out->len += r->datalen;
		out->data[out->len++] = o->delim;
		out->data[out->len] = '\0';
		break;
	case OUT_JSON:
		add_json(out, r);
		break;
	case OUT_FORMAT:
		for (size_t i = 0; i < o->nops; i++) {
			const struct fmt_op *op = &o->ops[i];
			if (op->field)
				add_field(out, op->field, r);
			else
				kc_buf_add(out, o->literals.data + op->start, op->len);
		}
		break;
	}
}

void kget_output_child_shards(const struct kc_stream_meta *m, uint64_t shard,
			      struct kc_buf *out)
{
	char id[32];
	int first = 1;

	kc_shard_id_format((unsigned long)shard, id);
	kc_buf_addf(out, "{\"ShardId\":\"%s\",\"ChildShards\":[", id);
	for (size_t i = 0; i < m->nshards; i++) {
		const struct kc_shard_info *c = &m->shards[i];
		char start[40], end[40];
		if (c->parent != shard && c->adjacent != shard)
			continue;
		kc_shard_id_format((unsigned long)c->index, id);
		kc_u128_format(c->start, start);
		kc_u128_format(c->end, end);
		kc_buf_addf(out, "%s{\"ShardId\":\"%s\",\"ParentShards\":[",
			    first ? "" : ",", id);
		kc_shard_id_format((unsigned long)c->parent, id);
		kc_buf_addf(out, "\"%s\"", id);
		if (c->adjacent != KC_NO_SHARD) {
			kc_shard_id_format((unsigned long)c->adjacent, id);
			kc_buf_addf(out, ",\"%s\"", id);
		}
		kc_buf_addf(out, "],\"HashKeyRange\":{\"StartingHashKey\":\"%s\","
			    "\"EndingHashKey\":\"%s\"}}", start, end);
		first = 0;
	}
	kc_buf_adds(out, "]}\n");
}
