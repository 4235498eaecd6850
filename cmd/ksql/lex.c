/* lex.c: the SQL lexer (tokens, comments, positions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "banned.h"

/*
 * Words the grammar gives a meaning where a name could stand. Kept short
 * on purpose: common column names (VALUE, USER, TIMESTAMP, RANGE...) stay
 * usable unquoted; keywords that appear only inside special forms (TO,
 * FOR, PLACING, LEADING...) are recognised by position instead.
 */
static const char *const reserved[] = {
	"ALL", "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CREATE",
	"CROSS", "CURRENT_DATE", "CURRENT_ROW_TIMESTAMP", "CURRENT_TIMESTAMP",
	"DISTINCT", "ELSE", "END", "ESCAPE", "EXCEPT", "FALSE", "FETCH",
	"FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INSERT",
	"INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "LEFT",
	"LIKE", "LIMIT", "LOCALTIMESTAMP", "NATURAL", "NOT", "NULL", "OFFSET",
	"ON", "OR", "ORDER", "OUTER", "OVER", "RIGHT", "SELECT", "SIMILAR",
	"STREAM", "THEN", "TRUE", "UNION", "UNKNOWN", "USING", "WHEN",
	"WHERE", "WINDOW", "WINDOWED",
};

int ks_lex_reserved(const char *word)
{
	size_t lo = 0, hi = sizeof(reserved) / sizeof(reserved[0]), mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(word, reserved[mid]);
		if (!c)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

void ks_lex_init(struct ks_lexer *lx, const char *text, size_t n,
		 struct ks_arena *arena)
{
	lx->p = text;
	lx->end = text + n;
	if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		lx->p += 3; /* a UTF-8 byte order mark */
	lx->pos.line = 1;
	lx->pos.col = 1;
	lx->arena = arena;
	lx->failed = 0;
}

/* Consumes one byte, keeping the position (UTF-8 continuation bytes do
 * not start a character). */
static void step(struct ks_lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p++;

	if (c == '\n') {
		lx->pos.line++;
		lx->pos.col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->pos.col++;
	}
}

static int peekc(const struct ks_lexer *lx, size_t k)
{
	return lx->p + k < lx->end ? (unsigned char)lx->p[k] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static void set_error(struct ks_lexer *lx, struct ks_token *t,
		      const char *msg)
{
	t->kind = KS_TK_ERROR;
	t->text = msg;
	t->len = strlen(msg);
	lx->failed = 1;
	lx->p = lx->end;
}

/* Skips white space and comments; 0, or -1 for an unterminated comment
 * (t then holds the error at the comment's start). */
static int skip_space(struct ks_lexer *lx, struct ks_token *t)
{
	for (;;) {
		int c = peekc(lx, 0);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			step(lx);
		} else if (c == '-' && peekc(lx, 1) == '-') {
			while (lx->p < lx->end && *lx->p != '\n')
				step(lx);
		} else if (c == '/' && peekc(lx, 1) == '*') {
			t->pos = lx->pos;
			t->src = lx->p;
			step(lx);
			step(lx);
			for (;;) {
				if (lx->p >= lx->end) {
					t->srclen = 2;
					set_error(lx, t,
						  "unterminated comment");
					return -1;
				}
				if (*lx->p == '*' && peekc(lx, 1) == '/') {
					step(lx);
					step(lx);
					break;
				}
				step(lx);
			}
		} else {
			return 0;
		}
	}
}

/* 'text' or "name": the quote q doubled stands for itself. */
static void lex_quoted(struct ks_lexer *lx, struct ks_token *t, char q)
{
	const char *s;
	char *out;
	size_t n = 0, chars = 0;

	step(lx);
	s = lx->p;
	for (;;) {
		if (lx->p >= lx->end) {
			set_error(lx, t, q == '\'' ?
				  "unterminated string literal" :
				  "unterminated quoted identifier");
			return;
		}
		if (*lx->p == q) {
			if (peekc(lx, 1) != q)
				break;
			step(lx);
		}
		step(lx);
	}
	/* second pass: copy with the doubled quotes undone */
	out = ks_arena_alloc(lx->arena, (size_t)(lx->p - s) + 1);
	while (s < lx->p) {
		if (*s == q)
			s++;
		if (((unsigned char)*s & 0xC0) != 0x80)
			chars++;
		out[n++] = *s++;
	}
	out[n] = '\0';
	step(lx); /* closing quote */
	t->text = out;
	t->len = n;
	t->nchars = chars;
	if (q == '"' && n == 0)
		set_error(lx, t, "zero-length quoted identifier");
}

static void lex_number(struct ks_lexer *lx, struct ks_token *t)
{
	int dot = 0, exp = 0, c;

	t->kind = KS_TK_INT;
	while (is_digit(peekc(lx, 0)))
		step(lx);
	if (peekc(lx, 0) == '.') {
		dot = 1;
		step(lx);
		while (is_digit(peekc(lx, 0)))
			step(lx);
	}
	c = peekc(lx, 0);
	if (c == 'e' || c == 'E') {
		exp = 1;
		step(lx);
		c = peekc(lx, 0);
		if (c == '+' || c == '-')
			step(lx);
		if (!is_digit(peekc(lx, 0))) {
			while (is_ident_char(peekc(lx, 0)))
				step(lx);
			goto bad;
		}
		while (is_digit(peekc(lx, 0)))
			step(lx);
	}
	if (is_ident_char(peekc(lx, 0)) || (peekc(lx, 0) == '.' &&
					    is_digit(peekc(lx, 1)))) {
		while (is_ident_char(peekc(lx, 0)) || peekc(lx, 0) == '.')
			step(lx);
		goto bad;
	}
	t->kind = exp ? KS_TK_FLOAT : dot ? KS_TK_DEC : KS_TK_INT;
	t->text = ks_arena_strdup(lx->arena, t->src,
				  (size_t)(lx->p - t->src));
	t->len = (size_t)(lx->p - t->src);
	t->srclen = t->len;
	return;
bad:
	{
		size_t n = (size_t)(lx->p - t->src);
		char *msg = ks_arena_alloc(lx->arena, 80);

		snprintf(msg, 80, "invalid numeric literal '%.*s%s'",
			 (int)(n > 40 ? 40 : n), t->src, n > 40 ? "..." : "");
		t->srclen = n;
		set_error(lx, t, msg);
	}
}

void ks_lex_next(struct ks_lexer *lx, struct ks_token *t)
{
	int c, c1;

	memset(t, 0, sizeof(*t));
	if (lx->failed) {
		t->kind = KS_TK_EOF;
		t->pos = lx->pos;
		t->src = lx->end;
		return;
	}
	if (skip_space(lx, t) < 0)
		return;
	t->pos = lx->pos;
	t->src = lx->p;
	c = peekc(lx, 0);
	c1 = peekc(lx, 1);
	if (c < 0) {
		t->kind = KS_TK_EOF;
		return;
	}
	if (is_ident_start(c)) {
		char *s;
		size_t i, n;

		while (is_ident_char(peekc(lx, 0)))
			step(lx);
		n = (size_t)(lx->p - t->src);
		s = ks_arena_strdup(lx->arena, t->src, n);
		for (i = 0; i < n; i++)
			if (s[i] >= 'a' && s[i] <= 'z')
				s[i] = (char)(s[i] - 'a' + 'A');
		t->kind = KS_TK_IDENT;
		t->text = s;
		t->len = n;
	} else if (is_digit(c) || (c == '.' && is_digit(c1))) {
		lex_number(lx, t);
		return;
	} else if (c == '\'') {
		t->kind = KS_TK_STRING;
		lex_quoted(lx, t, '\'');
	} else if (c == '"') {
		t->kind = KS_TK_QIDENT;
		lex_quoted(lx, t, '"');
	} else {
		enum ks_tok k;
		int two = 0;

		switch (c) {
		case '(': k = KS_TK_LPAREN; break;
		case ')': k = KS_TK_RPAREN; break;
		case ',': k = KS_TK_COMMA; break;
		case ';': k = KS_TK_SEMI; break;
		case '.': k = KS_TK_DOT; break;
		case '*': k = KS_TK_STAR; break;
		case '+': k = KS_TK_PLUS; break;
		case '-': k = KS_TK_MINUS; break;
		case '/': k = KS_TK_SLASH; break;
		case '%': k = KS_TK_PERCENT; break;
		case '=': k = KS_TK_EQ; break;
		case '<':
			k = c1 == '=' ? KS_TK_LE : c1 == '>' ? KS_TK_NE :
							      KS_TK_LT;
			two = c1 == '=' || c1 == '>';
			break;
		case '>':
			k = c1 == '=' ? KS_TK_GE : KS_TK_GT;
			two = c1 == '=';
			break;
		case '!':
			k = KS_TK_NE;
			two = 1;
			if (c1 != '=')
				goto unexpected;
			break;
		case '|':
			k = KS_TK_CONCAT;
			two = 1;
			if (c1 != '|')
				goto unexpected;
			break;
		default:
			goto unexpected;
		}
		t->kind = k;
		step(lx);
		if (two)
			step(lx);
	}
	if (t->kind != KS_TK_ERROR)
		t->srclen = (size_t)(lx->p - t->src);
	else if (!t->srclen)
		t->srclen = 1;
	return;
unexpected:
	{
		char *msg = ks_arena_alloc(lx->arena, 64);
		size_t n = 1;

		if (c >= 0x20 && c < 0x7f) {
			snprintf(msg, 64, "unexpected character '%c'", c);
		} else if (c >= 0xC0) {
			/* a UTF-8 sequence: show it whole */
			while (n < 4 && (peekc(lx, n) & 0xC0) == 0x80)
				n++;
			snprintf(msg, 64, "unexpected character '%.*s'",
				 (int)n, lx->p);
		} else {
			snprintf(msg, 64, "unexpected character 0x%02X", c);
		}
		t->srclen = n;
		set_error(lx, t, msg);
	}
}
