/*
 * tablefn.c: the analytic table functions of FROM TABLE(fn(CURSOR(...),
 * ...)). The binder makes the CURSOR's SELECT a pump into a hidden stream
 * and the function a pump from it into another hidden stream, which the
 * outer SELECT reads (bind.c, bind_tablefn). Here is what runs:
 *
 * COUNT_DISTINCT_ITEMS_TUMBLING(c, 'col', seconds): per tumbling window
 *   (aligned on multiples of its width since 1970, like STEP), one row
 *   NUMBER_OF_DISTINCT_ITEMS: exact (a set of 64-bit hashes) up to 10,000
 *   items, then HyperLogLog (2^14 registers, Flajolet et al. 2007 with the
 *   small-range correction), ROWTIME = the window's end. NULLs are not
 *   items.
 * TOP_K_ITEMS_TUMBLING(c, 'col', K, seconds): per window, the K most
 *   frequent values with their counts (MOST_FREQUENT_VALUES), most
 *   frequent first. Counting is Space-Saving (Metwally et al. 2005) in
 *   batches: at most 2m counters (m = max(4K, 1000)); when full, the m
 *   largest are kept and new values start from the largest count dropped,
 *   so counts are exact while a window has at most 2m distinct values and
 *   over-estimate by at most that floor otherwise.
 * RANDOM_CUT_FOREST(c [, trees, sample, decay, shingle]) and
 *   RANDOM_CUT_FOREST_WITH_EXPLANATION(... [, directional]): a robust
 *   random cut forest (Guha et al., ICML 2016) over the numeric columns
 *   (shingled: the last `shingle` rows side by side). Each tree keeps a
 *   time-decayed reservoir sample of `sample` points (weight
 *   -seq/decay + log(-log u), the largest weight leaves) and the tree of
 *   random cuts over them, updated by insertion and deletion. A row is
 *   scored before it is added: the expected displacement score of the AWS
 *   implementation (leaf: 1/(depth+1) unseen, damped 1/(depth+log2(mass+1))
 *   seen; each ancestor mixes in 1/(depth+1) with the probability that a
 *   random cut separates the point from its box), times log2(n+1), the
 *   mean over trees: about 1 for ordinary points, up to log2(sample+1) for
 *   a point cut off at the root. It is 0 until a quarter of the sample has
 *   been seen. The explanation splits the score over the columns, high and
 *   low (attributions sum to the score). Random numbers come from a fixed
 *   seed per tree, so results are reproducible.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "banned.h"

/* ---- random numbers: splitmix64 ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double rng_unit(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* ---- COUNT_DISTINCT_ITEMS_TUMBLING ---- */

#define EXACT_MAX 10000
#define EXACT_SLOTS 16384
#define HLL_P 14
#define HLL_M (1u << HLL_P)

struct distinct {
	uint64_t *set;          /* hash + 1, 0 empty */
	size_t n;
	uint8_t *reg;           /* HLL registers once over EXACT_MAX */
	int hll;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t i = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = h << HLL_P;
	uint8_t r = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(64 - HLL_P + 1);

	if (r > reg[i])
		reg[i] = r;
}

static double hll_count(const uint8_t *reg)
{
	double m = HLL_M, sum = 0, est;
	size_t i, zeros = 0;

	for (i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -reg[i]);
		zeros += !reg[i];
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / (double)zeros);
	return est;
}

static void distinct_add(struct distinct *d, uint64_t h)
{
	size_t j;

	h = mix(h);
	if (d->hll) {
		hll_add(d->reg, h);
		return;
	}
	for (j = h & (EXACT_SLOTS - 1); d->set[j]; j = (j + 1) & (EXACT_SLOTS - 1))
		if (d->set[j] == h + 1)
			return;
	d->set[j] = h + 1;
	if (++d->n <= EXACT_MAX)
		return;
	/* too many for an exact count: HyperLogLog from here on */
	if (!d->reg)
		d->reg = kc_xmalloc(HLL_M);
	memset(d->reg, 0, HLL_M);
	for (j = 0; j < EXACT_SLOTS; j++)
		if (d->set[j])
			hll_add(d->reg, d->set[j] - 1);
	d->hll = 1;
}

