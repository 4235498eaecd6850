/* admin.c: kvideo create, describe, list, delete and update-retention. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "kvideo.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

enum { OPT_RETENTION = 0x100, OPT_MEDIA_TYPE, OPT_DEVICE, OPT_KMS,
       OPT_VERSION, OPT_OPERATION, OPT_CHANGE };

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "stream-name", required_argument, NULL, 's' },
	{ "data-retention-in-hours", required_argument, NULL, OPT_RETENTION },
	{ "media-type", required_argument, NULL, OPT_MEDIA_TYPE },
	{ "device-name", required_argument, NULL, OPT_DEVICE },
	{ "kms-key-id", required_argument, NULL, OPT_KMS },
	{ "current-version", required_argument, NULL, OPT_VERSION },
	{ "operation", required_argument, NULL, OPT_OPERATION },
	{ "data-retention-change-in-hours", required_argument, NULL, OPT_CHANGE },
	{ NULL, 0, NULL, 0 }
};

/* What the admin subcommands take; each allows a subset (allowed). */
struct admin_opts {
	struct kc_cli cli;
	char *root;
	struct kv_video_config cfg;
	int retention_set;
	const char *version, *operation;
	uint64_t change;
	int change_set;
};

static void parse(struct admin_opts *o, const char *usage, const char *allowed,
		  int argc, char **argv)
{
	struct kc_error e;
	uint64_t v;
	int c, idx;

	memset(o, 0, sizeof(*o));
	kc_cli_init(&o->cli, usage);
	optind = 1;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS, longopts, &idx)) != -1) {
		if (kc_cli_option(&o->cli, c, optarg))
			continue;
		if (!strchr(allowed, c - OPT_RETENTION + 'a'))
			kc_cli_usage(&o->cli, "%s: option --%s does not apply",
				     argv[0], longopts[idx].name);
		switch (c) {
		case OPT_RETENTION:
			if (kc_parse_uint("--data-retention-in-hours", optarg, 0,
					  KV_RETENTION_MAX, &v, &e))
				kc_cli_usage(&o->cli, "%s", e.msg);
			o->cfg.retention_hours = (unsigned)v;
			o->retention_set = 1;
			break;
		case OPT_MEDIA_TYPE:
			o->cfg.media_type = optarg;
			break;
		case OPT_DEVICE:
			o->cfg.device_name = optarg;
			break;
		case OPT_KMS:
			o->cfg.kms_key_id = optarg;
			break;
		case OPT_VERSION:
			o->version = optarg;
			break;
		case OPT_OPERATION:
			if (strcmp(optarg, "INCREASE_DATA_RETENTION") &&
			    strcmp(optarg, "DECREASE_DATA_RETENTION"))
				kc_cli_usage(&o->cli, "--operation: '%s' is not "
					     "INCREASE_DATA_RETENTION or "
					     "DECREASE_DATA_RETENTION", optarg);
			o->operation = optarg;
			break;
		case OPT_CHANGE:
			if (kc_parse_uint("--data-retention-change-in-hours",
					  optarg, 1, KV_RETENTION_MAX, &v, &e))
				kc_cli_usage(&o->cli, "%s", e.msg);
			o->change = v;
			o->change_set = 1;
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&o->cli, "unexpected argument '%s'", argv[optind]);
	o->root = kc_root_resolve(o->cli.dir);
}

static void check(int rc, const struct kc_error *e)
{
	if (rc)
		kc_cli_fail(e);
}

static void add_str(struct kc_buf *b, const char *key, const char *v)
{
	kc_json_add_key(b, key);
	kc_json_add_string(b, v, strlen(v));
	kc_buf_addc(b, ',');
}

/* StreamInfo as DescribeStream returns it (the AWS CLI's field order). */
static void stream_info(struct kc_buf *b, const struct kv_video_info *in)
{
	char t[40];

	kc_format_time(in->creation_ms, t);
	kc_buf_addc(b, '{');
	if (*in->device_name)
		add_str(b, "DeviceName", in->device_name);
	add_str(b, "StreamName", in->name);
	add_str(b, "StreamARN", in->arn);
	if (*in->media_type)
		add_str(b, "MediaType", in->media_type);
	if (*in->kms_key_id)
		add_str(b, "KmsKeyId", in->kms_key_id);
	add_str(b, "Version", in->version);
	add_str(b, "Status", in->status);
	add_str(b, "CreationTime", t);
	kc_buf_addf(b, "\"DataRetentionInHours\":%u}", in->retention_hours);
}

int kv_cmd_create(int argc, char **argv)
{
	static const char usage[] =
		"usage: kvideo create [-d DIR] -s STREAM [--data-retention-in-hours HOURS]\n"
		"                     [--media-type TYPE] [--device-name NAME]\n"
		"                     [--kms-key-id ID]\n";
	struct admin_opts o;
	struct kv_video_info info;
	struct kc_buf b = KC_BUF_INIT;
	struct kc_error e;

	parse(&o, usage, "abcd", argc, argv);
	kc_cli_need_stream(&o.cli);
	check(kv_video_create(o.root, o.cli.stream, &o.cfg, &e), &e);
	check(kv_video_describe(o.root, o.cli.stream, &info, &e), &e);
	kc_buf_adds(&b, "{\"StreamARN\":");
	kc_json_add_string(&b, info.arn, strlen(info.arn));
	kc_buf_addc(&b, '}');
	kv_print_json(&o.cli, &b);
	kc_buf_release(&b);
	free(o.root);
	return 0;
}

