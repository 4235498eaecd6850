/* fragments.c: kvideo list-fragments (ListFragments). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "cli.h"
#include "json.h"
#include "kvideo.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

static const char usage[] =
	"usage: kvideo list-fragments [-d DIR] -s STREAM\n"
	"           [--fragment-selector-type PRODUCER_TIMESTAMP|SERVER_TIMESTAMP\n"
	"            --start-timestamp TIME --end-timestamp TIME]\n"
	"           [--max-results N] [--next-token TOKEN]\n";

enum { OPT_TYPE = 0x100, OPT_START, OPT_END, OPT_MAX, OPT_TOKEN };

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "stream-name", required_argument, NULL, 's' },
	{ "fragment-selector-type", required_argument, NULL, OPT_TYPE },
	{ "start-timestamp", required_argument, NULL, OPT_START },
	{ "end-timestamp", required_argument, NULL, OPT_END },
	{ "max-results", required_argument, NULL, OPT_MAX },
	{ "next-token", required_argument, NULL, OPT_TOKEN },
	{ NULL, 0, NULL, 0 }
};

/* What a page continues: the selector and the last fragment returned. */
struct cursor {
	int selector;                   /* 0 none, 'P' producer, 'S' server */
	int64_t start, end;
	uint64_t after;                 /* fragments numbered above this */
};

static void token_encode(const struct cursor *c, struct kc_buf *out)
{
	char raw[128];
	int n = snprintf(raw, sizeof(raw), "kvlf1:%c:%" PRId64 ":%" PRId64
			 ":%" PRIu64, c->selector ? c->selector : '-', c->start,
			 c->end, c->after);

	kc_buf_grow(out, kc_base64_encoded_len((size_t)n) + 1);
	kc_base64_encode(raw, (size_t)n, out->data + out->len);
	out->len += kc_base64_encoded_len((size_t)n);
	out->data[out->len] = '\0';
}

static int token_decode(const char *tok, struct cursor *c)
{
	char raw[192], sel;
	size_t n = strlen(tok);
	long got;
	int used = 0;

	if (!n || n > 4096 || kc_base64_encoded_len(sizeof(raw) - 1) < n)
		return -1;
	got = kc_base64_decode(tok, n, raw);
	if (got < 0 || (size_t)got >= sizeof(raw))
		return -1;
	raw[got] = '\0';
	if (sscanf(raw, "kvlf1:%c:%" SCNd64 ":%" SCNd64 ":%" SCNu64 "%n", &sel,
		   &c->start, &c->end, &c->after, &used) != 4 || used != got ||
	    (sel != '-' && sel != 'P' && sel != 'S'))
		return -1;
	c->selector = sel == '-' ? 0 : sel;
	return 0;
}

static void add_fragment(struct kc_buf *b, const struct kv_fragment *f)
{
	char p[40], s[40];

	kc_format_time(f->producer_ms, p);
	kc_format_time(f->server_ms, s);
	kc_buf_addf(b, "{\"FragmentNumber\":\"%s\",\"FragmentSizeInBytes\":%" PRIu64
		    ",\"ProducerTimestamp\":\"%s\",\"ServerTimestamp\":\"%s\","
		    "\"FragmentLengthInMilliseconds\":%" PRIu32 "}", f->number,
		    f->size, p, s, f->duration_ms);
}

int kv_cmd_list_fragments(int argc, char **argv)
{
	struct kc_cli cli;
	struct kc_error e;
	struct cursor cur = { 0, 0, 0, 0 };
	struct kv_video *v;
	struct kc_buf b = KC_BUF_INIT;
	const char *type = NULL, *start = NULL, *end = NULL, *token = NULL;
	uint64_t max = 1000;
	size_t *idx = NULL, n, i, shown = 0;
	char *root;
	int c;

	kc_cli_init(&cli, usage);
	optind = 1;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (kc_cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case OPT_TYPE:
			type = optarg;
			break;
		case OPT_START:
			start = optarg;
			break;
		case OPT_END:
			end = optarg;
			break;
		case OPT_MAX:
			if (kc_parse_uint("--max-results", optarg, 1, 1000, &max, &e))
				kc_cli_usage(&cli, "%s", e.msg);
			break;
		case OPT_TOKEN:
			token = optarg;
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&cli);
	if (token) {
		if (type || start || end)
			kc_cli_usage(&cli, "--next-token: the selector comes with "
				     "the token; give no --fragment-selector-type, "
				     "--start-timestamp or --end-timestamp");
		if (token_decode(token, &cur))
			kc_cli_usage(&cli, "--next-token: not a token of "
				     "list-fragments (InvalidArgumentException)");
	} else if (type || start || end) {
		if (!type || !start || !end)
			kc_cli_usage(&cli, "--fragment-selector-type, "
				     "--start-timestamp and --end-timestamp go "
				     "together");
		if (!strcmp(type, "PRODUCER_TIMESTAMP"))
			cur.selector = 'P';
		else if (!strcmp(type, "SERVER_TIMESTAMP"))
			cur.selector = 'S';
		else
			kc_cli_usage(&cli, "--fragment-selector-type: '%s' is not "
				     "PRODUCER_TIMESTAMP or SERVER_TIMESTAMP", type);
		if (kv_parse_time("--start-timestamp", start, &cur.start, &e) ||
		    kv_parse_time("--end-timestamp", end, &cur.end, &e))
			kc_cli_usage(&cli, "%s", e.msg);
		if (cur.start > cur.end)
			kc_cli_usage(&cli, "--start-timestamp is after "
				     "--end-timestamp (InvalidArgumentException)");
	}
	root = kc_root_resolve(cli.dir);
	if (kv_video_open(root, cli.stream, &v, &e))
		kc_cli_fail(&e);
	if (cur.selector)
		kv_video_range(v, cur.selector == 'P' ? KV_TIME_PRODUCER
			       : KV_TIME_SERVER, cur.start, cur.end, &idx, &n, &e);
	else
		kv_video_range(v, KV_TIME_SERVER, INT64_MIN, INT64_MAX, &idx, &n,
			       &e);
	kc_buf_adds(&b, "{\"Fragments\":[");
	for (i = 0; i < n; i++) {
		const struct kv_fragment *f = kv_video_at(v, idx[i]);

		if (f->seq <= cur.after)
			continue;
		if (shown == max) {
			kc_buf_adds(&b, "],\"NextToken\":\"");
			token_encode(&cur, &b);
			kc_buf_adds(&b, "\"}");
			goto print;
		}
		if (shown++)
			kc_buf_addc(&b, ',');
		add_fragment(&b, f);
		cur.after = f->seq;
	}
	kc_buf_adds(&b, "]}");
print:
	kv_print_json(&cli, &b);
	kc_buf_release(&b);
	free(idx);
	kv_video_close(v);
	free(root);
	return 0;
}
