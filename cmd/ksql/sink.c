/*
 * sink.c: where result rows go. Rows are formatted into one buffer that is
 * written in large blocks (at 64 KiB, and at ks_sink_flush/ks_sink_close;
 * the engine flushes when its input goes idle so a slow stream still shows
 * its rows at once).
 *
 * Formats: JSON lines (ks_value_json per value, keys the column names);
 * CSV per RFC 4180 (a field is quoted when it holds the delimiter, a quote,
 * CR or LF, quotes doubled; NULL is an empty field; lines end in "\n");
 * TSV (tab, newline, CR and backslash escaped as \t \n \r \\, NULL empty);
 * an aligned table (numbers right-aligned, NULL shown as NULL, control
 * characters as spaces, headers left-aligned) whose widths
 * come from all rows with KS_SINK_BUFFER (printed at close) or else from
 * the column types. A kin stream target runs `kput -d ROOT -s STREAM
 * --json` (the kput beside the running ksql, else the one on PATH) and
 * writes each row's JSON as a put-records entry, keyed by key_column's text
 * or, without one, by a hash of the row.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "file.h"
#include "json.h"
#include "ksql.h"
#include "banned.h"

#define FLUSH_AT (64u << 10)

struct ks_sink {
	enum ks_outfmt format;
	unsigned flags;
	int fd;
	pid_t child;
	char *stream;            /* for messages */
	struct ks_sink_col *cols;
	size_t ncols;            /* including a ROWTIME column */
	int key_col;             /* kput partition key column, or -1 */
	struct kc_buf out;
	struct kc_buf tmp;       /* one value's text, one row's JSON */
	int header_done;
	size_t *width;           /* table widths */
	/* KS_SINK_BUFFER table: every cell's text, NUL-separated */
	struct kc_buf cells;
	size_t nrows;
	int failed;
};

static const struct ks_sqltype rowtime_type = { KS_T_TIMESTAMP, 0, 0, 1 };

/* The text width of s in characters (UTF-8). */
static size_t text_width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* A table column's width from its type, when rows are not buffered. */
static size_t type_width(const struct ks_sink_col *c)
{
	size_t w;

	switch (c->type.t) {
	case KS_T_BOOLEAN: w = 5; break;
	case KS_T_TINYINT: w = 4; break;
	case KS_T_SMALLINT: w = 6; break;
	case KS_T_INTEGER: w = 11; break;
	case KS_T_BIGINT: w = 20; break;
	case KS_T_DECIMAL: w = (size_t)(c->type.len ? c->type.len : 18) + 2; break;
	case KS_T_REAL: w = 14; break;
	case KS_T_DOUBLE: w = 20; break;
	case KS_T_TIMESTAMP: w = 23; break;
	case KS_T_DATE: w = 10; break;
	case KS_T_CHAR:
	case KS_T_VARCHAR:
		w = c->type.len > 0 && c->type.len < 40 ? (size_t)c->type.len : 40;
		break;
	default: w = 12; break;
	}
	if (w < 4)
		w = 4; /* room for NULL */
	return w;
}

static int right_aligned(enum ks_type t)
{
	return ks_type_is_numeric(t);
}

/* Finds kput: beside /proc/self/exe, else on PATH. */
static void kput_path(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (r > 0) {
		exe[r] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			slash[1] = '\0';
			snprintf(out, n, "%skput", exe);
			if (!access(out, X_OK))
				return;
		}
	}
	snprintf(out, n, "kput");
}

static int start_kput(struct ks_sink *s, const struct ks_sink_opts *o,
		      struct kc_error *e)
{
	char path[PATH_MAX + 8];
	int p[2];
	pid_t pid;

