/*
 * plan.h: the engine's typed plan (bind.c builds it from the syntax tree;
 * eval.c, agg.c, window.c, join.c, plan.c and adhoc.c run it; explain.c
 * prints it).
 *
 * Execution model: rows are pushed. An input decodes a record into its
 * stream's row and pushes it (ks_stream_push); a stream hands the row to
 * every pump that reads it and to every output sink attached to it. A pump
 * copies the row into its frame (a register file), runs its joins, its
 * WHERE, then either a projection, a group-by (tumbling windows) or a
 * sliding window, and inserts the resulting rows into its target stream,
 * which pushes them on. Nothing on that path allocates once buffers have
 * grown: per-row memory comes from one arena reset per input record.
 *
 * A stream row is laid out as its user columns, then ROWTIME, then the
 * metadata columns of an input (APPROXIMATE_ARRIVAL_TIME, and for kin
 * stream inputs PARTITION_KEY, SEQUENCE_NUMBER, SHARD_ID), so the first
 * nuser values are what a sink writes.
 */
#ifndef KS_PLAN_H
#define KS_PLAN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "ksql.h"

struct ks_plan;
struct ks_pump;

/* ---- expression programs (eval.c) ---- */

enum ks_opcode {
	KS_I_MOVE,      /* r[dst] = r[a] */
	KS_I_BIN,       /* r[dst] = r[a] sub r[b] through ks_eval_binary */
	KS_I_UN,        /* r[dst] = sub r[a] through ks_eval_unary */
	KS_I_CMP_I,     /* comparison sub of two integer-represented values */
	KS_I_CMP_D,     /* comparison sub of two doubles */
	KS_I_CMP,       /* comparison sub through ks_compare */
	KS_I_NOT,       /* three-valued NOT */
	KS_I_AND,       /* three-valued AND of r[a], r[b] */
	KS_I_OR,
	KS_I_JFALSE,    /* if r[a] is FALSE: r[dst] = FALSE, goto c */
	KS_I_JTRUE,     /* if r[a] is TRUE: r[dst] = TRUE, goto c */
	KS_I_JNT,       /* if r[a] is not TRUE (FALSE or NULL): goto c */
	KS_I_JMP,       /* goto c */
	KS_I_ISNULL,    /* r[dst] = r[a] IS NULL (sub 1: IS NOT NULL) */
	KS_I_FUNC,      /* r[dst] = fn(r[a..a+argc-1]) */
	KS_I_CAST,      /* r[dst] = CAST(r[a] AS tr) */
	KS_I_LIKE,      /* r[dst] = r[a] LIKE compiled pattern (sub 1: NOT) */
	KS_I_LIKE_DYN,  /* pattern r[b], escape r[c] or -1, compiled per row */
	KS_I_IN,        /* r[dst] = r[a] IN constant list (sub 1: NOT IN) */
	KS_I_SETNULL,   /* r[dst] = NULL */
};

struct ks_inlist {
	struct ks_sqltype t;
	struct ks_value *v;
	size_t n;
	int has_null;
};

struct ks_step {
	uint8_t op;
	uint8_t sub;            /* enum ks_op, or a NOT flag */
	uint16_t argc;
	int32_t dst, a, b, c;
	struct ks_sqltype ta, tb, tr;
	const struct ks_func *fn;
	void *state;            /* function state, ks_like, ks_inlist */
	struct ks_sqltype *argt;
};

/* A sequence of steps over one frame's registers. */
struct ks_code {
	struct ks_step *steps;
	size_t n, cap;
};

/*
 * A register file: at bind time the types of the registers and the
 * constants' values; at run time the values. Registers 0..ncols-1 of a
 * pump's main frame are its source row.
 */
struct ks_regfile {
	struct ks_value *regs;
	struct ks_sqltype *types;
	size_t n, cap;
};

int ks_regfile_alloc(struct ks_regfile *f, const struct ks_sqltype *t);
void ks_regfile_release(struct ks_regfile *f);
struct ks_step *ks_code_add(struct ks_code *c, enum ks_opcode op);
void ks_code_release(struct ks_code *c);

/*
 * Runs c over regs: 0, or -1 with x->err filled (a row error). Values it
 * produces may point into x->arena.
 */
int ks_code_run(const struct ks_code *c, struct ks_value *regs,
		struct ks_eval_ctx *x);

/* Whether v is TRUE (not NULL, not FALSE). */
static inline int ks_true(const struct ks_value *v)
{
	return !v->null && v->u.i;
}

