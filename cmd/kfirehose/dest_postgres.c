/*
 * dest_postgres.c: the PostgreSQL destination, Firehose's Redshift COPY
 * (DataTableName, DataTableColumns, CopyOptions) done with libpq's
 * COPY ... FROM STDIN.
 *
 * One attempt is one transaction: BEGIN; COPY table (columns) FROM STDIN
 * with one line per record; COMMIT. When the COPY fails on the data
 * (SQLSTATE class 22 or 23) the records are split inside that transaction,
 * each part copied under a savepoint that is rolled back when it fails,
 * until the bad records stand alone: they fail (PostgreSQL.CopyFailed, the
 * server's SQLSTATE and message) and the rest commit together. The split
 * cuts at the line the server named, else in the middle. Anything else
 * (connection lost, table missing, bad copy options) rolls back the whole
 * attempt for a retry; a broken connection is replaced on the next one.
 *
 * The password of the URL never appears in a message: every message is
 * scrubbed of it, and the URL is shown with *** in its place.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libpq-fe.h>

#include "firehose.h"
#include "json.h"
#include "banned.h"

#define MAX_SECRETS 4

struct pg {
	char *conninfo;          /* the --to URL: a libpq connection URI */
	char *shown;             /* conninfo with each password as *** */
	char *secret[MAX_SECRETS]; /* passwords as written and as decoded */
	char *schema;            /* --data-table-name parts; schema may be NULL */
	char *table;
	char **cols;             /* --data-table-columns, or NULL */
	size_t ncols;
	char *options;           /* COPY's WITH (...) list, or NULL */
	int json;                /* --copy-options "json 'auto'": map fields */
	int ignorecase;          /* ... "json 'auto ignorecase'" */
	int text;                /* the COPY text format: a line per record */
	char connect_timeout[24];
	char tcp_user_timeout[24];

	PGconn *conn;            /* NULL until an attempt connects */
	char *copy_sql;          /* the COPY statement, quoted for conn */
	char **jcols;            /* the columns JSON fields go to */
	size_t njcols;
	int jcols_owned;         /* looked up from the catalog (not cols) */

	struct kc_buf lines;     /* this batch's COPY data */
	struct kc_buf scratch;
	size_t *off, *len;       /* record i's line in lines */
	size_t *idx;             /* the records copied, in order */
	const char **vals;       /* per column: the JSON value, or NULL */
	size_t cap;
};

/* A failed statement: its Firehose errorCode, message, and kind. */
struct pg_err {
	const char *code;
	char msg[256];
	int data;                /* bad data (class 22/23) in a live session */
	size_t line;             /* the COPY line the server blamed, or 0 */
};

/* ---- messages -------------------------------------------------------- */

/* Replaces every secret of p in s (a C string of at most size bytes). */
static void scrub(const struct pg *p, char *s, size_t size)
{
	struct kc_buf b = KC_BUF_INIT;
	int changed = 0;

	for (size_t k = 0; k < MAX_SECRETS; k++) {
		const char *secret = p->secret[k], *at, *from = s;
		size_t n;

		if (!secret || !(n = strlen(secret)) || !strstr(s, secret))
			continue;
		kc_buf_reset(&b);
		while ((at = strstr(from, secret))) {
			kc_buf_add(&b, from, (size_t)(at - from));
			kc_buf_adds(&b, "***");
			from = at + n;
		}
		kc_buf_adds(&b, from);
		snprintf(s, size, "%s", b.data);
		changed = 1;
	}
	if (changed)
		kc_buf_release(&b);
}

/* Copies the first line of msg into out (trailing blanks cut). */
static void first_line(char *out, size_t size, const char *msg)
{
	int n = (int)strcspn(msg, "\n");

	while (n > 0 && isspace((unsigned char)msg[n - 1]))
		n--;
	snprintf(out, size, "%.*s", n, msg);
}

static const struct {
	const char *state;       /* a SQLSTATE or its first characters */
	const char *code;
} codes[] = {
	{ "08", "PostgreSQL.ConnectionFailed" },
	{ "57P", "PostgreSQL.ConnectionFailed" },
	{ "3F000", "PostgreSQL.SchemaNotFound" },
	{ "42P01", "PostgreSQL.TableNotFound" },
	{ "42703", "PostgreSQL.ColumnNotFound" },
	{ "42501", "PostgreSQL.AccessDenied" },
	{ "42601", "PostgreSQL.IncorrectCopyOptions" },   /* all else is quoted */
	{ "25006", "PostgreSQL.ReadOnly" },
	{ "53", "PostgreSQL.InsufficientResources" },
};