	kput_path(path, sizeof(path));
	if (pipe2(p, O_CLOEXEC))
		return kc_error_errno(e, KC_EFAIL, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return kc_error_errno(e, KC_EFAIL, errno, "fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], STDIN_FILENO) < 0 ||
		    (null >= 0 && dup2(null, STDOUT_FILENO) < 0))
			_exit(126);
		execlp(path, "kput", "-d", o->root, "-s", o->stream, "--json",
		       (char *)NULL);
		fprintf(stderr, "ksql: cannot run '%s': %s\n", path,
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	s->fd = p[1];
	s->child = pid;
	return 0;
}

int ks_sink_open(const struct ks_sink_opts *o, const struct ks_sink_col *cols,
		 size_t ncols, struct ks_sink **out, struct kc_error *e)
{
	struct ks_sink *s = kc_xcalloc(1, sizeof(*s));
	size_t i, k = 0;
	int rc;

	s->format = o->format;
	s->flags = o->flags;
	s->fd = o->fd;
	s->key_col = -1;
	s->ncols = ncols + ((o->flags & KS_SINK_ROWTIME) != 0);
	s->cols = kc_xcalloc(s->ncols + 1, sizeof(*s->cols));
	if (o->flags & KS_SINK_ROWTIME) {
		s->cols[k].name = kc_xstrdup("ROWTIME");
		s->cols[k++].type = rowtime_type;
	}
	for (i = 0; i < ncols; i++, k++) {
		s->cols[k].name = kc_xstrdup(cols[i].name);
		s->cols[k].type = cols[i].type;
		if (o->key_column && !strcmp(o->key_column, cols[i].name))
			s->key_col = (int)k;
	}
	s->width = kc_xcalloc(s->ncols + 1, sizeof(*s->width));
	for (i = 0; i < s->ncols; i++) {
		size_t nw = text_width(s->cols[i].name, strlen(s->cols[i].name));
		s->width[i] = nw;
		if (!(s->flags & KS_SINK_BUFFER) && type_width(&s->cols[i]) > nw)
			s->width[i] = type_width(&s->cols[i]);
	}
	*out = NULL;
	if (o->stream) {
		s->format = KS_OUT_JSON;
		s->stream = kc_xstrdup(o->stream);
		if (o->key_column && s->key_col < 0) {
			rc = kc_error_set(e, KC_EUSAGE, "stream '%s': no column "
					  "'%s' for the partition key",
					  o->stream, o->key_column);
			ks_sink_close(s, NULL);
			return rc;
		}
		if ((rc = start_kput(s, o, e))) {
			ks_sink_close(s, NULL);
			return rc;
		}
	}
	*out = s;
	return 0;
}

/*
 * write(2) to the kput child with SIGPIPE blocked, so a kput that died
 * shows as EPIPE (and its exit status at close) instead of killing ksql;
 * a SIGPIPE raised meanwhile is taken off the pending set.
 */
static int write_child(int fd, const char *p, size_t n)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	int rc, err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	rc = kc_write_all(fd, p, n);
	err = errno;
	if (rc && err == EPIPE && !sigismember(&old, SIGPIPE))
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return rc;
}

/* Writes the buffered output. */
static int write_out(struct ks_sink *s, struct kc_error *e)
{
	int rc;

	if (!s->out.len || s->failed)
		return s->failed ? -KC_EIO : 0;
	if (s->child)
		rc = write_child(s->fd, s->out.data, s->out.len);
	else
		rc = kc_write_all(s->fd, s->out.data, s->out.len);
	if (rc) {
		int err = errno;
		s->failed = 1;
		kc_buf_reset(&s->out);
		if (s->child)
			return kc_error_errno(e, KC_EIO, err, "stream '%s': "
					      "writing to kput", s->stream);
		return kc_error_errno(e, KC_EIO, err, "write");
	}
	kc_buf_reset(&s->out);
	return 0;
}

/* ---- formats ----------------------------------------------------------- */

static void csv_field(struct kc_buf *b, const char *p, size_t n, char delim)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			break;
	if (i == n) {
		kc_buf_add(b, p, n);
		return;
	}
	kc_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			kc_buf_addc(b, '"');
		kc_buf_addc(b, p[i]);
	}
	kc_buf_addc(b, '"');
}

static void tsv_field(struct kc_buf *b, const char *p, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *esc = p[i] == '\t' ? "\\t" : p[i] == '\n' ? "\\n" :
				  p[i] == '\r' ? "\\r" : p[i] == '\\' ? "\\\\" :
				  NULL;
		if (!esc)
			continue;
		kc_buf_add(b, p + run, i - run);
		kc_buf_add(b, esc, 2);
		run = i + 1;
	}
	kc_buf_add(b, p + run, n - run);
}

static void header_line(struct ks_sink *s)
{
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		const char *nm = s->cols[i].name;
		if (i)
			kc_buf_addc(&s->out, s->format == KS_OUT_CSV ? ',' : '\t');
		if (s->format == KS_OUT_CSV)
			csv_field(&s->out, nm, strlen(nm), ',');
		else
			tsv_field(&s->out, nm, strlen(nm));
	}
	kc_buf_addc(&s->out, '\n');
}

static void pad(struct kc_buf *b, size_t n)
{
	while (n--)
		kc_buf_addc(b, ' ');
}

