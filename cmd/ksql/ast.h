/*
 * ast.h: the syntax tree parse.c builds from a SQL script. It is pure
 * syntax: names are resolved, types derived and errors of meaning found by
 * the binder (bind.c), which reports them at the node's position. Every
 * node and string is allocated in the script's arena and freed with it.
 *
 * Identifiers: unquoted ones are folded to upper case by the lexer, quoted
 * ones ("Company") kept as written without the quotes; so comparing names
 * is strcmp.
 */
#ifndef KS_AST_H
#define KS_AST_H

#include <stddef.h>
#include <stdint.h>
#include "ksql.h"

struct ks_pos {
	uint32_t line, col; /* 1-based; col counts characters */
};

enum ks_expr_kind {
	KS_E_LITERAL,  /* value/type in lit; NULL literal has type KS_T_NULL */
	KS_E_COLUMN,   /* [qual.]name, including ROWTIME */
	KS_E_UNARY,    /* op, args[0] */
	KS_E_BINARY,   /* op, args[0], args[1]: arithmetic, ||, comparison, AND, OR */
	KS_E_FUNC,     /* name(args): scalar, aggregate or table function */
	KS_E_CASE,     /* see below */
	KS_E_CAST,     /* CAST(args[0] AS cast_type) */
	KS_E_IS_NULL,  /* args[0] IS [NOT] NULL (negated) */
	KS_E_LIKE,     /* args[0] [NOT] LIKE args[1] [ESCAPE args[2]] */
	KS_E_SIMILAR,  /* args[0] [NOT] SIMILAR TO args[1] [ESCAPE args[2]] */
	KS_E_IN,       /* args[0] [NOT] IN (args[1..]) */
	KS_E_BETWEEN,  /* args[0] [NOT] BETWEEN args[1] AND args[2] */
	KS_E_CURSOR,   /* CURSOR(select) as a table function's argument */
};

struct ks_window;
struct ks_select;

struct ks_expr {
	enum ks_expr_kind kind;
	struct ks_pos pos;
	enum ks_op op;          /* UNARY, BINARY */
	int negated;            /* NOT LIKE/IN/BETWEEN/SIMILAR, IS NOT NULL */
	/* LITERAL: exact numerics are INTEGER/BIGINT/DECIMAL(p,s), others
	 * DOUBLE; 'text' is CHAR(n); TIMESTAMP '...', DATE '...' and
	 * INTERVAL '...' unit [TO unit] literals are converted by the parser
	 * (intervals to ms or months, signed). Keyword arguments of special
	 * forms (FLOOR(x TO MINUTE)) are VARCHAR literals with keyword set. */
	struct ks_sqltype lit_type;
	struct ks_value lit;
	int keyword;
	/* COLUMN */
	const char *qual;       /* NULL when unqualified */
	const char *name;
	/* FUNC: name upper case (or as quoted) */
	const char *func;
	int distinct;           /* COUNT(DISTINCT x) */
	int star;               /* COUNT(*) */
	const char *over_name;  /* AGG(x) OVER W */
	struct ks_window *over; /* AGG(x) OVER (...) */
	/* CASE: has_operand ? args[0] is the operand, then WHEN/THEN pairs;
	 * has_else ? the last arg is the ELSE result */
	int has_operand, has_else;
	/* CAST */
	struct ks_sqltype cast_type;
	/* CURSOR */
	struct ks_select *cursor;
	struct ks_expr **args;
	size_t nargs;
};

/* WINDOW W AS (PARTITION BY ... RANGE INTERVAL '1' MINUTE PRECEDING) */
enum ks_frame { KS_FRAME_NONE, KS_FRAME_ROWS, KS_FRAME_RANGE };
struct ks_window {
	const char *name;       /* NULL for an inline OVER (...) */
	struct ks_pos pos;
	const char *base;       /* OVER (W ...) refers to window W, or NULL */
	struct ks_expr **partition;
	size_t npartition;
	struct ks_expr **order; /* ORDER BY inside the window, rarely used */
	size_t norder;
	enum ks_frame frame;
	struct ks_expr *extent; /* ROWS n / RANGE INTERVAL ...; NULL = UNBOUNDED */
};

/* WINDOWED BY STAGGER (PARTITION BY k1, k2 RANGE INTERVAL '1' MINUTE) */
struct ks_stagger {
	struct ks_pos pos;
	struct ks_expr **partition;
	size_t npartition;
	struct ks_expr *range;
};

