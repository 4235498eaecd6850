/* config.c: kfirehose's options: command line, -c file, Firehose's ranges. */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compress.h"
#include "config.h"
#include "file.h"
#include "md5.h"
#include "name.h"
#include "units.h"
#include "banned.h"

static const struct fh_dest_type *const types[] = {
	&fh_dest_dir, &fh_dest_http, &fh_dest_opensearch, &fh_dest_splunk,
	&fh_dest_postgres,
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* Options of the core, of the transform and of partitioning. */
static const struct {
	const char *name;
	int has_arg;
	int in_version;          /* part of the delivery stream's configuration */
} core[] = {
	{ "config", 1, 0 }, { "dir", 1, 0 }, { "name", 1, 1 }, { "from", 1, 1 },
	{ "starting-position", 1, 0 }, { "once", 0, 0 }, { "null", 0, 1 },
	{ "to", 1, 1 }, { "error-to", 1, 1 }, { "buffer-size", 1, 1 },
	{ "buffer-interval", 1, 1 }, { "compression", 1, 1 }, { "prefix", 1, 1 },
	{ "error-prefix", 1, 1 }, { "file-extension", 1, 1 },
	{ "retry-duration", 1, 1 }, { "append-delimiter", 0, 1 },
	{ "deaggregate", 1, 1 }, { "delimiter", 1, 1 }, { "transform", 1, 1 },
	{ "transform-retries", 1, 1 }, { "transform-timeout", 1, 1 },
	{ "transform-buffer-size", 1, 1 }, { "transform-buffer-interval", 1, 1 },
	{ "partition-key", 1, 1 }, { "metrics-interval", 1, 0 },
	{ "metrics-file", 1, 0 }, { "now", 1, 0 }, { "ca-file", 1, 1 },
	{ "request-timeout", 1, 1 }, { "quiet", 0, 0 }, { "verbose", 0, 0 },
	{ "help", 0, 0 }, { "version", 0, 0 },
};
#define NCORE (sizeof(core) / sizeof(core[0]))

static const char *prog_usage;
static char *file_text;          /* the -c file, which options point into */

static _Noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static _Noreturn void usage_error(const char *fmt, ...)
{
	struct kc_error e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	e.code = KC_EUSAGE;
	kc_cli_fail(&e);
}

static _Noreturn void fail(const struct kc_error *e)
{
	kc_cli_fail(e);
}

const char *fh_config_get(const struct fh_config *c, const char *key)
{
	for (size_t i = c->nopts; i-- > 0;)
		if (!strcmp(c->opts[i].key, key))
			return c->opts[i].value ? c->opts[i].value : "";
	return NULL;
}

size_t fh_config_all(const struct fh_config *c, const char *key,
		     const char **values, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nopts; i++)
		if (!strcmp(c->opts[i].key, key)) {
			if (n < max)
				values[n] = c->opts[i].value;
			n++;
		}
	return n;
}

/* The type that takes option name, or NULL for a core option. */
static const struct fh_dest_type *option_owner(const char *name, int *known)
{
	*known = 1;
	for (size_t i = 0; i < NCORE; i++)
		if (!strcmp(core[i].name, name))
			return NULL;
	for (size_t t = 0; t < NTYPES; t++)
		for (const char *const *o = types[t]->options; o && *o; o++)
			if (!strcmp(*o, name))
				return types[t];
	*known = 0;
	return NULL;
}

static int option_has_arg(const char *name)
{
	for (size_t i = 0; i < NCORE; i++)
		if (!strcmp(core[i].name, name))
			return core[i].has_arg;
	return 1;
}

static void add_opt(struct fh_config *c, const char *key, const char *value)
{
	c->opts = kc_xrealloc(c->opts, (c->nopts + 1) * sizeof(*c->opts));
	c->opts[c->nopts].key = key;
	c->opts[c->nopts].value = value;
	c->nopts++;
}

/* A getopt_long table of every option any part takes. */
static struct option *long_options(void)
{
	size_t n = 0, cap = NCORE + 64;
	struct option *v = kc_xcalloc(cap + 1, sizeof(*v));

