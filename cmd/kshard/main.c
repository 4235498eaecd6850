/* kshard: create, list, describe, delete streams and set their retention. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "consumer.h"
#include "consumers.h"
#include "json.h"
#include "name.h"
#include "reshard.h"
#include "retention.h"
#include "seqno.h"
#include "stats.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

static const char usage[] =
	"usage: kshard [-d DIR] [-qv] create STREAM [-n SHARDS] [--retention HOURS]\n"
	"              [--max-record-size SIZE] [--segment-size SIZE] [--enforce-limits]\n"
	"       kshard [-d DIR] list [--json]\n"
	"       kshard [-d DIR] describe STREAM\n"
	"       kshard [-d DIR] delete STREAM\n"
	"       kshard [-d DIR] retention STREAM [HOURS]\n"
	"       kshard [-d DIR] split STREAM SHARD HASHKEY\n"
	"       kshard [-d DIR] merge STREAM SHARD ADJACENT\n"
	"       kshard [-d DIR] scale STREAM COUNT\n"
	"       kshard [-d DIR] consumers STREAM\n"
	"       kshard [-d DIR] register STREAM CONSUMER\n"
	"       kshard [-d DIR] deregister STREAM CONSUMER\n"
	"       kshard [-d DIR] stats STREAM [--shard ID] [--prometheus]\n"
	"       kshard [-d DIR] trim STREAM\n"
	"       kshard [-d DIR] limits STREAM [on|off]\n";

enum { OPT_RETENTION = 0x100, OPT_MAX_RECORD, OPT_SEGMENT, OPT_JSON, OPT_SHARD,
       OPT_PROMETHEUS, OPT_LIMITS };

static struct opts {
	struct kc_cli cli;
	char *root;
	struct kc_stream_config cfg;
	int create_opts;         /* create-only options seen */
	int json;
	const char *shard;       /* stats --shard */
	int prometheus;
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "shards", required_argument, NULL, 'n' },
	{ "retention", required_argument, NULL, OPT_RETENTION },
	{ "max-record-size", required_argument, NULL, OPT_MAX_RECORD },
	{ "segment-size", required_argument, NULL, OPT_SEGMENT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	{ "enforce-limits", no_argument, NULL, OPT_LIMITS },
	{ NULL, 0, NULL, 0 }
};

static void audit(char **argv, int n, int rc, const struct kc_error *e);