static int64_t distinct_result(const struct distinct *d)
{
	return d->hll ? (int64_t)llround(hll_count(d->reg)) : (int64_t)d->n;
}

static void distinct_reset(struct distinct *d)
{
	if (d->n)
		memset(d->set, 0, EXACT_SLOTS * sizeof(*d->set));
	d->n = 0;
	d->hll = 0;
}

/* ---- TOP_K_ITEMS_TUMBLING ---- */

struct topk {
	struct ks_gtab tab;     /* value -> int64 count */
	size_t m;
	int64_t floor;          /* largest count dropped */
	struct ks_sqltype t;
};

static int64_t *topk_count(const struct ks_gtab *g, size_t i)
{
	return ks_gtab_payload(g, i);
}

/* Entry indexes by count, descending; ties in first-seen order. */
static const struct ks_gtab *sort_tab;

static int by_count(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t cx = *topk_count(sort_tab, x), cy = *topk_count(sort_tab, y);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return (x > y) - (x < y);
}

static size_t *topk_order(const struct ks_gtab *g)
{
	size_t *idx = kc_xcalloc(g->n + 1, sizeof(*idx)), i;

	for (i = 0; i < g->n; i++)
		idx[i] = i;
	sort_tab = g;
	qsort(idx, g->n, sizeof(*idx), by_count);
	return idx;
}

/* Keeps the m largest counters. */
static void topk_prune(struct topk *k)
{
	struct ks_gtab fresh;
	size_t *idx = topk_order(&k->tab), i;

	ks_gtab_init(&fresh, &k->t, 1, sizeof(int64_t));
	for (i = 0; i < k->tab.n; i++) {
		size_t e = idx[i];
		uint64_t h;
		long gi;
		int created;

		if (i >= k->m) {
			if (*topk_count(&k->tab, e) > k->floor)
				k->floor = *topk_count(&k->tab, e);
			continue;
		}
		memcpy(&h, k->tab.ents + e * k->tab.esize, 8);
		gi = ks_gtab_find(&fresh, ks_gtab_keys(&k->tab, e), h, 1,
				  &created);
		*topk_count(&fresh, (size_t)gi) = *topk_count(&k->tab, e);
	}
	free(idx);
	ks_gtab_release(&k->tab);
	k->tab = fresh;
}

static void topk_add(struct topk *k, const struct ks_value *v)
{
	long gi;
	int created;

	gi = ks_gtab_find(&k->tab, v, ks_gtab_hash(&k->tab, v), 1, &created);
	if (created)
		*topk_count(&k->tab, (size_t)gi) = k->floor;
	++*topk_count(&k->tab, (size_t)gi);
	if (k->tab.n >= 2 * k->m)
		topk_prune(k);
}

/* ---- random cut forest ---- */

struct rtree {
	int dim, cap;           /* cap: sample size */
	/* nodes (2 * cap): leaves have left = -1 */
	int *left, *right, *parent, *cutdim, *mass;
	double *cutval, *lo, *hi; /* boxes: node * dim */
	int *freelist, nfree;
	int root;
	/* reservoir: slot -> point, weight; a max-heap of slots by weight */
	double *pts, *weight;
	int *heap, nheap;
	uint64_t rng;
};

struct forest {
	int ntrees, sample, shingle, dim, base; /* dim = base * shingle */
	double lambda;
	struct rtree *t;
	double *ring;           /* the last `shingle` rows */
	int64_t seen;
	double *x, *vec, *tvec; /* the point; attributions (2 * dim) */
};

