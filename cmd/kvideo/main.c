/* kvideo: administration and readers of video streams, as subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "kvideo.h"
#include "banned.h"

static const char usage[] =
	"usage: kvideo SUBCOMMAND [-d DIR] [-qv] [OPTIONS]\n"
	"subcommands: create, describe, list, delete, update-retention,\n"
	"             list-fragments, get-media, hls, get-clip, get-images\n"
	"(kvideo SUBCOMMAND -h shows a subcommand's options)\n";

static const struct {
	const char *name;
	const char *aws_name;           /* the AWS CLI's name, also accepted */
	int (*fn)(int argc, char **argv);
} subcommands[] = {
	{ "create", "create-stream", kv_cmd_create },
	{ "describe", "describe-stream", kv_cmd_describe },
	{ "list", "list-streams", kv_cmd_list },
	{ "delete", "delete-stream", kv_cmd_delete },
	{ "update-retention", "update-data-retention", kv_cmd_update_retention },
	{ "list-fragments", NULL, kv_cmd_list_fragments },
	{ "get-media", NULL, kv_cmd_get_media },
	{ "hls", NULL, kv_cmd_hls },
	{ "get-clip", NULL, kv_cmd_get_clip },
	{ "get-images", NULL, kv_cmd_get_images },
};

void kv_print_json(const struct kc_cli *cli, struct kc_buf *json)
{
	struct kc_buf out;

	kc_buf_init(&out);
	kc_json_pretty(json->data, json->len, &out);
	kc_cli_flush(cli, &out);
	kc_buf_release(&out);
	kc_buf_reset(json);
}

int main(int argc, char **argv)
{
	struct kc_cli cli;
	size_t i;

	kc_cli_init(&cli, usage);
	if (argc < 2)
		kc_cli_usage(&cli, "no subcommand given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		kc_cli_option(&cli, 'h', NULL);
	if (!strcmp(argv[1], "--version"))
		kc_cli_option(&cli, KC_OPT_VERSION, NULL);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name) ||
		    (subcommands[i].aws_name &&
		     !strcmp(argv[1], subcommands[i].aws_name)))
			return subcommands[i].fn(argc - 1, argv + 1);
	kc_cli_usage(&cli, "unknown subcommand '%s'", argv[1]);
}
