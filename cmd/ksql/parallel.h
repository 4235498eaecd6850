/*
 * parallel.h: data-parallel ad-hoc queries (parallel.c).
 *
 * An ad-hoc query over one input runs on several worker threads when its
 * result does not depend on the order of the input: each worker has a
 * plan of its own (bound again from the same script: decoder, registers,
 * arena, group table), reads a share of the input (newline-aligned blocks
 * of stdin; ranges of segments of a kin stream's shards) and keeps partial
 * state; at the end the partial group tables and kept rows are merged into
 * the main plan, which then emits as a single-threaded run would.
 */
#ifndef KS_PARALLEL_H
#define KS_PARALLEL_H

#include <signal.h>
#include "buf.h"
#include "error.h"

struct ks_plan;
struct ks_script;

/* The default --threads: online CPUs, at most KS_THREADS_DEFAULT_MAX. */
#define KS_THREADS_DEFAULT_MAX 4
#define KS_THREADS_MAX 64
int ks_parallel_default_threads(void);

/*
 * Why plan p (bound, ad-hoc) must run on one thread, as a phrase such as
 * "FIRST_VALUE and LAST_VALUE need input order", or NULL when it can run on
 * several.
 */
const char *ks_parallel_veto(const struct ks_plan *p);

/* The --explain line saying how p runs with threads workers. */
void ks_parallel_explain(const struct ks_plan *p, int threads,
			 struct kc_buf *out);

struct ks_parallel_opts {
	int threads;                  /* workers, >= 2 */
	const char *root;             /* kin root of a stream input */
	const char *start;            /* its starting position, NULL: TRIM_HORIZON */
	volatile sig_atomic_t *stop;  /* set by a signal: stop reading */
	int progress;                 /* a progress line on stderr */
	int verbose;                  /* say how the input was split */
};

/*
 * Reads all of p's input with o->threads workers and merges their partial
 * state into p, which the caller then flushes (ks_plan_flush) and
 * finishes (ks_result_finish) as after a single-threaded run. p must be
 * one that ks_parallel_veto accepts. Returns 0, or a negative status with
 * e filled (a read error); an output error sets p->failed and p->err.
 */
int ks_parallel_run(struct ks_plan *p, const struct ks_script *s,
		    const struct ks_parallel_opts *o, struct kc_error *e);

#endif
