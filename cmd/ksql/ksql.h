/*
 * ksql.h: the contract between ksql's modules. Values and SQL types
 * (value.c), the scalar function library (func.c, time.c), the input side
 * (schema.c, decode.c, discover.c, reference.c, source.c), the output side
 * (sink.c) and the engine (bind.c, plan.c, eval.c, agg.c, window.c, ...).
 * The parser's tree is in ast.h.
 *
 * Representation: a value does not carry its type; the plan knows every
 * slot's struct ks_sqltype. Strings are UTF-8 bytes with a length, not
 * NUL-terminated, and point into the input record, a row arena or the
 * plan's constants; they stay valid while the row is being processed.
 */
#ifndef KS_KSQL_H
#define KS_KSQL_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

/* SQL types. Physical representation in struct ks_value in brackets. */
enum ks_type {
	KS_T_NULL,        /* type of a bare NULL literal; coerces to any */
	KS_T_BOOLEAN,     /* [i] 0 or 1 */
	KS_T_TINYINT,     /* [i] */
	KS_T_SMALLINT,    /* [i] */
	KS_T_INTEGER,     /* [i] */
	KS_T_BIGINT,      /* [i] */
	KS_T_DECIMAL,     /* [i] unscaled, scale in ks_sqltype.scale, p <= 18 */
	KS_T_REAL,        /* [d] stored as double, rounded to float */
	KS_T_DOUBLE,      /* [d] */
	KS_T_CHAR,        /* [s] blank-padded to len */
	KS_T_VARCHAR,     /* [s] at most len characters */
	KS_T_TIMESTAMP,   /* [i] milliseconds since 1970-01-01 00:00:00 UTC */
	KS_T_DATE,        /* [i] days since 1970-01-01 */
	KS_T_INTERVAL_DS, /* [i] day-time interval in milliseconds */
	KS_T_INTERVAL_YM, /* [i] year-month interval in months */
};

struct ks_sqltype {
	enum ks_type t;
	int32_t len;      /* CHAR/VARCHAR length, DECIMAL precision; 0 unset */
	int16_t scale;    /* DECIMAL scale */
	uint8_t not_null; /* declared NOT NULL */
};

struct ks_value {
	uint8_t null; /* 1: SQL NULL (the union is then meaningless) */
	union {
		int64_t i;
		double d;
		struct {
			const char *p;
			uint32_t n; /* bytes */
		} s;
	} u;
};

/*
 * A bump allocator for values made while processing one row (function
 * results, casts); reset per row, so the hot path allocates nothing once
 * its chunks have grown. Memory is returned by ks_arena_release.
 */
struct ks_arena {
	char *chunk;
	size_t used, cap;
	struct ks_arena_old *old; /* chunks replaced since the last reset */
};
void ks_arena_init(struct ks_arena *a);
void *ks_arena_alloc(struct ks_arena *a, size_t n); /* 8-aligned; dies on OOM */
char *ks_arena_strdup(struct ks_arena *a, const char *p, size_t n);
void ks_arena_reset(struct ks_arena *a);   /* keeps the largest chunk */
void ks_arena_release(struct ks_arena *a);

/*
 * A row error: the row goes to the error_stream with ERROR_NAME name and
 * MESSAGE msg, and processing continues with the next row.
 */
