/*
 * explain.c: ksql --explain, the plan as text: one operator per line,
 * each indented under the one it feeds, from the output down to the scan.
 */
#include <string.h>

#include "plan.h"
#include "banned.h"

static void indent(struct kc_buf *o, int d)
{
	int i;

	for (i = 0; i < d; i++)
		kc_buf_adds(o, "  ");
}

static void sql(struct kc_buf *o, const struct ks_expr *e)
{
	ks_expr_sql(e, o);
}

static void scan(const struct ks_plan *p, const struct ks_stream *s,
		 struct kc_buf *o, int d)
{
	size_t i;
	int first = 1;

	(void)p;
	indent(o, d);
	kc_buf_addf(o, "scan %s", s->name);
	if (s->is_input)
		kc_buf_addf(o, " (input %s, %s)",
			    strcmp(s->input->source, "-") ? s->input->source
							   : "stdin",
			    s->input->schema.format == KS_FMT_CSV ? "csv" : "json");
	else
		kc_buf_adds(o, " (stream)");
	kc_buf_adds(o, ":");
	for (i = 0; i < s->ncols; i++) {
		struct kc_buf t = KC_BUF_INIT;

		if (s->is_input && (i >= s->nuser || !s->used[i]))
			continue;
		ks_type_format(&s->types[i], &t);
		kc_buf_addf(o, "%s %s %s", first ? "" : ",", s->names[i], t.data);
		kc_buf_release(&t);
		first = 0;
	}
	if (first)
		kc_buf_adds(o, " (no columns decoded)");
	kc_buf_addc(o, '\n');
}

static void items(struct kc_buf *o, const struct ks_pump *pu)
{
	size_t i;

	for (i = 0; i < pu->nout; i++)
		kc_buf_addf(o, "%s%s", i ? ", " : "", pu->out_names[i]);
}

static void pump(const struct ks_plan *p, const struct ks_pump *pu,
		 struct kc_buf *o)
{
	const struct ks_select *s = pu->sel_ast;
	int d = 1;
	size_t i;

