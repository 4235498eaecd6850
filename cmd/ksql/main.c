/*
 * ksql: runs Kinesis Data Analytics SQL applications over kin streams or
 * stdin, answers ad-hoc SELECTs over captured streams, and discovers input
 * schemas. This file is the command line and the main loop; the engine is
 * bind.c (names and types), plan.c (pushing rows), eval.c, agg.c,
 * window.c, join.c, adhoc.c and explain.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "parallel.h"
#include "plan.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

static const char usage[] =
	"usage: ksql [-d DIR] [-f FILE | -e SQL] [--input [NAME=]SOURCE]... "
	"[--schema [NAME=]FILE]...\n"
	"            [--format json|csv] [--rowtime-field FIELD] "
	"[--reference NAME=FILE]...\n"
	"            [--output NAME[=TARGET]]... [-o json|csv|tsv|table] "
	"[--rowtime]\n"
	"            [--errors FILE] [--consumer NAME] [--starting-position POS] "
	"[--no-follow]\n"
	"            [--threads N] [--explain] [-q] [-v]\n"
	"       ksql discover [-d DIR] (-s STREAM | -) [--format json|csv] "
	"[--sample N]\n";

enum { OPT_INPUT = 0x100, OPT_SCHEMA, OPT_FORMAT, OPT_ROWTIME_FIELD,
       OPT_REFERENCE, OPT_OUTPUT, OPT_ROWTIME, OPT_ERRORS, OPT_CONSUMER,
       OPT_START, OPT_NO_FOLLOW, OPT_EXPLAIN, OPT_SAMPLE, OPT_THREADS };

struct pair {
	char *name;
	char *value;
};

static struct opts {
	struct kc_cli cli;
	const char *file, *sql;
	struct pair *inputs, *schemas, *refs, *outputs;
	size_t ninputs, nschemas, nrefs, noutputs;
	enum ks_format format;
	const char *rowtime_field;
	enum ks_outfmt out;
	int rowtime;
	const char *errors;
	const char *consumer;
	const char *start;
	int no_follow;
	int explain;
	uint64_t sample;
	uint64_t threads;       /* 0: ks_parallel_default_threads() */
	char *root;
} opts;

static struct ks_plan plan;
static volatile sig_atomic_t *stop;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "file", required_argument, NULL, 'f' },
	{ "execute", required_argument, NULL, 'e' },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "rowtime-field", required_argument, NULL, OPT_ROWTIME_FIELD },
	{ "reference", required_argument, NULL, OPT_REFERENCE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "output-format", required_argument, NULL, 'o' },
	{ "rowtime", no_argument, NULL, OPT_ROWTIME },
	{ "errors", required_argument, NULL, OPT_ERRORS },
	{ "consumer", required_argument, NULL, OPT_CONSUMER },
	{ "starting-position", required_argument, NULL, OPT_START },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ NULL, 0, NULL, 0 }
};

/* NAME=VALUE, or VALUE alone (name NULL) when allow_bare. */
static void add_pair(struct pair **v, size_t *n, const char *arg,
		     int allow_bare, const char *opt)
{
	const char *eq = strchr(arg, '=');
	struct pair pr = { NULL, NULL };

	if (eq && eq != arg && !memchr(arg, '/', (size_t)(eq - arg))) {
		pr.name = kc_xstrdup(arg);
		pr.name[eq - arg] = '\0';
		pr.value = kc_xstrdup(eq + 1);
	} else if (allow_bare) {
		pr.value = kc_xstrdup(arg);
	} else {
		kc_cli_usage(&opts.cli, "%s: expected NAME=VALUE, got '%s'", opt,
			     arg);
	}
	*v = kc_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pr;
}

static enum ks_format parse_format(const char *s)
{
	if (!strcmp(s, "json"))
		return KS_FMT_JSON;
	if (!strcmp(s, "csv"))
		return KS_FMT_CSV;
	kc_cli_usage(&opts.cli, "--format: expected json or csv, got '%s'", s);
}

