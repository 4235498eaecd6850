/*
 * lex.h: the SQL lexer of ksql. It turns a script into tokens one at a
 * time (the parser keeps a few for lookahead), skipping white space and
 * the -- and / * * / comments, and tracks every token's line and column
 * (columns count characters, not bytes; a tab is one column).
 */
#ifndef KS_LEX_H
#define KS_LEX_H

#include <stddef.h>
#include "ast.h"

enum ks_tok {
	KS_TK_EOF,
	KS_TK_ERROR,    /* a lexical error; msg says which */
	KS_TK_IDENT,    /* unquoted identifier or keyword, folded upper case */
	KS_TK_QIDENT,   /* "quoted identifier", kept as written */
	KS_TK_INT,      /* 123 */
	KS_TK_DEC,      /* 1.5, .5, 5. */
	KS_TK_FLOAT,    /* 1e3, 1.5E-2 */
	KS_TK_STRING,   /* 'text' */
	KS_TK_LPAREN, KS_TK_RPAREN, KS_TK_COMMA, KS_TK_SEMI, KS_TK_DOT,
	KS_TK_STAR, KS_TK_PLUS, KS_TK_MINUS, KS_TK_SLASH, KS_TK_PERCENT,
	KS_TK_EQ, KS_TK_NE, KS_TK_LT, KS_TK_LE, KS_TK_GT, KS_TK_GE,
	KS_TK_CONCAT,   /* || */
};

/*
 * A token. src/srclen is its text in the script (for messages). text/len
 * is its value, NUL-terminated in the arena: identifiers folded to upper
 * case (IDENT) or without the quotes and with "" undoubled (QIDENT), the
 * bytes of a string with '' undoubled (STRING, nchars its length in
 * characters), the digits of a number; NULL for the other kinds. An ERROR
 * token carries its message in text.
 */
struct ks_token {
	enum ks_tok kind;
	struct ks_pos pos;
	const char *src;
	size_t srclen;
	const char *text;
	size_t len;
	size_t nchars;
};

struct ks_lexer {
	const char *p, *end;
	struct ks_pos pos;      /* of *p */
	struct ks_arena *arena; /* token texts */
	int failed;             /* an ERROR token was returned */
};

/* Starts lexing text (n bytes, need not be NUL-terminated). */
void ks_lex_init(struct ks_lexer *lx, const char *text, size_t n,
		 struct ks_arena *arena);
/*
 * Reads the next token into t. After the end, and after an ERROR token,
 * every call returns the same EOF or ERROR token again.
 */
void ks_lex_next(struct ks_lexer *lx, struct ks_token *t);

/*
 * Whether word (upper case) is reserved: it cannot be an unquoted column,
 * stream or alias name, because the grammar gives it a meaning there.
 */
int ks_lex_reserved(const char *word);

#endif