static const char *code_of(const char *state)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strncmp(state, codes[i].state, strlen(codes[i].state)))
			return codes[i].code;
	return "PostgreSQL.CommandFailed";
}

/*
 * Fills e from a failed result (NULL when libpq had none): "SQLSTATE
 * 23505: duplicate key ...: Key (n)=(1) already exists. (COPY t)", the
 * COPY line number taken out of the context and kept as the split hint.
 */
static void set_err(const struct pg *p, const PGresult *res, struct pg_err *e)
{
	const char *state = NULL, *msg = NULL, *detail = NULL, *at = NULL;
	char where[128] = "";

	if (res) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		at = PQresultErrorField(res, PG_DIAG_CONTEXT);
	}
	e->line = 0;
	e->data = 0;
	if (!state || !msg) {
		/* From libpq itself: the connection broke (or out of memory). */
		e->code = "PostgreSQL.ConnectionFailed";
		first_line(e->msg, sizeof(e->msg), PQerrorMessage(p->conn));
		if (!e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "connection lost");
		scrub(p, e->msg, sizeof(e->msg));
		return;
	}
	e->code = code_of(state);
	e->data = (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)) &&
		  PQstatus(p->conn) == CONNECTION_OK;
	/* The context's line about the COPY: "COPY t, line 3, column n: ..." */
	while (at && strncmp(at, "COPY ", 5)) {
		at = strchr(at, '\n');
		if (at)
			at++;
	}
	if (at) {
		const char *ln = strstr(at, ", line ");
		int n = (int)strcspn(at, "\n");
		char *end;

		if (ln && ln - at < n) {
			e->line = strtoul(ln + 7, &end, 10);
			snprintf(where, sizeof(where), " (%.*s%.*s)", (int)(ln - at),
				 at, (int)(at + n - end), end);
		} else {
			snprintf(where, sizeof(where), " (%.*s)", n, at);
		}
	}
	snprintf(e->msg, sizeof(e->msg), "SQLSTATE %s: %s%s%s%s", state, msg,
		 detail ? ": " : "", detail ? detail : "", where);
	scrub(p, e->msg, sizeof(e->msg));
}

static void set_status(struct fh_result *r, size_t i, enum fh_status status,
		       const char *code, const char *msg)
{
	r->status[i] = status;
	snprintf(r->code[i], sizeof(r->code[i]), "%s", code);
	snprintf(r->message[i], sizeof(r->message[i]), "%s", msg);
}

/* ---- the URL --------------------------------------------------------- */

/*
 * The passwords written in url: the userinfo's (postgres://u:PW@h, up to
 * the first '@' before a '/', as libpq reads it) and each password=
 * parameter. Calls fn with each one's start and length.
 */
static void each_password(const char *url, void (*fn)(void *, size_t, size_t),
			  void *arg)
{
	const char *p = strstr(url, "://"), *q;
	size_t n;

	if (!p)
		return;
	p += 3;
	n = strcspn(p, "@/");
	if (p[n] == '@') {
		const char *colon = memchr(p, ':', n);

		if (colon)
			fn(arg, (size_t)(colon + 1 - url), (size_t)(p + n - colon - 1));
	}
	for (q = strchr(p, '?'); q; q = strchr(q, '&')) {
		q++;
		if (!strncmp(q, "password=", 9))
			fn(arg, (size_t)(q + 9 - url), strcspn(q + 9, "&"));
	}
}

struct shown {
	const char *url;
	struct kc_buf b;
	size_t from;
	struct pg *p;
	size_t nsecret;
};

static void show_password(void *arg, size_t at, size_t n)
{
	struct shown *s = arg;

	kc_buf_add(&s->b, s->url + s->from, at - s->from);
	kc_buf_adds(&s->b, "***");
	s->from = at + n;
	if (n && s->nsecret < MAX_SECRETS) {
		char *secret = kc_xmalloc(n + 1);

		memcpy(secret, s->url + at, n);
		secret[n] = '\0';
		s->p->secret[s->nsecret++] = secret;
	}
}

/* Sets p->shown and the secrets written in p->conninfo. */
static void hide_passwords(struct pg *p)
{
	struct shown s = { p->conninfo, KC_BUF_INIT, 0, p, 0 };

	each_password(p->conninfo, show_password, &s);
	kc_buf_adds(&s.b, p->conninfo + s.from);
	p->shown = s.b.data;
}

