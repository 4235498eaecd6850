/*
 * images.c: kvideo get-images (GetImages): frames of a time range of a
 * video stream, sampled at an interval, as JPEG or PNG images in the JSON
 * the AWS CLI prints. Each image is the frame shown at its sample time:
 * decoded forward from the keyframe that starts the fragment holding it,
 * scaled with libswscale, encoded with the mjpeg or png encoder.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "avfrag.h"
#include "base64.h"
#include "cli.h"
#include "file.h"
#include "json.h"
#include "kvideo.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

/* GetImages' limits. */
#define IMG_RANGE_MAX_MS 300000         /* End - Start */
#define IMG_INTERVAL_MIN_MS 200
#define IMG_WIDTH_MAX 3840
#define IMG_HEIGHT_MAX 2160
#define IMG_RESULTS_MAX 100
#define IMG_RESULTS_DEFAULT 25
#define IMG_QUALITY_DEFAULT 80
/* How far before the range a fragment holding its start may begin. */
#define IMG_LOOKBACK_MS (24 * 3600 * 1000LL)
#define TOKEN_MAGIC "kvideo-images"

static const char usage[] =
	"usage: kvideo get-images [-d DIR] -s STREAM --image-selector-type TYPE\n"
	"           --start-timestamp TIME --end-timestamp TIME\n"
	"           --sampling-interval MS --format JPEG|PNG\n"
	"           [--format-config JPEGQuality=Q] [--width-pixels W]\n"
	"           [--height-pixels H] [--max-results N] [--next-token TOKEN]\n"
	"           [-o DIR] [-qv]\n"
	"TYPE: PRODUCER_TIMESTAMP | SERVER_TIMESTAMP\n";

enum { OPT_SELECTOR = 0x100, OPT_START, OPT_END, OPT_INTERVAL, OPT_FORMAT,
       OPT_FORMAT_CONFIG, OPT_WIDTH, OPT_HEIGHT, OPT_MAX_RESULTS, OPT_TOKEN };

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "image-selector-type", required_argument, NULL, OPT_SELECTOR },
	{ "start-timestamp", required_argument, NULL, OPT_START },
	{ "end-timestamp", required_argument, NULL, OPT_END },
	{ "sampling-interval", required_argument, NULL, OPT_INTERVAL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "format-config", required_argument, NULL, OPT_FORMAT_CONFIG },
	{ "width-pixels", required_argument, NULL, OPT_WIDTH },
	{ "height-pixels", required_argument, NULL, OPT_HEIGHT },
	{ "max-results", required_argument, NULL, OPT_MAX_RESULTS },
	{ "next-token", required_argument, NULL, OPT_TOKEN },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};

static struct img_opts {
	struct kc_cli cli;
	int selector;                   /* -1 unset, else enum kv_time */
	int64_t start_ms, end_ms;
	int start_set, end_set;
	uint64_t interval_ms;           /* 0: not given */
	int format;                     /* 0 unset, 'J' JPEG, 'P' PNG */
	int quality;                    /* JPEGQuality 1..100 */
	int width, height;              /* 0: not given */
	uint64_t max_results;
	const char *token;
	const char *outdir;
} o;

/* A KVS validation error: "kvideo: what: NAME: reason", exit 64. */
/* KVS's exception for a parameter out of its limits. */
#define BAD_ARG "InvalidArgumentException"