	for (size_t i = 0; i < NCORE; i++)
		v[n++] = (struct option){ core[i].name, core[i].has_arg ? required_argument
						      : no_argument, NULL, 0 };
	for (size_t t = 0; t < NTYPES; t++)
		for (const char *const *o = types[t]->options; o && *o; o++) {
			size_t j;
			for (j = 0; j < n && strcmp(v[j].name, *o); j++)
				;
			if (j < n)
				continue;
			if (n == cap) {
				cap *= 2;
				v = kc_xrealloc(v, (cap + 1) * sizeof(*v));
			}
			v[n++] = (struct option){ *o, required_argument, NULL, 0 };
		}
	v[n] = (struct option){ NULL, 0, NULL, 0 };
	return v;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Reads a -c file: "key = value" lines (key a long option without the
 * dashes), "key" alone for a flag, '#' comments and blank lines.
 */
static void load_file(struct fh_config *c, const char *path)
{
	struct kc_error e;
	char *text, *line, *next;
	size_t n;
	unsigned lineno = 0;

	if (kc_file_read(path, &text, &n, &e))
		fail(&e);
	for (line = text; line && line < text + n; line = next) {
		char *eq, *key, *value = NULL;
		int known;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			value = trim(eq + 1);
		}
		key = trim(line);
		option_owner(key, &known);
		if (!known || !strcmp(key, "config"))
			usage_error("%s:%u: unknown option '%s'", path, lineno, key);
		if (option_has_arg(key) && !value)
			usage_error("%s:%u: option '%s' needs a value (%s = VALUE)",
				    path, lineno, key, key);
		if (!option_has_arg(key) && value)
			usage_error("%s:%u: option '%s' takes no value", path, lineno, key);
		add_opt(c, key, value);
	}
	/* text stays allocated until fh_config_release: the options point into it. */
	file_text = text;
}

static void parse_argv(int argc, char **argv, struct fh_config *c)
{
	struct option *lo = long_options();
	struct kc_cli cli;
	const char *file = NULL;
	int ch, idx;

	kc_cli_init(&cli, prog_usage);
	while ((ch = getopt_long(argc, argv, "c:d:0qvh", lo, &idx)) != -1) {
		const char *key;
		switch (ch) {
		case 0:
			key = lo[idx].name;
			break;
		case 'c': key = "config"; break;
		case 'd': key = "dir"; break;
		case '0': key = "null"; break;
		case 'q': key = "quiet"; break;
		case 'v': key = "verbose"; break;
		case 'h': key = "help"; break;
		default:
			kc_cli_option(&cli, '?', NULL);
			continue;
		}
		if (!strcmp(key, "help"))
			kc_cli_option(&cli, 'h', NULL);
		if (!strcmp(key, "version"))
			kc_cli_option(&cli, KC_OPT_VERSION, NULL);
		if (!strcmp(key, "config"))
			file = optarg;
		else
			add_opt(c, key, ch == 0 ? (lo[idx].has_arg ? optarg : NULL)
					: ch == 'd' ? optarg : NULL);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (file) {
		/* The file's options come first, so the command line overrides. */
		struct fh_config f = { 0 };
		load_file(&f, file);
		for (size_t i = 0; i < c->nopts; i++)
			add_opt(&f, c->opts[i].key, c->opts[i].value);
		free(c->opts);
		c->opts = f.opts;
		c->nopts = f.nopts;
	}
	free(lo);
}

static const struct fh_dest_type *resolve_type(const char *to, const char **url)
{
	static const struct {
		const char *prefix;
		const struct fh_dest_type *type;
		int keep;        /* pass the whole URL */
	} forms[] = {
		{ "dir:", &fh_dest_dir, 0 },
		{ "http://", &fh_dest_http, 1 },
		{ "https://", &fh_dest_http, 1 },
		{ "opensearch:", &fh_dest_opensearch, 0 },
		{ "splunk:", &fh_dest_splunk, 0 },
		{ "postgres://", &fh_dest_postgres, 1 },
		{ "postgresql://", &fh_dest_postgres, 1 },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i].prefix);
		if (!strncmp(to, forms[i].prefix, n)) {
			*url = forms[i].keep ? to : to + n;
			if (!**url)
				usage_error("--to '%s': nothing after '%s'", to, forms[i].prefix);
			return forms[i].type;
		}
	}
	usage_error("--to '%s': expected dir:PATH, http(s)://URL, opensearch:URL, "
		    "splunk:URL or postgres://URI", to);
}

/* Firehose's SizeInMBs: a bare number is MiB; suffixes as everywhere. */
static size_t parse_buffer_size(const char *opt, const char *v, size_t min, size_t max)
{
	struct kc_error e;
	uint64_t n;
	char what[64];
	int digits = *v != '\0';

	for (const char *p = v; *p; p++)
		digits &= isdigit((unsigned char)*p) != 0;
	snprintf(what, sizeof(what), "--%s", opt);
	if (digits ? kc_parse_uint(what, v, 0, 1 << 20, &n, &e) : kc_parse_size(what, v, &n, &e))
		fail(&e);
	if (digits)
		n <<= 20;
	if (n < min || n > max)
		usage_error("--%s %s: out of range: %.3g to %.3g MiB for this destination",
			    opt, v, (double)min / 1048576, (double)max / 1048576);
	return (size_t)n;
}