	if (pu->tf) {
		const struct ks_tablefn *tf = pu->tf;

		kc_buf_addf(o, "pump %s: insert into %s (", pu->name ? pu->name
								     : "(query)",
			    pu->dst->name);
		for (i = 0; i < pu->dst->nuser; i++)
			kc_buf_addf(o, "%s%s", i ? ", " : "", pu->dst->names[i]);
		kc_buf_adds(o, ")\n");
		indent(o, d++);
		kc_buf_addf(o, "table function %s", tf->name);
		if (tf->kind == KS_TF_COUNT_DISTINCT || tf->kind == KS_TF_TOP_K)
			kc_buf_addf(o, ": column %s, tumbling window %lld ms",
				    tf->in->names[tf->col], (long long)tf->window);
		if (tf->kind == KS_TF_TOP_K)
			kc_buf_addf(o, ", top %lld", (long long)tf->k);
		if (tf->kind == KS_TF_RCF || tf->kind == KS_TF_RCF_EXPL)
			kc_buf_addf(o, ": %d trees, sample %d, time decay %g, "
				    "shingle %d, %zu numeric column%s", tf->ntrees,
				    tf->sample, tf->decay, tf->shingle, tf->nnum,
				    tf->nnum == 1 ? "" : "s");
		kc_buf_addc(o, '\n');
		scan(p, pu->src, o, d);
		return;
	}
	if (pu->name) {
		kc_buf_addf(o, "pump %s: insert into %s (", pu->name, pu->dst->name);
		for (i = 0; i < pu->nout; i++)
			kc_buf_addf(o, "%s%s", i ? ", " : "",
				    pu->dst->names[pu->map[i]]);
		kc_buf_adds(o, ")\n");
	} else {
		const struct ks_result *r = pu->result;

		kc_buf_adds(o, p->adhoc ? "query: output\n" : "query: output (stream)\n");
		if (r->limit >= 0) {
			indent(o, d++);
			kc_buf_addf(o, "limit %lld\n", (long long)r->limit);
		}
		if (r->norder) {
			indent(o, d++);
			kc_buf_adds(o, "sort:");
			for (i = 0; i < s->norder; i++) {
				kc_buf_adds(o, i ? ", " : " ");
				sql(o, s->order[i].e);
				if (s->order[i].desc)
					kc_buf_adds(o, " DESC");
			}
			kc_buf_addc(o, '\n');
		}
		if (r->distinct) {
			indent(o, d++);
			kc_buf_adds(o, "distinct\n");
		}
	}
	indent(o, d++);
	switch (pu->mode) {
	case KS_PUMP_PROJECT:
		kc_buf_adds(o, "project: ");
		items(o, pu);
		kc_buf_addc(o, '\n');
		break;
	case KS_PUMP_GROUP: {
		const struct ks_groupby *gb = pu->gb;

		kc_buf_adds(o, "project: ");
		items(o, pu);
		kc_buf_addc(o, '\n');
		if (s->having) {
			indent(o, d++);
			kc_buf_adds(o, "having: ");
			sql(o, s->having);
			kc_buf_addc(o, '\n');
		}
		indent(o, d++);
		if (gb->stagger) {
			kc_buf_addf(o, "stagger window: partition by ");
			for (i = 0; i < s->stagger->npartition; i++) {
				kc_buf_adds(o, i ? ", " : "");
				sql(o, s->stagger->partition[i]);
			}
			kc_buf_addf(o, "; range %lld ms from each key's first "
				    "row; aggregates ", (long long)gb->range);
			for (i = 0; i < gb->naggs; i++) {
				kc_buf_adds(o, i ? ", " : "");
				sql(o, gb->aggs[i].e);
			}
			if (!gb->naggs)
				kc_buf_adds(o, "none");
			kc_buf_addc(o, '\n');
			break;
		}
		if (gb->time_key >= 0)
			kc_buf_adds(o, "tumbling aggregate: group by ");
		else
			kc_buf_adds(o, "hash aggregate: group by ");
		for (i = 0; i < s->ngroup; i++) {
			kc_buf_adds(o, i ? ", " : "");
			sql(o, s->group_by[i]);
		}
		if (!s->ngroup)
			kc_buf_adds(o, "()");
		kc_buf_adds(o, "; aggregates ");
		for (i = 0; i < gb->naggs; i++) {
			kc_buf_adds(o, i ? ", " : "");
			sql(o, gb->aggs[i].e);
		}
		if (!gb->naggs)
			kc_buf_adds(o, "none");
		if (gb->time_key >= 0 && gb->time_rowtime)
			kc_buf_addf(o, "; window %lld ms of ROWTIME, emitted at "
				    "its end", (long long)gb->time_step);
		else if (gb->time_key >= 0)
			kc_buf_adds(o, "; emitted when the time key advances");
		else
			kc_buf_adds(o, "; emitted at the end of input");
		kc_buf_addc(o, '\n');
		break;
	}
	case KS_PUMP_SLIDE:
		kc_buf_adds(o, "project: ");
		items(o, pu);
		kc_buf_addc(o, '\n');
		for (i = 0; i < pu->nwins; i++) {
			const struct ks_slidewin *w = &pu->wins[i];
			size_t a;

			indent(o, d++);
			kc_buf_addf(o, "sliding window %s: ", w->name ? w->name
								     : "(inline)");
			if (w->unbounded)
				kc_buf_adds(o, "unbounded");
			else if (w->frame == KS_FRAME_ROWS)
				kc_buf_addf(o, "rows %lld preceding",
					    (long long)w->extent);
			else
				kc_buf_addf(o, "range %lld ms preceding",
					    (long long)w->extent);
			kc_buf_addf(o, ", %zu partition key%s; aggregates ",
				    w->npart, w->npart == 1 ? "" : "s");
			for (a = 0; a < w->naggs; a++) {
				kc_buf_adds(o, a ? ", " : "");
				sql(o, pu->aggs[w->aggidx[a]].e);
			}
			kc_buf_addc(o, '\n');
		}
		break;
	}
	if (s->where) {
		indent(o, d++);
		kc_buf_adds(o, "filter: ");
		sql(o, s->where);
		kc_buf_addc(o, '\n');
	}
	for (i = pu->njoins; i-- > 0;) {
		const struct ks_joinop *j = &pu->joins[i];

		indent(o, d++);
		kc_buf_addf(o, "%s join %s (%zu rows): %s on %zu key%s",
			    j->left ? "left" : "inner", j->table->name,
			    j->table->nrows, j->nkeys ? "hash" : "nested loop",
			    j->nkeys, j->nkeys == 1 ? "" : "s");
		if (s->joins[i].on) {
			kc_buf_adds(o, ", ON ");
			sql(o, s->joins[i].on);
		}
		kc_buf_addc(o, '\n');
	}
	scan(p, pu->src, o, d);
}

void ks_explain(const struct ks_plan *p, struct kc_buf *o)
{
	size_t i;

	for (i = 0; i < p->npumps; i++)
		pump(p, p->pumps[i], o);
	for (i = 0; i < p->noutputs; i++)
		kc_buf_addf(o, "output %s -> %s\n", p->outputs[i].name,
			    p->outputs[i].target);
}