static _Noreturn void invalid(const char *what, const char *name,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static _Noreturn void invalid(const char *what, const char *name,
			      const char *fmt, ...)
{
	struct kc_error e;
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	kc_error_set(&e, KC_EUSAGE, "%s: %s: %s", what, name, reason);
	kc_cli_fail(&e);
}

static void parse_format_config(const char *arg)
{
	struct kc_error e;
	const char *val = NULL;
	char num[8];
	size_t n = 0;
	uint64_t q;

	if (arg[0] == '{') {
		struct kc_json *j = kc_json_parse(arg, strlen(arg), &e);
		const char *why;

		if (!j)
			invalid("--format-config", BAD_ARG, "%s", e.msg);
		if (kc_json_get(j, "JPEGQuality", &val, &n, &why)) {
			kc_json_free(j);
			invalid("--format-config", BAD_ARG,
				"JPEGQuality: %s", why);
		}
		if (n >= sizeof(num))
			n = sizeof(num) - 1;
		memcpy(num, val, n);
		num[n] = '\0';
		kc_json_free(j);
		val = num;
	} else if (!strncmp(arg, "JPEGQuality=", 12)) {
		val = arg + 12;
	} else {
		invalid("--format-config", BAD_ARG,
			"'%s': the only key is JPEGQuality", arg);
	}
	if (kc_parse_uint("JPEGQuality", val, 1, 100, &q, &e))
		invalid("--format-config", BAD_ARG, "%s", e.msg);
	o.quality = (int)q;
}

static int64_t parse_time_opt(const char *what, const char *arg)
{
	struct kc_error e;
	int64_t ms;

	if (kv_parse_time(what, arg, &ms, &e))
		kc_cli_usage(&o.cli, "%s", e.msg);
	return ms;
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	uint64_t v;
	int c;

	o.selector = -1;
	o.quality = IMG_QUALITY_DEFAULT;
	o.max_results = IMG_RESULTS_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":" KC_CLI_SHORTOPTS "o:", longopts,
				NULL)) != -1) {
		switch (c) {
		case '?':
			kc_cli_usage(&o.cli, "unknown option '%s'", argv[optind - 1]);
		case ':':
			kc_cli_usage(&o.cli, "option '%s' needs a value",
				     argv[optind - 1]);
		case OPT_SELECTOR:
			if (!strcmp(optarg, "PRODUCER_TIMESTAMP"))
				o.selector = KV_TIME_PRODUCER;
			else if (!strcmp(optarg, "SERVER_TIMESTAMP"))
				o.selector = KV_TIME_SERVER;
			else
				kc_cli_usage(&o.cli, "--image-selector-type: '%s' is "
					     "not PRODUCER_TIMESTAMP or "
					     "SERVER_TIMESTAMP", optarg);
			break;
		case OPT_START:
			o.start_ms = parse_time_opt("--start-timestamp", optarg);
			o.start_set = 1;
			break;
		case OPT_END:
			o.end_ms = parse_time_opt("--end-timestamp", optarg);
			o.end_set = 1;
			break;
		case OPT_INTERVAL:
			if (kc_parse_uint("--sampling-interval", optarg, 0,
					  INT32_MAX, &v, &e))
				kc_cli_usage(&o.cli, "%s", e.msg);
			if (v < IMG_INTERVAL_MIN_MS)
				invalid("--sampling-interval", BAD_ARG,
					"%" PRIu64 " ms is less than the minimum "
					"of %d ms", v, IMG_INTERVAL_MIN_MS);
			o.interval_ms = v;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "JPEG"))
				o.format = 'J';
			else if (!strcmp(optarg, "PNG"))
				o.format = 'P';
			else
				kc_cli_usage(&o.cli, "--format: '%s' is not JPEG "
					     "or PNG", optarg);
			break;
		case OPT_FORMAT_CONFIG:
			parse_format_config(optarg);
			break;
		case OPT_WIDTH:
			if (kc_parse_uint("--width-pixels", optarg, 1,
					  IMG_WIDTH_MAX, &v, &e))
				invalid("--width-pixels", BAD_ARG,
					"'%s' is not in 1..%d", optarg,
					IMG_WIDTH_MAX);
			o.width = (int)v;
			break;
		case OPT_HEIGHT:
			if (kc_parse_uint("--height-pixels", optarg, 1,
					  IMG_HEIGHT_MAX, &v, &e))
				invalid("--height-pixels", BAD_ARG,
					"'%s' is not in 1..%d", optarg,
					IMG_HEIGHT_MAX);
			o.height = (int)v;
			break;
		case OPT_MAX_RESULTS:
			if (kc_parse_uint("--max-results", optarg, 1,
					  IMG_RESULTS_MAX, &v, &e))
				invalid("--max-results", BAD_ARG,
					"'%s' is not in 1..%d", optarg,
					IMG_RESULTS_MAX);
			o.max_results = v;
			break;
		case OPT_TOKEN:
			o.token = optarg;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		default:
			kc_cli_option(&o.cli, c, optarg);
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&o.cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&o.cli);
	if (o.selector < 0)
		kc_cli_usage(&o.cli, "no --image-selector-type given");
	if (!o.start_set || !o.end_set)
		kc_cli_usage(&o.cli, "no --%s-timestamp given",
			     o.start_set ? "end" : "start");
	if (!o.interval_ms)
		kc_cli_usage(&o.cli, "no --sampling-interval given");
	if (!o.format)
		kc_cli_usage(&o.cli, "no --format given");
	if (o.width && !o.height)
		invalid("--width-pixels", "ValidationException",
			"--height-pixels must be given with it");
	if (o.end_ms < o.start_ms)
		invalid("--end-timestamp", BAD_ARG,
			"before --start-timestamp");
	if (o.end_ms - o.start_ms > IMG_RANGE_MAX_MS)
		invalid("--end-timestamp", BAD_ARG,
			"more than %d seconds after --start-timestamp",
			IMG_RANGE_MAX_MS / 1000);
}