/* One table line from texts (NUL-terminated, one after another). */
static void table_line(struct ks_sink *s, const char *texts, int header)
{
	const char *p = texts;
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		size_t n = strlen(p), w = text_width(p, n);
		size_t fill = s->width[i] > w ? s->width[i] - w : 0;
		int right = !header && right_aligned(s->cols[i].type.t);
		if (i)
			kc_buf_adds(&s->out, " | ");
		if (right)
			pad(&s->out, fill);
		kc_buf_add(&s->out, p, n);
		if (!right && i + 1 < s->ncols)
			pad(&s->out, fill);
		p += n + 1;
	}
	kc_buf_addc(&s->out, '\n');
}

static void table_header(struct ks_sink *s)
{
	struct kc_buf names = KC_BUF_INIT;
	size_t i, k;

	for (i = 0; i < s->ncols; i++)
		kc_buf_add(&names, s->cols[i].name, strlen(s->cols[i].name) + 1);
	table_line(s, names.data, 1);
	for (i = 0; i < s->ncols; i++) {
		if (i)
			kc_buf_adds(&s->out, "-+-");
		for (k = 0; k < s->width[i]; k++)
			kc_buf_addc(&s->out, '-');
	}
	kc_buf_addc(&s->out, '\n');
	kc_buf_release(&names);
}

/* Appends the texts of a row's cells to b, each NUL-terminated. */
static void row_texts(struct ks_sink *s, int64_t rowtime,
		      const struct ks_value *vals, struct kc_buf *b)
{
	size_t i, k = 0;

	for (i = 0; i < s->ncols; i++) {
		struct ks_value rt;
		const struct ks_value *v;
		size_t before = b->len;
		if (i == 0 && (s->flags & KS_SINK_ROWTIME)) {
			rt.null = 0;
			rt.u.i = rowtime;
			v = &rt;
		} else {
			v = &vals[k++];
		}
		if (v->null)
			kc_buf_adds(b, "NULL");
		else
			ks_value_text(v, &s->cols[i].type, b);
		/* control characters (tab, newline, NUL) would break the
		 * alignment or cut the cell: show them as spaces */
		for (size_t j = before; j < b->len; j++)
			if ((unsigned char)b->data[j] < 0x20)
				b->data[j] = ' ';
		kc_buf_addc(b, '\0');
	}
}

/* A 64-bit FNV-1a of the row's JSON, as 16 hex digits. */
static void row_key(const char *p, size_t n, char out[17])
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void json_row(struct ks_sink *s, int64_t rowtime,
		     const struct ks_value *vals, struct kc_buf *b)
{
	size_t i, k = 0;

	kc_buf_addc(b, '{');
	for (i = 0; i < s->ncols; i++) {
		struct ks_value rt;
		const struct ks_value *v;
		if (i == 0 && (s->flags & KS_SINK_ROWTIME)) {
			rt.null = 0;
			rt.u.i = rowtime;
			v = &rt;
		} else {
			v = &vals[k++];
		}
		if (i)
			kc_buf_addc(b, ',');
		kc_json_add_key(b, s->cols[i].name);
		if (v->null)
			kc_buf_adds(b, "null");
		else
			ks_value_json(v, &s->cols[i].type, b);
	}
	kc_buf_addc(b, '}');
}

/* The put-records entry of a row for kput --json. */
static void kput_entry(struct ks_sink *s, int64_t rowtime,
		       const struct ks_value *vals)
{
	char hkey[17];
	const char *key;
	size_t keylen, n;

	kc_buf_reset(&s->tmp);
	json_row(s, rowtime, vals, &s->tmp);
	key = NULL;
	keylen = 0;
	n = s->tmp.len;
	if (s->key_col >= 0) {
		const struct ks_value *v =
			&vals[s->key_col - ((s->flags & KS_SINK_ROWTIME) != 0)];
		if (!v->null) {
			ks_value_text(v, &s->cols[s->key_col].type, &s->tmp);
			key = s->tmp.data + n;
			keylen = s->tmp.len - n;
			if (keylen > 256) /* Kinesis's limit, in characters */
				keylen = 256;
		}
	}
	if (!keylen) {
		row_key(s->tmp.data, n, hkey);
		key = hkey;
		keylen = 16;
	}
	kc_buf_adds(&s->out, "{\"Data\":\"");
	kc_buf_grow(&s->out, kc_base64_encoded_len(n));
	kc_base64_encode(s->tmp.data, n, s->out.data + s->out.len);
	s->out.len += kc_base64_encoded_len(n);
	s->out.data[s->out.len] = '\0';
	kc_buf_adds(&s->out, "\",\"PartitionKey\":");
	kc_json_add_string(&s->out, key, keylen);
	kc_buf_adds(&s->out, "}\n");
}