static void parse_options(int argc, char **argv, int discover)
{
	struct kc_error e;
	int c;

	opts.sample = 100;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "f:e:o:", longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		if (discover && c != OPT_FORMAT && c != OPT_SAMPLE)
			kc_cli_usage(&opts.cli, "discover takes -d, -s, --format "
				     "and --sample");
		switch (c) {
		case 'f':
			opts.file = optarg;
			break;
		case 'e':
			opts.sql = optarg;
			break;
		case OPT_INPUT:
			add_pair(&opts.inputs, &opts.ninputs, optarg, 1, "--input");
			break;
		case OPT_SCHEMA:
			add_pair(&opts.schemas, &opts.nschemas, optarg, 1,
				 "--schema");
			break;
		case OPT_FORMAT:
			opts.format = parse_format(optarg);
			break;
		case OPT_ROWTIME_FIELD:
			opts.rowtime_field = optarg;
			break;
		case OPT_REFERENCE:
			add_pair(&opts.refs, &opts.nrefs, optarg, 0, "--reference");
			break;
		case OPT_OUTPUT:
			add_pair(&opts.outputs, &opts.noutputs, optarg, 1,
				 "--output");
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				opts.out = KS_OUT_JSON;
			else if (!strcmp(optarg, "csv"))
				opts.out = KS_OUT_CSV;
			else if (!strcmp(optarg, "tsv"))
				opts.out = KS_OUT_TSV;
			else if (!strcmp(optarg, "table"))
				opts.out = KS_OUT_TABLE;
			else
				kc_cli_usage(&opts.cli, "-o: expected json, csv, "
					     "tsv or table, got '%s'", optarg);
			break;
		case OPT_ROWTIME:
			opts.rowtime = 1;
			break;
		case OPT_ERRORS:
			opts.errors = optarg;
			break;
		case OPT_CONSUMER:
			opts.consumer = optarg;
			break;
		case OPT_START:
			if (strcasecmp(optarg, "TRIM_HORIZON") &&
			    strcasecmp(optarg, "LATEST") &&
			    strcasecmp(optarg, "NOW") &&
			    strncasecmp(optarg, "AT_TIMESTAMP=", 13))
				kc_cli_usage(&opts.cli, "--starting-position "
					     "'%s': expected TRIM_HORIZON, LATEST, "
					     "NOW or AT_TIMESTAMP=TIME", optarg);
			opts.start = optarg;
			break;
		case OPT_NO_FOLLOW:
			opts.no_follow = 1;
			break;
		case OPT_EXPLAIN:
			opts.explain = 1;
			break;
		case OPT_THREADS:
			if (kc_parse_uint("--threads", optarg, 1, KS_THREADS_MAX,
					  &opts.threads, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_SAMPLE:
			if (kc_parse_uint("--sample", optarg, 1, 100000,
					  &opts.sample, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		}
	}
}

/* ---- discover ---- */

struct disc {
	struct ks_discovery *d;
	uint64_t n, max;
};

static int disc_rec(void *arg, const char *data, size_t n,
		    const struct ks_meta *m)
{
	struct disc *d = arg;

	(void)m;
	ks_discovery_add(d->d, data, n);
	return ++d->n >= d->max;
}

static int run_discover(int argc, char **argv)
{
	struct ks_source_opts so;
	struct ks_source *src;
	struct ks_schema schema;
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	struct disc d;
	int rc;

	parse_options(argc, argv, 1);
	if (optind < argc && !strcmp(argv[optind], "-") && !opts.cli.stream) {
		opts.cli.stream = "-";
		optind++;
	}
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	if (!opts.cli.stream)
		kc_cli_usage(&opts.cli, "discover needs -s STREAM or - for stdin");
	memset(&so, 0, sizeof(so));
	if (strcmp(opts.cli.stream, "-")) {
		opts.root = kc_root_resolve(opts.cli.dir);
		so.root = opts.root;
		so.stream = opts.cli.stream;
		so.start = "TRIM_HORIZON";
	}
	so.fd = 0;
	so.delim = '\n';
	if ((rc = ks_source_open(&so, &src, &e)))
		kc_cli_fail(&e);
	d.d = ks_discovery_new(opts.format);
	d.n = 0;
	d.max = opts.sample;
	while (d.n < d.max) {
		rc = ks_source_read(src, d.max - d.n, disc_rec, &d, &e);
		if (rc == KS_SOURCE_END)
			break;
		if (rc < 0)
			kc_cli_fail(&e);
		if (rc == 0 && (rc = ks_source_wait(src, 1000, &e)) < 0)
			kc_cli_fail(&e);
	}
	ks_source_close(src);
	if (ks_discovery_finish(d.d, &schema, &e)) {
		ks_discovery_free(d.d);
		kc_cli_fail(&e);
	}
	ks_discovery_free(d.d);
	ks_schema_json(&schema, &out);
	if (!out.len || out.data[out.len - 1] != '\n')
		kc_buf_addc(&out, '\n');
	kc_cli_flush(&opts.cli, &out);
	kc_buf_release(&out);
	ks_schema_release(&schema);
	free(opts.root);
	return 0;
}

/* ---- setup ---- */

static _Noreturn void sql_error(const struct ks_script *s,
				const struct ks_perror *pe)
{
	fprintf(stderr, "ksql: %s:%u:%u: %s\n", s->file, pe->pos.line,
		pe->pos.col, pe->msg);
	exit(KC_EDATA);
}

static char *read_script(const char *file, size_t *n)
{
	struct kc_buf b = KC_BUF_INIT;
	char chunk[65536];
	ssize_t r;
	int fd;

	fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "ksql: file '%s': %s\n", file, strerror(errno));
		exit(errno == ENOENT ? KC_ENOENT : KC_EIO);
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ksql: file '%s': %s\n", file,
				strerror(errno));
			exit(KC_EIO);
		}
		kc_buf_add(&b, chunk, (size_t)r);
	}
	if (fd)
		close(fd);
	kc_buf_addc(&b, '\0');
	*n = b.len - 1;
	return b.data;
}

