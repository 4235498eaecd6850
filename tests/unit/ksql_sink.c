/* Unit tests of ksql's outputs (sink.c) and stdin records (source.c). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "../../cmd/ksql/ksql.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/ksql_sink.XXXXXX";

static const struct ks_sink_col cols[] = {
	{ "NAME", { KS_T_VARCHAR, 8, 0, 0 } },
	{ "N", { KS_T_INTEGER, 0, 0, 0 } },
	{ "PRICE", { KS_T_DOUBLE, 0, 0, 0 } },
	{ "TS", { KS_T_TIMESTAMP, 0, 0, 0 } },
	{ "OK", { KS_T_BOOLEAN, 0, 0, 0 } },
};

static struct ks_value rows[3][5];

static void make_rows(void)
{
	static const char odd[] = "a,\"b\"\tc";

	memset(rows, 0, sizeof(rows));
	rows[0][0].u.s.p = "AMZN";
	rows[0][0].u.s.n = 4;
	rows[0][1].u.i = 5;
	rows[0][2].u.d = 84.51;
	rows[0][3].u.i = 1714564800000;
	rows[0][4].u.i = 1;
	rows[1][0].u.s.p = odd;
	rows[1][0].u.s.n = sizeof(odd) - 1;
	rows[1][1].null = 1;
	rows[1][2].u.d = -0.5;
	rows[1][3].u.i = 1714564800250;
	rows[1][4].u.i = 0;
	for (int i = 0; i < 5; i++)
		rows[2][i].null = 1;
}

/* Runs the three rows through a sink into a file; returns its bytes. */
static const char *through(enum ks_outfmt f, unsigned flags)
{
	static char *text;
	char path[300];
	struct ks_sink_opts o = { f, flags, -1, NULL, NULL, NULL };
	struct ks_sink *s;
	static struct kc_error e;
	int rc = 0;

	free(text);
	text = NULL;
	snprintf(path, sizeof(path), "%s/out", dir);
	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ks_sink_open(&o, cols, 5, &s, &e))
		return e.msg;
	for (int i = 0; i < 3 && !rc; i++)
		rc = ks_sink_row(s, 1714564801000 + i, rows[i], &e);
	if (!rc)
		rc = ks_sink_close(s, &e);
	close(o.fd);
	if (rc)
		return e.msg;
	kc_file_read(path, &text, NULL, &e);
	return text;
}

static void test_formats(void)
{
	is_str(through(KS_OUT_JSON, 0),
	       "{\"NAME\":\"AMZN\",\"N\":5,\"PRICE\":84.51,\"TS\":\"2024-05-01 "
	       "12:00:00.000\",\"OK\":true}\n"
	       "{\"NAME\":\"a,\\\"b\\\"\\tc\",\"N\":null,\"PRICE\":-0.5,\"TS\":"
	       "\"2024-05-01 12:00:00.250\",\"OK\":false}\n"
	       "{\"NAME\":null,\"N\":null,\"PRICE\":null,\"TS\":null,\"OK\":null}\n",
	       "JSON lines");
	is_str(through(KS_OUT_JSON, KS_SINK_ROWTIME),
	       "{\"ROWTIME\":\"2024-05-01 12:00:01.000\",\"NAME\":\"AMZN\",\"N\":5,"
	       "\"PRICE\":84.51,\"TS\":\"2024-05-01 12:00:00.000\",\"OK\":true}\n"
	       "{\"ROWTIME\":\"2024-05-01 12:00:01.001\",\"NAME\":\"a,\\\"b\\\"\\tc\","
	       "\"N\":null,\"PRICE\":-0.5,\"TS\":\"2024-05-01 12:00:00.250\","
	       "\"OK\":false}\n"
	       "{\"ROWTIME\":\"2024-05-01 12:00:01.002\",\"NAME\":null,\"N\":null,"
	       "\"PRICE\":null,\"TS\":null,\"OK\":null}\n",
	       "JSON lines with ROWTIME first");
	is_str(through(KS_OUT_CSV, KS_SINK_HEADER),
	       "NAME,N,PRICE,TS,OK\n"
	       "AMZN,5,84.51,2024-05-01 12:00:00.000,TRUE\n"
	       "\"a,\"\"b\"\"\tc\",,-0.5,2024-05-01 12:00:00.250,FALSE\n"
	       ",,,,\n", "CSV with a header (RFC 4180 quoting)");
	is_str(through(KS_OUT_CSV, KS_SINK_ROWTIME),
	       "2024-05-01 12:00:01.000,AMZN,5,84.51,2024-05-01 12:00:00.000,TRUE\n"
	       "2024-05-01 12:00:01.001,\"a,\"\"b\"\"\tc\",,-0.5,2024-05-01 "
	       "12:00:00.250,FALSE\n"
	       "2024-05-01 12:00:01.002,,,,,\n", "CSV without header, ROWTIME");
	is_str(through(KS_OUT_TSV, KS_SINK_HEADER),
	       "NAME\tN\tPRICE\tTS\tOK\n"
	       "AMZN\t5\t84.51\t2024-05-01 12:00:00.000\tTRUE\n"
	       "a,\"b\"\\tc\t\t-0.5\t2024-05-01 12:00:00.250\tFALSE\n"
	       "\t\t\t\t\n", "TSV with a header");
	is_str(through(KS_OUT_TABLE, KS_SINK_BUFFER),
	       "NAME    | N    | PRICE | TS                      | OK\n"
	       "--------+------+-------+-------------------------+------\n"
	       "AMZN    |    5 | 84.51 | 2024-05-01 12:00:00.000 | TRUE\n"
	       "a,\"b\" c | NULL |  -0.5 | 2024-05-01 12:00:00.250 | FALSE\n"
	       "NULL    | NULL |  NULL | NULL                    | NULL\n",
	       "buffered table: widths over all rows");
	is_str(through(KS_OUT_TABLE, 0),
	       "NAME     | N           | PRICE                | TS                      | OK\n"
	       "---------+-------------+----------------------+-------------------------+------\n"
	       "AMZN     |           5 |                84.51 | 2024-05-01 12:00:00.000 | TRUE\n"
	       "a,\"b\" c  |        NULL |                 -0.5 | 2024-05-01 12:00:00.250 | FALSE\n"
	       "NULL     |        NULL |                 NULL | NULL                    | NULL\n",
	       "streaming table: widths from the types");
}