static void check(int rc, const struct kc_error *e)
{
	if (rc)
		kc_cli_fail(e);
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	uint64_t v;
	int c;

	opts.cfg.shards = 1;
	opts.cfg.retention_hours = 24;
	opts.cfg.max_record_size = KC_RECORD_MAX_DEFAULT;
	opts.cfg.segment_size = KC_SEGMENT_SIZE_DEFAULT;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "n:", longopts, NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		opts.create_opts += c != OPT_JSON && c != OPT_SHARD && c != OPT_PROMETHEUS;
		switch (c) {
		case OPT_SHARD:
			opts.shard = optarg;
			break;
		case OPT_PROMETHEUS:
			opts.prometheus = 1;
			break;
		case OPT_LIMITS:
			opts.cfg.enforce_limits = 1;
			break;
		case 'n':
			if (kc_parse_uint("--shards", optarg, 1, KC_SHARDS_MAX, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.cfg.shards = (unsigned)v;
			break;
		case OPT_RETENTION:
			if (kc_parse_uint("--retention", optarg, KC_RETENTION_MIN,
					  KC_RETENTION_MAX, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.cfg.retention_hours = (unsigned)v;
			break;
		case OPT_MAX_RECORD:
			if (kc_parse_size("--max-record-size", optarg, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			if (v % 1024)
				kc_cli_usage(&opts.cli, "--max-record-size: %s is not a "
					     "whole number of KiB", optarg);
			opts.cfg.max_record_size = v;
			break;
		case OPT_SEGMENT:
			if (kc_parse_size("--segment-size", optarg, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.cfg.segment_size = v;
			break;
		case OPT_JSON:
			opts.json = 1;
			break;
		}
	}
	opts.root = kc_root_resolve(opts.cli.dir);
}

static void add_u128(struct kc_buf *b, const char *key, kc_u128 v)
{
	char d[40];

	kc_u128_format(v, d);
	kc_json_add_key(b, key);
	kc_json_add_string(b, d, strlen(d));
}

static void add_str(struct kc_buf *b, const char *key, const char *v)
{
	kc_json_add_key(b, key);
	kc_json_add_string(b, v, strlen(v));
}

static void add_shard_id(struct kc_buf *b, const char *key, uint64_t index)
{
	char id[32];

	kc_shard_id_format((unsigned long)index, id);
	add_str(b, key, id);
}

static void add_seq(struct kc_buf *b, const char *key, uint64_t shard, uint64_t off)
{
	char seq[40];

	kc_seqno_format(shard, off, seq);
	add_str(b, key, seq);
}

/* One entry of list-shards' Shards array. */
static void add_shard(struct kc_buf *b, const struct kc_shard_info *s)
{
	kc_buf_addc(b, '{');
	add_shard_id(b, "ShardId", s->index);
	if (s->parent != KC_NO_SHARD) {
		kc_buf_addc(b, ',');
		add_shard_id(b, "ParentShardId", s->parent);
	}
	if (s->adjacent != KC_NO_SHARD) {
		kc_buf_addc(b, ',');
		add_shard_id(b, "AdjacentParentShardId", s->adjacent);
	}
	kc_buf_addc(b, ',');
	kc_json_add_key(b, "HashKeyRange");
	kc_buf_addc(b, '{');
	add_u128(b, "StartingHashKey", s->start);
	kc_buf_addc(b, ',');
	add_u128(b, "EndingHashKey", s->end);
	kc_buf_adds(b, "},");
	kc_json_add_key(b, "SequenceNumberRange");
	kc_buf_addc(b, '{');
	add_seq(b, "StartingSequenceNumber", s->index, 0);
	if (s->closed) {
		kc_buf_addc(b, ',');
		add_seq(b, "EndingSequenceNumber", s->index, s->end_offset);
	}
	kc_buf_adds(b, "}}");
}

static void describe(const char *name)
{
	struct kc_stream *s;
	struct kc_error e;
	struct kc_buf b = KC_BUF_INIT, out = KC_BUF_INIT;
	char ts[40];
	size_t open = 0;

	check(kc_stream_open(opts.root, name, &s, &e), &e);
	for (size_t i = 0; i < s->meta.nshards; i++)
		open += !s->meta.shards[i].closed;
	kc_format_time(s->meta.created_ms, ts);
	kc_buf_adds(&b, "{\"StreamDescriptionSummary\":{");
	add_str(&b, "StreamName", s->meta.name);
	kc_buf_addf(&b, ",\"StreamARN\":\"arn:aws:kinesis:local:000000000000:stream/%s\"",
		    s->meta.name);
	kc_buf_adds(&b, ",\"StreamStatus\":\"ACTIVE\","
		    "\"StreamModeDetails\":{\"StreamMode\":\"PROVISIONED\"},");
	kc_buf_addf(&b, "\"RetentionPeriodHours\":%" PRIu32 ",", s->meta.retention_hours);
	kc_buf_addf(&b, "\"EnforceLimits\":%s,", s->meta.enforce_limits ? "true" : "false");
	add_str(&b, "StreamCreationTimestamp", ts);
	kc_buf_adds(&b, ",\"EnhancedMonitoring\":[{\"ShardLevelMetrics\":[]}],"
		    "\"EncryptionType\":\"NONE\",");
	kc_buf_addf(&b, "\"OpenShardCount\":%zu,\"ConsumerCount\":%zu,"
		    "\"MaxRecordSizeInKiB\":%" PRIu64 "},\"Shards\":[",
		    open, kshard_registered_count(s), s->meta.max_record_size / 1024);
	for (size_t i = 0; i < s->meta.nshards; i++) {
		if (i)
			kc_buf_addc(&b, ',');
		add_shard(&b, &s->meta.shards[i]);
	}
	kc_buf_adds(&b, "]}");
	kc_json_pretty(b.data, b.len, &out);
	kc_cli_flush(&opts.cli, &out);
	kc_buf_release(&b);
	kc_buf_release(&out);
	kc_stream_close(s);
}

static void list(void)
{
	struct kc_buf out = KC_BUF_INIT, b = KC_BUF_INIT;
	struct kc_error e;
	char **names;
	size_t n;

	check(kc_stream_list(opts.root, &names, &n, &e), &e);
	if (opts.json) {
		kc_buf_adds(&b, "{\"StreamNames\":[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				kc_buf_addc(&b, ',');
			kc_json_add_string(&b, names[i], strlen(names[i]));
		}
		kc_buf_adds(&b, "],\"HasMoreStreams\":false}");
		kc_json_pretty(b.data, b.len, &out);
	} else {
		for (size_t i = 0; i < n; i++)
			kc_buf_addf(&out, "%s\n", names[i]);
	}
	kc_cli_flush(&opts.cli, &out);
	kc_buf_release(&out);
	kc_buf_release(&b);
	kc_stream_list_free(names, n);
}

static void retention(const char *name, const char *hours)
{
	struct kc_stream *s;
	struct kc_error e;
	uint64_t v;

	check(kc_stream_open(opts.root, name, &s, &e), &e);
	if (!hours) {
		printf("%" PRIu32 "\n", s->meta.retention_hours);
	} else {
		char *argv[] = { (char *)"retention", (char *)name, (char *)hours };
		int rc;
		if (kc_parse_uint("retention hours", hours, 0, UINT32_MAX, &v, &e))
			kc_cli_usage(&opts.cli, "%s", e.msg);
		rc = kc_stream_set_retention(s, (unsigned)v, &e);
		audit(argv, 2, rc, &e);
		check(rc, &e);
	}
	kc_stream_close(s);
}

/*
 * Appends an administrative operation to the stream's audit.log, or to the
 * root's when the stream is gone (delete) or never was (a failed create).
 */
static void audit(char **argv, int n, int rc, const struct kc_error *e)
{
	struct kc_buf args = KC_BUF_INIT, path = KC_BUF_INIT;
	struct kc_error ae;
	int fd = -1;

	kc_buf_adds(&args, "{\"stream\":");
	kc_json_add_string(&args, argv[1], strlen(argv[1]));
	kc_buf_adds(&args, ",\"operands\":[");
	for (int i = 2; i <= n; i++) {
		if (i > 2)
			kc_buf_addc(&args, ',');
		kc_json_add_string(&args, argv[i], strlen(argv[i]));
	}
	kc_buf_addc(&args, ']');
	if (!strcmp(argv[0], "create"))
		kc_buf_addf(&args, ",\"shards\":%u,\"retention_hours\":%u,"
			    "\"max_record_size\":%" PRIu64 ",\"segment_size\":%" PRIu64
			    ",\"enforce_limits\":%s",
			    opts.cfg.shards, opts.cfg.retention_hours,
			    opts.cfg.max_record_size, opts.cfg.segment_size,
			    opts.cfg.enforce_limits ? "true" : "false");
	kc_buf_addc(&args, '}');
	if (!kc_name_check("stream", argv[1], &ae)) {
		kc_buf_addf(&path, "%s/streams/%s", opts.root, argv[1]);
		fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		fd = open(opts.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && kc_audit_append(fd, argv[0], args.data, rc ? e->msg : NULL, &ae)) {
		kc_error_prefix(&ae, "audit log: ");
		kc_cli_warn(&opts.cli, &ae);
	}
	if (fd >= 0)
		close(fd);
	kc_buf_release(&args);
	kc_buf_release(&path);
}

/* limits: shows or sets the limits emulation. */
static void limits(char **argv, int n)
{
	struct kc_stream *s;
	struct kc_error e;
	int rc;

	check(kc_stream_open(opts.root, argv[1], &s, &e), &e);
	if (n == 1) {
		printf("%s\n", s->meta.enforce_limits ? "on" : "off");
		kc_stream_close(s);
		return;
	}
	if (strcmp(argv[2], "on") && strcmp(argv[2], "off"))
		kc_cli_usage(&opts.cli, "limits: '%s' is not on or off", argv[2]);
	rc = kc_stream_set_limits(s, !strcmp(argv[2], "on"), &e);
	kc_stream_close(s);
	audit(argv, 2, rc, &e);
	check(rc, &e);
}

/* trim: drops expired segments and expired closed shards. */
static void trim(char **argv)
{
	struct kc_trim_stats st;
	struct kc_stream *s;
	struct kc_error e;
	int rc;

	check(kc_stream_open(opts.root, argv[1], &s, &e), &e);
	rc = kc_retention_trim(s, kc_now_ms(), &st, &e);
	kc_stream_close(s);
	audit(argv, 1, rc, &e);
	check(rc, &e);
	if (opts.cli.verbosity > 0)
		fprintf(stderr, "kshard: trim '%s': %" PRIu64 " segments (%" PRIu64
			" bytes) and %" PRIu64 " expired shards removed\n",
			argv[1], st.segments, st.bytes, st.shards);
}

static void stats(const char *name)
{
	struct kc_buf out = KC_BUF_INIT;
	struct kc_error e;
	int rc = kshard_stats(opts.root, name, opts.shard, opts.prometheus, &out, &e);

	if (rc == -KC_EUSAGE)
		kc_cli_usage(&opts.cli, "%s", e.msg);
	check(rc, &e);
	kc_cli_flush(&opts.cli, &out);
	kc_buf_release(&out);
}

static uint64_t shard_arg(const char *arg)
{
	struct kc_error e;
	unsigned long v;

	if (kc_shard_id_parse(arg, &v, &e))
		kc_cli_usage(&opts.cli, "%s", e.msg);
	return v;
}

/* split, merge and scale: argv[0] is the command, argv[1] the stream. */
static void reshard(char **argv)
{
	struct kc_stream *s;
	struct kc_error e;
	kc_u128 key;
	uint64_t n;
	int rc;

	check(kc_stream_open(opts.root, argv[1], &s, &e), &e);
	if (!strcmp(argv[0], "split")) {
		if (kc_u128_parse(argv[3], strlen(argv[3]), &key))
			kc_cli_usage(&opts.cli, "split: '%s' is not a hash key in "
				     "0..2^128-1", argv[3]);
		rc = kc_reshard_split(s, shard_arg(argv[2]), key, &e);
	} else if (!strcmp(argv[0], "merge")) {
		rc = kc_reshard_merge(s, shard_arg(argv[2]), shard_arg(argv[3]), &e);
	} else {
		if (kc_parse_uint("scale", argv[2], 1, KC_SHARDS_MAX, &n, &e))
			kc_cli_usage(&opts.cli, "%s", e.msg);
		rc = kc_reshard_scale(s, (unsigned)n, &e);
	}
	kc_stream_close(s);
	audit(argv, !strcmp(argv[0], "scale") ? 2 : 3, rc, &e);
	check(rc, &e);
}

/* consumers, register and deregister. */
static void consumers(char **argv)
{
	struct kc_buf b = KC_BUF_INIT, out = KC_BUF_INIT;
	struct kc_stream *s;
	struct kc_error e;
	int rc = 0;

	check(kc_stream_open(opts.root, argv[1], &s, &e), &e);
	if (!strcmp(argv[0], "consumers"))
		rc = kshard_consumers(s, &b, &e);
	else if (!strcmp(argv[0], "register"))
		rc = kshard_register(s, argv[2], &b, &e);
	else
		rc = kc_consumer_deregister(s, argv[2], &e);
	kc_stream_close(s);
	if (strcmp(argv[0], "consumers"))
		audit(argv, 2, rc, &e);
	check(rc, &e);
	if (b.len) {
		kc_json_pretty(b.data, b.len, &out);
		kc_cli_flush(&opts.cli, &out);
	}
	kc_buf_release(&b);
	kc_buf_release(&out);
}

/* Checks the positional argument count of a command: min..max after it. */
static void need_args(int argc, int min, int max, const char *cmd)
{
	if (argc < min || argc > max)
		kc_cli_usage(&opts.cli, "%s: wrong number of arguments", cmd);
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct kc_error e;
	int n;

	kc_cli_init(&opts.cli, usage);
	parse_options(argc, argv);
	argv += optind;
	argc -= optind;
	if (argc < 1)
		kc_cli_usage(&opts.cli, "no command given");
	cmd = argv[0];
	/* -s STREAM stands for the STREAM operand of a command. */
	if (opts.cli.stream && strcmp(cmd, "list")) {
		static char *v[8];
		if (argc > 6)
			kc_cli_usage(&opts.cli, "%s: wrong number of arguments", cmd);
		v[0] = argv[0];
		v[1] = (char *)opts.cli.stream;
		for (int i = 1; i < argc; i++)
			v[i + 1] = argv[i];
		argv = v;
		argc++;
	}
	n = argc - 1;
	if (strcmp(cmd, "create") && opts.create_opts)
		kc_cli_usage(&opts.cli, "%s: option only valid with create", cmd);
	if (opts.json && strcmp(cmd, "list"))
		kc_cli_usage(&opts.cli, "%s: --json is only valid with list", cmd);
	if ((opts.shard || opts.prometheus) && strcmp(cmd, "stats"))
		kc_cli_usage(&opts.cli, "%s: --shard and --prometheus are only valid "
			     "with stats", cmd);
	if (!strcmp(cmd, "create")) {
		int rc;
		need_args(n, 1, 1, cmd);
		rc = kc_stream_create(opts.root, argv[1], &opts.cfg, &e);
		audit(argv, 1, rc, &e);
		check(rc, &e);
	} else if (!strcmp(cmd, "list")) {
		need_args(n, 0, 0, cmd);
		list();
	} else if (!strcmp(cmd, "describe")) {
		need_args(n, 1, 1, cmd);
		describe(argv[1]);
	} else if (!strcmp(cmd, "delete")) {
		int rc;
		need_args(n, 1, 1, cmd);
		rc = kc_stream_delete(opts.root, argv[1], &e);
		audit(argv, 1, rc, &e);
		check(rc, &e);
	} else if (!strcmp(cmd, "retention")) {
		need_args(n, 1, 2, cmd);
		retention(argv[1], n == 2 ? argv[2] : NULL);
	} else if (!strcmp(cmd, "split") || !strcmp(cmd, "merge")) {
		need_args(n, 3, 3, cmd);
		reshard(argv);
	} else if (!strcmp(cmd, "consumers")) {
		need_args(n, 1, 1, cmd);
		consumers(argv);
	} else if (!strcmp(cmd, "register") || !strcmp(cmd, "deregister")) {
		need_args(n, 2, 2, cmd);
		consumers(argv);
	} else if (!strcmp(cmd, "limits")) {
		need_args(n, 1, 2, cmd);
		limits(argv, n);
	} else if (!strcmp(cmd, "trim")) {
		need_args(n, 1, 1, cmd);
		trim(argv);
	} else if (!strcmp(cmd, "stats")) {
		need_args(n, 1, 1, cmd);
		stats(argv[1]);
	} else if (!strcmp(cmd, "scale")) {
		need_args(n, 2, 2, cmd);
		reshard(argv);
	} else {
		kc_cli_usage(&opts.cli, "unknown command '%s'", cmd);
	}
	free(opts.root);
	if (fclose(stdout))
		return KC_EIO;
	return 0;
}