/* A port list is numbers 1..65535 separated by commas (empty: default). */
static int bad_port(const char *ports)
{
	while (ports && *ports) {
		char *end;
		unsigned long port = strtoul(ports, &end, 10);

		if (*ports == ',') {
			ports++;
			continue;
		}
		if (!isdigit((unsigned char)*ports) || port < 1 || port > 65535 ||
		    (*end && *end != ','))
			return 1;
		ports = end;
	}
	return 0;
}

/* Parses p->conninfo as libpq will; keeps the decoded password secret. */
static int check_url(struct pg *p, struct kc_error *e)
{
	PQconninfoOption *opts, *o;
	char *why = NULL, msg[256];
	int rc = 0;

	opts = PQconninfoParse(p->conninfo, &why);
	if (!opts) {
		first_line(msg, sizeof(msg), why ? why : "out of memory");
		PQfreemem(why);
		scrub(p, msg, sizeof(msg));
		return kc_error_set(e, KC_EUSAGE, "--to: '%s': %s", p->shown, msg);
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "password") && *o->val) {
			for (size_t k = 0; k < MAX_SECRETS; k++)
				if (!p->secret[k]) {
					p->secret[k] = kc_xstrdup(o->val);
					break;
				}
		} else if (!strcmp(o->keyword, "port") && bad_port(o->val)) {
			rc = kc_error_set(e, KC_EUSAGE, "--to: '%s': invalid port '%s'",
					  p->shown, o->val);
		}
	}
	PQconninfoFree(opts);
	return rc;
}

/* ---- options --------------------------------------------------------- */

