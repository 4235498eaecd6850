/*
 * eval.c: expression programs. The binder compiles every expression to a
 * flat array of steps over a frame of registers (SQLite's VDBE, reduced):
 * column values and constants already sit in registers, so a column
 * reference or a literal costs no step at all, and the loop below does no
 * allocation and no type dispatch beyond one switch per step.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "banned.h"

int ks_regfile_alloc(struct ks_regfile *f, const struct ks_sqltype *t)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 32;
		f->regs = kc_xrealloc(f->regs, f->cap * sizeof(*f->regs));
		f->types = kc_xrealloc(f->types, f->cap * sizeof(*f->types));
	}
	memset(&f->regs[f->n], 0, sizeof(f->regs[0]));
	f->regs[f->n].null = 1;
	f->types[f->n] = *t;
	return (int)f->n++;
}

void ks_regfile_release(struct ks_regfile *f)
{
	free(f->regs);
	free(f->types);
	memset(f, 0, sizeof(*f));
}

struct ks_step *ks_code_add(struct ks_code *c, enum ks_opcode op)
{
	struct ks_step *s;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->steps = kc_xrealloc(c->steps, c->cap * sizeof(*c->steps));
	}
	s = &c->steps[c->n++];
	memset(s, 0, sizeof(*s));
	s->op = (uint8_t)op;
	s->dst = s->a = s->b = s->c = -1;
	return s;
}

void ks_code_release(struct ks_code *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct ks_step *s = &c->steps[i];

		switch (s->op) {
		case KS_I_FUNC:
			if (s->state && s->fn->release)
				s->fn->release(s->state);
			free(s->argt);
			break;
		case KS_I_LIKE:
			ks_like_free(s->state);
			break;
		case KS_I_IN: {
			struct ks_inlist *l = s->state;

			free(l->v);
			free(l);
			break;
		}
		default:
			break;
		}
	}
	free(c->steps);
	memset(c, 0, sizeof(*c));
}

static inline int cmp_result(int op, int c)
{
	switch (op) {
	case KS_OP_EQ: return c == 0;
	case KS_OP_NE: return c != 0;
	case KS_OP_LT: return c < 0;
	case KS_OP_LE: return c <= 0;
	case KS_OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static inline void set_bool(struct ks_value *v, int b)
{
	v->null = 0;
	v->u.i = b;
}

int ks_code_run(const struct ks_code *code, struct ks_value *r,
		struct ks_eval_ctx *x)
{
	const struct ks_step *s = code->steps, *end = s + code->n;

	while (s < end) {
		struct ks_value *d = &r[s->dst];
		const struct ks_value *a = &r[s->a];

		switch (s->op) {
		case KS_I_MOVE:
			*d = *a;
			break;
		case KS_I_BIN:
			if (ks_eval_binary(x, (enum ks_op)s->sub, a, &s->ta,
					   &r[s->b], &s->tb, &s->tr, d))
				return -1;
			break;
		case KS_I_UN:
			if (ks_eval_unary(x, (enum ks_op)s->sub, a, &s->ta,
					  &s->tr, d))
				return -1;
			break;
		case KS_I_CMP_I: {
			const struct ks_value *b = &r[s->b];

			if (a->null || b->null) {
				d->null = 1;
				break;
			}
			set_bool(d, cmp_result(s->sub, (a->u.i > b->u.i) -
						     (a->u.i < b->u.i)));
			break;
		}
		case KS_I_CMP_D: {
			const struct ks_value *b = &r[s->b];

			if (a->null || b->null) {
				d->null = 1;
				break;
			}
			set_bool(d, cmp_result(s->sub, (a->u.d > b->u.d) -
						     (a->u.d < b->u.d)));
			break;
		}
		case KS_I_CMP: {
			const struct ks_value *b = &r[s->b];

			if (a->null || b->null) {
				d->null = 1;
				break;
			}
			set_bool(d, cmp_result(s->sub,
					       ks_compare(a, &s->ta, b, &s->tb)));
			break;
		}
		case KS_I_NOT:
			if (a->null)
				d->null = 1;
			else
				set_bool(d, !a->u.i);
			break;
		case KS_I_AND: {
			const struct ks_value *b = &r[s->b];

			if ((!a->null && !a->u.i) || (!b->null && !b->u.i))
				set_bool(d, 0);
			else if (a->null || b->null)
				d->null = 1;
			else
				set_bool(d, 1);
			break;
		}
		case KS_I_OR: {
			const struct ks_value *b = &r[s->b];

			if ((!a->null && a->u.i) || (!b->null && b->u.i))
				set_bool(d, 1);
			else if (a->null || b->null)
				d->null = 1;
			else
				set_bool(d, 0);
			break;
		}
		case KS_I_JFALSE:
			if (!a->null && !a->u.i) {
				set_bool(d, 0);
				s = code->steps + s->c;
				continue;
			}
			break;
		case KS_I_JTRUE:
			if (!a->null && a->u.i) {
				set_bool(d, 1);
				s = code->steps + s->c;
				continue;
			}
			break;
		case KS_I_JNT:
			if (a->null || !a->u.i) {
				s = code->steps + s->c;
				continue;
			}
			break;
		case KS_I_JMP:
			s = code->steps + s->c;
			continue;
		case KS_I_ISNULL:
			set_bool(d, a->null ^ s->sub);
			break;
		case KS_I_FUNC:
			if (s->fn->flags & KS_FN_STRICT) {
				int i, null = 0;

				for (i = 0; i < s->argc; i++)
					null |= r[s->a + i].null;
				if (null) {
					d->null = 1;
					break;
				}
			}
			if (s->fn->eval(x, s->state, a, s->argt, s->argc, &s->tr, d))
				return -1;
			break;
		case KS_I_CAST:
			if (a->null) {
				d->null = 1;
				break;
			}
			if (ks_cast(x, a, &s->ta, &s->tr, d))
				return -1;
			break;
		case KS_I_LIKE:
			if (a->null) {
				d->null = 1;
				break;
			}
			set_bool(d, ks_like_match(s->state, a->u.s.p, a->u.s.n) ^
				    s->sub);
			break;
		case KS_I_LIKE_DYN: {
			const struct ks_value *pat = &r[s->b];
			const struct ks_value *esc = s->c >= 0 ? &r[s->c] : NULL;
			struct ks_like *l;
			char msg[256];
			int m;

			if (a->null || pat->null || (esc && esc->null)) {
				d->null = 1;
				break;
			}
			if (ks_like_compile(pat->u.s.p, pat->u.s.n,
					    esc ? esc->u.s.p : NULL,
					    esc ? esc->u.s.n : 0, &l, msg,
					    sizeof(msg)))
				return ks_rowerr_set(x->err, KS_ERR_FUNCTION,
						     "LIKE: %s", msg);
			m = ks_like_match(l, a->u.s.p, a->u.s.n);
			ks_like_free(l);
			set_bool(d, m ^ s->sub);
			break;
		}
		case KS_I_IN: {
			const struct ks_inlist *l = s->state;
			size_t i;

			if (a->null) {
				d->null = 1;
				break;
			}
			for (i = 0; i < l->n; i++)
				if (!l->v[i].null &&
				    !ks_compare(a, &l->t, &l->v[i], &l->t))
					break;
			if (i < l->n)
				set_bool(d, !s->sub);
			else if (l->has_null)
				d->null = 1;
			else
				set_bool(d, s->sub);
			break;
		}
		case KS_I_SETNULL:
			d->null = 1;
			break;
		}
		s++;
	}
	return 0;
}