/* ---- group tables (agg.c): open addressing, insertion order ---- */

struct ks_gtab {
	size_t nkeys;
	struct ks_sqltype *kt;  /* key types (owned) */
	size_t psize;           /* payload bytes per entry */
	size_t esize;           /* entry: hash, keys, payload */
	char *ents;
	size_t n, cap;
	uint64_t *slots;        /* hash high bits | entry index + 1, 0 empty */
	size_t nslots;
	struct ks_arena arena;  /* key strings */
};

void ks_gtab_init(struct ks_gtab *g, const struct ks_sqltype *kt, size_t nkeys,
		  size_t psize);
uint64_t ks_gtab_hash(const struct ks_gtab *g, const struct ks_value *keys);
/*
 * The entry index of keys (hash h), creating it (keys copied and owned,
 * payload zeroed) when absent and create is set; -1 when absent.
 * *created says whether it was made.
 */
long ks_gtab_find(struct ks_gtab *g, const struct ks_value *keys, uint64_t h,
		  int create, int *created);
static inline struct ks_value *ks_gtab_keys(const struct ks_gtab *g, size_t i)
{
	return (struct ks_value *)(g->ents + i * g->esize + 8);
}
static inline void *ks_gtab_payload(const struct ks_gtab *g, size_t i)
{
	return g->ents + i * g->esize + 8 + g->nkeys * sizeof(struct ks_value);
}
void ks_gtab_clear(struct ks_gtab *g);
void ks_gtab_release(struct ks_gtab *g);

/* ---- aggregates (agg.c) ---- */

enum ks_aggfn {
	KS_AGG_COUNT_STAR, KS_AGG_COUNT, KS_AGG_SUM, KS_AGG_AVG, KS_AGG_MIN,
	KS_AGG_MAX, KS_AGG_FIRST, KS_AGG_LAST
};

struct ks_aggcall {
	enum ks_aggfn fn;
	int distinct;           /* COUNT(DISTINCT x) */
	int arg;                /* register of the argument, -1 for COUNT(*) */
	struct ks_sqltype argt, rt;
	int out;                /* register of the result */
	int window;             /* sliding: index of its window */
	const struct ks_expr *e;
};

/* One aggregate's running state. */
struct ks_aggst {
	int64_t n;
	union {
		int64_t i;
		double d;
	} s;
	struct ks_value v;
	char *buf;              /* owned copy of a string v */
	uint32_t cap;
	uint8_t has;
};

int ks_agg_parse(const char *name, enum ks_aggfn *fn);
const char *ks_agg_name(enum ks_aggfn fn);
/* The result type, or -1 with a message. */
int ks_agg_type(enum ks_aggfn fn, const struct ks_sqltype *argt,
		struct ks_sqltype *rt, char *msg, size_t msgsz);
/*
 * Adds a value (NULL for COUNT(*)). own: copy strings into st's buffer
 * (state that outlives the row). 0, or -1 with a row error (overflow).
 */
int ks_agg_step(const struct ks_aggcall *a, struct ks_aggst *st,
		const struct ks_value *v, int own, struct ks_eval_ctx *x);
int ks_agg_final(const struct ks_aggcall *a, const struct ks_aggst *st,
		 struct ks_value *out, struct ks_eval_ctx *x);
void ks_agg_free(struct ks_aggst *st);

/*
 * GROUP BY: with a monotonic time key a tumbling window (the table holds
 * the groups of the open window only), without one a hash aggregation
 * emitted at the end (ad-hoc).
 */
struct ks_groupby {
	size_t nkeys;
	int *key_regs;          /* in the pump's main frame */
	struct ks_sqltype *key_types;
	int time_key;           /* index of the monotonic key, -1 none */
	int time_rowtime;       /* the time key is FLOOR/STEP of ROWTIME */
	int64_t time_step;      /* its width in ms (window end = key + step) */
	struct ks_aggcall *aggs;
	size_t naggs;
	int ndistinct;          /* COUNT(DISTINCT) calls */
	/* output stage: keys in post regs 0.., aggregates, ROWTIME */
	struct ks_regfile post;
	int post_rowtime;
	int *post_keys;
	struct ks_code having;
	int having_reg;
	/* state */
	struct ks_gtab tab;     /* non-time keys -> aggregate states */
	struct ks_gtab *dsets;  /* per aggregate: (group, value) pairs of
				 * COUNT(DISTINCT), NULL for the others */
	int open;
	struct ks_value cur_time; /* time key of the open window */
	int64_t max_rowtime;
	int has_strings;        /* some state holds an owned string */
	struct ks_value *keybuf;
	void *hold;             /* checkpoint hold (plan.c) while open */
	/* WINDOWED BY STAGGER (added by K6): the keys are the partition;
	 * a key's window opens at its first row and closes range ms later.
	 * tab's payload is a struct ks_stagwin, then the aggregate states;
	 * open windows are queued in the order they opened (= close order). */
	int stagger;
	int64_t range;
	size_t *squeue;         /* entry indexes, a ring */
	size_t shead, scount, scap;
	size_t sclosed;         /* entries of tab whose window is closed */
};