static void tree_init(struct rtree *t, int dim, int cap, uint64_t seed)
{
	int n = 2 * cap + 2, i;

	memset(t, 0, sizeof(*t));
	t->dim = dim;
	t->cap = cap;
	t->left = kc_xcalloc((size_t)n, sizeof(int));
	t->right = kc_xcalloc((size_t)n, sizeof(int));
	t->parent = kc_xcalloc((size_t)n, sizeof(int));
	t->cutdim = kc_xcalloc((size_t)n, sizeof(int));
	t->mass = kc_xcalloc((size_t)n, sizeof(int));
	t->cutval = kc_xcalloc((size_t)n, sizeof(double));
	t->lo = kc_xcalloc((size_t)n * (size_t)dim, sizeof(double));
	t->hi = kc_xcalloc((size_t)n * (size_t)dim, sizeof(double));
	t->freelist = kc_xcalloc((size_t)n, sizeof(int));
	for (i = n - 1; i >= 0; i--)
		t->freelist[t->nfree++] = i;
	t->root = -1;
	t->pts = kc_xcalloc((size_t)cap * (size_t)dim, sizeof(double));
	t->weight = kc_xcalloc((size_t)cap, sizeof(double));
	t->heap = kc_xcalloc((size_t)cap, sizeof(int));
	t->rng = seed;
}

static void tree_free(struct rtree *t)
{
	free(t->left);
	free(t->right);
	free(t->parent);
	free(t->cutdim);
	free(t->mass);
	free(t->cutval);
	free(t->lo);
	free(t->hi);
	free(t->freelist);
	free(t->pts);
	free(t->weight);
	free(t->heap);
}

static int node_new(struct rtree *t)
{
	int n = t->freelist[--t->nfree];

	t->left[n] = t->right[n] = t->parent[n] = -1;
	t->mass[n] = 0;
	return n;
}

static void node_free(struct rtree *t, int n)
{
	t->freelist[t->nfree++] = n;
}

static void set_parent_link(struct rtree *t, int old, int new)
{
	int p = t->parent[old];

	t->parent[new] = p;
	if (p < 0)
		t->root = new;
	else if (t->left[p] == old)
		t->left[p] = new;
	else
		t->right[p] = new;
}

static int same_point(const struct rtree *t, int leaf, const double *x)
{
	const double *lo = &t->lo[(size_t)leaf * (size_t)t->dim];

	return !memcmp(lo, x, (size_t)t->dim * sizeof(double));
}

static void tree_insert(struct rtree *t, const double *x)
{
	int d = t->dim, node = t->root, k, leaf, up;

	if (node < 0) {
		leaf = node_new(t);
		memcpy(&t->lo[(size_t)leaf * d], x, (size_t)d * sizeof(double));
		memcpy(&t->hi[(size_t)leaf * d], x, (size_t)d * sizeof(double));
		t->mass[leaf] = 1;
		t->root = leaf;
		return;
	}
	for (;;) {
		const double *lo = &t->lo[(size_t)node * d];
		const double *hi = &t->hi[(size_t)node * d];
		double total = 0, r, acc = 0, cut = 0;
		int dim = -1;

		for (k = 0; k < d; k++)
			total += fmax(hi[k], x[k]) - fmin(lo[k], x[k]);
		if (total <= 0) {
			/* x is this leaf's point */
			for (up = node; up >= 0; up = t->parent[up])
				t->mass[up]++;
			return;
		}
		r = rng_unit(&t->rng) * total;
		for (k = 0; k < d; k++) {
			double w = fmax(hi[k], x[k]) - fmin(lo[k], x[k]);

			if (w <= 0)
				continue;
			dim = k;
			if (r < acc + w) {
				cut = fmin(lo[k], x[k]) + (r - acc);
				break;
			}
			acc += w;
		}
		if (k == d)
			cut = fmax(hi[dim], x[dim]); /* rounding: the last edge */
		if (t->left[node] < 0 || cut < lo[dim] || cut >= hi[dim]) {
			/* the cut separates x from this node's box */
			int in = node_new(t);

			leaf = node_new(t);
			memcpy(&t->lo[(size_t)leaf * d], x, (size_t)d * sizeof(double));
			memcpy(&t->hi[(size_t)leaf * d], x, (size_t)d * sizeof(double));
			t->mass[leaf] = 1;
			t->cutdim[in] = dim;
			t->cutval[in] = cut;
			set_parent_link(t, node, in);
			if (x[dim] <= cut) {
				t->left[in] = leaf;
				t->right[in] = node;
			} else {
				t->left[in] = node;
				t->right[in] = leaf;
			}
			t->parent[leaf] = t->parent[node] = in;
			memcpy(&t->lo[(size_t)in * d], lo, (size_t)d * sizeof(double));
			memcpy(&t->hi[(size_t)in * d], hi, (size_t)d * sizeof(double));
			t->mass[in] = t->mass[node];
			for (up = in; up >= 0; up = t->parent[up]) {
				double *ul = &t->lo[(size_t)up * d];
				double *uh = &t->hi[(size_t)up * d];

				t->mass[up]++;
				for (k = 0; k < d; k++) {
					if (x[k] < ul[k])
						ul[k] = x[k];
					if (x[k] > uh[k])
						uh[k] = x[k];
				}
			}
			return;
		}
		node = x[t->cutdim[node]] <= t->cutval[node] ? t->left[node]
							     : t->right[node];
	}
}