struct ks_rowerr {
	const char *name; /* static string, e.g. KS_ERR_DIVISION_BY_ZERO */
	char msg[512];
};
/* Fills e and returns -1. */
int ks_rowerr_set(struct ks_rowerr *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ERROR_NAME values (VARCHAR(32)). */
#define KS_ERR_DIVISION_BY_ZERO "DIVISION_BY_ZERO"
#define KS_ERR_OVERFLOW "NUMERIC_OVERFLOW"
#define KS_ERR_CAST "CAST_FAILED"
#define KS_ERR_BAD_RECORD "UNABLE_TO_PARSE"
#define KS_ERR_FUNCTION "FUNCTION_ERROR"
#define KS_ERR_LATE_ROW "LATE_ROW"
#define KS_ERR_NOT_NULL "NOT_NULL_VIOLATION"

/* What evaluation needs besides the arguments. */
struct ks_eval_ctx {
	struct ks_arena *arena; /* for results that need memory */
	int64_t rowtime;        /* CURRENT_ROW_TIMESTAMP: the row's ROWTIME */
	int64_t now_ms;         /* CURRENT_TIMESTAMP: fixed per statement run */
	struct ks_rowerr *err;
};

/* ---- value.c: types, casts, operators, text forms ---- */

/* Binary operators of expressions (ast.h uses the same codes). */
enum ks_op {
	KS_OP_ADD = 1, KS_OP_SUB, KS_OP_MUL, KS_OP_DIV, KS_OP_MOD,
	KS_OP_CONCAT,  /* || */
	KS_OP_EQ, KS_OP_NE, KS_OP_LT, KS_OP_LE, KS_OP_GT, KS_OP_GE,
	KS_OP_AND, KS_OP_OR,
	KS_OP_NEG, KS_OP_NOT, KS_OP_PLUS /* unary */
};

/*
 * Parses a type name as InputSchema's SqlType and CREATE STREAM write it:
 * "VARCHAR(4)", "DECIMAL(10,2)", "INT", "DOUBLE", "TIMESTAMP", case
 * insensitive, with the synonyms SQL allows (INT, CHARACTER VARYING, FLOAT,
 * DOUBLE PRECISION, NUMERIC...). Returns 0, or -1 with a reason in msg.
 */
int ks_type_parse(const char *s, size_t n, struct ks_sqltype *t, char *msg,
		  size_t msgsz);
/* Writes the canonical spelling ("VARCHAR(4)", "DOUBLE") to out. */
void ks_type_format(const struct ks_sqltype *t, struct kc_buf *out);
const char *ks_type_name(enum ks_type t); /* "VARCHAR" */
int ks_type_is_numeric(enum ks_type t);
int ks_type_is_integer(enum ks_type t);
int ks_type_is_string(enum ks_type t);

/*
 * Type rules (SQL:2008 as the KDA reference applies them). Each returns 0
 * with the result type, or -1 with a message for a type error such as
 * "cannot apply '+' to VARCHAR(4) and INTEGER".
 */
int ks_type_binary(enum ks_op op, const struct ks_sqltype *a,
		   const struct ks_sqltype *b, struct ks_sqltype *rt, char *msg,
		   size_t msgsz);
int ks_type_unary(enum ks_op op, const struct ks_sqltype *a,
		  struct ks_sqltype *rt, char *msg, size_t msgsz);
/* The common type of CASE branches, IN lists, COALESCE arguments. */
int ks_type_common(const struct ks_sqltype *a, const struct ks_sqltype *b,
		   struct ks_sqltype *rt, char *msg, size_t msgsz);
/* Whether CAST(from AS to) is allowed; whether INSERT may assign. */
int ks_type_castable(const struct ks_sqltype *from, const struct ks_sqltype *to);
int ks_type_assignable(const struct ks_sqltype *from,
		       const struct ks_sqltype *to);

/*
 * Operators on non-type-checked operands of the types the binder derived
 * (at, bt, rt from ks_type_binary). NULL in → NULL out, except AND/OR
 * (three-valued). Integer division truncates; overflow of the result type
 * and division by zero are row errors (return -1, c->err filled).
 */
int ks_eval_binary(struct ks_eval_ctx *c, enum ks_op op,
		   const struct ks_value *a, const struct ks_sqltype *at,
		   const struct ks_value *b, const struct ks_sqltype *bt,
		   const struct ks_sqltype *rt, struct ks_value *out);
int ks_eval_unary(struct ks_eval_ctx *c, enum ks_op op,
		  const struct ks_value *a, const struct ks_sqltype *at,
		  const struct ks_sqltype *rt, struct ks_value *out);

/* Compares two non-NULL values of comparable types: <0, 0, >0. */
int ks_compare(const struct ks_value *a, const struct ks_sqltype *at,
	       const struct ks_value *b, const struct ks_sqltype *bt);
/* For grouping and joins: equal values of one type hash equally. */
uint64_t ks_value_hash(const struct ks_value *v, const struct ks_sqltype *t);
int ks_value_equal(const struct ks_value *a, const struct ks_value *b,
		   const struct ks_sqltype *t); /* NULLs are equal here */
/* Copies v's string bytes (if any) into a, so v outlives the row. */
void ks_value_own(struct ks_value *v, const struct ks_sqltype *t,
		  struct ks_arena *a);

/*
 * CAST(in AS to): 0, or -1 with a row error (KS_ERR_CAST/KS_ERR_OVERFLOW).
 * Strings longer than VARCHAR(n) are truncated silently, as KDA does.
 */
int ks_cast(struct ks_eval_ctx *c, const struct ks_value *in,
	    const struct ks_sqltype *from, const struct ks_sqltype *to,
	    struct ks_value *out);
/*
 * Converts input text (a JSON string or number, a CSV field) to type t
 * with KDA's coercion rules ("true" in any case is TRUE; 123.4 to INTEGER
 * is an error; timestamps "yyyy-MM-dd HH:mm:ss[.SSS]", ISO 8601 with T/Z,
 * or epoch milliseconds). The result may point into s.
 */
int ks_from_text(struct ks_eval_ctx *c, const char *s, size_t n,
		 const struct ks_sqltype *t, struct ks_value *out);
/*
 * Text and JSON forms, appended to out. Text: what CSV, TSV and tables
 * show (TIMESTAMP "2024-05-01 12:00:00.000", DOUBLE in the shortest form
 * that reads back equal, DECIMAL with its scale, BOOLEAN TRUE/FALSE, NULL
 * as the empty string). JSON: numbers bare, booleans true/false, NULL
 * null, everything else a JSON string of the text form.
 */
void ks_value_text(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out);
void ks_value_json(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out);

/*
 * LIKE: compiles a pattern once (when it is a constant) and matches.
 * escape is NULL or one character.
 */
struct ks_like;
int ks_like_compile(const char *pat, size_t n, const char *escape, size_t en,
		    struct ks_like **out, char *msg, size_t msgsz);
int ks_like_match(const struct ks_like *l, const char *s, size_t n);
void ks_like_free(struct ks_like *l);

/* ---- func.c, time.c: the scalar function library ---- */

/*
 * Special SQL syntax reaches the library as plain calls, with keywords as
 * VARCHAR constants (the parser does this mapping):
 *   FLOOR(ts TO MINUTE)            FLOOR(ts, 'MINUTE')   (also CEIL)
 *   STEP(x BY y)                   STEP(x, y)      y numeric or INTERVAL
 *   SUBSTRING(s FROM a [FOR b])    SUBSTRING(s, a[, b])
 *   POSITION(a IN b)               POSITION(a, b)
 *   TRIM([BOTH|LEADING|TRAILING] [c] FROM s)   TRIM('BOTH', c or ' ', s)
 *   OVERLAY(s PLACING r FROM a [FOR b])        OVERLAY(s, r, a[, b])
 *   EXTRACT(YEAR FROM x)           EXTRACT('YEAR', x)
 *   CURRENT_ROW_TIMESTAMP, CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE:
 *                                  zero-argument calls
 * CAST, CASE, LIKE, IN, BETWEEN, IS NULL and the operators are the
 * engine's, not functions. Aggregates are the engine's (agg.c).
 */
#define KS_FN_STRICT 1 /* any NULL argument → NULL result, eval not called */

/*
 * Type check: given the argument types (and which arguments are constants,
 * with their values, for keyword arguments such as 'MINUTE'), sets the
 * result type or returns -1 with a message naming the function, e.g.
 * "FLOOR: cannot floor VARCHAR(4) to MINUTE".
 */
typedef int (*ks_fn_type)(const struct ks_sqltype *argt,
			  const struct ks_value *const *consts, int argc,
			  struct ks_sqltype *rt, char *msg, size_t msgsz);
/*
 * Optional: called once after type checking with the constant arguments
 * (consts[i] NULL when argument i is not constant), to precompile a
 * regular expression or a date format into *state (freed by release).
 */
typedef int (*ks_fn_prepare)(const struct ks_sqltype *argt,
			     const struct ks_value *const *consts, int argc,
			     void **state, char *msg, size_t msgsz);
/* Evaluation: 0, or -1 with c->err filled (the row is an error row). */
typedef int (*ks_fn_eval)(struct ks_eval_ctx *c, void *state,
			  const struct ks_value *argv,
			  const struct ks_sqltype *argt, int argc,
			  const struct ks_sqltype *rt, struct ks_value *out);

struct ks_func {
	const char *name; /* upper case */
	int min_args, max_args;
	unsigned flags;
	ks_fn_type type;
	ks_fn_prepare prepare; /* or NULL */
	void (*release)(void *state);
	ks_fn_eval eval;
};

/* The function named name (upper case), or NULL. */
const struct ks_func *ks_func_lookup(const char *name);

/* Timestamp text forms (time.c). */
/* "yyyy-MM-dd HH:mm:ss.SSS" into out (24 bytes + NUL). */
void ks_ts_format(int64_t ms, char out[32]);
/* Parses the forms ks_from_text accepts for TIMESTAMP. 0 or -1. */
int ks_ts_parse(const char *s, size_t n, int64_t *ms);

/* ---- schema.c, decode.c, discover.c, reference.c: the input side ---- */

enum ks_format { KS_FMT_JSON, KS_FMT_CSV };

struct ks_column {
	char *name;            /* as SQL sees it (case preserved) */
	struct ks_sqltype type;
	char *mapping;         /* JSONPath "$.a.b" (JSON) or NULL (CSV) */
};

/* An input's schema: InputSchema's RecordFormat and RecordColumns. */
struct ks_schema {
	enum ks_format format;
	char *row_path;        /* JSON RecordRowPath, "$" */
	char col_delim;        /* CSV RecordColumnDelimiter, ',' */
	char row_delim;        /* CSV RecordRowDelimiter, '\n' */
	struct ks_column *cols;
	size_t ncols;
};
void ks_schema_release(struct ks_schema *s);

/*
 * Loads an input schema from a file holding AWS InputSchema JSON, or a
 * describe-application / DiscoverInputSchema response that contains one.
 */
int ks_schema_load(const char *path, struct ks_schema *out, struct kc_error *e);
/* InputSchema JSON (as `ksql discover` prints it), pretty, to out. */
void ks_schema_json(const struct ks_schema *s, struct kc_buf *out);

/* Schema discovery from sample records, following the documented rules. */
struct ks_discovery;
struct ks_discovery *ks_discovery_new(enum ks_format f);
void ks_discovery_add(struct ks_discovery *d, const char *rec, size_t n);
int ks_discovery_finish(struct ks_discovery *d, struct ks_schema *out,
			struct kc_error *e);
void ks_discovery_free(struct ks_discovery *d);

/*
 * A record decoder for one schema. used[i] says whether the plan reads
 * column i (NULL: all); unused columns are skipped without conversion. A
 * JSON record is scanned once without building a tree.
 */
struct ks_decoder;
struct ks_decoder *ks_decoder_new(const struct ks_schema *s,
				  const unsigned char *used);
/*
 * Fills vals[0..ncols-1] from one record (missing fields → NULL). Strings
 * may point into rec or c->arena. 0, or -1 with c->err set (a record that
 * is not JSON/CSV, or a value that does not coerce): the caller sends the
 * record to the error_stream.
 */
int ks_decoder_row(struct ks_decoder *d, const char *rec, size_t n,
		   struct ks_value *vals, struct ks_eval_ctx *c);
void ks_decoder_free(struct ks_decoder *d);

/*
 * A reference table loaded from a CSV file (header line with column
 * names) or a JSON-lines / JSON-array file; column types are discovered
 * unless a schema is given. rows holds nrows * schema.ncols values whose
 * strings live in arena.
 */
struct ks_table {
	char *name;
	struct ks_schema schema;
	struct ks_value *rows;
	size_t nrows;
	struct ks_arena arena;
};
int ks_table_load(const char *name, const char *path,
		  const struct ks_schema *schema, struct ks_table *out,
		  struct kc_error *e);
void ks_table_release(struct ks_table *t);

/* ---- source.c: where records come from ---- */

/* A record's metadata, the columns of ad-hoc queries. */
struct ks_meta {
	const char *partition_key;
	size_t pklen;
	const char *sequence_number; /* NUL-terminated; "" on stdin */
	const char *shard_id;        /* "shardId-000000000000"; "" on stdin */
	int64_t arrival_ms;          /* APPROXIMATE_ARRIVAL_TIME */
	uint64_t shard, offset;      /* position, for ks_source_commit */
};

typedef int (*ks_record_fn)(void *arg, const char *data, size_t n,
			    const struct ks_meta *m);

struct ks_source_opts {
	const char *root;       /* kin root (stream sources) */
	const char *stream;     /* NULL: read fd */
	int fd;                 /* stdin */
	char delim;             /* record delimiter on fd: '\n' (or 0) */
	const char *consumer;   /* stream: consumer name, NULL = no checkpoints */
	const char *start;      /* TRIM_HORIZON | LATEST | NOW | ... */
	int follow;             /* stream: wait for new records at the end */
};

struct ks_source;
int ks_source_open(const struct ks_source_opts *o, struct ks_source **out,
		   struct kc_error *e);
/*
 * Calls fn for up to max records available now. Returns the number read,
 * 0 when none is available now (call ks_source_wait), KS_SOURCE_END when
 * the input is finished (EOF, or the end of a stream without follow), or
 * a negative status.
 */
#define KS_SOURCE_END (1 << 30)
int ks_source_read(struct ks_source *s, size_t max, ks_record_fn fn,
		   void *arg, struct kc_error *e);
int ks_source_wait(struct ks_source *s, int ms, struct kc_error *e);
/* Checkpoints the records of shard up to offset as processed. */
int ks_source_commit(struct ks_source *s, uint64_t shard, uint64_t offset,
		     struct kc_error *e);
void ks_source_close(struct ks_source *s);

/* ---- sink.c: where rows go ---- */

enum ks_outfmt { KS_OUT_JSON, KS_OUT_CSV, KS_OUT_TSV, KS_OUT_TABLE };

struct ks_sink_col {
	const char *name;
	struct ks_sqltype type;
};

#define KS_SINK_ROWTIME 1 /* a ROWTIME column first */
#define KS_SINK_HEADER 2  /* CSV/TSV header line */
#define KS_SINK_BUFFER 4  /* table: align over all rows, print at close */

struct ks_sink_opts {
	enum ks_outfmt format;
	unsigned flags;
	int fd;                 /* write here, or: */
	const char *root;       /* append JSON records to kin stream */
	const char *stream;     /* (through a kput child) */
	const char *key_column; /* partition key column, NULL = row hash */
};

struct ks_sink;
int ks_sink_open(const struct ks_sink_opts *o, const struct ks_sink_col *cols,
		 size_t ncols, struct ks_sink **out, struct kc_error *e);
int ks_sink_row(struct ks_sink *s, int64_t rowtime, const struct ks_value *vals,
		struct kc_error *e);
int ks_sink_flush(struct ks_sink *s, struct kc_error *e);
/* Flushes, closes, waits for a kput child; frees s. */
int ks_sink_close(struct ks_sink *s, struct kc_error *e);

/* added by K3: discovery of a CSV file whose first line names the columns
 * (reference tables): the names replace COL1, COL2, ... (trimmed of white
 * space, then the rename rules apply). Call before ks_discovery_finish. */
void ks_discovery_header(struct ks_discovery *d, const char *line, size_t n);

/* added by K7: parallel.c takes over an fd source after schema discovery.
 * Sets *p, *n to the bytes the source has read but not delivered (valid
 * until the source is closed) and marks them delivered; returns 1 when the
 * fd is at its end (nothing more to read), else 0. */
int ks_source_unread(struct ks_source *s, const char **p, size_t *n);
/* added by K7: records of a kin stream source get "" as sequence_number
 * from now on (formatting one costs more than decoding a small record;
 * call it when the plan does not read SEQUENCE_NUMBER). */
void ks_source_skip_seqno(struct ks_source *s);

#endif
