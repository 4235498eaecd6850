/*
 * media.c: kvideo get-media, GetMedia: the chunks of a video stream as one
 * MKV stream on stdout, from a start selector, following ingestion.
 *
 * Each chunk is laid out as KVS's: the fragment's EBML header, a Segment of
 * unknown size, its Info and Tracks, the producer's own Tags, a Tags element
 * with AWS_KINESISVIDEO_FRAGMENT_NUMBER, _SERVER_TIMESTAMP and
 * _PRODUCER_TIMESTAMP, the Cluster, and a Tags element with
 * AWS_KINESISVIDEO_MILLIS_BEHIND_NOW and _CONTINUATION_TOKEN. The next chunk
 * starts with a new EBML header.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kvideo.h"
#include "mkv.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

static const char usage[] =
	"usage: kvideo get-media [-d DIR] -s STREAM [--start-selector-type TYPE]\n"
	"                        [--after-fragment-number NUMBER]\n"
	"                        [--start-timestamp TIME]\n"
	"                        [--continuation-token TOKEN]\n"
	"                        [--start-selector SHORTHAND] [--no-follow]\n"
	"                        [--max-fragments N] [-qv] [OUTFILE]\n"
	"TYPE: NOW (default) | EARLIEST | FRAGMENT_NUMBER | PRODUCER_TIMESTAMP |\n"
	"      SERVER_TIMESTAMP | CONTINUATION_TOKEN\n";

enum selector { SEL_NOW, SEL_EARLIEST, SEL_FRAGMENT_NUMBER, SEL_PRODUCER,
		SEL_SERVER, SEL_TOKEN };

static const char *const selector_names[] = {
	"NOW", "EARLIEST", "FRAGMENT_NUMBER", "PRODUCER_TIMESTAMP",
	"SERVER_TIMESTAMP", "CONTINUATION_TOKEN",
};

enum { OPT_TYPE = 0x100, OPT_AFTER, OPT_TIMESTAMP, OPT_TOKEN, OPT_SELECTOR,
       OPT_NO_FOLLOW, OPT_MAX };

static struct media_opts {
	struct kc_cli cli;
	enum selector sel;
	const char *after, *timestamp, *token;
	int64_t start_ms;
	int follow;
	uint64_t max;                   /* 0: no limit */
	const char *outfile;
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "stream-name", required_argument, NULL, 's' },
	{ "start-selector-type", required_argument, NULL, OPT_TYPE },
	{ "after-fragment-number", required_argument, NULL, OPT_AFTER },
	{ "start-timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "continuation-token", required_argument, NULL, OPT_TOKEN },
	{ "start-selector", required_argument, NULL, OPT_SELECTOR },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "max-fragments", required_argument, NULL, OPT_MAX },
	{ NULL, 0, NULL, 0 }
};

static void set_type(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(selector_names) / sizeof(selector_names[0]); i++)
		if (strlen(selector_names[i]) == n &&
		    !strncmp(s, selector_names[i], n)) {
			opts.sel = (enum selector)i;
			return;
		}
	kc_cli_usage(&opts.cli, "--start-selector-type: unknown type '%.*s'",
		     (int)n, s);
}

/*
 * Parses the AWS CLI shorthand of a StartSelector:
 * "StartSelectorType=FRAGMENT_NUMBER,AfterFragmentNumber=123".
 */
static void parse_shorthand(const char *arg)
{
	const char *p = arg;

	while (*p) {
		const char *eq = strchr(p, '='), *end;
		size_t klen, vlen;
		char *v;

		if (!eq)
			kc_cli_usage(&opts.cli, "--start-selector: '%s' is not "
				     "KEY=VALUE", p);
		end = strchr(eq, ',');
		if (!end)
			end = eq + strlen(eq);
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		v = kc_xmalloc(vlen + 1);
		memcpy(v, eq + 1, vlen);
		v[vlen] = '\0';
		if (klen == 17 && !strncmp(p, "StartSelectorType", klen)) {
			set_type(v, vlen);
			free(v);
		} else if (klen == 19 && !strncmp(p, "AfterFragmentNumber", klen)) {
			opts.after = v;
		} else if (klen == 14 && !strncmp(p, "StartTimestamp", klen)) {
			opts.timestamp = v;
		} else if (klen == 17 && !strncmp(p, "ContinuationToken", klen)) {
			opts.token = v;
		} else {
			kc_cli_usage(&opts.cli, "--start-selector: unknown key "
				     "'%.*s'", (int)klen, p);
		}
		p = *end ? end + 1 : end;
	}
}