static struct ks_input *add_input(const char *name, const char *source)
{
	struct ks_input *in = kc_xcalloc(1, sizeof(*in));
	size_t i;

	for (i = 0; i < plan.ninputs; i++)
		if (!strcmp(plan.inputs[i]->name, name))
			kc_cli_usage(&opts.cli, "--input: '%s' given twice", name);
	in->name = kc_xstrdup(name);
	in->source_buf = kc_xstrdup(source);
	in->source = in->source_buf;
	in->rowtime_col = -1;
	plan.inputs = kc_xrealloc(plan.inputs,
				  (plan.ninputs + 1) * sizeof(*plan.inputs));
	plan.inputs[plan.ninputs++] = in;
	return in;
}

static int is_stream(const char *name)
{
	struct kc_stream *st;
	struct kc_error e;

	if (kc_stream_open(opts.root, name, &st, &e))
		return 0;
	kc_stream_close(st);
	return 1;
}

/* Ad-hoc FROM names that are not inputs or tables are kin streams. */
static void adhoc_inputs(const struct ks_select *s)
{
	const char *names[32];
	size_t n = 0, i, k;

	names[n++] = s->from.name;
	for (i = 0; i < s->njoins && n < 32; i++)
		if (s->joins[i].right.kind == KS_FROM_NAME)
			names[n++] = s->joins[i].right.name;
	for (i = 0; i < n; i++) {
		char lower[256];
		const char *src;

		if (!names[i])
			continue;
		for (k = 0; k < plan.ninputs; k++)
			if (!strcasecmp(plan.inputs[k]->name, names[i]))
				break;
		if (k < plan.ninputs)
			continue;
		for (k = 0; k < opts.nrefs; k++)
			if (!strcmp(opts.refs[k].name, names[i]))
				break;
		if (k < opts.nrefs || (i > 0 && !is_stream(names[i])))
			continue;
		snprintf(lower, sizeof(lower), "%s", names[i]);
		for (k = 0; lower[k]; k++)
			lower[k] = (char)tolower((unsigned char)lower[k]);
		if (is_stream(names[i]))
			src = names[i];
		else if (is_stream(lower))
			src = lower;
		else if (!opts.ninputs && !strcmp(names[i], "SOURCE_SQL_STREAM_001"))
			src = "-";
		else {
			fprintf(stderr, "ksql: stream '%s': no such stream\n",
				names[i]);
			exit(KC_ENOENT);
		}
		add_input(names[i], src);
	}
}

static const char *default_consumer(void)
{
	static char name[256];
	const char *b;
	size_t n;

	if (!opts.file)
		return "ksql";
	b = strrchr(opts.file, '/');
	b = b ? b + 1 : opts.file;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".sql"))
		n -= 4;
	snprintf(name, sizeof(name), "ksql-%.*s", (int)n, b);
	return name;
}

static void open_input(struct ks_input *in)
{
	struct ks_source_opts so;
	struct kc_error e;

	memset(&so, 0, sizeof(so));
	so.fd = 0;
	so.delim = '\n';
	if (strcmp(in->source, "-")) {
		so.root = opts.root;
		so.stream = in->source;
		if (plan.adhoc) {
			so.start = opts.start ? opts.start : "TRIM_HORIZON";
			so.follow = 0;
		} else {
			so.consumer = opts.consumer ? opts.consumer
						    : default_consumer();
			so.start = opts.start;
			so.follow = !opts.no_follow;
			in->consumer = 1;
		}
	}
	if (ks_source_open(&so, &in->src, &e))
		kc_cli_fail(&e);
}