static int64_t parse_seconds(const char *opt, const char *v, int64_t min, int64_t max)
{
	struct kc_error e;
	uint64_t ms;
	char what[64];

	snprintf(what, sizeof(what), "--%s", opt);
	if (kc_parse_duration(what, v, 1000, &ms, &e))
		fail(&e);
	if ((int64_t)ms < min || (int64_t)ms > max)
		usage_error("--%s %s: out of range: %lld to %lld seconds", opt, v,
			    (long long)(min / 1000), (long long)(max / 1000));
	return (int64_t)ms;
}

/* Decodes \n, \t, \r, \0, \\ and \xHH in a --delimiter. */
static char *decode_delimiter(const char *s, size_t *len)
{
	char *out = kc_xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case '0': *o++ = '\0'; break;
		case 'x':
			if (isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char hex[3] = { s[1], s[2], 0 };
				*o++ = (char)strtol(hex, NULL, 16);
				s += 2;
				break;
			}
			usage_error("--delimiter: bad escape '\\x' (expected \\xHH)");
		default: *o++ = *s; break;
		}
	}
	*len = (size_t)(o - out);
	if (!*len)
		usage_error("--delimiter: empty");
	return out;
}

static void check_dest_options(const struct fh_config *c, const struct fh_dest_type *t)
{
	for (size_t i = 0; i < c->nopts; i++) {
		int known;
		const struct fh_dest_type *owner = option_owner(c->opts[i].key, &known);
		int mine = 0;
		if (!owner)
			continue;
		for (const char *const *o = t->options; o && *o; o++)
			mine |= !strcmp(*o, c->opts[i].key);
		if (!mine)
			usage_error("--%s: only for a %s destination, not %s",
				    c->opts[i].key, owner->scheme, t->scheme);
	}
}

static void parse_core(struct fh_config *c, struct fh_run *run,
		       const struct fh_dest_type *t)
{
	struct kc_error e;
	const char *v;

	c->buffer_size = (v = fh_config_get(c, "buffer-size"))
			 ? parse_buffer_size("buffer-size", v, t->size_min, t->size_max)
			 : t->size_default;
	c->buffer_interval_ms = (v = fh_config_get(c, "buffer-interval"))
				? parse_seconds("buffer-interval", v, t->interval_min,
						t->interval_max)
				: t->interval_default;
	c->retry_duration_ms = (v = fh_config_get(c, "retry-duration"))
			       ? parse_seconds("retry-duration", v, 0, 7200 * 1000)
			       : t->retry_default;
	c->request_timeout_ms = (v = fh_config_get(c, "request-timeout"))
				? parse_seconds("request-timeout", v, 1000, 600 * 1000)
				: 180 * 1000;
	c->compression = fh_config_get(c, "compression");
	if (c->compression) {
		enum kc_codec codec;
		if (kc_codec_parse(c->compression, &codec, &e))
			fail(&e);
		if (codec != KC_CODEC_NONE && t != &fh_dest_dir)
			usage_error("--compression %s: only for a dir destination "
				    "(the HTTP endpoint has --content-encoding)", c->compression);
	}
	c->prefix = fh_config_get(c, "prefix");
	c->error_prefix = fh_config_get(c, "error-prefix");
	c->append_delimiter = fh_config_get(c, "append-delimiter") != NULL;
	c->ca_file = fh_config_get(c, "ca-file");
	c->error_to = fh_config_get(c, "error-to");
	if (c->error_to && strncmp(c->error_to, "dir:", 4))
		usage_error("--error-to '%s': expected dir:PATH", c->error_to);
	if (c->error_to && !c->error_to[4])
		usage_error("--error-to '%s': no path", c->error_to);
	if (t != &fh_dest_dir && !c->error_to)
		usage_error("--error-to dir:PATH is required with a %s destination "
			    "(failed records go there)", t->scheme);
	if (t != &fh_dest_dir && c->prefix)
		usage_error("--prefix: only for a dir destination");
	run->file_extension = fh_config_get(c, "file-extension");
	if (run->file_extension && t != &fh_dest_dir)
		usage_error("--file-extension: only for a dir destination");
	if (run->file_extension && (run->file_extension[0] != '.' ||
				    strchr(run->file_extension, '/') ||
				    strlen(run->file_extension) > 128))
		usage_error("--file-extension '%s': must start with '.', have no '/' "
			    "and at most 128 characters", run->file_extension);
}