struct ks_item {
	struct ks_pos pos;
	struct ks_expr *e;      /* NULL for * and q.* */
	const char *alias;      /* AS alias, or NULL */
	int star;
	const char *star_qual;  /* q.* */
};

enum ks_from_kind {
	KS_FROM_NAME,           /* a stream, table or kin stream name */
	KS_FROM_TABLE_FUNC,     /* TABLE(fn(CURSOR(...), ...)) */
	KS_FROM_SELECT,         /* (SELECT ...) */
};
struct ks_from {
	enum ks_from_kind kind;
	struct ks_pos pos;
	const char *name;
	const char *alias;      /* or NULL */
	struct ks_expr *func;   /* TABLE_FUNC: a KS_E_FUNC */
	struct ks_select *select;
};

enum ks_join_kind { KS_JOIN_INNER, KS_JOIN_LEFT, KS_JOIN_RIGHT, KS_JOIN_FULL,
		    KS_JOIN_CROSS };
struct ks_join {
	enum ks_join_kind kind;
	struct ks_pos pos;
	struct ks_from right;
	struct ks_window *over; /* stream-stream join window, or NULL */
	struct ks_expr *on;     /* NULL for CROSS */
};

struct ks_order {
	struct ks_expr *e;      /* may be an integer literal (position) */
	int desc;
	int nulls;              /* 0 default, 1 NULLS FIRST, 2 NULLS LAST */
};

struct ks_select {
	struct ks_pos pos;
	int stream;             /* SELECT STREAM */
	int distinct;
	struct ks_item *items;
	size_t nitems;
	struct ks_from from;
	struct ks_join *joins;
	size_t njoins;
	struct ks_expr *where;
	struct ks_stagger *stagger;
	struct ks_expr **group_by;
	size_t ngroup;
	struct ks_expr *having;
	struct ks_window **windows; /* WINDOW W AS (...), ... */
	size_t nwindows;
	struct ks_order *order;
	size_t norder;
	struct ks_expr *limit;      /* or NULL; also FETCH FIRST n ROWS ONLY */
	struct ks_select *union_all; /* next SELECT of a UNION ALL, or NULL */
};

struct ks_coldef {
	struct ks_pos pos;
	const char *name;
	struct ks_sqltype type;
};

enum ks_stmt_kind {
	KS_S_CREATE_STREAM,     /* name, cols */
	KS_S_CREATE_PUMP,       /* name, target, target_cols, select */
	KS_S_SELECT,            /* select (ad-hoc or a bare SELECT STREAM) */
};

struct ks_stmt {
	enum ks_stmt_kind kind;
	struct ks_pos pos;
	int or_replace;
	const char *name;
	struct ks_coldef *cols;
	size_t ncols;
	const char *target;     /* INSERT INTO target */
	struct ks_pos target_pos;
	const char **target_cols;
	size_t ntarget_cols;
	struct ks_select *select;
};

struct ks_script {
	const char *file;       /* as given; "-e" for a command-line script */
	struct ks_stmt *stmts;
	size_t nstmts;
	struct ks_arena arena;  /* every node and string */
};

/*
 * A parse error: "FILE:LINE:COL: message" is what ksql prints after
 * "ksql: ". The binder reports its errors in the same form.
 */
struct ks_perror {
	struct ks_pos pos;
	char msg[256];
};

/*
 * Parses text (n bytes) as a script of statements separated by ';' (the
 * last one may omit it), with -- and / * * / comments. Returns 0, or -1
 * with err filled; script is then released. file is kept by pointer.
 */
int ks_parse(const char *file, const char *text, size_t n,
	     struct ks_script *script, struct ks_perror *err);
void ks_script_release(struct ks_script *script);

/* Appends the SQL text of e to out (for EXPLAIN and default column names). */
void ks_expr_sql(const struct ks_expr *e, struct kc_buf *out);

/*
 * added by K1: the SQL text of a query (with its UNION ALL chain, ORDER BY
 * and LIMIT) and of a whole statement, appended to out; for EXPLAIN and
 * the parser's tests. Parsing the text again gives the same tree.
 */
void ks_select_sql(const struct ks_select *s, struct kc_buf *out);
void ks_stmt_sql(const struct ks_stmt *s, struct kc_buf *out);

#endif