static int sample_rec(void *arg, const char *data, size_t n,
		      const struct ks_meta *m)
{
	struct ks_input *in = arg;
	struct ks_sample *s;

	in->samples = kc_xrealloc(in->samples,
				  (in->nsamples + 1) * sizeof(*in->samples));
	s = &in->samples[in->nsamples++];
	s->off = in->sample_data.len;
	s->n = n;
	kc_buf_add(&in->sample_data, data, n);
	s->m = *m;
	s->pk_off = in->sample_data.len;
	kc_buf_add(&in->sample_data, m->partition_key ? m->partition_key : "",
		   m->partition_key ? m->pklen : 0);
	s->seq_off = in->sample_data.len;
	kc_buf_adds(&in->sample_data, m->sequence_number ? m->sequence_number : "");
	kc_buf_addc(&in->sample_data, '\0');
	s->shard_off = in->sample_data.len;
	kc_buf_adds(&in->sample_data, m->shard_id ? m->shard_id : "");
	kc_buf_addc(&in->sample_data, '\0');
	return 0;
}

/* Reads up to 100 records of an input without a schema and discovers. */
static void discover_input(struct ks_input *in)
{
	struct ks_discovery *d;
	struct kc_error e;
	size_t i;
	int rc;

	while (in->nsamples < 100 && !*stop) {
		rc = ks_source_read(in->src, 100 - in->nsamples, sample_rec, in, &e);
		if (rc == KS_SOURCE_END) {
			in->done = 1;
			break;
		}
		if (rc < 0)
			kc_cli_fail(&e);
		if (rc == 0) {
			if (in->nsamples && strcmp(in->source, "-"))
				break;
			if (ks_source_wait(in->src, 500, &e) < 0)
				kc_cli_fail(&e);
		}
	}
	d = ks_discovery_new(opts.format);
	for (i = 0; i < in->nsamples; i++)
		ks_discovery_add(d, in->sample_data.data + in->samples[i].off,
				 in->samples[i].n);
	rc = ks_discovery_finish(d, &in->schema, &e);
	ks_discovery_free(d);
	if (rc) {
		if (!in->nsamples && in->done) {
			/* No records at all: no columns. A query that needs
			 * none (COUNT(*)) still runs; any other ends quietly. */
			memset(&in->schema, 0, sizeof(in->schema));
			in->schema.format = opts.format;
			in->has_schema = 1;
			in->empty = 1;
			return;
		}
		kc_error_prefix(&e, "input '%s': ", in->name);
		kc_cli_fail(&e);
	}
	in->has_schema = 1;
}

static void load_schema(struct ks_input *in)
{
	struct kc_error e;
	size_t i;

	for (i = 0; i < opts.nschemas; i++)
		if (opts.schemas[i].name && !strcmp(opts.schemas[i].name, in->name))
			break;
	if (i == opts.nschemas)
		for (i = 0; i < opts.nschemas; i++)
			if (!opts.schemas[i].name)
				break;
	if (i < opts.nschemas) {
		if (ks_schema_load(opts.schemas[i].value, &in->schema, &e))
			kc_cli_fail(&e);
		in->has_schema = 1;
		return;
	}
	discover_input(in);
}

/* Finds (or adds, hidden) the schema column of --rowtime-field. */
static void rowtime_column(struct ks_input *in)
{
	struct ks_schema *s = &in->schema;
	const char *f = opts.rowtime_field;
	struct ks_column *c;
	char path[512];
	size_t i;

	if (!f)
		return;
	snprintf(path, sizeof(path), "$.%s", f);
	for (i = 0; i < s->ncols; i++)
		if ((s->cols[i].mapping && !strcmp(s->cols[i].mapping, path)) ||
		    !strcmp(s->cols[i].name, f)) {
			in->rowtime_col = (int)i;
			return;
		}
	for (i = 0; i < s->ncols; i++)
		if (!strcasecmp(s->cols[i].name, f)) {
			in->rowtime_col = (int)i;
			return;
		}
	if (s->format == KS_FMT_CSV) {
		fprintf(stderr, "ksql: --rowtime-field: input '%s' has no column "
			"'%s'\n", in->name, f);
		exit(KC_EUSAGE);
	}
	s->cols = kc_xrealloc(s->cols, (s->ncols + 1) * sizeof(*s->cols));
	c = &s->cols[s->ncols];
	memset(c, 0, sizeof(*c));
	c->name = kc_xstrdup(" rowtime");
	c->type.t = KS_T_VARCHAR;
	c->type.len = 64;
	c->mapping = kc_xstrdup(path);
	in->rowtime_col = (int)s->ncols++;
	in->hidden = 1;
}

