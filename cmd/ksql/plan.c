/*
 * plan.c: running the plan. An input record becomes a stream row
 * (ks_plan_record), a stream pushes its rows to its pumps and sinks
 * (ks_stream_push), a pump runs joins, WHERE and its operator and inserts
 * its rows into its target stream (ks_pump_emit). Rows that fail go to the
 * error_stream and processing goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "units.h"
#include "banned.h"

int ks_join_stage(struct ks_plan *p, struct ks_pump *pu, size_t ji);

/* ---- the error_stream ---- */

static const struct ks_sink_col err_cols[] = {
	{ "ERROR_TIME", { KS_T_TIMESTAMP, 0, 0, 0 } },
	{ "ERROR_LEVEL", { KS_T_VARCHAR, 10, 0, 0 } },
	{ "ERROR_NAME", { KS_T_VARCHAR, 32, 0, 0 } },
	{ "MESSAGE", { KS_T_VARCHAR, 4096, 0, 0 } },
	{ "DATA_ROWTIME", { KS_T_TIMESTAMP, 0, 0, 0 } },
	{ "DATA_ROW", { KS_T_VARCHAR, 49152, 0, 0 } },
	{ "PUMP_NAME", { KS_T_VARCHAR, 128, 0, 0 } },
};

const struct ks_sink_col *ks_error_cols(size_t *n);

const struct ks_sink_col *ks_error_cols(size_t *n)
{
	*n = sizeof(err_cols) / sizeof(err_cols[0]);
	return err_cols;
}

static void setstr(struct ks_value *v, const char *s, size_t n)
{
	v->null = 0;
	v->u.s.p = s;
	v->u.s.n = (uint32_t)n;
}

void ks_plan_error(struct ks_plan *p, const char *name, const char *msg,
		   int64_t data_rowtime, const char *data, size_t n, int hex_raw,
		   const char *pump)
{
	static const char hex[] = "0123456789abcdef";
	struct ks_value v[7];
	size_t i;

	p->nerrors++;
	if (!p->errsink)
		return;
	kc_buf_reset(&p->tmp);
	if (n > 49152 / 2)
		n = 49152 / 2;
	if (hex_raw) {
		kc_buf_grow(&p->tmp, 2 * n);
		for (i = 0; i < n; i++) {
			p->tmp.data[2 * i] = hex[(unsigned char)data[i] >> 4];
			p->tmp.data[2 * i + 1] = hex[(unsigned char)data[i] & 15];
		}
		p->tmp.len = 2 * n;
		p->tmp.data[p->tmp.len] = '\0';
	}
	memset(v, 0, sizeof(v));
	v[0].u.i = kc_now_ms();
	setstr(&v[1], "ERROR", 5);
	setstr(&v[2], name, strlen(name));
	setstr(&v[3], msg, strlen(msg));
	if (data_rowtime == INT64_MIN)
		v[4].null = 1;
	else
		v[4].u.i = data_rowtime;
	if (hex_raw)
		setstr(&v[5], p->tmp.data, p->tmp.len);
	else
		v[5].null = 1;
	if (pump)
		setstr(&v[6], pump, strlen(pump));
	else
		v[6].null = 1;
	if (p->errlock)
		pthread_mutex_lock(p->errlock);
	if (ks_sink_row(p->errsink, 0, v, &p->err))
		p->failed = 1;
	if (p->errlock)
		pthread_mutex_unlock(p->errlock);
}

void ks_pump_rowerr(struct ks_plan *p, struct ks_pump *pu)
{
	pu->nerrs++;
	ks_plan_error(p, p->rowerr.name ? p->rowerr.name : KS_ERR_FUNCTION,
		      p->rowerr.msg, pu->rowtime, p->raw, p->rawn, p->raw != NULL,
		      pu->name);
}

/* ---- pumps ---- */