/*
 * NextToken: base64 of "kvideo-images:START:END:INTERVAL:K", K the index of
 * the next sample; it only continues the request it came from.
 */
static void token_format(uint64_t k, struct kc_buf *out)
{
	char text[128];
	int n;

	n = snprintf(text, sizeof(text), TOKEN_MAGIC ":%" PRId64 ":%" PRId64
		     ":%" PRIu64 ":%" PRIu64, o.start_ms, o.end_ms,
		     o.interval_ms, k);
	kc_buf_grow(out, kc_base64_encoded_len((size_t)n));
	kc_base64_encode(text, (size_t)n, out->data + out->len);
	out->len += kc_base64_encoded_len((size_t)n);
	out->data[out->len] = '\0';
}

static uint64_t token_parse(const char *tok, uint64_t nsamples)
{
	char text[128], want[128];
	size_t n = strlen(tok);
	long len;
	uint64_t k;
	char *end;
	int w;

	if (n == 0 || n > 4096 || n / 4 * 3 >= sizeof(text))
		invalid("--next-token", BAD_ARG, "not a token of "
			"get-images");
	len = kc_base64_decode(tok, n, text);
	if (len < 0)
		invalid("--next-token", BAD_ARG, "not a token of "
			"get-images");
	text[len] = '\0';
	w = snprintf(want, sizeof(want), TOKEN_MAGIC ":%" PRId64 ":%" PRId64
		     ":%" PRIu64 ":", o.start_ms, o.end_ms, o.interval_ms);
	if (strncmp(text, TOKEN_MAGIC ":", sizeof(TOKEN_MAGIC)))
		invalid("--next-token", BAD_ARG, "not a token of "
			"get-images");
	if (strncmp(text, want, (size_t)w))
		invalid("--next-token", BAD_ARG, "the token continues "
			"another time range or sampling interval");
	errno = 0;
	k = strtoull(text + w, &end, 10);
	if (errno || *end || end == text + w || k >= nsamples)
		invalid("--next-token", BAD_ARG, "not a token of "
			"get-images");
	return k;
}

/*
 * The fragments that may hold a sample, sorted by their start on the
 * selector's clock (then number): overlapping fragments resolve to the
 * latest start, and among equal starts the larger fragment number, as KVS.
 */