/* An entry's stagger window. */
struct ks_stagwin {
	int64_t open_time;      /* ROWTIME of its first row */
	int64_t open;           /* 1 while open */
	void *hold;             /* checkpoint hold while open */
	int64_t pad;
};

/* ---- sliding windows (window.c) ---- */

struct ks_slidewin {
	const char *name;
	struct ks_pos pos;
	enum ks_frame frame;    /* ROWS or RANGE */
	int64_t extent;         /* rows, or ms */
	int unbounded;
	size_t npart;
	int *part_regs;
	struct ks_sqltype *part_types;
	size_t *aggidx;         /* the pump's aggregates over this window */
	size_t naggs;
	struct ks_gtab parts;   /* partition keys -> struct ks_part * */
	struct ks_value *keybuf;
	uint64_t rows_since_sweep;
};

/* ---- joins with reference tables (join.c) ---- */

struct ks_joinop {
	int left;               /* LEFT JOIN: unmatched rows go on with NULLs */
	const struct ks_table *table;
	int base;               /* first register of the table's columns */
	size_t ncols;
	size_t nkeys;
	int *lkey_regs;         /* stream side key registers (common type) */
	struct ks_sqltype *key_types;
	int *rkey_cols;         /* table side key columns */
	struct ks_code keys;    /* computes lkey_regs */
	struct ks_code cond;    /* the rest of ON */
	int cond_reg;           /* -1: none */
	/* build side */
	struct ks_gtab hash;    /* keys -> first row */
	uint32_t *next;         /* row -> next row of the same key, or ~0 */
	struct ks_value *keybuf;
};

/* ---- pumps (plan.c) ---- */

enum ks_pump_mode { KS_PUMP_PROJECT, KS_PUMP_GROUP, KS_PUMP_SLIDE };

struct ks_stream;

/* Where a pump's rows go: a stream, or the ad-hoc result. */
struct ks_pump {
	char *name;             /* NULL for a query */
	struct ks_pos pos;
	struct ks_stream *src;
	struct ks_stream *dst;
	struct ks_result *result; /* ad-hoc query / bare SELECT STREAM */
	struct ks_regfile f;
	struct ks_joinop *joins;
	size_t njoins;
	struct ks_code where;
	int where_reg;
	enum ks_pump_mode mode;
	struct ks_code args;    /* group keys / partition keys and aggregate args */
	struct ks_groupby *gb;
	struct ks_aggcall *aggs; /* sliding aggregates */
	size_t naggs;
	struct ks_slidewin *wins;
	size_t nwins;
	struct ks_code sel;     /* select items (in f, or gb->post) */
	int *out_regs;
	struct ks_sqltype *out_types;
	const char **out_names;
	size_t nout;            /* visible outputs */
	size_t nhidden;         /* ORDER BY keys after them */
	/* insert */
	int *map;               /* output i -> target column */
	uint8_t *copy;          /* output i needs no cast */
	struct ks_value *trow;  /* target row */
	int64_t rowtime;        /* of the row being processed */
	const struct ks_select *sel_ast;
	int level;
	uint64_t nin, nouts, nerrs;
	/* added by K6: ORDER BY of a streaming query (adhoc.c) */
	struct ks_sorter *sorter;
	/* added by K6: a table function's operator (tablefn.c) */
	struct ks_tablefn *tf;
};

/* ---- table functions (tablefn.c), added by K6 ---- */

enum ks_tfkind {
	KS_TF_COUNT_DISTINCT, KS_TF_TOP_K, KS_TF_RCF, KS_TF_RCF_EXPL
};

/*
 * FROM TABLE(fn(CURSOR(SELECT STREAM ...), ...)): the cursor's rows go
 * into the hidden stream in; the function's rows into the hidden stream
 * out, which the outer SELECT reads. It runs as a pump from in to out.
 */