static void tree_delete(struct rtree *t, const double *x)
{
	int d = t->dim, node = t->root, p, s, g, k;

	while (node >= 0 && t->left[node] >= 0)
		node = x[t->cutdim[node]] <= t->cutval[node] ? t->left[node]
							     : t->right[node];
	if (node < 0 || !same_point(t, node, x))
		return; /* cannot happen: every sampled point is in the tree */
	if (t->mass[node] > 1) {
		for (; node >= 0; node = t->parent[node])
			t->mass[node]--;
		return;
	}
	p = t->parent[node];
	node_free(t, node);
	if (p < 0) {
		t->root = -1;
		return;
	}
	s = t->left[p] == node ? t->right[p] : t->left[p];
	set_parent_link(t, p, s);
	node_free(t, p);
	for (g = t->parent[s]; g >= 0; g = t->parent[g]) {
		int a = t->left[g], b = t->right[g];

		t->mass[g]--;
		for (k = 0; k < d; k++) {
			t->lo[(size_t)g * d + k] = fmin(t->lo[(size_t)a * d + k],
							t->lo[(size_t)b * d + k]);
			t->hi[(size_t)g * d + k] = fmax(t->hi[(size_t)a * d + k],
							t->hi[(size_t)b * d + k]);
		}
	}
}

/*
 * The score of x in t (not inserted), normalized; with vec (2 * dim:
 * high, low per dimension) the attributions, which sum to it.
 */
static double tree_score(const struct rtree *t, const double *x, double *vec)
{
	int d = t->dim, node = t->root, depth = 0, k;
	double score, norm;

	if (node < 0)
		return 0;
	while (t->left[node] >= 0) {
		node = x[t->cutdim[node]] <= t->cutval[node] ? t->left[node]
							     : t->right[node];
		depth++;
	}
	norm = log2((double)t->mass[t->root] + 1);
	if (same_point(t, node, x)) {
		double damp = 1 - (double)t->mass[node] /
				  (2.0 * t->mass[t->root]);

		score = damp / (depth + log2((double)t->mass[node] + 1));
		if (vec)
			for (k = 0; k < 2 * d; k++)
				vec[k] = score / (2 * d);
	} else {
		score = 1.0 / (depth + 1);
		if (vec) {
			const double *p = &t->lo[(size_t)node * d];
			double sum = 0;

			for (k = 0; k < d; k++)
				sum += fabs(x[k] - p[k]);
			for (k = 0; k < d; k++) {
				double share = sum > 0 ? fabs(x[k] - p[k]) / sum
						       : 1.0 / d;

				vec[k] = x[k] > p[k] || sum <= 0 ? score * share
								   : 0;
				vec[d + k] = x[k] < p[k] ? score * share : 0;
				if (sum <= 0)
					vec[k] /= 2, vec[d + k] = vec[k];
			}
		}
	}
	for (node = t->parent[node], depth--; node >= 0;
	     node = t->parent[node], depth--) {
		const double *lo = &t->lo[(size_t)node * d];
		const double *hi = &t->hi[(size_t)node * d];
		double out = 0, span = 0, unseen = 1.0 / (depth + 1), prob;

		for (k = 0; k < d; k++) {
			out += fmax(0, lo[k] - x[k]) + fmax(0, x[k] - hi[k]);
			span += fmax(hi[k], x[k]) - fmin(lo[k], x[k]);
		}
		prob = span > 0 ? out / span : 0;
		if (prob <= 0)
			continue;
		score = (1 - prob) * score + prob * unseen;
		if (vec)
			for (k = 0; k < d; k++) {
				vec[k] = (1 - prob) * vec[k] +
					 unseen * fmax(0, x[k] - hi[k]) / span;
				vec[d + k] = (1 - prob) * vec[d + k] +
					     unseen * fmax(0, lo[k] - x[k]) / span;
			}
	}
	if (vec)
		for (k = 0; k < 2 * d; k++)
			vec[k] *= norm;
	return score * norm;
}