void ks_pump_emit(struct ks_plan *p, struct ks_pump *pu,
		  const struct ks_value *regs, int64_t rowtime)
{
	struct ks_stream *d = pu->dst;
	size_t i;

	if (pu->sorter && !pu->sorter->flushing) {
		ks_sort_row(p, pu, regs, rowtime);
		return;
	}
	pu->nouts++;
	if (pu->result) {
		struct ks_value *v = pu->trow;

		for (i = 0; i < pu->nout + pu->nhidden; i++)
			v[i] = regs[pu->out_regs[i]];
		ks_result_row(p, pu->result, v, rowtime);
		return;
	}
	for (i = 0; i < pu->nout; i++) {
		const struct ks_value *v = &regs[pu->out_regs[i]];
		struct ks_value *t = &pu->trow[pu->map[i]];

		if (pu->copy[i] || v->null) {
			*t = *v;
		} else if (ks_cast(&p->ctx, v, &pu->out_types[i],
				   &d->types[pu->map[i]], t)) {
			ks_pump_rowerr(p, pu);
			return;
		}
	}
	for (i = 0; i < d->nuser; i++)
		if (d->types[i].not_null && pu->trow[i].null) {
			ks_rowerr_set(&p->rowerr, KS_ERR_NOT_NULL,
				      "column '%s' of '%s' is NOT NULL",
				      d->names[i], d->name);
			ks_pump_rowerr(p, pu);
			return;
		}
	if (d->has_rows && rowtime < d->last_rowtime) {
		char a[32], b[32];

		ks_ts_format(rowtime, a);
		ks_ts_format(d->last_rowtime, b);
		ks_rowerr_set(&p->rowerr, KS_ERR_LATE_ROW, "ROWTIME %s is before "
			      "the last ROWTIME %s of %s", a, b, d->name);
		ks_pump_rowerr(p, pu);
		return;
	}
	pu->trow[d->nuser].null = 0;
	pu->trow[d->nuser].u.i = rowtime;
	ks_stream_push(p, d, pu->trow);
}

/* WHERE, then the pump's operator. */
static int pump_tail(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_value *r = pu->f.regs;

	if (pu->where.n && ks_code_run(&pu->where, r, &p->ctx))
		goto err;
	if (pu->where_reg >= 0 && !ks_true(&r[pu->where_reg]))
		return 0;
	if (pu->args.n && ks_code_run(&pu->args, r, &p->ctx))
		goto err;
	switch (pu->mode) {
	case KS_PUMP_GROUP:
		if (ks_groupby_row(p, pu))
			goto err;
		return 0;
	case KS_PUMP_SLIDE:
		if (ks_slide_row(p, pu))
			goto err;
		/* fall through */
	case KS_PUMP_PROJECT:
		if (pu->sel.n && ks_code_run(&pu->sel, r, &p->ctx))
			goto err;
		ks_pump_emit(p, pu, r, pu->rowtime);
		return 0;
	}
	return 0;
err:
	ks_pump_rowerr(p, pu);
	return 0;
}

int ks_pump_stage(struct ks_plan *p, struct ks_pump *pu, size_t j)
{
	if (j < pu->njoins)
		return ks_join_stage(p, pu, j);
	return pump_tail(p, pu);
}

static void pump_row(struct ks_plan *p, struct ks_pump *pu,
		     const struct ks_value *row)
{
	int64_t t = row[pu->src->nuser].u.i;

	if (pu->result && pu->result->done)
		return;
	if (pu->tf) {
		ks_tf_bound(p, pu, t);
		pu->rowtime = t;
		ks_tf_row(p, pu, row);
		return;
	}
	memcpy(pu->f.regs, row, pu->src->ncols * sizeof(*row));
	if (pu->gb && pu->gb->open)
		ks_groupby_bound(p, pu, t);
	if (pu->sorter && pu->sorter->r.nrows)
		ks_sort_bound(p, pu, t);
	pu->rowtime = t;
	p->ctx.rowtime = t;
	pu->nin++;
	ks_pump_stage(p, pu, 0);
}

void ks_stream_push(struct ks_plan *p, struct ks_stream *s,
		    struct ks_value *row)
{
	int64_t t = row[s->nuser].u.i;
	size_t i;

	s->last_rowtime = t;
	s->has_rows = 1;
	for (i = 0; i < s->npumps; i++)
		pump_row(p, s->pumps[i], row);
	for (i = 0; i < s->nsinks; i++)
		if (ks_sink_row(s->sinks[i], t, row, &p->err))
			p->failed = 1;
}

void ks_stream_bound(struct ks_plan *p, struct ks_stream *s, int64_t t)
{
	size_t i;

	for (i = 0; i < s->npumps; i++) {
		struct ks_pump *pu = s->pumps[i];
		int any = 0;

		if (pu->gb && pu->gb->open) {
			ks_groupby_bound(p, pu, t);
			any = 1;
		}
		if (pu->sorter) {
			ks_sort_bound(p, pu, t);
			any = 1;
		}
		if (pu->tf) {
			ks_tf_bound(p, pu, t);
			any = 1;
		}
		if (any && pu->dst)
			ks_stream_bound(p, pu->dst, t);
	}
}