/* s without leading and trailing blanks, as a new string. */
static char *trimmed(const char *s, size_t n)
{
	char *t;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	t = kc_xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

static int parse_table(struct pg *p, const char *name, struct kc_error *e)
{
	const char *dot = strchr(name, '.');

	if (dot && !strchr(dot + 1, '.')) {
		p->schema = trimmed(name, (size_t)(dot - name));
		p->table = trimmed(dot + 1, strlen(dot + 1));
	} else if (!dot) {
		p->table = trimmed(name, strlen(name));
	}
	if (!p->table || !*p->table || (p->schema && !*p->schema))
		return kc_error_set(e, KC_EUSAGE,
				    "--data-table-name: '%s': expected TABLE or SCHEMA.TABLE",
				    name);
	return 0;
}

static int parse_columns(struct pg *p, const char *list, struct kc_error *e)
{
	const char *s = list;

	for (;;) {
		size_t n = strcspn(s, ",");
		char *name = trimmed(s, n);

		p->cols = kc_xrealloc(p->cols, (p->ncols + 1) * sizeof(*p->cols));
		p->cols[p->ncols++] = name;
		if (!*name)
			return kc_error_set(e, KC_EUSAGE,
					    "--data-table-columns: '%s': an empty column name",
					    list);
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

/* The words of s, lowercased and without single quotes, one space apart. */
static void words(const char *s, struct kc_buf *out)
{
	kc_buf_reset(out);
	for (; *s; s++) {
		if (*s == '\'')
			continue;
		if (isspace((unsigned char)*s)) {
			if (out->len && out->data[out->len - 1] != ' ')
				kc_buf_addc(out, ' ');
			continue;
		}
		kc_buf_addc(out, (char)tolower((unsigned char)*s));
	}
	if (out->len && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
}

/*
 * Checks one item of the WITH list: FORMAT binary cannot hold a record per
 * line, and HEADER would drop the first record of every COPY.
 */
static int check_item(struct pg *p, const char *item, size_t n,
		      struct kc_error *e)
{
	struct kc_buf w = KC_BUF_INIT;
	char *text = trimmed(item, n);
	int rc = 0;

	words(text, &w);
	if (!w.len) {
		rc = kc_error_set(e, KC_EUSAGE, "--copy-options: '%s': an empty option",
				  p->options);
	} else if (!strcmp(w.data, "format binary")) {
		rc = kc_error_set(e, KC_EUSAGE,
				  "--copy-options: FORMAT binary cannot carry one record per line");
	} else if (!strcmp(w.data, "format csv")) {
		p->text = 0;
	} else if (strcspn(w.data, " ") == 6 && !strncmp(w.data, "header", 6) &&
		   strcmp(w.data, "header false") && strcmp(w.data, "header off") &&
		   strcmp(w.data, "header 0")) {
		rc = kc_error_set(e, KC_EUSAGE,
				  "--copy-options: HEADER would skip the first record of every COPY");
	} else if (strcspn(w.data, " ") == 4 && !strncmp(w.data, "json", 4)) {
		rc = kc_error_set(e, KC_EUSAGE,
				  "--copy-options: json 'auto' cannot be combined with other options");
	}
	kc_buf_release(&w);
	free(text);
	return rc;
}

/*
 * --copy-options: Redshift's json 'auto' (or 'auto ignorecase'), else the
 * option list of COPY ... WITH (...), whose items are checked one by one.
 * Quotes and parentheses must balance and ';' may only appear quoted, so
 * the text cannot end the statement.
 */
static int parse_copy_options(struct pg *p, const char *s, struct kc_error *e)
{
	struct kc_buf w = KC_BUF_INIT;
	const char *item = s;
	char quote = 0;
	int depth = 0, rc = 0;

	words(s, &w);
	p->text = 1;
	if (!w.len) {
		kc_buf_release(&w);
		return 0;
	}
	if (!strcmp(w.data, "json auto") || !strcmp(w.data, "json auto ignorecase")) {
		p->json = 1;
		p->ignorecase = w.data[9] != '\0';
		kc_buf_release(&w);
		return 0;
	}
	kc_buf_release(&w);
	p->options = kc_xstrdup(s);
	for (; !rc; s++) {
		if (quote) {
			if (!*s)
				return kc_error_set(e, KC_EUSAGE,
						    "--copy-options: '%s': an unterminated quote",
						    p->options);
			if (*s == quote)
				quote = 0;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')' && --depth < 0) {
			break;
		} else if (*s == ';') {
			return kc_error_set(e, KC_EUSAGE, "--copy-options: '%s': ';' outside quotes",
					    p->options);
		} else if (!*s || (*s == ',' && !depth)) {
			rc = check_item(p, item, (size_t)(s - item), e);
			item = s + 1;
			if (!*s)
				break;
		}
	}
	if (!rc && depth)
		rc = kc_error_set(e, KC_EUSAGE, "--copy-options: '%s': unbalanced parentheses",
				  p->options);
	return rc;
}

/* ---- the connection -------------------------------------------------- */

static void ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void disconnect(struct pg *p)
{
	PQfinish(p->conn);
	p->conn = NULL;
	free(p->copy_sql);
	p->copy_sql = NULL;
	if (p->jcols_owned) {
		for (size_t c = 0; c < p->njcols; c++)
			free(p->jcols[c]);
		free(p->jcols);
		p->jcols = NULL;
		p->njcols = 0;
		p->jcols_owned = 0;
	}
}

/* Appends name quoted as an identifier for p->conn; -1 with e set if bad. */
static int add_ident(struct pg *p, struct kc_buf *b, const char *name,
		     struct pg_err *e)
{
	char *q = PQescapeIdentifier(p->conn, name, strlen(name));

	if (!q) {
		e->code = "PostgreSQL.CommandFailed";
		first_line(e->msg, sizeof(e->msg), PQerrorMessage(p->conn));
		e->data = 0;
		return -1;
	}
	kc_buf_adds(b, q);
	PQfreemem(q);
	return 0;
}

/*
 * JSON mapping without --data-table-columns: the table's columns that
 * COPY can fill (not dropped, not generated), in order.
 */
static int lookup_columns(struct pg *p, const char *qualified, struct pg_err *e)
{
	static const char sql[] =
		"SELECT attname FROM pg_catalog.pg_attribute"
		" WHERE attrelid = $1::regclass AND attnum > 0"
		" AND NOT attisdropped AND attgenerated = '' ORDER BY attnum";
	PGresult *res = PQexecParams(p->conn, sql, 1, NULL, &qualified, NULL,
				     NULL, 0);
	int n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_err(p, res, e);
		e->data = 0;
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	p->jcols = kc_xcalloc((size_t)n + 1, sizeof(*p->jcols));
	p->jcols_owned = 1;
	for (int i = 0; i < n; i++)
		p->jcols[i] = kc_xstrdup(PQgetvalue(res, i, 0));
	p->njcols = (size_t)n;
	PQclear(res);
	return 0;
}

/* COPY "schema"."table" ("a", "b") FROM STDIN [WITH (options)] */
static int build_copy(struct pg *p, struct pg_err *e)
{
	struct kc_buf name = KC_BUF_INIT, sql = KC_BUF_INIT;
	char **cols = p->cols;
	size_t ncols = p->ncols;
	int rc = -1;

	if (p->schema) {
		if (add_ident(p, &name, p->schema, e))
			goto out;
		kc_buf_addc(&name, '.');
	}
	if (add_ident(p, &name, p->table, e))
		goto out;
	if (p->json && !cols) {
		if (lookup_columns(p, name.data, e))
			goto out;
		cols = p->jcols;
		ncols = p->njcols;
	}
	kc_buf_addf(&sql, "COPY %s", name.data);
	for (size_t c = 0; c < ncols; c++) {
		kc_buf_adds(&sql, c ? ", " : " (");
		if (add_ident(p, &sql, cols[c], e))
			goto out;
	}
	kc_buf_adds(&sql, ncols ? ") FROM STDIN" : " FROM STDIN");
	if (p->options)
		kc_buf_addf(&sql, " WITH (%s)", p->options);
	p->copy_sql = sql.data;
	sql.data = NULL;
	rc = 0;
out:
	kc_buf_release(&name);
	kc_buf_release(&sql);
	return rc;
}

/*
 * Connects and prepares the COPY statement. The URL's own settings win
 * over the defaults listed before it (libpq expands it in place).
 */
static int connect_db(struct pg *p, struct pg_err *e)
{
	const char *keys[] = { "connect_timeout", "tcp_user_timeout",
			       "client_encoding", "dbname",
			       "fallback_application_name", NULL };
	const char *vals[] = { p->connect_timeout, p->tcp_user_timeout, "UTF8",
			       p->conninfo, "kfirehose", NULL };

	e->data = 0;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		e->code = "PostgreSQL.ConnectionFailed";
		first_line(e->msg, sizeof(e->msg),
			   p->conn ? PQerrorMessage(p->conn) : "out of memory");
		scrub(p, e->msg, sizeof(e->msg));
		disconnect(p);
		return -1;
	}
	PQsetNoticeProcessor(p->conn, ignore_notice, NULL);
	if (build_copy(p, e)) {
		disconnect(p);
		return -1;
	}
	return 0;
}

/* ---- records to COPY lines ------------------------------------------- */

/* Appends s[0..n) in the COPY text format's escapes. */
static void add_copy_text(struct kc_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			kc_buf_adds(b, "\\\\");
			break;
		case '\n':
			kc_buf_adds(b, "\\n");
			break;
		case '\r':
			kc_buf_adds(b, "\\r");
			break;
		case '\t':
			kc_buf_adds(b, "\\t");
			break;
		default:
			kc_buf_addc(b, s[i]);
		}
	}
}

static unsigned long hex4(const char *s)
{
	unsigned long c = 0;

	for (int i = 0; i < 4; i++)
		c = c * 16 + (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
					     tolower((unsigned char)s[i]) - 'a' + 10);
	return c;
}

static void add_utf8(struct kc_buf *b, unsigned long c)
{
	if (c < 0x80) {
		kc_buf_addc(b, (char)c);
	} else if (c < 0x800) {
		kc_buf_addc(b, (char)(0xc0 | c >> 6));
		kc_buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		kc_buf_addc(b, (char)(0xe0 | c >> 12));
		kc_buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		kc_buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		kc_buf_addc(b, (char)(0xf0 | c >> 18));
		kc_buf_addc(b, (char)(0x80 | (c >> 12 & 0x3f)));
		kc_buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		kc_buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/*
 * Appends the contents of the JSON string whose opening quote is at s
 * (valid JSON) to b; returns the end of the string.
 */
static const char *add_json_string(struct kc_buf *b, const char *s)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	unsigned long c, low;

	for (s++; *s != '"'; s++) {
		if (*s != '\\') {
			kc_buf_addc(b, *s);
			continue;
		}
		s++;
		if (*s != 'u') {
			const char *esc = strchr(from, *s);

			kc_buf_addc(b, esc ? to[esc - from] : *s);
			continue;
		}
		c = hex4(s + 1);
		s += 4;
		if (c >= 0xd800 && c < 0xdc00 && s[1] == '\\' && s[2] == 'u' &&
		    (low = hex4(s + 3)) >= 0xdc00 && low < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
			s += 6;
		}
		add_utf8(b, c >= 0xd800 && c < 0xe000 ? 0xfffd : c);
	}
	return s + 1;
}

static const char *skip_ws(const char *s)
{
	return s + strspn(s, " \t\r\n");
}

/* The end of the JSON value starting at s (valid JSON). */
static const char *value_end(const char *s)
{
	size_t depth = 0;

	if (*s != '"' && *s != '{' && *s != '[')
		return s + strcspn(s, ",}] \t\r\n");
	do {
		if (*s == '"') {
			for (s++; *s != '"'; s++)
				if (*s == '\\')
					s++;
		} else if (*s == '{' || *s == '[') {
			depth++;
		} else if (*s == '}' || *s == ']') {
			depth--;
		}
		s++;
	} while (depth);
	return s;
}

/*
 * One text-format line from a JSON object: its members go to the columns
 * of the same name (the first of duplicates), strings unescaped, numbers,
 * booleans, objects and arrays as written; null and missing are \N.
 */
static int add_json_line(struct pg *p, const struct fh_record *rec,
			 char *why, size_t size)
{
	struct kc_error e;
	struct kc_json *j = kc_json_parse(rec->data, rec->len, &e);
	struct kc_buf key = KC_BUF_INIT;
	const char *s;

	if (!j) {
		first_line(why, size, e.msg);
		return -1;
	}
	kc_json_free(j);
	kc_buf_reset(&p->scratch);
	kc_buf_add(&p->scratch, rec->data, rec->len);
	s = skip_ws(p->scratch.data);
	if (*s != '{') {
		snprintf(why, size, "not a JSON object");
		return -1;
	}
	memset(p->vals, 0, (p->njcols + 1) * sizeof(*p->vals));
	for (s = skip_ws(s + 1); *s == '"';) {
		const char *name;

		kc_buf_reset(&key);
		s = skip_ws(skip_ws(add_json_string(&key, s)) + 1);
		name = key.data ? key.data : "";
		for (size_t c = 0; c < p->njcols; c++)
			if (!p->vals[c] && !(p->ignorecase ? strcasecmp(name, p->jcols[c]) :
						strcmp(name, p->jcols[c])))
				p->vals[c] = s;
		s = skip_ws(value_end(s));
		if (*s == ',')
			s = skip_ws(s + 1);
	}
	for (size_t c = 0; c < p->njcols; c++) {
		const char *v = p->vals[c];

		if (c)
			kc_buf_addc(&p->lines, '\t');
		if (!v || *v == 'n') {
			kc_buf_adds(&p->lines, "\\N");
		} else if (*v == '"') {
			kc_buf_reset(&key);
			add_json_string(&key, v);
			add_copy_text(&p->lines, key.data, key.len);
		} else {
			add_copy_text(&p->lines, v, (size_t)(value_end(v) - v));
		}
	}
	kc_buf_release(&key);
	kc_buf_addc(&p->lines, '\n');
	return 0;
}

/*
 * One line as the record is (a final "\n" or "\r\n" is its end). A line
 * of just \. would end the COPY data early, and in the text format a line
 * break inside a record would make two rows.
 */
static int add_line(struct pg *p, const struct fh_record *rec, char *why,
		    size_t size)
{
	size_t n = rec->len;

	if (n && rec->data[n - 1] == '\n')
		n--;
	if (n && rec->data[n - 1] == '\r' && n < rec->len)
		n--;
	if (n == 2 && !memcmp(rec->data, "\\.", 2)) {
		snprintf(why, size, "the record is \\., COPY's end-of-data marker");
		return -1;
	}
	if (p->text && (memchr(rec->data, '\n', n) || memchr(rec->data, '\r', n))) {
		snprintf(why, size, "a line break inside the record (the COPY text format writes it as \\n or \\r)");
		return -1;
	}
	kc_buf_add(&p->lines, rec->data, n);
	kc_buf_addc(&p->lines, '\n');
	return 0;
}

/*
 * Makes the COPY line of every record of b; those that cannot be one fail
 * at once. Returns how many records are left to copy (in p->idx).
 */
static size_t prepare(struct pg *p, const struct fh_batch *b, struct fh_result *r)
{
	char why[256];
	size_t n = 0;

	if (b->n > p->cap) {
		p->cap = b->n;
		p->off = kc_xrealloc(p->off, p->cap * sizeof(*p->off));
		p->len = kc_xrealloc(p->len, p->cap * sizeof(*p->len));
		p->idx = kc_xrealloc(p->idx, p->cap * sizeof(*p->idx));
	}
	if (p->json)
		p->vals = kc_xrealloc(p->vals, (p->njcols + 1) * sizeof(*p->vals));
	kc_buf_reset(&p->lines);
	for (size_t i = 0; i < b->n; i++) {
		size_t off = p->lines.len;
		int rc = p->json ? add_json_line(p, &b->v[i], why, sizeof(why)) :
				   add_line(p, &b->v[i], why, sizeof(why));

		if (rc) {
			p->lines.len = off;
			set_status(r, i, FH_FAIL, "PostgreSQL.CopyFailed", why);
			continue;
		}
		p->off[i] = off;
		p->len[i] = p->lines.len - off;
		p->idx[n++] = i;
	}
	return n;
}

/* ---- delivery -------------------------------------------------------- */

/* Runs a statement that returns no rows; -1 with e set when it failed. */
static int run(struct pg *p, const char *sql, struct pg_err *e)
{
	PGresult *res = PQexec(p->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_err(p, res, e);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* One COPY of the records idx[lo..hi); -1 with e set when it failed. */
static int copy_once(struct pg *p, size_t lo, size_t hi, struct pg_err *e)
{
	PGresult *res = PQexec(p->conn, p->copy_sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		/*
		 * The statement itself failed: never the records' fault. What
		 * is not a missing table, column or right is the options.
		 */
		set_err(p, res, e);
		e->data = 0;
		if (!strcmp(e->code, "PostgreSQL.CommandFailed"))
			e->code = "PostgreSQL.IncorrectCopyOptions";
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (size_t k = lo; k < hi; k++) {
		size_t i = p->idx[k];

		if (PQputCopyData(p->conn, p->lines.data + p->off[i],
				  (int)p->len[i]) != 1) {
			set_err(p, NULL, e);
			PQputCopyEnd(p->conn, "a write failed");
			return -1;
		}
	}
	if (PQputCopyEnd(p->conn, NULL) != 1) {
		set_err(p, NULL, e);
		return -1;
	}
	res = PQgetResult(p->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_err(p, res, e);
		rc = -1;
	}
	PQclear(res);
	while ((res = PQgetResult(p->conn)))
		PQclear(res);
	return rc;
}

/*
 * Copies idx[lo..hi) under savepoints, a window of records per COPY: all
 * of them at first. When the data was bad, rolls back to the savepoint and
 * copies the parts: before the line the server blamed, that line's record
 * alone, then the rest (without a line: two halves). A record that fails
 * alone is FH_FAIL. After a bad record the window shrinks to twice the
 * distance to it (16 at least) and doubles with each good COPY, so the
 * tail is not sent again for every bad record of a batch. Returns -1 with
 * e set when the session failed otherwise (the transaction is lost).
 */
static int copy_range(struct pg *p, size_t lo, size_t hi, struct fh_result *r,
		      struct pg_err *e)
{
	struct pg_err bad;
	size_t win = hi - lo;

	while (lo < hi) {
		size_t end = hi - lo > win ? lo + win : hi, cut;

		if (run(p, "SAVEPOINT kfirehose", e))
			return -1;
		if (!copy_once(p, lo, end, &bad)) {
			if (run(p, "RELEASE SAVEPOINT kfirehose", e))
				return -1;
			lo = end;
			win = win < hi ? 2 * win : win;
			continue;
		}
		if (!bad.data) {
			*e = bad;
			return -1;
		}
		if (run(p, "ROLLBACK TO SAVEPOINT kfirehose; RELEASE SAVEPOINT kfirehose", e))
			return -1;
		if (end - lo == 1) {
			set_status(r, p->idx[lo], FH_FAIL, "PostgreSQL.CopyFailed", bad.msg);
			lo++;
		} else if (bad.line >= 1 && bad.line <= end - lo) {
			cut = lo + bad.line - 1;
			if (copy_range(p, lo, cut, r, e) ||
			    copy_range(p, cut, cut + 1, r, e))
				return -1;
			lo = cut + 1;
			win = bad.line < 8 ? 16 : 2 * bad.line;
		} else {
			cut = lo + (end - lo) / 2;
			if (copy_range(p, lo, cut, r, e))
				return -1;
			lo = cut;
			win = end - cut;
		}
	}
	return 0;
}

static int commit(struct pg *p, struct pg_err *e)
{
	PGresult *res = PQexec(p->conn, "COMMIT");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_err(p, res, e);
		rc = -1;
	} else if (strcmp(PQcmdStatus(res), "COMMIT")) {
		e->code = "PostgreSQL.CommandFailed";
		snprintf(e->msg, sizeof(e->msg), "the transaction was rolled back");
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * Starts the transaction, on a new connection when there is none. A kept
 * connection that turns out dead (the server restarted since the last
 * batch) is replaced once at once, not after a retry's backoff.
 */
static int begin(struct pg *p, struct pg_err *e)
{
	for (int tries = 0;; tries++) {
		int fresh = !p->conn;

		if (!p->conn && connect_db(p, e))
			return -1;
		if (!run(p, "BEGIN; SET CONSTRAINTS ALL IMMEDIATE", e))
			return 0;
		if (fresh || tries || strcmp(e->code, "PostgreSQL.ConnectionFailed"))
			return -1;
		disconnect(p);
	}
}

static int pg_deliver(void *state, const struct fh_batch *b, struct fh_result *r)
{
	struct pg *p = state;
	struct pg_err e;

	if (p->conn && (PQstatus(p->conn) != CONNECTION_OK ||
			PQtransactionStatus(p->conn) != PQTRANS_IDLE))
		disconnect(p);
	/* Mapping JSON to the table's columns needs them from the server. */
	if (!(p->json && !p->cols && !p->conn && connect_db(p, &e))) {
		size_t n = prepare(p, b, r);

		if (!n || (!begin(p, &e) && !copy_range(p, 0, n, r, &e) &&
			   !commit(p, &e)))
			return 0;
	}
	for (size_t i = 0; i < b->n; i++)
		if (r->status[i] != FH_FAIL)
			set_status(r, i, FH_RETRY, e.code, e.msg);
	if (p->conn) {
		struct pg_err ignored;

		if (PQstatus(p->conn) != CONNECTION_OK ||
		    PQtransactionStatus(p->conn) == PQTRANS_ACTIVE ||
		    (PQtransactionStatus(p->conn) != PQTRANS_IDLE &&
		     run(p, "ROLLBACK", &ignored)))
			disconnect(p);
	}
	return 0;
}

/* ---- open and close -------------------------------------------------- */

static void pg_close(void *state)
{
	struct pg *p = state;

	if (!p)
		return;
	disconnect(p);
	free(p->conninfo);
	free(p->shown);
	for (size_t k = 0; k < MAX_SECRETS; k++)
		free(p->secret[k]);
	free(p->schema);
	free(p->table);
	for (size_t c = 0; c < p->ncols; c++)
		free(p->cols[c]);
	free(p->cols);
	free(p->options);
	kc_buf_release(&p->lines);
	kc_buf_release(&p->scratch);
	free(p->off);
	free(p->len);
	free(p->idx);
	free(p->vals);
	free(p);
}

static int pg_open(const struct fh_config *c, const char *url, void **state,
		   struct kc_error *e)
{
	struct pg *p = kc_xcalloc(1, sizeof(*p));
	const char *table = fh_config_get(c, "data-table-name");
	const char *cols = fh_config_get(c, "data-table-columns");
	const char *options = fh_config_get(c, "copy-options");
	int64_t timeout_ms = c->request_timeout_ms > 0 ? c->request_timeout_ms : 0;
	int rc;

	p->conninfo = kc_xstrdup(url);
	hide_passwords(p);
	p->text = 1;
	if ((rc = check_url(p, e)))
		goto fail;
	if (!table || !*table) {
		rc = kc_error_set(e, KC_EUSAGE,
				  "--data-table-name: required for a postgres:// destination");
		goto fail;
	}
	if ((rc = parse_table(p, table, e)) ||
	    (cols && (rc = parse_columns(p, cols, e))) ||
	    (options && (rc = parse_copy_options(p, options, e))))
		goto fail;
	p->jcols = p->cols;
	p->njcols = p->ncols;
	/* libpq waits at least 2 s; 0 means forever. */
	snprintf(p->connect_timeout, sizeof(p->connect_timeout), "%lld",
		 timeout_ms ? (long long)(timeout_ms + 999) / 1000 : 0LL);
	snprintf(p->tcp_user_timeout, sizeof(p->tcp_user_timeout), "%lld",
		 (long long)(timeout_ms < INT_MAX ? timeout_ms : INT_MAX));
	*state = p;
	return 0;
fail:
	pg_close(p);
	return rc;
}

static const char *const pg_options[] = {
	"data-table-name", "data-table-columns", "copy-options", NULL
};

#define MIB ((size_t)1024 * 1024)

const struct fh_dest_type fh_dest_postgres = {
	.scheme = "postgres",
	.metric = "PostgreSQL",
	.error_type = "postgresql-failed",
	.size_min = 1 * MIB,
	.size_max = 128 * MIB,
	.size_default = 5 * MIB,
	.interval_min = 0,
	.interval_max = 900 * 1000,
	.interval_default = 300 * 1000,
	.retry_default = 3600 * 1000,
	.max_records = 0,
	.options = pg_options,
	.open = pg_open,
	.deliver = pg_deliver,
	.error_fields = NULL,
	.close = pg_close,
};