/* A continuation token: 1-128 characters of [a-zA-Z0-9_.-] (KVS's rule). */
static int token_ok(const char *t)
{
	size_t n = strlen(t);

	return n >= 1 && n <= 128 &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") == n;
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	uint64_t seq;
	int c;

	opts.sel = SEL_NOW;
	opts.follow = 1;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		switch (c) {
		case OPT_TYPE:
			set_type(optarg, strlen(optarg));
			break;
		case OPT_AFTER:
			opts.after = optarg;
			break;
		case OPT_TIMESTAMP:
			opts.timestamp = optarg;
			break;
		case OPT_TOKEN:
			opts.token = optarg;
			break;
		case OPT_SELECTOR:
			parse_shorthand(optarg);
			break;
		case OPT_NO_FOLLOW:
			opts.follow = 0;
			break;
		case OPT_MAX:
			if (kc_parse_uint("--max-fragments", optarg, 1, UINT64_MAX,
					  &opts.max, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		default:
			kc_cli_usage(&opts.cli, "unknown option");
		}
	}
	if (optind < argc)
		opts.outfile = argv[optind++];
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&opts.cli);
	if (kc_name_check("video stream", opts.cli.stream, &e))
		kc_cli_usage(&opts.cli, "%s", e.msg);
	switch (opts.sel) {
	case SEL_FRAGMENT_NUMBER:
		if (!opts.after)
			kc_cli_usage(&opts.cli, "FRAGMENT_NUMBER needs "
				     "--after-fragment-number");
		if (kv_number_parse("--after-fragment-number", opts.after, &seq,
				    &e))
			kc_cli_usage(&opts.cli, "%s", e.msg);
		break;
	case SEL_PRODUCER:
	case SEL_SERVER:
		if (!opts.timestamp)
			kc_cli_usage(&opts.cli, "%s needs --start-timestamp",
				     selector_names[opts.sel]);
		if (kv_parse_time("--start-timestamp", opts.timestamp,
				  &opts.start_ms, &e))
			kc_cli_usage(&opts.cli, "%s", e.msg);
		break;
	case SEL_TOKEN:
		if (!opts.token)
			kc_cli_usage(&opts.cli, "CONTINUATION_TOKEN needs "
				     "--continuation-token");
		if (!token_ok(opts.token) ||
		    kv_number_parse("--continuation-token", opts.token, &seq,
				    &e))
			kc_cli_usage(&opts.cli, "--continuation-token: '%s' is "
				     "not a continuation token", opts.token);
		break;
	default:
		break;
	}
	if (opts.after && opts.sel != SEL_FRAGMENT_NUMBER)
		kc_cli_usage(&opts.cli, "--after-fragment-number goes with "
			     "FRAGMENT_NUMBER only");
	if (opts.timestamp && opts.sel != SEL_PRODUCER && opts.sel != SEL_SERVER)
		kc_cli_usage(&opts.cli, "--start-timestamp goes with "
			     "PRODUCER_TIMESTAMP or SERVER_TIMESTAMP only");
	if (opts.token && opts.sel != SEL_TOKEN)
		kc_cli_usage(&opts.cli, "--continuation-token goes with "
			     "CONTINUATION_TOKEN only");
}

/* Formats ms as KVS's tag timestamps: seconds with three decimals. */
static void format_seconds(int64_t ms, char out[32])
{
	snprintf(out, 32, "%s%" PRId64 ".%03" PRId64, ms < 0 ? "-" : "",
		 (ms < 0 ? -ms : ms) / 1000, (ms < 0 ? -ms : ms) % 1000);
}