static int open_fd(const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return 1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ksql: file '%s': %s\n", path, strerror(errno));
		exit(errno == ENOENT ? KC_ENOENT : KC_EIO);
	}
	return fd;
}

static struct ks_sink *open_sink(const char *target,
				 const struct ks_sink_col *cols, size_t n,
				 int query)
{
	struct ks_sink_opts so;
	struct ks_sink *s;
	struct kc_error e;

	memset(&so, 0, sizeof(so));
	so.format = opts.out;
	so.flags = KS_SINK_HEADER | (opts.rowtime ? KS_SINK_ROWTIME : 0) |
		   (query && plan.adhoc ? KS_SINK_BUFFER : 0);
	if (!strncmp(target, "stream:", 7)) {
		so.root = opts.root;
		so.stream = target + 7;
		so.fd = -1;
	} else {
		so.fd = open_fd(target);
	}
	if (ks_sink_open(&so, cols, n, &s, &e))
		kc_cli_fail(&e);
	return s;
}

static struct ks_sink_col *stream_cols(const struct ks_stream *st)
{
	struct ks_sink_col *c = kc_xcalloc(st->nuser + 1, sizeof(*c));
	size_t i;

	for (i = 0; i < st->nuser; i++) {
		c[i].name = st->names[i];
		c[i].type = st->types[i];
	}
	return c;
}

static void setup_outputs(void)
{
	size_t i;

	if (!opts.noutputs && !plan.adhoc &&
	    (ks_plan_stream(&plan, "DESTINATION_SQL_STREAM") || !plan.query))
		add_pair(&opts.outputs, &opts.noutputs, "DESTINATION_SQL_STREAM",
			 1, "--output");
	if (plan.adhoc)
		return;
	plan.outputs = kc_xcalloc(opts.noutputs + 1, sizeof(*plan.outputs));
	for (i = 0; i < opts.noutputs; i++) {
		struct pair *pr = &opts.outputs[i];
		const char *name = pr->name ? pr->name : pr->value;
		const char *target = pr->name ? pr->value : "-";
		struct ks_stream *st = ks_plan_stream(&plan, name);
		struct ks_output *o = &plan.outputs[plan.noutputs++];
		struct ks_sink_col *cols;

		if (!st) {
			char up[256];
			size_t k;

			snprintf(up, sizeof(up), "%s", name);
			for (k = 0; up[k]; k++)
				up[k] = (char)toupper((unsigned char)up[k]);
			st = ks_plan_stream(&plan, up);
		}
		if (!st)
			kc_cli_usage(&opts.cli, "--output: no stream '%s' in the "
				     "application", name);
		o->name = st->name;
		o->target = target;
		o->stream = st;
		if (opts.explain)
			continue;
		cols = stream_cols(st);
		o->sink = open_sink(target, cols, st->nuser, 0);
		free(cols);
		st->sinks = kc_xrealloc(st->sinks, (st->nsinks + 1) *
					sizeof(*st->sinks));
		st->sinks[st->nsinks++] = o->sink;
	}
}

/* ---- running ---- */

static int on_record(void *arg, const char *data, size_t n,
		     const struct ks_meta *m)
{
	if (ks_plan_record(&plan, arg, data, n, m))
		return -1;
	return plan.result && plan.result->done;
}

uint64_t ks_plan_safe_pos(const struct ks_plan *p, size_t i, size_t shard);

static void flush_outputs(void)
{
	struct kc_error e;
	size_t i;

	for (i = 0; i < plan.noutputs; i++)
		if (plan.outputs[i].sink &&
		    ks_sink_flush(plan.outputs[i].sink, &e))
			kc_cli_fail(&e);
	if (plan.result && plan.result->sink && !plan.adhoc &&
	    ks_sink_flush(plan.result->sink, &e))
		kc_cli_fail(&e);
	if (plan.errsink)
		ks_sink_flush(plan.errsink, &e);
}