void ks_plan_flush(struct ks_plan *p)
{
	int level, max = 0;
	size_t i;

	for (i = 0; i < p->npumps; i++)
		if (p->pumps[i]->level > max)
			max = p->pumps[i]->level;
	for (level = 0; level <= max; level++)
		for (i = 0; i < p->npumps; i++)
			if (p->pumps[i]->level == level) {
				p->raw = NULL;
				if (p->pumps[i]->gb)
					ks_groupby_flush(p, p->pumps[i]);
				if (p->pumps[i]->tf)
					ks_tf_flush(p, p->pumps[i]);
				if (p->pumps[i]->sorter)
					ks_sort_flush(p, p->pumps[i]);
			}
}

/* ---- input records ---- */

static int digits(const char *s, size_t n)
{
	size_t i = s[0] == '-';

	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int rowtime_of(struct ks_plan *p, struct ks_input *in,
		      const struct ks_value *v, int64_t *t)
{
	const struct ks_sqltype *ty = &in->schema.cols[in->rowtime_col].type;

	if (v->null)
		return ks_rowerr_set(&p->rowerr, KS_ERR_BAD_RECORD,
				     "the ROWTIME field is missing or null");
	switch (ty->t) {
	case KS_T_TIMESTAMP:
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
		*t = v->u.i;
		return 0;
	case KS_T_DOUBLE:
	case KS_T_REAL:
		*t = (int64_t)v->u.d;
		return 0;
	case KS_T_CHAR:
	case KS_T_VARCHAR: {
		size_t n = v->u.s.n;
		char buf[32];

		while (n && v->u.s.p[n - 1] == ' ')
			n--;
		if (n && n < sizeof(buf) && digits(v->u.s.p, n)) {
			memcpy(buf, v->u.s.p, n);
			buf[n] = '\0';
			*t = strtoll(buf, NULL, 10);
			return 0;
		}
		if (!ks_ts_parse(v->u.s.p, n, t))
			return 0;
		break;
	}
	default:
		break;
	}
	return ks_rowerr_set(&p->rowerr, KS_ERR_BAD_RECORD,
			     "the ROWTIME field is not a timestamp");
}

int ks_plan_record(struct ks_plan *p, struct ks_input *in, const char *data,
		   size_t n, const struct ks_meta *m)
{
	struct ks_stream *s = in->stream;
	struct ks_value *row = in->row;
	int64_t t;

	ks_arena_reset(&p->arena);
	p->raw = data;
	p->rawn = n;
	in->nrecords++;
	if (ks_decoder_row(in->dec, data, n, row, &p->ctx)) {
		ks_plan_error(p, p->rowerr.name ? p->rowerr.name
						: KS_ERR_BAD_RECORD,
			      p->rowerr.msg, INT64_MIN, data, n, 1, NULL);
		goto done;
	}
	if (in->rowtime_col >= 0) {
		if (rowtime_of(p, in, &row[in->rowtime_col], &t)) {
			ks_plan_error(p, p->rowerr.name, p->rowerr.msg, INT64_MIN,
				      data, n, 1, NULL);
			goto done;
		}
	} else if (m && m->shard_id && m->shard_id[0]) {
		/* Shards are read in turn, so arrival times interleave: as
		 * KDA stamps a row when it enters the in-application stream,
		 * ROWTIME is the arrival time, never less than the last. */
		t = m->arrival_ms;
		if (s->has_rows && t < s->last_rowtime)
			t = s->last_rowtime;
	} else {
		t = in->read_ms;
		if (s->has_rows && t < s->last_rowtime)
			t = s->last_rowtime; /* the clock stepped back */
	}
	/* An ad-hoc query has no time windows: it keeps rows in any order. */
	if (s->has_rows && t < s->last_rowtime && !p->adhoc) {
		char a[32], b[32];

		ks_ts_format(t, a);
		ks_ts_format(s->last_rowtime, b);
		ks_rowerr_set(&p->rowerr, KS_ERR_LATE_ROW, "ROWTIME %s is before "
			      "the last ROWTIME %s of %s", a, b, s->name);
		ks_plan_error(p, p->rowerr.name, p->rowerr.msg, t, data, n, 1,
			      NULL);
		goto done;
	}
	row[s->nuser].null = 0;
	row[s->nuser].u.i = t;
	row[s->nuser + 1].null = 0;
	row[s->nuser + 1].u.i = m && m->arrival_ms ? m->arrival_ms : in->read_ms;
	if (s->ncols > s->nuser + 2) {
		if (m) {
			setstr(&row[s->nuser + 2], m->partition_key ? m->partition_key
								   : "",
			       m->partition_key ? m->pklen : 0);
			setstr(&row[s->nuser + 3], m->sequence_number ?
			       m->sequence_number : "", m->sequence_number ?
			       strlen(m->sequence_number) : 0);
			setstr(&row[s->nuser + 4], m->shard_id ? m->shard_id : "",
			       m->shard_id ? strlen(m->shard_id) : 0);
		} else {
			row[s->nuser + 2].null = row[s->nuser + 3].null =
				row[s->nuser + 4].null = 1;
		}
	}
	p->ctx.rowtime = t;
	ks_stream_push(p, s, row);
done:
	if (in->consumer && m) {
		if (m->shard >= in->npos) {
			size_t nn = (size_t)m->shard + 8;

			in->pos = kc_xrealloc(in->pos, nn * sizeof(*in->pos));
			memset(in->pos + in->npos, 0,
			       (nn - in->npos) * sizeof(*in->pos));
			in->npos = nn;
		}
		in->pos[m->shard] = m->offset + 1;
	}
	return p->failed ? -1 : 0;
}

/* ---- checkpoint holds ---- */

struct ks_hold *ks_hold_new(struct ks_plan *p)
{
	struct ks_hold *h;
	size_t i;

	if (p->adhoc)
		return NULL;
	for (i = 0; i < p->ninputs; i++)
		if (p->inputs[i]->consumer)
			break;
	if (i == p->ninputs)
		return NULL;
	h = kc_xcalloc(1, sizeof(*h));
	h->pos = kc_xcalloc(p->ninputs, sizeof(*h->pos));
	h->npos = kc_xcalloc(p->ninputs, sizeof(*h->npos));
	for (i = 0; i < p->ninputs; i++) {
		struct ks_input *in = p->inputs[i];

		h->npos[i] = in->npos;
		h->pos[i] = kc_xcalloc(in->npos + 1, sizeof(uint64_t));
		if (in->npos)
			memcpy(h->pos[i], in->pos, in->npos * sizeof(uint64_t));
	}
	h->next = p->holds;
	if (p->holds)
		p->holds->prev = h;
	p->holds = h;
	return h;
}

void ks_hold_free(struct ks_plan *p, struct ks_hold *h)
{
	size_t i;

	if (!h)
		return;
	if (h->prev)
		h->prev->next = h->next;
	else
		p->holds = h->next;
	if (h->next)
		h->next->prev = h->prev;
	for (i = 0; i < p->ninputs; i++)
		free(h->pos[i]);
	free(h->pos);
	free(h->npos);
	free(h);
}

uint64_t ks_plan_safe_pos(const struct ks_plan *p, size_t i, size_t shard);

/*
 * The position of input i's shard that can be committed: what was
 * processed, but no further than what was processed when the oldest
 * window still open began (its rows must be read again after a restart).
 * Returns offset + 1, or 0 for nothing.
 */
uint64_t ks_plan_safe_pos(const struct ks_plan *p, size_t i, size_t shard)
{
	const struct ks_input *in = p->inputs[i];
	uint64_t pos = shard < in->npos ? in->pos[shard] : 0;
	const struct ks_hold *h;

	for (h = p->holds; h; h = h->next) {
		uint64_t hp = shard < h->npos[i] ? h->pos[i][shard] : 0;

		if (hp < pos)
			pos = hp;
	}
	return pos;
}

/* ---- release ---- */

static void pump_free(struct ks_pump *pu)
{
	size_t i;

	free(pu->name);
	ks_regfile_release(&pu->f);
	for (i = 0; i < pu->njoins; i++)
		ks_join_release(&pu->joins[i]);
	free(pu->joins);
	ks_code_release(&pu->where);
	ks_code_release(&pu->args);
	ks_code_release(&pu->sel);
	ks_groupby_release(pu->gb);
	free(pu->aggs);
	for (i = 0; i < pu->nwins; i++)
		ks_slide_release(&pu->wins[i]);
	free(pu->wins);
	free(pu->out_regs);
	free(pu->out_types);
	free(pu->out_names);
	free(pu->map);
	free(pu->copy);
	free(pu->trow);
	ks_sort_release(pu->sorter);
	ks_tf_release(pu->tf);
	free(pu);
}

void ks_plan_release(struct ks_plan *p)
{
	size_t i, k;

	while (p->holds)
		ks_hold_free(p, p->holds);
	for (i = 0; i < p->npumps; i++)
		pump_free(p->pumps[i]);
	free(p->pumps);
	for (i = 0; i < p->nstreams; i++) {
		struct ks_stream *s = p->streams[i];

		for (k = 0; k < s->ncols; k++)
			free(s->names[k]);
		free(s->names);
		free(s->types);
		free(s->used);
		free(s->pumps);
		free(s->sinks);
		free(s->name);
		free(s);
	}
	free(p->streams);
	if (p->result)
		ks_result_release(p->result);
	free(p->result);
	ks_arena_release(&p->carena);
	ks_arena_release(&p->arena);
	kc_buf_release(&p->tmp);
}