static void heap_swap(struct rtree *t, int a, int b)
{
	int x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
}

static void heap_down(struct rtree *t, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->nheap && t->weight[t->heap[l]] > t->weight[t->heap[m]])
			m = l;
		if (r < t->nheap && t->weight[t->heap[r]] > t->weight[t->heap[m]])
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void heap_up(struct rtree *t, int i)
{
	while (i > 0 && t->weight[t->heap[(i - 1) / 2]] < t->weight[t->heap[i]]) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/* Offers x (the seq-th point) to t's reservoir; updates the tree. */
static void tree_update(struct rtree *t, const double *x, int64_t seq,
			double lambda)
{
	double w = -(double)seq * lambda + log(-log(rng_unit(&t->rng)));
	int d = t->dim, slot;

	if (t->nheap < t->cap) {
		slot = t->nheap;
		t->heap[t->nheap++] = slot;
	} else {
		slot = t->heap[0];
		if (w >= t->weight[slot])
			return;
		tree_delete(t, &t->pts[(size_t)slot * d]);
	}
	memcpy(&t->pts[(size_t)slot * d], x, (size_t)d * sizeof(double));
	t->weight[slot] = w;
	tree_insert(t, x);
	if (t->nheap == t->cap && t->heap[0] == slot)
		heap_down(t, 0);
	else
		heap_up(t, t->nheap - 1);
}

static struct forest *forest_new(int ntrees, int sample, double decay,
				 int shingle, int base)
{
	struct forest *f = kc_xcalloc(1, sizeof(*f));
	int i;

	f->ntrees = ntrees;
	f->sample = sample;
	f->shingle = shingle;
	f->base = base;
	f->dim = base * shingle;
	f->lambda = 1.0 / decay;
	f->t = kc_xcalloc((size_t)ntrees, sizeof(*f->t));
	for (i = 0; i < ntrees; i++)
		tree_init(&f->t[i], f->dim, sample,
			  0x5eed0000ULL + (uint64_t)i * 0x9e3779b97f4a7c15ULL);
	f->ring = kc_xcalloc((size_t)f->dim, sizeof(double));
	f->x = kc_xcalloc((size_t)f->dim, sizeof(double));
	f->vec = kc_xcalloc(2 * (size_t)f->dim, sizeof(double));
	f->tvec = kc_xcalloc(2 * (size_t)f->dim, sizeof(double));
	return f;
}

static void forest_free(struct forest *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->ntrees; i++)
		tree_free(&f->t[i]);
	free(f->t);
	free(f->ring);
	free(f->x);
	free(f->vec);
	free(f->tvec);
	free(f);
}

/*
 * Scores a row (base values) and learns it: the score (0 while the
 * forest is not ready), attributions in f->vec when explain.
 */