/* Whether a SimpleTag name is one of KVS's own (never copied). */
static int aws_tag(const char *name, size_t n)
{
	return n >= 17 && !memcmp(name, "AWS_KINESISVIDEO_", 17);
}

struct tag_scan {
	int aws, other;
};

static int count_tag(const char *name, size_t nl, const char *value,
		     size_t vl, void *arg)
{
	struct tag_scan *s = arg;

	(void)value;
	(void)vl;
	if (aws_tag(name, nl))
		s->aws++;
	else
		s->other++;
	return 0;
}

static int keep_tag(const char *name, size_t nl, const char *value,
		    size_t vl, void *arg)
{
	struct kc_buf *b = arg;

	if (aws_tag(name, nl))
		return 0;
	/* name NUL value NUL pairs, rebuilt below */
	kc_buf_add(b, name, nl);
	kc_buf_addc(b, '\0');
	kc_buf_add(b, value, vl);
	kc_buf_addc(b, '\0');
	return 0;
}

/*
 * Appends a producer Tags element el of p to out: as it is, or rebuilt
 * without KVS's own tags when it holds some (the store may keep the
 * fragment number and timestamps there; they come fresh in the chunk).
 */
static int add_producer_tags(struct kc_buf *out, const uint8_t *p,
			     const struct kv_mkv_element *el)
{
	struct tag_scan s;
	struct kc_buf pairs = KC_BUF_INIT;
	const char **names, **values;
	size_t n = 0, i, off;
	int rc;

	memset(&s, 0, sizeof(s));
	if (kv_mkv_tags_each(p, el, count_tag, &s) < 0)
		return -1;
	if (!s.aws) {
		kc_buf_add(out, p + el->offset,
			   (size_t)(el->data + el->size - el->offset));
		return 0;
	}
	if (!s.other)
		return 0;
	rc = kv_mkv_tags_each(p, el, keep_tag, &pairs);
	names = kc_xcalloc((size_t)s.other, sizeof(*names));
	values = kc_xcalloc((size_t)s.other, sizeof(*values));
	for (off = 0; rc == 0 && off < pairs.len && n < (size_t)s.other; n++) {
		names[n] = pairs.data + off;
		off += strlen(names[n]) + 1;
		values[n] = pairs.data + off;
		off += strlen(values[n]) + 1;
	}
	for (i = 0; i < n; i++)          /* one Tags per item, as PIC writes */
		kv_mkv_put_tags(out, &names[i], &values[i], 1);
	free(names);
	free(values);
	kc_buf_release(&pairs);
	return rc;
}

/*
 * Appends the chunk of fragment f (its file's bytes in frag) to out.
 * Returns 0, or -KC_EDATA when the file is no fragment kin wrote.
 */