/* Flushes the outputs, then checkpoints what they contain. */
static void commit(void)
{
	struct kc_error e;
	size_t i, s;

	flush_outputs();
	for (i = 0; i < plan.ninputs; i++) {
		struct ks_input *in = plan.inputs[i];

		if (!in->consumer)
			continue;
		if (in->ncommitted < in->npos) {
			in->committed = kc_xrealloc(in->committed,
						    in->npos * sizeof(uint64_t));
			memset(in->committed + in->ncommitted, 0,
			       (in->npos - in->ncommitted) * sizeof(uint64_t));
			in->ncommitted = in->npos;
		}
		for (s = 0; s < in->npos; s++) {
			uint64_t pos = ks_plan_safe_pos(&plan, i, s);

			if (pos <= in->committed[s])
				continue;
			if (ks_source_commit(in->src, s, pos - 1, &e))
				kc_cli_fail(&e);
			in->committed[s] = pos;
		}
	}
}

static void replay_samples(struct ks_input *in)
{
	size_t i;

	for (i = 0; i < in->nsamples && !plan.failed; i++) {
		struct ks_sample *s = &in->samples[i];
		struct ks_meta m = s->m;

		m.partition_key = in->sample_data.data + s->pk_off;
		m.sequence_number = in->sample_data.data + s->seq_off;
		m.shard_id = in->sample_data.data + s->shard_off;
		in->read_ms = s->m.arrival_ms;
		if (on_record(in, in->sample_data.data + s->off, s->n, &m))
			break;
	}
	free(in->samples);
	in->samples = NULL;
	in->nsamples = 0;
	kc_buf_release(&in->sample_data);
}

static void run(void)
{
	struct kc_error e;
	int64_t last_commit = kc_now_ms();
	size_t i, first = 0;
	int tty = plan.adhoc && isatty(2) && opts.cli.verbosity >= 0;
	uint64_t total = 0;

	for (i = 0; i < plan.ninputs; i++)
		replay_samples(plan.inputs[i]);
	while (!*stop && !plan.failed) {
		int progressed = 0, open = 0;

		for (i = 0; i < plan.ninputs; i++) {
			struct ks_input *in =
				plan.inputs[(first + i) % plan.ninputs];
			int rc;

			if (in->done)
				continue;
			open = 1;
			in->read_ms = kc_now_ms();
			rc = ks_source_read(in->src, 1024, on_record, in, &e);
			if (rc == KS_SOURCE_END) {
				in->done = 1;
				continue;
			}
			if (rc < 0) {
				if (plan.failed)
					break;
				kc_cli_fail(&e);
			}
			progressed += rc;
			total += (uint64_t)rc;
			if (plan.result && plan.result->done)
				break;
		}
		first++;
		if (!open || plan.failed || (plan.result && plan.result->done))
			break;
		if (tty)
			ks_progress(total, 0);
		if (!progressed) {
			int64_t now = kc_now_ms();
			int k;

			/* idle: let time close windows whose ROWTIME is
			 * the clock's, then make the output visible */
			for (i = 0; i < plan.ninputs; i++) {
				struct ks_input *in = plan.inputs[i];

				if (in->rowtime_col < 0 && !in->done)
					ks_stream_bound(&plan, in->stream,
							now - (in->consumer ? 2000 : 0));
			}
			commit();
			last_commit = now;
			for (i = 0; i < plan.ninputs; i++) {
				struct ks_input *in = plan.inputs[i];

				if (in->done)
					continue;
				k = ks_source_wait(in->src, (int)(500 / plan.ninputs),
						   &e);
				if (k < 0 && !*stop)
					kc_cli_fail(&e);
				break;
			}
		} else if (kc_now_ms() - last_commit >= 1000) {
			commit();
			last_commit = kc_now_ms();
		}
	}
	if (tty)
		ks_progress(total, 1);
	if (plan.failed)
		kc_cli_fail(&plan.err);
}

/* An ad-hoc query on several threads (parallel.c). */
static void run_parallel(const struct ks_script *script)
{
	struct ks_parallel_opts po;
	struct kc_error e;

	memset(&po, 0, sizeof(po));
	po.threads = (int)opts.threads;
	po.root = opts.root;
	po.start = opts.start;
	po.stop = stop;
	po.progress = isatty(2) && opts.cli.verbosity >= 0;
	po.verbose = opts.cli.verbosity > 0;
	if (ks_parallel_run(&plan, script, &po, &e) && !plan.failed)
		kc_cli_fail(&e);
	if (plan.failed)
		kc_cli_fail(&plan.err);
}