struct candidate {
	int64_t start;
	int64_t end;                    /* start + duration (at least 1 ms) */
	size_t pos;                     /* in the snapshot */
	uint64_t seq;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The candidate holding t, or NULL: the latest start <= t whose span has t. */
static const struct candidate *covering(const struct candidate *c, size_t n,
					int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {               /* first with start > t */
		size_t mid = lo + (hi - lo) / 2;

		if (c[mid].start <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		lo--;
		if (t < c[lo].end)
			return &c[lo];
		if (c[lo].start < t - IMG_LOOKBACK_MS)
			break;
	}
	return NULL;
}

/*
 * A decoder walking forward through one fragment: cur is the last frame at
 * or before the latest target asked for, next the first one after it.
 */
struct cursor {
	int open;
	uint64_t seq;                   /* the fragment */
	char number[KV_NUMBER_LEN + 1];
	int64_t start;                  /* its start on the selector's clock */
	struct kv_avfrag af;
	AVCodecContext *dec;
	int vidx;
	AVPacket *pkt;
	AVFrame *cur, *next;
	int drained, eof;
};

static void cursor_close(struct cursor *c)
{
	if (!c->open)
		return;
	kv_avfrag_release(&c->af);
	avcodec_free_context(&c->dec);
	av_frame_free(&c->cur);
	av_frame_free(&c->next);
	c->open = 0;
}

/* Opens fragment f for decoding. Returns 0 or -1 (the image is MEDIA_ERROR). */
static int cursor_open(struct cursor *c, struct kv_video *v,
		       const struct kv_fragment *f, int64_t start,
		       struct kc_buf *path, struct kc_error *e)
{
	const AVCodec *codec;
	int i;

	cursor_close(c);
	c->open = 1;
	c->seq = f->seq;
	memcpy(c->number, f->number, sizeof(c->number));
	c->start = start;
	c->vidx = -1;
	c->drained = c->eof = 0;
	kv_avfrag_init(&c->af, KV_AVFRAG_PRODUCER);
	kv_video_fragment_path(v, f, path);
	if (kv_avfrag_open(&c->af, path->data, f->producer_ms, e))
		return -1;
	for (i = 0; i < c->af.nb_streams; i++)
		if (c->af.par[i]->codec_type == AVMEDIA_TYPE_VIDEO) {
			c->vidx = i;
			break;
		}
	if (c->vidx < 0)
		return kc_error_set(e, KC_EDATA, "fragment %s: no video track",
				    f->number), -1;
	codec = avcodec_find_decoder(c->af.par[c->vidx]->codec_id);
	if (!codec)
		return kc_error_set(e, KC_EDATA, "fragment %s: no decoder for %s",
				    f->number,
				    kv_avfrag_codec_name(c->af.par[c->vidx])), -1;
	c->dec = avcodec_alloc_context3(codec);
	if (!c->dec)
		return kc_error_set(e, KC_EFAIL, "out of memory"), -1;
	if (avcodec_parameters_to_context(c->dec, c->af.par[c->vidx]) < 0)
		return kc_error_set(e, KC_EFAIL, "out of memory"), -1;
	c->dec->pkt_timebase = c->af.tb;
	if (avcodec_open2(c->dec, codec, NULL) < 0)
		return kc_error_set(e, KC_EDATA, "fragment %s: cannot open the "
				    "%s decoder", f->number, codec->name), -1;
	return 0;
}

/*
 * A frame's time as stored: stored fragments carry their producer
 * timestamps as Matroska timecodes, and avfrag moved them by its shift.
 */
static int64_t frame_time(const struct cursor *c, const AVFrame *f)
{
	return (f->best_effort_timestamp != AV_NOPTS_VALUE
		? f->best_effort_timestamp : f->pts) - c->af.shift;
}

/*
 * Decodes forward until the frame shown at target (a producer time in ms)
 * is known and returns it (owned by c), or NULL when the fragment gives
 * none (e filled).
 */
static const AVFrame *cursor_frame_at(struct cursor *c, int64_t target,
				      struct kc_error *e)
{
	AVFrame *fr;
	int rc;

	for (;;) {
		if (c->next) {
			if (frame_time(c, c->next) > target)
				break;
			av_frame_free(&c->cur);
			c->cur = c->next;
			c->next = NULL;
			continue;
		}
		if (c->eof)
			break;
		fr = av_frame_alloc();
		if (!fr)
			return kc_error_set(e, KC_EFAIL, "out of memory"), NULL;
		rc = avcodec_receive_frame(c->dec, fr);
		if (rc == 0) {
			c->next = fr;
			continue;
		}
		av_frame_free(&fr);
		if (rc == AVERROR_EOF) {
			c->eof = 1;
			continue;
		}
		if (rc != AVERROR(EAGAIN) || c->drained)
			goto decode_error;
		rc = kv_avfrag_read(&c->af, c->pkt, e);
		if (rc < 0)
			return NULL;
		if (rc == 1) {
			c->drained = 1;
			rc = avcodec_send_packet(c->dec, NULL);
		} else if (c->pkt->stream_index != c->vidx) {
			av_packet_unref(c->pkt);
			continue;
		} else {
			rc = avcodec_send_packet(c->dec, c->pkt);
			av_packet_unref(c->pkt);
		}
		if (rc < 0 && rc != AVERROR_EOF)
			goto decode_error;
	}
	if (c->cur)
		return c->cur;
	if (c->next)                    /* target before the first frame */
		return c->next;
	rc = AVERROR_INVALIDDATA;
decode_error:
	{
		char buf[AV_ERROR_MAX_STRING_SIZE];

		av_strerror(rc, buf, sizeof(buf));
		kc_error_set(e, KC_EDATA, "fragment %s: cannot decode: %s",
			     c->number, buf);
	}
	return NULL;
}

/* The encoder's quantiser for a JPEGQuality: 1 -> 31 (worst), 100 -> 1. */
static int jpeg_qscale(int quality)
{
	return 31 - ((quality - 1) * 30 + 49) / 99;
}

/*
 * Scales src to the requested size and encodes it as JPEG or PNG, appending
 * the image's bytes to out. Returns 0 or -1 with e filled.
 */
static int encode_image(struct SwsContext **sws, const AVFrame *src,
			struct kc_buf *out, struct kc_error *e)
{
	enum AVPixelFormat fmt = o.format == 'J' ? AV_PIX_FMT_YUVJ420P
						 : AV_PIX_FMT_RGB24;
	const AVCodec *codec = avcodec_find_encoder(o.format == 'J'
						    ? AV_CODEC_ID_MJPEG
						    : AV_CODEC_ID_PNG);
	AVCodecContext *enc = NULL;
	AVFrame *dst = NULL;
	AVPacket *pkt = NULL;
	int w = src->width, h = src->height, rc = -1, q;

	if (o.width && o.height) {
		w = o.width;
		h = o.height;
	} else if (o.height) {
		w = (int)(((int64_t)src->width * o.height + src->height / 2) /
			  src->height);
		h = o.height;
		if (w < 1)
			w = 1;
		if (w > IMG_WIDTH_MAX)
			w = IMG_WIDTH_MAX;
	}
	*sws = sws_getCachedContext(*sws, src->width, src->height,
				    (enum AVPixelFormat)src->format, w, h, fmt,
				    SWS_BICUBIC, NULL, NULL, NULL);
	if (!*sws) {
		kc_error_set(e, KC_EDATA, "cannot scale %dx%d %s to %dx%d",
			     src->width, src->height,
			     av_get_pix_fmt_name((enum AVPixelFormat)src->format),
			     w, h);
		return -1;
	}
	dst = av_frame_alloc();
	pkt = av_packet_alloc();
	enc = codec ? avcodec_alloc_context3(codec) : NULL;
	if (!dst || !pkt || !enc) {
		kc_error_set(e, KC_EFAIL, "out of memory (or no %s encoder)",
			     o.format == 'J' ? "mjpeg" : "png");
		goto out;
	}
	dst->width = w;
	dst->height = h;
	dst->format = fmt;
	if (av_frame_get_buffer(dst, 0) < 0) {
		kc_error_set(e, KC_EFAIL, "out of memory");
		goto out;
	}
	sws_scale(*sws, (const uint8_t *const *)src->data, src->linesize, 0,
		  src->height, dst->data, dst->linesize);
	enc->width = w;
	enc->height = h;
	enc->pix_fmt = fmt;
	enc->time_base = (AVRational){ 1, 1 };
	if (o.format == 'J') {
		q = jpeg_qscale(o.quality);
		enc->flags |= AV_CODEC_FLAG_QSCALE;
		enc->qmin = 1;
		enc->qmax = 31;
		enc->global_quality = q * FF_QP2LAMBDA;
		enc->color_range = AVCOL_RANGE_JPEG;
		dst->quality = enc->global_quality;
	}
	dst->pts = 0;
	if (avcodec_open2(enc, codec, NULL) < 0 ||
	    avcodec_send_frame(enc, dst) < 0 ||
	    avcodec_send_frame(enc, NULL) < 0 ||
	    avcodec_receive_packet(enc, pkt) < 0) {
		kc_error_set(e, KC_EDATA, "cannot encode a %dx%d %s image", w, h,
			     o.format == 'J' ? "JPEG" : "PNG");
		goto out;
	}
	kc_buf_add(out, pkt->data, (size_t)pkt->size);
	rc = 0;
out:
	av_packet_free(&pkt);
	av_frame_free(&dst);
	avcodec_free_context(&enc);
	return rc;
}

static void write_file(const char *dir, int64_t t, const struct kc_buf *img)
{
	struct kc_error e;
	struct kc_buf path = KC_BUF_INIT;

	kc_buf_addf(&path, "%s/%" PRId64 ".%s", dir, t,
		    o.format == 'J' ? "jpg" : "png");
	if (kc_file_replace(path.data, img->data, img->len, &e))
		kc_cli_fail(&e);
	kc_buf_release(&path);
}

static void add_image(struct kc_buf *json, int first, int64_t t,
		      const char *error, const struct kc_buf *img)
{
	char ts[40];
	size_t n;

	if (!first)
		kc_buf_addc(json, ',');
	kc_buf_addc(json, '{');
	kc_json_add_key(json, "TimeStamp");
	kc_json_add_string(json, ts, (size_t)kc_format_time(t, ts));
	if (error) {
		kc_buf_addc(json, ',');
		kc_json_add_key(json, "Error");
		kc_json_add_string(json, error, strlen(error));
	} else {
		kc_buf_addc(json, ',');
		kc_json_add_key(json, "ImageContent");
		n = kc_base64_encoded_len(img->len);
		kc_buf_addc(json, '"');
		kc_buf_grow(json, n);
		kc_base64_encode(img->data, img->len, json->data + json->len);
		json->len += n;
		kc_buf_addc(json, '"');
	}
	kc_buf_addc(json, '}');
}

int kv_cmd_get_images(int argc, char **argv)
{
	struct kc_error e;
	struct kv_video *v = NULL;
	struct kc_buf json = KC_BUF_INIT, img = KC_BUF_INIT, path = KC_BUF_INIT;
	struct candidate *cand;
	struct cursor cur;
	struct SwsContext *sws = NULL;
	size_t *idx = NULL, n = 0, i;
	uint64_t nsamples, k, last;
	char *root;

	kc_cli_init(&o.cli, usage);
	parse_options(argc, argv);
	av_log_set_level(o.cli.verbosity > 0 ? AV_LOG_WARNING : AV_LOG_QUIET);
	nsamples = (uint64_t)(o.end_ms - o.start_ms) / o.interval_ms + 1;
	k = o.token ? token_parse(o.token, nsamples) : 0;
	last = k + o.max_results < nsamples ? k + o.max_results : nsamples;

	root = kc_root_resolve(o.cli.dir);
	if (kc_name_check("video stream", o.cli.stream, &e) ||
	    kv_video_open(root, o.cli.stream, &v, &e))
		kc_cli_fail(&e);
	if (kv_video_info(v)->retention_hours == 0) {
		kc_error_set(&e, KC_EFAIL, "video stream '%s': "
			     "NoDataRetentionException: the stream keeps no "
			     "data (retention 0 hours)", o.cli.stream);
		kc_cli_fail(&e);
	}
	if (o.outdir && mkdir(o.outdir, 0777) && errno != EEXIST) {
		kc_error_errno(&e, KC_EIO, errno, "directory '%s'", o.outdir);
		kc_cli_fail(&e);
	}
	if (kv_video_range(v, (enum kv_time)o.selector,
			   o.start_ms - IMG_LOOKBACK_MS, o.end_ms, &idx, &n, &e))
		kc_cli_fail(&e);
	cand = kc_xcalloc(n ? n : 1, sizeof(*cand));
	for (i = 0; i < n; i++) {
		const struct kv_fragment *f = kv_video_at(v, idx[i]);

		cand[i].start = kv_fragment_time(f, (enum kv_time)o.selector);
		cand[i].end = cand[i].start + (f->duration_ms ? f->duration_ms : 1);
		cand[i].pos = idx[i];
		cand[i].seq = f->seq;
	}
	qsort(cand, n, sizeof(*cand), cmp_candidate);

	memset(&cur, 0, sizeof(cur));
	cur.pkt = av_packet_alloc();
	if (!cur.pkt) {
		kc_error_set(&e, KC_EFAIL, "out of memory");
		kc_cli_fail(&e);
	}
	kc_buf_adds(&json, "{\"Images\":[");
	for (; k < last; k++) {
		int64_t t = o.start_ms + (int64_t)(k * o.interval_ms);
		const struct candidate *c = covering(cand, n, t);
		const struct kv_fragment *f;
		const AVFrame *fr = NULL;
		const char *error = NULL;

		if (!c) {
			add_image(&json, json.data[json.len - 1] == '[', t,
				  "NO_MEDIA", NULL);
			continue;
		}
		f = kv_video_at(v, c->pos);
		kc_buf_reset(&img);
		if ((!cur.open || cur.seq != c->seq || cur.start != c->start) &&
		    cursor_open(&cur, v, f, c->start, &path, &e)) {
			if (e.code == KC_ENOENT) { /* trimmed since the snapshot */
				error = "NO_MEDIA";
			} else {
				kc_cli_warn(&o.cli, &e);
				error = "MEDIA_ERROR";
			}
			cursor_close(&cur);
		} else if (!(fr = cursor_frame_at(&cur, f->producer_ms +
						  (t - c->start), &e)) ||
			   encode_image(&sws, fr, &img, &e)) {
			kc_cli_warn(&o.cli, &e);
			error = "MEDIA_ERROR";
			cursor_close(&cur);
		}
		if (!error && o.outdir)
			write_file(o.outdir, t, &img);
		add_image(&json, json.data[json.len - 1] == '[', t, error, &img);
	}
	kc_buf_addc(&json, ']');
	if (last < nsamples) {
		kc_buf_addc(&json, ',');
		kc_json_add_key(&json, "NextToken");
		kc_buf_addc(&json, '"');
		token_format(last, &json);
		kc_buf_addc(&json, '"');
	}
	kc_buf_addc(&json, '}');
	kv_print_json(&o.cli, &json);

	cursor_close(&cur);
	av_packet_free(&cur.pkt);
	sws_freeContext(sws);
	free(cand);
	free(idx);
	kv_video_close(v);
	free(root);
	kc_buf_release(&json);
	kc_buf_release(&img);
	kc_buf_release(&path);
	return 0;
}