static int add_chunk(struct kc_buf *out, const struct kv_fragment *f,
		     const struct kc_buf *frag, struct kc_error *e)
{
	const uint8_t *p = (const uint8_t *)frag->data;
	struct kv_mkv_element el;
	uint64_t off = 0;
	int64_t behind;
	char server[32], producer[32], behind_s[32];
	const char *names[3], *values[3];
	int rc, clusters = 0;

	while ((rc = kv_mkv_next(p, frag->len, &off, &el)) == 0) {
		switch (el.id) {
		case KV_MKV_EBML:
			kc_buf_add(out, p + el.offset,
				   (size_t)(el.data + el.size - el.offset));
			kv_mkv_put_id(out, KV_MKV_SEGMENT);
			kv_mkv_put_size(out, KV_MKV_UNKNOWN);
			break;
		case KV_MKV_INFO:
		case KV_MKV_TRACKS:
			kc_buf_add(out, p + el.offset,
				   (size_t)(el.data + el.size - el.offset));
			break;
		case KV_MKV_TAGS:
			if (clusters)
				break;  /* trailing tags are KVS's own */
			if (add_producer_tags(out, p, &el) < 0)
				return kc_error_set(e, KC_EDATA, "video stream "
						    "'%s': fragment %s: bad "
						    "Tags", opts.cli.stream,
						    f->number);
			break;
		case KV_MKV_CLUSTER:
			format_seconds(f->server_ms, server);
			format_seconds(f->producer_ms, producer);
			names[0] = "AWS_KINESISVIDEO_FRAGMENT_NUMBER";
			values[0] = f->number;
			names[1] = "AWS_KINESISVIDEO_SERVER_TIMESTAMP";
			values[1] = server;
			names[2] = "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP";
			values[2] = producer;
			kv_mkv_put_tags(out, names, values, 3);
			kc_buf_add(out, p + el.offset,
				   (size_t)(el.data + el.size - el.offset));
			clusters++;
			break;
		default:                /* SeekHead, Cues, Void: not sent */
			break;
		}
	}
	if (rc < 0 || !clusters)
		return kc_error_set(e, KC_EDATA, "video stream '%s': fragment "
				    "%s: %s", opts.cli.stream, f->number,
				    rc < 0 ? "bad Matroska data" : "no Cluster");
	behind = kc_now_ms() - f->server_ms;
	snprintf(behind_s, sizeof(behind_s), "%" PRId64, behind > 0 ? behind : 0);
	names[0] = "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW";
	values[0] = behind_s;
	names[1] = "AWS_KINESISVIDEO_CONTINUATION_TOKEN";
	values[1] = f->number;
	kv_mkv_put_tags(out, names, values, 2);
	return 0;
}

/*
 * GetMedia's in-stream errors (AWS_KINESISVIDEO_ERROR_ID): a fragment
 * named in the index whose file is gone (trimmed by retention under a
 * reader that was behind) is 4000; one that cannot be read or is no
 * fragment kin wrote is 5000.
 */
#define ERROR_NOT_FOUND 4000
#define ERROR_INTERNAL 5000

/* Appends a minimal EBML header and a Segment of unknown size to out. */
static void put_segment_start(struct kc_buf *out)
{
	struct kc_buf h = KC_BUF_INIT;

	kv_mkv_put_uint(&h, 0x4286, 1);         /* EBMLVersion */
	kv_mkv_put_uint(&h, 0x42F7, 1);         /* EBMLReadVersion */
	kv_mkv_put_uint(&h, 0x42F2, 4);         /* EBMLMaxIDLength */
	kv_mkv_put_uint(&h, 0x42F3, 8);         /* EBMLMaxSizeLength */
	kv_mkv_put_string(&h, 0x4282, "matroska", 8); /* DocType */
	kv_mkv_put_uint(&h, 0x4287, 4);         /* DocTypeVersion */
	kv_mkv_put_uint(&h, 0x4285, 2);         /* DocTypeReadVersion */
	kv_mkv_put_id(out, KV_MKV_EBML);
	kv_mkv_put_size(out, h.len);
	kc_buf_add(out, h.data, h.len);
	kv_mkv_put_id(out, KV_MKV_SEGMENT);
	kv_mkv_put_size(out, KV_MKV_UNKNOWN);
	kc_buf_release(&h);
}

/*
 * Appends the Tags element KVS ends a GetMedia response with when a
 * fragment cannot be sent: AWS_KINESISVIDEO_ERROR_CODE (a description)
 * and AWS_KINESISVIDEO_ERROR_ID. After a chunk it belongs to that chunk's
 * Segment; before any, it gets a Segment of its own.
 */
static void add_error_tags(struct kc_buf *out, int first, int id)
{
	const char *names[2], *values[2];
	char idbuf[16];

	if (first)
		put_segment_start(out);
	snprintf(idbuf, sizeof(idbuf), "%d", id);
	names[0] = "AWS_KINESISVIDEO_ERROR_CODE";
	values[0] = id == ERROR_NOT_FOUND ? "Requested fragment is not found"
					  : "Internal error";
	names[1] = "AWS_KINESISVIDEO_ERROR_ID";
	values[1] = idbuf;
	kv_mkv_put_tags(out, names, values, 2);
}

/*
 * The position to start at in v's snapshot (its count: the first fragment
 * still to come). For a fragment number beyond the newest there is none:
 * -KC_ENOENT ("ResourceNotFoundException").
 */