struct ks_tablefn {
	enum ks_tfkind kind;
	const char *name;
	struct ks_stream *in, *out;
	int col;                /* COUNT_DISTINCT, TOP_K: the column */
	int64_t window;         /* their tumbling window, ms */
	int64_t k;              /* TOP_K */
	int ntrees, sample, shingle, directional; /* RCF */
	double decay;
	int *num_cols;          /* RCF: the numeric columns of in */
	size_t nnum;
	/* run time */
	void *st;
	void *hold;             /* checkpoint hold while a window is open */
	int open;
	int64_t cur;            /* the open window's start */
	struct ks_value *row;   /* a row of out */
	struct kc_buf json;     /* ANOMALY_EXPLANATION */
};
void ks_tf_init(struct ks_tablefn *tf);
void ks_tf_row(struct ks_plan *p, struct ks_pump *pu,
	       const struct ks_value *row);
void ks_tf_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t);
void ks_tf_flush(struct ks_plan *p, struct ks_pump *pu);
void ks_tf_release(struct ks_tablefn *tf);



/* A stream: an input's in-application stream or a CREATE STREAM. */
struct ks_stream {
	char *name;
	struct ks_pos pos;
	int is_input;
	struct ks_input *input;
	size_t ncols;           /* all columns */
	size_t nuser;           /* user columns; ROWTIME is column nuser */
	char **names;
	struct ks_sqltype *types;
	unsigned char *used;    /* input: columns the plan reads */
	int64_t last_rowtime;
	int has_rows;
	struct ks_pump **pumps;
	size_t npumps;
	struct ks_sink **sinks;
	size_t nsinks;
	int level;
};

/* ---- the ad-hoc result (adhoc.c) ---- */

struct ks_result {
	struct ks_sink *sink;
	size_t nout, nhidden;
	struct ks_sqltype *types;
	int distinct;
	struct ks_gtab dtab;
	size_t norder;
	int *order_col;         /* column of the ORDER BY key */
	int *order_desc;
	int *order_nulls_first;
	int64_t limit;          /* -1: none */
	int64_t emitted;
	int sorting;
	struct ks_value *rows;  /* (nout + nhidden) per row */
	size_t nrows, cap;
	struct ks_arena arena;
	int with_rowtime;
	int64_t *rowtimes;
	int done;               /* LIMIT reached */
};

/*
 * ORDER BY in a streaming query: its leading key is time-monotonic; rows
 * are buffered while it keeps its value and emitted sorted (by all the
 * keys) when it advances, when the stream's time passes the key's end
 * (FLOOR/STEP of ROWTIME), or at the end of input. They are emitted with
 * the greatest ROWTIME of the buffered rows, so ROWTIME stays in order.
 */
struct ks_sorter {
	struct ks_result r;     /* rows, order keys, comparisons */
	int time_rowtime;       /* the leading key is ROWTIME, FLOOR/STEP of it */
	int64_t step;           /* its width in ms (0: ROWTIME itself) */
	struct ks_value key;    /* the buffered rows' leading key */
	struct kc_buf kbuf;     /* its string bytes */
	int64_t maxrt;          /* greatest ROWTIME buffered */
	void *hold;             /* checkpoint hold while rows are buffered */
	int flushing;
	int *ident;             /* 0, 1, 2, ...: out_regs while flushing */
	struct ks_value *vals;  /* a row being buffered */
};
void ks_sort_row(struct ks_plan *p, struct ks_pump *pu,
		 const struct ks_value *regs, int64_t rowtime);
void ks_sort_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t);
void ks_sort_flush(struct ks_plan *p, struct ks_pump *pu);
void ks_sort_release(struct ks_sorter *so);

/* ---- inputs ---- */

struct ks_input {
	char *name;             /* in-application name */
	const char *source;     /* "-" or a kin stream name */
	char *source_buf;       /* (owned) */
	struct ks_schema schema;
	int has_schema;
	struct ks_stream *stream;
	struct ks_decoder *dec;
	struct ks_source *src;
	int rowtime_col;        /* schema column holding --rowtime-field, -1 */
	int hidden;             /* 1: that column was added, it is the last */
	int empty;              /* no records to discover a schema from */
	struct ks_value *row;   /* the stream row being filled */
	int done;
	int consumer;           /* checkpoints */
	/* positions processed, per shard: offset + 1, 0 none */
	uint64_t *pos;
	size_t npos;
	uint64_t *committed;
	size_t ncommitted;
	uint64_t nrecords;
	/* sample records buffered for discovery, replayed first */
	struct ks_sample *samples;
	size_t nsamples;
	struct kc_buf sample_data;
	int64_t read_ms;
};