static double forest_row(struct forest *f, const double *v, int explain)
{
	int i, k, d = f->dim;
	double score = 0;

	/* shingle: the oldest row first */
	memmove(f->ring, f->ring + f->base,
		(size_t)(d - f->base) * sizeof(double));
	memcpy(f->ring + d - f->base, v, (size_t)f->base * sizeof(double));
	f->seen++;
	if (f->seen < f->shingle)
		return 0;
	memcpy(f->x, f->ring, (size_t)d * sizeof(double));
	if (explain)
		memset(f->vec, 0, 2 * (size_t)d * sizeof(double));
	if (f->seen - f->shingle + 1 > f->sample / 4) {
		for (i = 0; i < f->ntrees; i++) {
			score += tree_score(&f->t[i], f->x, explain ? f->tvec : NULL);
			if (explain)
				for (k = 0; k < 2 * d; k++)
					f->vec[k] += f->tvec[k];
		}
		score /= f->ntrees;
		if (explain)
			for (k = 0; k < 2 * d; k++)
				f->vec[k] /= f->ntrees;
	}
	for (i = 0; i < f->ntrees; i++)
		tree_update(&f->t[i], f->x, f->seen, f->lambda);
	return score;
}

/* ---- the operator ---- */

struct tfstate {
	struct ks_gtab htab;    /* hashes the column's values */
	struct distinct dist;
	struct topk topk;
	struct forest *forest;
	double *v;
};

void ks_tf_init(struct ks_tablefn *tf)
{
	struct tfstate *s = kc_xcalloc(1, sizeof(*s));

	tf->st = s;
	tf->row = kc_xcalloc(tf->out->ncols + 1, sizeof(*tf->row));
	switch (tf->kind) {
	case KS_TF_COUNT_DISTINCT: {
		struct ks_sqltype t = tf->in->types[tf->col];

		t.not_null = 0;
		ks_gtab_init(&s->htab, &t, 1, 0);
		s->dist.set = kc_xcalloc(EXACT_SLOTS, sizeof(*s->dist.set));
		break;
	}
	case KS_TF_TOP_K:
		s->topk.t = tf->in->types[tf->col];
		s->topk.t.not_null = 0;
		s->topk.m = tf->k * 4 > 1000 ? (size_t)tf->k * 4 : 1000;
		ks_gtab_init(&s->topk.tab, &s->topk.t, 1, sizeof(int64_t));
		break;
	case KS_TF_RCF:
	case KS_TF_RCF_EXPL:
		s->forest = forest_new(tf->ntrees, tf->sample, tf->decay,
				       tf->shingle, (int)tf->nnum);
		s->v = kc_xcalloc(tf->nnum + 1, sizeof(double));
		break;
	}
}

void ks_tf_release(struct ks_tablefn *tf)
{
	struct tfstate *s;

	if (!tf)
		return;
	s = tf->st;
	if (s) {
		free(s->dist.set);
		free(s->dist.reg);
		if (tf->kind == KS_TF_COUNT_DISTINCT)
			ks_gtab_release(&s->htab);
		if (tf->kind == KS_TF_TOP_K)
			ks_gtab_release(&s->topk.tab);
		forest_free(s->forest);
		free(s->v);
		free(s);
	}
	free(tf->row);
	free(tf->num_cols);
	kc_buf_release(&tf->json);
	free(tf);
}

static void push(struct ks_plan *p, struct ks_tablefn *tf, int64_t rowtime)
{
	tf->row[tf->out->nuser].null = 0;
	tf->row[tf->out->nuser].u.i = rowtime;
	ks_stream_push(p, tf->out, tf->row);
}

/* Emits the open window's rows and resets it. */
static void window_emit(struct ks_plan *p, struct ks_tablefn *tf)
{
	struct tfstate *s = tf->st;
	int64_t end = tf->cur + tf->window;

	if (tf->kind == KS_TF_COUNT_DISTINCT) {
		tf->row[0].null = 0;
		tf->row[0].u.i = distinct_result(&s->dist);
		push(p, tf, end);
		distinct_reset(&s->dist);
	} else {
		struct topk *k = &s->topk;
		size_t *idx = topk_order(&k->tab), i;

		for (i = 0; i < k->tab.n && i < (size_t)tf->k && !p->failed; i++) {
			tf->row[0] = ks_gtab_keys(&k->tab, idx[i])[0];
			tf->row[1].null = 0;
			tf->row[1].u.i = *topk_count(&k->tab, idx[i]);
			push(p, tf, end);
		}
		free(idx);
		ks_gtab_clear(&k->tab);
		k->floor = 0;
	}
	tf->open = 0;
	if (tf->hold) {
		ks_hold_free(p, tf->hold);
		tf->hold = NULL;
	}
}

