/*
 * join.c: a stream joined with a reference table, without a window (the
 * table does not change while the application runs). The table is hashed
 * once on the columns the ON condition compares with equality to stream
 * expressions; each stream row probes it and evaluates the rest of ON per
 * matching row. Without such a key every table row is a candidate. A LEFT
 * JOIN passes unmatched stream rows on with the table's columns NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "banned.h"

#define NIL UINT32_MAX

struct chain {
	uint32_t head, tail;
};

void ks_join_build(struct ks_joinop *j)
{
	const struct ks_table *t = j->table;
	struct ks_arena scratch;
	struct ks_rowerr err;
	struct ks_eval_ctx x;
	size_t r, k;

	ks_gtab_init(&j->hash, j->key_types, j->nkeys, sizeof(struct chain));
	j->next = kc_xcalloc(t->nrows + 1, sizeof(*j->next));
	j->keybuf = kc_xcalloc(j->nkeys + 1, sizeof(*j->keybuf));
	if (!j->nkeys)
		return;
	ks_arena_init(&scratch);
	memset(&x, 0, sizeof(x));
	x.arena = &scratch;
	x.err = &err;
	for (r = 0; r < t->nrows; r++) {
		const struct ks_value *row = &t->rows[r * t->schema.ncols];
		struct chain *ch;
		long gi;
		int created, skip = 0;

		j->next[r] = NIL;
		for (k = 0; k < j->nkeys; k++) {
			const struct ks_value *v = &row[j->rkey_cols[k]];
			const struct ks_sqltype *from =
				&t->schema.cols[j->rkey_cols[k]].type;
			const struct ks_sqltype *to = &j->key_types[k];

			if (v->null) {
				skip = 1; /* NULL never equals anything */
				break;
			}
			if (from->t == to->t && from->scale == to->scale)
				j->keybuf[k] = *v;
			else if (ks_cast(&x, v, from, to, &j->keybuf[k]))
				skip = 1;
		}
		if (skip)
			continue;
		gi = ks_gtab_find(&j->hash, j->keybuf,
				  ks_gtab_hash(&j->hash, j->keybuf), 1, &created);
		ch = ks_gtab_payload(&j->hash, (size_t)gi);
		if (created) {
			ch->head = ch->tail = (uint32_t)r;
		} else {
			j->next[ch->tail] = (uint32_t)r;
			ch->tail = (uint32_t)r;
		}
	}
	ks_arena_release(&scratch);
}

void ks_join_release(struct ks_joinop *j)
{
	ks_gtab_release(&j->hash);
	ks_code_release(&j->keys);
	ks_code_release(&j->cond);
	free(j->next);
	free(j->keybuf);
	free(j->lkey_regs);
	free(j->rkey_cols);
	free(j->key_types);
}

/* Copies table row r (or NULLs) into the frame and goes on. */
static int match(struct ks_plan *p, struct ks_pump *pu, size_t ji, long r,
		 int *matched)
{
	struct ks_joinop *j = &pu->joins[ji];
	struct ks_value *regs = pu->f.regs + j->base;
	size_t c;

	if (r < 0) {
		for (c = 0; c < j->ncols; c++)
			regs[c].null = 1;
	} else {
		memcpy(regs, &j->table->rows[(size_t)r * j->ncols],
		       j->ncols * sizeof(*regs));
		if (j->cond.n) {
			if (ks_code_run(&j->cond, pu->f.regs, &p->ctx)) {
				ks_pump_rowerr(p, pu);
				return 0;
			}
		}
		if (j->cond_reg >= 0 && !ks_true(&pu->f.regs[j->cond_reg]))
			return 0;
		*matched = 1;
	}
	return ks_pump_stage(p, pu, ji + 1);
}

int ks_join_stage(struct ks_plan *p, struct ks_pump *pu, size_t ji);

int ks_join_stage(struct ks_plan *p, struct ks_pump *pu, size_t ji)
{
	struct ks_joinop *j = &pu->joins[ji];
	struct ks_value *regs = pu->f.regs;
	int matched = 0;
	size_t k;

	if (j->keys.n && ks_code_run(&j->keys, regs, &p->ctx)) {
		ks_pump_rowerr(p, pu);
		return 0;
	}
	if (j->nkeys) {
		long gi;
		int created;

		for (k = 0; k < j->nkeys; k++) {
			j->keybuf[k] = regs[j->lkey_regs[k]];
			if (j->keybuf[k].null)
				goto none;
		}
		gi = ks_gtab_find(&j->hash, j->keybuf,
				  ks_gtab_hash(&j->hash, j->keybuf), 0, &created);
		if (gi >= 0) {
			const struct chain *ch = ks_gtab_payload(&j->hash,
								 (size_t)gi);
			uint32_t r;

			for (r = ch->head; r != NIL && !p->failed; r = j->next[r])
				match(p, pu, ji, (long)r, &matched);
		}
	} else {
		size_t r;

		for (r = 0; r < j->table->nrows && !p->failed; r++)
			match(p, pu, ji, (long)r, &matched);
	}
none:
	if (!matched && j->left)
		match(p, pu, ji, -1, &matched);
	return 0;
}