static void parse_run(struct fh_config *c, struct fh_run *run)
{
	struct kc_error e;
	const char *v;

	run->dir = fh_config_get(c, "dir");
	run->nul = fh_config_get(c, "null") != NULL;
	run->once = fh_config_get(c, "once") != NULL;
	run->starting_position = fh_config_get(c, "starting-position");
	run->verbosity = fh_config_get(c, "quiet") ? -1 : fh_config_get(c, "verbose") ? 1 : 0;
	if ((v = fh_config_get(c, "now"))) {
		int64_t t;
		if (kc_parse_time("--now", v, &t, &e))
			fail(&e);
		run->now_offset_ms = t - kc_now_ms();
	}
	run->metrics_file = fh_config_get(c, "metrics-file");
	if ((v = fh_config_get(c, "metrics-interval")))
		run->metrics_interval_ms = parse_seconds("metrics-interval", v, 1000,
							 86400 * 1000);
	else if (run->metrics_file || run->verbosity > 0)
		run->metrics_interval_ms = 60 * 1000;
	run->deaggregate = fh_config_get(c, "deaggregate");
	if (run->deaggregate && strcmp(run->deaggregate, "json") &&
	    strcmp(run->deaggregate, "delimited"))
		usage_error("--deaggregate '%s': expected json or delimited", run->deaggregate);
	if ((v = fh_config_get(c, "delimiter"))) {
		if (!run->deaggregate || strcmp(run->deaggregate, "delimited"))
			usage_error("--delimiter: only with --deaggregate delimited");
		run->delimiter = decode_delimiter(v, &run->delimiter_len);
	} else if (run->deaggregate && !strcmp(run->deaggregate, "delimited")) {
		usage_error("--deaggregate delimited needs --delimiter");
	}
	if (run->once && !c->from)
		usage_error("--once: only with --from STREAM");
	if (run->starting_position && !c->from)
		usage_error("--starting-position: only with --from STREAM");
	if (run->nul && c->from)
		usage_error("-0: only for stdin (not with --from)");
}

void fh_config_parse(int argc, char **argv, struct fh_config *c, struct fh_run *run,
		     const struct fh_dest_type **type, const char *usage)
{
	struct kc_error e;
	const struct fh_dest_type *t;
	const char *url;

	prog_usage = usage;
	memset(c, 0, sizeof(*c));
	memset(run, 0, sizeof(*run));
	parse_argv(argc, argv, c);
	c->name = fh_config_get(c, "name");
	if (!c->name)
		usage_error("no delivery stream name given (--name NAME)");
	if (kc_name_check("delivery stream", c->name, &e) ||
	    (strlen(c->name) > 64 &&
	     kc_error_set(&e, KC_EUSAGE, "delivery stream name '%s': longer than 64 "
			  "characters", c->name) < 0))
		fail(&e);
	c->to = fh_config_get(c, "to");
	if (!c->to)
		usage_error("no destination given (--to URL)");
	c->from = fh_config_get(c, "from");
	if (c->from && kc_name_check("stream", c->from, &e))
		fail(&e);
	t = resolve_type(c->to, &url);
	run->url = url;
	check_dest_options(c, t);
	parse_core(c, run, t);
	parse_run(c, run);
	*type = t;
}

/* Options whose values are secrets (or may hold one, like a URI's password). */
static int secret(const char *key)
{
	static const char *const keys[] = { "access-key", "hec-token", "to", "error-to" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

void fh_config_canonical(const struct fh_config *c, struct kc_buf *out)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const char *v = c->opts[i].value ? c->opts[i].value : "";
		int in_version = 1;
		for (size_t j = 0; j < NCORE; j++)
			if (!strcmp(core[j].name, c->opts[i].key))
				in_version = core[j].in_version;
		if (!in_version)
			continue;
		if (secret(c->opts[i].key)) {
			uint8_t d[16];
			kc_md5(v, strlen(v), d);
			kc_buf_addf(out, "%s=md5:", c->opts[i].key);
			for (int k = 0; k < 16; k++)
				kc_buf_addf(out, "%02x", d[k]);
			kc_buf_addc(out, '\n');
			continue;
		}
		kc_buf_addf(out, "%s=%s\n", c->opts[i].key, v);
	}
}

void fh_config_release(struct fh_config *c, struct fh_run *run)
{
	free(c->opts);
	c->opts = NULL;
	c->nopts = 0;
	free(run->delimiter);
	run->delimiter = NULL;
	free(file_text);
	file_text = NULL;
}