int ks_sink_row(struct ks_sink *s, int64_t rowtime, const struct ks_value *vals,
		struct kc_error *e)
{
	size_t i, k;

	if (s->failed)
		return kc_error_set(e, KC_EIO, "output failed earlier");
	if (s->child) {
		kput_entry(s, rowtime, vals);
	} else if (s->format == KS_OUT_JSON) {
		json_row(s, rowtime, vals, &s->out);
		kc_buf_addc(&s->out, '\n');
	} else if (s->format == KS_OUT_CSV || s->format == KS_OUT_TSV) {
		int csv = s->format == KS_OUT_CSV;
		if (!s->header_done && (s->flags & KS_SINK_HEADER))
			header_line(s);
		s->header_done = 1;
		for (i = 0, k = 0; i < s->ncols; i++) {
			struct ks_value rt;
			const struct ks_value *v;
			if (i == 0 && (s->flags & KS_SINK_ROWTIME)) {
				rt.null = 0;
				rt.u.i = rowtime;
				v = &rt;
			} else {
				v = &vals[k++];
			}
			if (i)
				kc_buf_addc(&s->out, csv ? ',' : '\t');
			if (v->null)
				continue;
			kc_buf_reset(&s->tmp);
			ks_value_text(v, &s->cols[i].type, &s->tmp);
			if (csv)
				csv_field(&s->out, s->tmp.data, s->tmp.len, ',');
			else
				tsv_field(&s->out, s->tmp.data, s->tmp.len);
		}
		kc_buf_addc(&s->out, '\n');
	} else if (s->flags & KS_SINK_BUFFER) {
		size_t before = s->cells.len;
		const char *p;
		row_texts(s, rowtime, vals, &s->cells);
		for (i = 0, p = s->cells.data + before; i < s->ncols; i++) {
			size_t n = strlen(p), w = text_width(p, n);
			if (w > s->width[i])
				s->width[i] = w;
			p += n + 1;
		}
		s->nrows++;
		return 0;
	} else {
		if (!s->header_done)
			table_header(s);
		s->header_done = 1;
		kc_buf_reset(&s->tmp);
		row_texts(s, rowtime, vals, &s->tmp);
		table_line(s, s->tmp.data, 0);
	}
	if (s->out.len >= FLUSH_AT)
		return write_out(s, e);
	return 0;
}

int ks_sink_flush(struct ks_sink *s, struct kc_error *e)
{
	return write_out(s, e);
}

/* Writes a buffered table: the header and every row. */
static int table_flush(struct ks_sink *s, struct kc_error *e)
{
	const char *p = s->cells.data;
	size_t r, i;
	int rc;

	table_header(s);
	for (r = 0; r < s->nrows; r++) {
		table_line(s, p, 0);
		for (i = 0; i < s->ncols; i++)
			p += strlen(p) + 1;
		if (s->out.len >= FLUSH_AT && (rc = write_out(s, e)))
			return rc;
	}
	return write_out(s, e);
}

int ks_sink_close(struct ks_sink *s, struct kc_error *e)
{
	int rc = 0, status = 0;
	size_t i;

	if (!s)
		return 0;
	if (s->format == KS_OUT_TABLE && (s->flags & KS_SINK_BUFFER) &&
	    !s->failed && !s->child)
		rc = table_flush(s, e);
	else if ((s->format == KS_OUT_CSV || s->format == KS_OUT_TSV) &&
		 !s->header_done && (s->flags & KS_SINK_HEADER) && !s->child) {
		header_line(s); /* no rows: the header alone */
		s->header_done = 1;
	} else if (s->format == KS_OUT_TABLE && !s->header_done && !s->child)
		table_header(s);
	if (!rc)
		rc = write_out(s, e);
	if (s->child) {
		close(s->fd);
		while (waitpid(s->child, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
		if (status && (rc == 0 || rc == -KC_EIO)) {
			int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
			if (code != KC_EUSAGE && code != KC_EDATA &&
			    code != KC_ENOENT && code != KC_EIO && code != KC_ETEMP)
				code = KC_EFAIL;
			rc = kc_error_set(e, code, "stream '%s': kput failed "
					  "(%s %d)", s->stream,
					  WIFEXITED(status) ? "exit status" :
					  "signal", WIFEXITED(status) ?
					  WEXITSTATUS(status) : WTERMSIG(status));
		}
	}
	for (i = 0; i < s->ncols; i++)
		free((char *)s->cols[i].name);
	free(s->cols);
	free(s->width);
	free(s->stream);
	kc_buf_release(&s->out);
	kc_buf_release(&s->tmp);
	kc_buf_release(&s->cells);
	free(s);
	return rc;
}