int kv_cmd_describe(int argc, char **argv)
{
	static const char usage[] = "usage: kvideo describe [-d DIR] -s STREAM\n";
	struct admin_opts o;
	struct kv_video_info info;
	struct kc_buf b = KC_BUF_INIT;
	struct kc_error e;

	parse(&o, usage, "", argc, argv);
	kc_cli_need_stream(&o.cli);
	check(kv_video_describe(o.root, o.cli.stream, &info, &e), &e);
	kc_buf_adds(&b, "{\"StreamInfo\":");
	stream_info(&b, &info);
	kc_buf_addc(&b, '}');
	kv_print_json(&o.cli, &b);
	kc_buf_release(&b);
	free(o.root);
	return 0;
}

int kv_cmd_list(int argc, char **argv)
{
	static const char usage[] = "usage: kvideo list [-d DIR]\n";
	struct admin_opts o;
	struct kv_video_info info;
	struct kc_buf b = KC_BUF_INIT;
	struct kc_error e;
	char **names;
	size_t n, i;
	int rc, first = 1;

	parse(&o, usage, "", argc, argv);
	if (o.cli.stream)
		kc_cli_usage(&o.cli, "list: -s does not apply");
	check(kv_video_names(o.root, &names, &n, &e), &e);
	kc_buf_adds(&b, "{\"StreamInfoList\":[");
	for (i = 0; i < n; i++) {
		rc = kv_video_describe(o.root, names[i], &info, &e);
		if (rc == -KC_ENOENT)
			continue;       /* deleted meanwhile */
		check(rc, &e);
		if (!first)
			kc_buf_addc(&b, ',');
		first = 0;
		stream_info(&b, &info);
	}
	kc_buf_adds(&b, "]}");
	kv_print_json(&o.cli, &b);
	kc_buf_release(&b);
	kc_name_list_free(names, n);
	free(o.root);
	return 0;
}

int kv_cmd_delete(int argc, char **argv)
{
	static const char usage[] =
		"usage: kvideo delete [-d DIR] -s STREAM [--current-version VERSION]\n";
	struct admin_opts o;
	struct kv_video_info info;
	struct kc_error e;

	parse(&o, usage, "e", argc, argv);
	kc_cli_need_stream(&o.cli);
	if (o.version) {
		check(kv_video_describe(o.root, o.cli.stream, &info, &e), &e);
		if (strcmp(o.version, info.version)) {
			kc_error_set(&e, KC_EFAIL, "video stream '%s': version "
				     "'%s' is not the current version "
				     "(VersionMismatchException)", o.cli.stream,
				     o.version);
			kc_cli_fail(&e);
		}
	}
	check(kv_video_delete(o.root, o.cli.stream, &e), &e);
	free(o.root);
	return 0;
}

int kv_cmd_update_retention(int argc, char **argv)
{
	static const char usage[] =
		"usage: kvideo update-retention [-d DIR] -s STREAM\n"
		"           --operation INCREASE_DATA_RETENTION|DECREASE_DATA_RETENTION\n"
		"           --data-retention-change-in-hours HOURS [--current-version VERSION]\n"
		"       kvideo update-retention [-d DIR] -s STREAM --data-retention-in-hours HOURS\n"
		"           [--current-version VERSION]\n";
	struct admin_opts o;
	struct kv_video_info info;
	struct kc_error e;
	uint64_t hours;

	parse(&o, usage, "aefg", argc, argv);
	kc_cli_need_stream(&o.cli);
	if (o.retention_set == (o.operation || o.change_set))
		kc_cli_usage(&o.cli, "update-retention: give either --operation "
			     "with --data-retention-change-in-hours, or "
			     "--data-retention-in-hours");
	if (!o.retention_set && (!o.operation || !o.change_set))
		kc_cli_usage(&o.cli, "update-retention: --operation needs "
			     "--data-retention-change-in-hours and back");
	check(kv_video_describe(o.root, o.cli.stream, &info, &e), &e);
	if (o.retention_set) {
		hours = o.cfg.retention_hours;
	} else if (!strcmp(o.operation, "INCREASE_DATA_RETENTION")) {
		hours = info.retention_hours + o.change;
		if (hours > KV_RETENTION_MAX) {
			kc_error_set(&e, KC_EUSAGE, "video stream '%s': retention "
				     "%" PRIu64 " hours is above %u "
				     "(InvalidArgumentException)", o.cli.stream,
				     hours, KV_RETENTION_MAX);
			kc_cli_fail(&e);
		}
	} else {
		if (o.change > info.retention_hours) {
			kc_error_set(&e, KC_EUSAGE, "video stream '%s': cannot "
				     "decrease retention of %u hours by %" PRIu64
				     " (InvalidArgumentException)", o.cli.stream,
				     info.retention_hours, o.change);
			kc_cli_fail(&e);
		}
		hours = info.retention_hours - o.change;
	}
	check(kv_video_set_retention(o.root, o.cli.stream, (unsigned)hours,
				     o.version, &e), &e);
	free(o.root);
	return 0;
}