static void test_errors(void)
{
	struct ks_sink_opts o = { KS_OUT_JSON, 0, -1, NULL, NULL, NULL };
	struct ks_sink *s;
	struct kc_error e;
	int p[2], rc;

	/* a closed pipe: the write error comes back (SIGPIPE ignored) */
	if (pipe(p))
		return;
	close(p[0]);
	o.fd = p[1];
	ok(!ks_sink_open(&o, cols, 5, &s, &e), "sink on a closed pipe opens");
	rc = ks_sink_row(s, 0, rows[0], &e);
	if (!rc)
		rc = ks_sink_flush(s, &e);
	is_int(rc, -KC_EIO, "EPIPE is an I/O error");
	is_str(e.msg, "write: Broken pipe", "EPIPE message");
	ks_sink_close(s, &e);
	close(p[1]);

	o.root = dir;
	o.stream = "nostream";
	o.key_column = "MISSING";
	rc = ks_sink_open(&o, cols, 5, &s, &e);
	is_int(rc, -KC_EUSAGE, "unknown key column: status");
	is_str(e.msg, "stream 'nostream': no column 'MISSING' for the partition "
	       "key", "unknown key column: message");
}

/* ---- stdin records ----------------------------------------------------- */

static struct kc_buf got;

static int collect(void *arg, const char *data, size_t n,
		   const struct ks_meta *m)
{
	(void)arg;
	kc_buf_addc(&got, '[');
	kc_buf_add(&got, data, n);
	kc_buf_addc(&got, ']');
	if (m->sequence_number[0] || m->shard_id[0] || m->arrival_ms <= 0)
		kc_buf_adds(&got, "(bad meta)");
	return 0;
}

static void test_stdin(void)
{
	struct ks_source_opts o = { NULL, NULL, -1, '\n', NULL, NULL, 0 };
	struct ks_source *src;
	struct kc_error e;
	char path[300];
	int rc, calls = 0, total = 0;

	snprintf(path, sizeof(path), "%s/in", dir);
	kc_file_replace(path, "{\"a\":1}\n\nb\r\n\r\nlast", 18, &e);
	o.fd = open(path, O_RDONLY);
	ok(!ks_source_open(&o, &src, &e), "stdin source opens");
	while ((rc = ks_source_read(src, 2, collect, NULL, &e)) != KS_SOURCE_END) {
		if (rc < 0 || ++calls > 100)
			break;
		total += rc;
		if (rc == 0)
			ks_source_wait(src, 100, &e);
	}
	is_int(rc, KS_SOURCE_END, "ends with KS_SOURCE_END");
	is_int(total, 3, "three records (blank lines skipped)");
	is_str(got.data, "[{\"a\":1}][b\r][last]", "records split, last one "
	       "without a delimiter");
	ks_source_close(src);
	close(o.fd);

	/* a pipe with a record split across writes */
	{
		int p[2];
		if (pipe(p))
			return;
		kc_buf_reset(&got);
		o.fd = p[0];
		o.delim = 0; /* the default, '\n' */
		ks_source_open(&o, &src, &e);
		kc_write_all(p[1], "one\ntw", 6);
		rc = ks_source_read(src, 10, collect, NULL, &e);
		is_int(rc, 1, "a whole record from the pipe");
		rc = ks_source_read(src, 10, collect, NULL, &e);
		is_int(rc, 0, "a partial record waits");
		kc_write_all(p[1], "o\n", 2);
		close(p[1]);
		ks_source_wait(src, 1000, &e);
		rc = ks_source_read(src, 10, collect, NULL, &e);
		is_int(rc, 1, "the rest arrives");
		while ((rc = ks_source_read(src, 10, collect, NULL, &e)) == 0)
			ks_source_wait(src, 100, &e);
		is_int(rc, KS_SOURCE_END, "then the end");
		is_str(got.data, "[one][two]", "pipe records");
		ks_source_close(src);
		close(p[0]);
	}

	o.fd = -1;
	o.root = dir;
	o.stream = "../etc";
	rc = ks_source_open(&o, &src, &e);
	ok(rc == -KC_EUSAGE, "a bad stream name is refused: %s", e.msg);
	o.stream = "nosuch";
	o.start = "YESTERDAY";
	rc = ks_source_open(&o, &src, &e);
	is_int(rc, -KC_EUSAGE, "bad starting position: status");
	is_str(e.msg, "--starting-position 'YESTERDAY': expected TRIM_HORIZON, "
	       "LATEST, NOW or AT_TIMESTAMP=TIME", "bad starting position: "
	       "message");
	o.start = "TRIM_HORIZON";
	rc = ks_source_open(&o, &src, &e);
	is_int(rc, -KC_ENOENT, "missing stream: status");
	kc_buf_release(&got);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	make_rows();
	test_formats();
	test_errors();
	test_stdin();
	kc_file_remove_tree(dir);
	return done_testing();
}