/* Frees everything (so that leak checkers see a clean exit). */
static void release_all(struct ks_script *script, char *text)
{
	size_t i;

	for (i = 0; i < plan.ninputs; i++) {
		struct ks_input *in = plan.inputs[i];

		ks_source_close(in->src);
		ks_decoder_free(in->dec);
		ks_schema_release(&in->schema);
		free(in->row);
		free(in->pos);
		free(in->committed);
		free(in->samples);
		kc_buf_release(&in->sample_data);
		free(in->name);
		free(in->source_buf);
		free(in);
	}
	free(plan.inputs);
	for (i = 0; i < plan.ntables; i++) {
		ks_table_release(plan.tables[i]);
		free(plan.tables[i]);
	}
	free(plan.tables);
	free(plan.outputs);
	ks_plan_release(&plan);
	ks_script_release(script);
	free(text);
	free(opts.root);
}

int main(int argc, char **argv)
{
	struct ks_script script;
	struct ks_perror pe;
	struct kc_error e;
	struct kc_buf out = KC_BUF_INIT;
	char *text;
	size_t n, i;
	int keep_windows = 0;

	kc_cli_init(&opts.cli, usage);
	if (argc > 1 && !strcmp(argv[1], "discover"))
		return run_discover(argc - 1, argv + 1);
	parse_options(argc, argv, 0);
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	if (!!opts.file == !!opts.sql)
		kc_cli_usage(&opts.cli, "give the SQL with one of -f FILE and -e SQL");
	if (opts.cli.stream)
		kc_cli_usage(&opts.cli, "-s is an option of 'ksql discover'");
	if (!opts.threads)
		opts.threads = (uint64_t)ks_parallel_default_threads();
	stop = kc_cli_catch_stop();
	opts.root = kc_root_resolve(opts.cli.dir);
	if (opts.file) {
		text = read_script(opts.file, &n);
	} else {
		text = kc_xstrdup(opts.sql);
		n = strlen(text);
	}
	if (ks_parse(opts.file ? opts.file : "-e", text, n, &script, &pe)) {
		fprintf(stderr, "ksql: %s:%u:%u: %s\n",
			opts.file ? opts.file : "-e", pe.pos.line, pe.pos.col,
			pe.msg);
		free(text);
		free(opts.root);
		return KC_EDATA;
	}
	if (!script.nstmts) {
		fprintf(stderr, "ksql: %s: no statements\n", script.file);
		ks_script_release(&script);
		free(text);
		free(opts.root);
		return KC_EDATA;
	}
	ks_arena_init(&plan.arena);
	ks_arena_init(&plan.carena);
	plan.ctx.arena = &plan.arena;
	plan.ctx.err = &plan.rowerr;
	plan.ctx.now_ms = kc_now_ms();
	plan.adhoc = script.nstmts == 1 && script.stmts[0].kind == KS_S_SELECT &&
		     !script.stmts[0].select->stream;
	for (i = 0; i < script.nstmts; i++)
		if (script.stmts[i].kind == KS_S_SELECT &&
		    !script.stmts[i].select->stream && !plan.adhoc) {
			pe.pos = script.stmts[i].pos;
			snprintf(pe.msg, sizeof(pe.msg), "a SELECT in an "
				 "application must be SELECT STREAM");
			sql_error(&script, &pe);
		}
	/* inputs */
	for (i = 0; i < opts.ninputs; i++) {
		struct pair *pr = &opts.inputs[i];

		add_input(pr->name ? pr->name : "SOURCE_SQL_STREAM_001", pr->value);
	}
	if (plan.adhoc)
		adhoc_inputs(script.stmts[0].select);
	if (!plan.ninputs)
		add_input("SOURCE_SQL_STREAM_001", "-");
	for (i = 0, n = 0; i < plan.ninputs; i++)
		n += !strcmp(plan.inputs[i]->source, "-");
	if (n > 1)
		kc_cli_usage(&opts.cli, "only one input can read stdin");
	for (i = 0; i < plan.ninputs; i++) {
		open_input(plan.inputs[i]);
		load_schema(plan.inputs[i]);
		if (!plan.inputs[i]->empty)
			rowtime_column(plan.inputs[i]);
	}
	/* reference tables */
	for (i = 0; i < opts.nrefs; i++) {
		struct ks_table *t = kc_xcalloc(1, sizeof(*t));

		if (ks_table_load(opts.refs[i].name, opts.refs[i].value, NULL, t, &e))
			kc_cli_fail(&e);
		plan.tables = kc_xrealloc(plan.tables, (plan.ntables + 1) *
					  sizeof(*plan.tables));
		plan.tables[plan.ntables++] = t;
	}
	if (ks_bind(&plan, &script, &pe)) {
		for (i = 0; i < plan.ninputs; i++)
			if (plan.inputs[i]->empty) {
				release_all(&script, text);
				return 0;
			}
		sql_error(&script, &pe);
	}
	for (i = 0; i < plan.ninputs; i++) {
		struct ks_input *in = plan.inputs[i];
		struct ks_stream *s = in->stream;
		unsigned char *used = kc_xcalloc(in->schema.ncols + 1, 1);

		memcpy(used, s->used, s->nuser);
		if (in->rowtime_col >= 0)
			used[in->rowtime_col] = 1;
		in->dec = ks_decoder_new(&in->schema, used);
		free(used);
		if (s->ncols > s->nuser + 3 && !s->used[s->nuser + 3])
			ks_source_skip_seqno(in->src);
		in->row = kc_xcalloc(s->ncols + 1, sizeof(*in->row));
	}
	for (i = 0; i < plan.npumps; i++) {
		size_t j;

		for (j = 0; j < plan.pumps[i]->njoins; j++)
			ks_join_build(&plan.pumps[i]->joins[j]);
		if (plan.pumps[i]->result)
			plan.pumps[i]->trow = kc_xcalloc(
				plan.pumps[i]->nout + plan.pumps[i]->nhidden + 1,
				sizeof(struct ks_value));
	}
	setup_outputs();
	if (opts.explain) {
		ks_explain(&plan, &out);
		ks_parallel_explain(&plan, (int)opts.threads, &out);
		kc_cli_flush(&opts.cli, &out);
		kc_buf_release(&out);
		release_all(&script, text);
		return 0;
	}
	if (plan.result) {
		struct ks_sink_col *cols = kc_xcalloc(plan.result->nout + 1,
						      sizeof(*cols));

		for (i = 0; i < plan.result->nout; i++) {
			cols[i].name = plan.query->out_names[i];
			cols[i].type = plan.query->out_types[i];
		}
		ks_arena_init(&plan.result->arena);
		plan.result->sink = open_sink(opts.noutputs && plan.adhoc &&
					      opts.outputs[0].name
					      ? opts.outputs[0].value : "-",
					      cols, plan.result->nout, 1);
		free(cols);
	}
	{
		size_t nc;
		const struct ks_sink_col *ec;
		const struct ks_sink_col *ks_error_cols(size_t *);
		struct ks_sink_opts so;

		ec = ks_error_cols(&nc);
		memset(&so, 0, sizeof(so));
		so.format = KS_OUT_JSON;
		so.fd = opts.errors ? open_fd(opts.errors) : 2;
		if (opts.cli.verbosity >= 0 || opts.errors) {
			if (ks_sink_open(&so, ec, nc, &plan.errsink, &e))
				kc_cli_fail(&e);
		}
	}
	if (plan.adhoc && opts.threads > 1 && !ks_parallel_veto(&plan))
		run_parallel(&script);
	else
		run();
	for (i = 0; i < plan.ninputs; i++)
		if (plan.inputs[i]->consumer && !plan.inputs[i]->done)
			keep_windows = 1;
	/* At the end of input every window is complete. Stopped by a signal
	 * while reading a stream as a consumer, open windows are kept out of
	 * the checkpoint instead, so that a restart rebuilds them. */
	if (!*stop || !keep_windows)
		ks_plan_flush(&plan);
	if (plan.result && ks_result_finish(&plan, plan.result))
		kc_cli_fail(&plan.err);
	if (plan.failed)
		kc_cli_fail(&plan.err);
	commit();
	for (i = 0; i < plan.noutputs; i++)
		if (plan.outputs[i].sink && ks_sink_close(plan.outputs[i].sink, &e))
			kc_cli_fail(&e);
	if (plan.result && ks_sink_close(plan.result->sink, &e))
		kc_cli_fail(&e);
	if (plan.errsink)
		ks_sink_close(plan.errsink, &e);
	release_all(&script, text);
	return 0;
}