void ks_tf_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t)
{
	struct ks_tablefn *tf = pu->tf;

	if (tf->open && tf->window > 0 && t >= tf->cur + tf->window)
		window_emit(p, tf);
}

void ks_tf_flush(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_tablefn *tf = pu->tf;

	if (tf->open)
		window_emit(p, tf);
}

static void num(const struct ks_value *v, const struct ks_sqltype *t,
		double *out)
{
	if (v->null)
		*out = 0;
	else if (t->t == KS_T_DOUBLE || t->t == KS_T_REAL)
		*out = v->u.d;
	else
		*out = (double)v->u.i;
}

static void explanation(struct ks_tablefn *tf, const double *vec)
{
	struct forest *f = ((struct tfstate *)tf->st)->forest;
	size_t c;
	int j;

	kc_buf_reset(&tf->json);
	kc_buf_addc(&tf->json, '{');
	for (c = 0; c < tf->nnum; c++) {
		double high = 0, low = 0, attr;
		char a[64], st[64];

		/* a column's share over every shingle position */
		for (j = 0; j < f->shingle; j++) {
			high += vec[(size_t)j * f->base + c];
			low += vec[(size_t)f->dim + (size_t)j * f->base + c];
		}
		attr = high + low;
		snprintf(a, sizeof(a), "%.4g", attr);
		snprintf(st, sizeof(st), "%.4g", attr > 0 ? fabs(high - low) / attr
							   : 0.0);
		if (c)
			kc_buf_addc(&tf->json, ',');
		kc_buf_addc(&tf->json, '"');
		kc_buf_adds(&tf->json, tf->in->names[tf->num_cols[c]]);
		kc_buf_adds(&tf->json, "\":{");
		if (tf->directional)
			kc_buf_addf(&tf->json, "\"DIRECTION\":\"%s\",\"STRENGTH\":"
				    "\"%s\",", high >= low ? "HIGH" : "LOW", st);
		kc_buf_addf(&tf->json, "\"ATTRIBUTION_SCORE\":\"%s\"}", a);
	}
	kc_buf_addc(&tf->json, '}');
}

void ks_tf_row(struct ks_plan *p, struct ks_pump *pu, const struct ks_value *row)
{
	struct ks_tablefn *tf = pu->tf;
	struct tfstate *s = tf->st;
	int64_t t = row[tf->in->nuser].u.i;

	pu->nin++;
	if (tf->kind == KS_TF_RCF || tf->kind == KS_TF_RCF_EXPL) {
		size_t c, n = tf->in->nuser;
		double score;

		for (c = 0; c < tf->nnum; c++)
			num(&row[tf->num_cols[c]], &tf->in->types[tf->num_cols[c]],
			    &s->v[c]);
		score = forest_row(s->forest, s->v, tf->kind == KS_TF_RCF_EXPL);
		memcpy(tf->row, row, n * sizeof(*row));
		tf->row[n].null = 0;
		tf->row[n].u.d = score;
		if (tf->kind == KS_TF_RCF_EXPL) {
			explanation(tf, s->forest->vec);
			tf->row[n + 1].null = 0;
			tf->row[n + 1].u.s.p = tf->json.data;
			tf->row[n + 1].u.s.n = (uint32_t)tf->json.len;
		}
		push(p, tf, t);
		return;
	}
	{
		int64_t w = t / tf->window * tf->window;

		if (t < 0 && w != t)
			w -= tf->window;
		if (tf->open && w != tf->cur)
			window_emit(p, tf);
		if (!tf->open) {
			tf->open = 1;
			tf->cur = w;
			if (!tf->hold)
				tf->hold = ks_hold_new(p);
		}
	}
	if (row[tf->col].null)
		return;
	if (tf->kind == KS_TF_COUNT_DISTINCT)
		distinct_add(&s->dist, ks_gtab_hash(&s->htab, &row[tf->col]));
	else
		topk_add(&s->topk, &row[tf->col]);
}