static int start_position(struct kv_video *v, size_t *pos, struct kc_error *e)
{
	size_t n = kv_video_count(v);
	const char *num;
	uint64_t seq, last;

	switch (opts.sel) {
	case SEL_EARLIEST:
		*pos = 0;
		return 0;
	case SEL_NOW:
		*pos = n ? n - 1 : 0;
		return 0;
	case SEL_PRODUCER:
	case SEL_SERVER:
		*pos = kv_video_seek(v, opts.sel == SEL_PRODUCER ?
				     KV_TIME_PRODUCER : KV_TIME_SERVER,
				     opts.start_ms);
		return 0;
	default:
		break;
	}
	num = opts.sel == SEL_TOKEN ? opts.token : opts.after;
	if (kv_number_parse("fragment number", num, &seq, e) < 0)
		return -KC_EUSAGE;
	last = n ? kv_video_at(v, n - 1)->seq : 0;
	if (seq > last)
		return kc_error_set(e, KC_ENOENT, "video stream '%s': "
				    "ResourceNotFoundException: no fragment "
				    "'%s'%s", opts.cli.stream, num,
				    opts.sel == SEL_TOKEN ?
				    " (continuation token)" : "");
	*pos = kv_video_after(v, num);
	return 0;
}

int kv_cmd_get_media(int argc, char **argv)
{
	struct kc_buf out = KC_BUF_INIT, frag = KC_BUF_INIT;
	struct kv_video *v = NULL;
	struct kc_error e;
	char *root;
	volatile sig_atomic_t *stop;
	char last[KV_NUMBER_LEN + 1] = "";
	uint64_t sent = 0;
	size_t pos = 0, len;
	int rc, fd;

	kc_cli_init(&opts.cli, usage);
	parse_options(argc, argv);
	stop = kc_cli_catch_stop();
	if (opts.outfile && strcmp(opts.outfile, "-")) {
		fd = open(opts.outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0666);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			kc_error_errno(&e, KC_EIO, errno, "output '%s'",
				       opts.outfile);
			kc_cli_fail(&e);
		}
		close(fd);
	}
	root = kc_root_resolve(opts.cli.dir);
	rc = kv_video_open(root, opts.cli.stream, &v, &e);
	free(root);
	if (rc < 0)
		kc_cli_fail(&e);
	if ((rc = start_position(v, &pos, &e)) < 0)
		kc_cli_fail(&e);
	while (!*stop && (!opts.max || sent < opts.max)) {
		const struct kv_fragment *f;

		if (last[0])    /* positions move when retention trims */
			pos = kv_video_after(v, last);
		if (pos >= kv_video_count(v)) {
			if (!opts.follow)
				break;
			rc = kv_video_wait(v, 1000, &e);
			if (rc < 0)
				break;
			continue;
		}
		f = kv_video_at(v, pos);
		kc_buf_reset(&frag);
		rc = kv_video_fragment_read(v, f, &frag, &e);
		memcpy(last, f->number, sizeof(last));
		if (rc == 0)
			rc = add_chunk(&out, f, &frag, &e);
		if (rc < 0) {
			/*
			 * As KVS: the error tags end the response; the
			 * reader resumes after the last continuation token.
			 */
			kc_buf_reset(&out);
			add_error_tags(&out, sent == 0, rc == -KC_ENOENT ?
				       ERROR_NOT_FOUND : ERROR_INTERNAL);
			kc_cli_flush(&opts.cli, &out);
			len = strlen(e.msg);
			snprintf(e.msg + len, sizeof(e.msg) - len,
				 " (AWS_KINESISVIDEO_ERROR_ID %d)",
				 rc == -KC_ENOENT ? ERROR_NOT_FOUND
						  : ERROR_INTERNAL);
			break;
		}
		kc_cli_flush(&opts.cli, &out);
		sent++;
	}
	kc_buf_release(&frag);
	kc_buf_release(&out);
	kv_video_close(v);
	if (rc < 0)
		kc_cli_fail(&e);
	return 0;
}