struct ks_sample {
	size_t off, n;
	struct ks_meta m;
	size_t pk_off, seq_off, shard_off;
};

/* ---- the plan ---- */

struct ks_output {
	char *name;
	const char *target;
	struct ks_stream *stream;
	struct ks_sink *sink;
};

/* A checkpoint hold: positions processed when a window opened. */
struct ks_hold {
	struct ks_hold *prev, *next;
	uint64_t **pos;         /* per input */
	size_t *npos;
};

struct ks_plan {
	const struct ks_script *script;
	int adhoc;
	struct ks_stream **streams;
	size_t nstreams;
	struct ks_pump **pumps;
	size_t npumps;
	struct ks_input **inputs;
	size_t ninputs;
	struct ks_table **tables;
	size_t ntables;
	struct ks_output *outputs;
	size_t noutputs;
	struct ks_result *result;
	struct ks_pump *query;  /* ad-hoc / bare SELECT STREAM */
	struct ks_arena carena; /* constants made at bind time */
	/* run time */
	struct ks_arena arena;
	struct ks_rowerr rowerr;
	struct ks_eval_ctx ctx;
	struct ks_sink *errsink;
	struct ks_hold *holds;
	const char *raw;        /* the record being processed */
	size_t rawn;
	int64_t raw_rowtime;
	struct kc_buf tmp;
	uint64_t nerrors;
	int failed;             /* an output failed: stop */
	struct kc_error err;
	/* added by K7: parallel workers (parallel.c) share the main plan's
	 * error sink under this lock; NULL when single-threaded */
	pthread_mutex_t *errlock;
};

/*
 * bind.c: builds the plan's streams and pumps from the script. p->adhoc,
 * p->inputs (with their schemas) and p->tables are set before.
 */
int ks_bind(struct ks_plan *p, const struct ks_script *s, struct ks_perror *pe);
struct ks_stream *ks_plan_stream(struct ks_plan *p, const char *name);

/* plan.c: running. */
void ks_stream_push(struct ks_plan *p, struct ks_stream *s,
		    struct ks_value *row);
/* A stream's time reached t (a row, or an idle bound): close windows. */
void ks_stream_bound(struct ks_plan *p, struct ks_stream *s, int64_t t);
/* End of input: emit every open window, upstream first. */
void ks_plan_flush(struct ks_plan *p);
void ks_plan_release(struct ks_plan *p);
/* Sends a row to the error_stream. */
void ks_plan_error(struct ks_plan *p, const char *name, const char *msg,
		   int64_t data_rowtime, const char *data, size_t n, int hex_raw,
		   const char *pump);
/* Processes one decoded-or-not input record. */
int ks_plan_record(struct ks_plan *p, struct ks_input *in, const char *data,
		   size_t n, const struct ks_meta *m);
/* Commit-safe positions; holds. */
struct ks_hold *ks_hold_new(struct ks_plan *p);
void ks_hold_free(struct ks_plan *p, struct ks_hold *h);

/* group-by / window / join operators (agg.c, window.c, join.c) */
int ks_groupby_row(struct ks_plan *p, struct ks_pump *pu);
void ks_groupby_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t);
void ks_groupby_flush(struct ks_plan *p, struct ks_pump *pu);
void ks_groupby_release(struct ks_groupby *g);
int ks_slide_row(struct ks_plan *p, struct ks_pump *pu);
void ks_slide_release(struct ks_slidewin *w);
void ks_join_build(struct ks_joinop *j);
void ks_join_release(struct ks_joinop *j);
/* Runs joins from index j on, then the rest of the pump. */
int ks_pump_stage(struct ks_plan *p, struct ks_pump *pu, size_t j);
/* Emits the pump's output row (out_regs in regs) with rowtime. */
void ks_pump_emit(struct ks_plan *p, struct ks_pump *pu,
		  const struct ks_value *regs, int64_t rowtime);
void ks_pump_rowerr(struct ks_plan *p, struct ks_pump *pu);

/* adhoc.c */
void ks_result_row(struct ks_plan *p, struct ks_result *r,
		   const struct ks_value *vals, int64_t rowtime);
int ks_result_finish(struct ks_plan *p, struct ks_result *r);
void ks_result_release(struct ks_result *r);

/* explain.c */
void ks_explain(const struct ks_plan *p, struct kc_buf *out);

/*
 * The ad-hoc progress line on standard error (a terminal): records read
 * so far, at most twice a second; end != 0 clears it (adhoc.c).
 */
void ks_progress(uint64_t records, int end);

#endif
