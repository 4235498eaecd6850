/*
 * kvideo-ingest: media from anything libavformat opens into a video
 * stream, cut into fragments at video keyframes without transcoding, with
 * PutMedia-style acknowledgements on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

#include "acks.h"
#include "cli.h"
#include "mkv.h"
#include "mux.h"
#include "sink.h"
#include "stream.h"
#include "tags.h"
#include "units.h"
#include "video.h"
#include "banned.h"

static const char usage[] =
	"usage: kvideo-ingest [-d DIR] -s STREAM -i INPUT [-f FORMAT] [-o KEY=VALUE]...\n"
	"                     [--producer-start TIME] [--re] [--timeout DURATION]\n"
	"                     [--fragment-duration DURATION]\n"
	"                     [--max-fragment-duration DURATION]\n"
	"                     [--max-fragment-size SIZE] [--tag NAME=VALUE]...\n"
	"                     [--tags-from FILE] [-qv]\n";

#define MAX_TRACKS 3
#define QUEUE_MAX 1024                  /* audio packets held back */
#define AUDIO_FRAGMENT_MS 2000          /* audio-only: fragment length */

enum { OPT_PRODUCER_START = 0x100, OPT_RE, OPT_TIMEOUT, OPT_FRAG_DUR,
       OPT_MAX_DUR, OPT_MAX_SIZE, OPT_TAG, OPT_TAGS_FROM };

static struct opts {
	struct kc_cli cli;
	const char *input, *format, *tags_from;
	AVDictionary *input_opts;       /* -o KEY=VALUE */
	int64_t producer_start_ms;
	int producer_start_set;
	int re;
	uint64_t timeout_ms;
	uint64_t frag_min_ms;           /* --fragment-duration */
	uint64_t max_dur_ms;
	uint64_t max_size;
	struct kvi_tags tags;
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "input", required_argument, NULL, 'i' },
	{ "format", required_argument, NULL, 'f' },
	{ "input-option", required_argument, NULL, 'o' },
	{ "producer-start", required_argument, NULL, OPT_PRODUCER_START },
	{ "re", no_argument, NULL, OPT_RE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "fragment-duration", required_argument, NULL, OPT_FRAG_DUR },
	{ "max-fragment-duration", required_argument, NULL, OPT_MAX_DUR },
	{ "max-fragment-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "tags-from", required_argument, NULL, OPT_TAGS_FROM },
	{ NULL, 0, NULL, 0 }
};

struct track {
	AVStream *in;
	int video;
	int64_t last_pts;               /* in->time_base, for missing ones */
	int64_t delay;                  /* video: kv_mkv_dts's reordering delay */
};

/* The fragment being built. */
struct frag {
	int active;                     /* a cut has started it */
	int rejected;                   /* dropping until the next cut */
	struct kvi_mux mux;
	int64_t start_us;               /* media time of its first packet */
	int64_t timecode;               /* its producer timestamp (ms) */
	int64_t server_ms;
	int64_t end_us;                 /* largest pts + duration */
	int64_t cut_max_us;             /* largest pts of the cutting track */
	int64_t cut_end_us;             /* its largest pts + duration */
	uint64_t bytes;
	struct kc_buf tags;             /* producer Tags elements */
};

static struct state {
	AVFormatContext *ic;
	struct track tracks[MAX_TRACKS];
	int ntracks;
	int cut_track;                  /* the first video track, else 0 */
	int *map;                       /* input stream -> track or -1 */
	int64_t offset_ms;              /* producer ms = media ms + offset */
	int have_offset;
	int64_t prev_cut_max_us;        /* of the last stored fragment */
	int have_prev;
	int64_t last_server_ms;
	int64_t re_start_us, re_mono_us;  /* --re: media and clock origins */
	AVPacket *queue[QUEUE_MAX];     /* audio held until its fragment is known */
	int64_t queue_us[QUEUE_MAX];
	int nq;
	struct frag cur;
	/*
	 * The current fragment's packets in muxing order (timestamps in their
	 * input time base, stream_index the track), held until it ends: video
	 * decode timestamps are rebuilt from the whole fragment's.
	 */
	AVPacket **held;
	size_t nheld, capheld;
	AVPacket **spare;               /* unreferenced packets for reuse */
	size_t nspare, capspare;
	int64_t *ts;                    /* 2 * capts: pts, then dts */
	size_t capts;
	struct kv_writer *w;
	struct kvi_sink sink;
	uint64_t stored, rejected;
	volatile sig_atomic_t *stop;
} g;

static void check(int rc, const struct kc_error *e)
{
	if (rc)
		kc_cli_fail(e);
}

/* A packet taking over pkt's data (pkt is left blank). */
static AVPacket *hold(AVPacket *pkt)
{
	AVPacket *p = g.nspare ? g.spare[--g.nspare] : av_packet_alloc();
	struct kc_error e;

	if (!p) {
		kc_error_set(&e, KC_EFAIL, "out of memory");
		kc_cli_fail(&e);
	}
	av_packet_move_ref(p, pkt);
	return p;
}

/* Unreferences p and keeps it for reuse. */
static void drop(AVPacket *p)
{
	av_packet_unref(p);
	if (g.nspare == g.capspare) {
		g.capspare = g.capspare ? 2 * g.capspare : 256;
		g.spare = kc_xrealloc(g.spare, g.capspare * sizeof(*g.spare));
	}
	g.spare[g.nspare++] = p;
}

static void drop_held(void)
{
	size_t i;

	for (i = 0; i < g.nheld; i++)
		drop(g.held[i]);
	g.nheld = 0;
}

static _Noreturn void av_die(int code, int averr, const char *fmt, const char *arg)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];
	struct kc_error e;

	av_strerror(averr, msg, sizeof(msg));
	e.code = code;
	snprintf(e.msg, sizeof(e.msg), fmt, arg);
	snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg), ": %s", msg);
	kc_cli_fail(&e);
}

static void parse_tag_option(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct kc_error e;

	if (!eq)
		kc_cli_usage(&opts.cli, "--tag '%s': expected NAME=VALUE", arg);
	if (kvi_tags_add(&opts.tags, arg, (size_t)(eq - arg), eq + 1,
			 strlen(eq + 1), 1, &e))
		kc_cli_usage(&opts.cli, "--tag %s", e.msg);
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	const char *eq;
	uint64_t v;
	int c;

	kc_cli_init(&opts.cli, usage);
	kvi_tags_init(&opts.tags);
	opts.timeout_ms = 10000;
	opts.max_dur_ms = 10000;
	opts.max_size = 50u << 20;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "i:f:o:", longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		switch (c) {
		case 'i':
			opts.input = optarg;
			break;
		case 'f':
			opts.format = optarg;
			break;
		case 'o':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				kc_cli_usage(&opts.cli, "-o '%s': expected KEY=VALUE",
					     optarg);
			{
				char *key = kc_xstrdup(optarg);

				key[eq - optarg] = '\0';
				av_dict_set(&opts.input_opts, key, eq + 1, 0);
				free(key);
			}
			break;
		case OPT_PRODUCER_START:
			if (!strcmp(optarg, "now"))
				opts.producer_start_ms = kc_now_ms();
			else if (kv_parse_time("--producer-start", optarg,
					       &opts.producer_start_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.producer_start_set = 1;
			break;
		case OPT_RE:
			opts.re = 1;
			break;
		case OPT_TIMEOUT:
			if (kc_parse_duration("--timeout", optarg, 1000,
					      &opts.timeout_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_FRAG_DUR:
			if (kc_parse_duration("--fragment-duration", optarg, 1000,
					      &opts.frag_min_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_MAX_DUR:
			if (kc_parse_duration("--max-fragment-duration", optarg,
					      1000, &opts.max_dur_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			if (!opts.max_dur_ms)
				kc_cli_usage(&opts.cli, "--max-fragment-duration: "
					     "must be above 0");
			break;
		case OPT_MAX_SIZE:
			if (kc_parse_size("--max-fragment-size", optarg, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			if (v < 1024 || v > (1u << 30))
				kc_cli_usage(&opts.cli, "--max-fragment-size: %s is "
					     "not between 1KiB and 1GiB", optarg);
			opts.max_size = v;
			break;
		case OPT_TAG:
			parse_tag_option(optarg);
			break;
		case OPT_TAGS_FROM:
			opts.tags_from = optarg;
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&opts.cli);
	if (!opts.input)
		kc_cli_usage(&opts.cli, "no input given (-i INPUT)");
}

/* ---- input ---- */

static int interrupted(void *arg)
{
	(void)arg;
	return g.stop && *g.stop;
}

/* lavfi and the capture devices (v4l2, x11grab...) live in libavdevice. */
static const AVInputFormat *find_format(const char *name)
{
	static int registered;

	if (!registered) {
		avdevice_register_all();
		registered = 1;
	}
	return av_find_input_format(name);
}

/*
 * AAC from ADTS (MPEG-TS, raw .aac) has no AudioSpecificConfig until a
 * bitstream filter sees a packet, but Matroska needs it in the header:
 * build it from the stream parameters (object type, rate index,
 * channels). The muxer strips the ADTS headers itself (aac_adtstoasc).
 */
static void aac_config(AVCodecParameters *par)
{
	static const int rates[] = { 96000, 88200, 64000, 48000, 44100, 32000,
				     24000, 22050, 16000, 12000, 11025, 8000,
				     7350 };
	int i, type = par->profile >= 0 ? par->profile + 1 : 2;
	int ch = par->ch_layout.nb_channels;

	if (par->codec_id != AV_CODEC_ID_AAC || par->extradata_size)
		return;
	for (i = 0; i < 13 && rates[i] != par->sample_rate; i++)
		;
	if (i == 13 || ch < 1 || ch > 7 || type > 31)
		return;
	par->extradata = av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE);
	if (!par->extradata)
		return;
	par->extradata[0] = (uint8_t)(type << 3 | i >> 1);
	par->extradata[1] = (uint8_t)((i & 1) << 7 | ch << 3);
	par->extradata_size = 2;
}

static void open_input(void)
{
	const AVInputFormat *fmt = NULL;
	AVDictionary *o = NULL;
	const AVDictionaryEntry *t = NULL;
	const char *url = opts.input;
	char num[32];
	struct kc_error e;
	unsigned i;
	int rc;

	if (opts.format && !(fmt = find_format(opts.format)))
		kc_cli_usage(&opts.cli, "-f '%s': unknown input format",
			     opts.format);
	if (!strcmp(url, "-"))
		url = "pipe:0";
	snprintf(num, sizeof(num), "%" PRIu64, opts.timeout_ms * 1000);
	if (!strncmp(url, "rtsp://", 7) || !strncmp(url, "rtsps://", 8)) {
		av_dict_set(&o, "rtsp_transport", "tcp", 0);
		av_dict_set(&o, "timeout", num, 0);
	} else if (strstr(url, "://")) {
		av_dict_set(&o, "rw_timeout", num, 0);
	}
	av_dict_copy(&o, opts.input_opts, 0);
	g.ic = avformat_alloc_context();
	g.ic->interrupt_callback.callback = interrupted;
	rc = avformat_open_input(&g.ic, url, fmt, &o);
	if (rc < 0)
		av_die(rc == AVERROR(ENOENT) ? KC_ENOENT
		       : rc == AVERROR_INVALIDDATA ? KC_EDATA
		       : rc == AVERROR(ETIMEDOUT) || rc == AVERROR(ECONNREFUSED)
		       ? KC_ETEMP : KC_EIO, rc, "input '%s'", opts.input);
	while ((t = av_dict_get(opts.input_opts, "", t, AV_DICT_IGNORE_SUFFIX)))
		if (av_dict_get(o, t->key, NULL, 0))
			kc_cli_usage(&opts.cli, "-o '%s': no such input option",
				     t->key);
	av_dict_free(&o);
	rc = avformat_find_stream_info(g.ic, NULL);
	if (rc < 0)
		av_die(KC_EDATA, rc, "input '%s'", opts.input);
	g.map = kc_xcalloc(g.ic->nb_streams, sizeof(*g.map));
	g.cut_track = -1;
	for (i = 0; i < g.ic->nb_streams; i++) {
		AVStream *st = g.ic->streams[i];
		enum AVMediaType type = st->codecpar->codec_type;

		g.map[i] = -1;
		if ((type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO) ||
		    (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
			continue;
		if (g.ntracks == MAX_TRACKS) {
			kvi_ack_error(0, NULL, KVI_MORE_THAN_ALLOWED_TRACKS_FOUND);
			kc_error_set(&e, KC_EDATA, "input '%s': more than %d audio "
				     "and video tracks", opts.input, MAX_TRACKS);
			kc_cli_fail(&e);
		}
		g.map[i] = g.ntracks;
		aac_config(st->codecpar);
		g.tracks[g.ntracks].in = st;
		g.tracks[g.ntracks].video = type == AVMEDIA_TYPE_VIDEO;
		g.tracks[g.ntracks].last_pts = AV_NOPTS_VALUE;
		if (type == AVMEDIA_TYPE_VIDEO && g.cut_track < 0)
			g.cut_track = g.ntracks;
		g.ntracks++;
	}
	if (!g.ntracks) {
		kc_error_set(&e, KC_EDATA, "input '%s': no audio or video track",
			     opts.input);
		kc_cli_fail(&e);
	}
	if (g.cut_track < 0)
		g.cut_track = 0;
}

/* ---- fragments ---- */

static void tag_problem(const char *msg, int limit, void *arg)
{
	struct kc_error e;

	(void)arg;
	kc_error_set(&e, KC_EDATA, "%s", msg);
	kc_cli_warn(&opts.cli, &e);
	if (limit)
		kvi_ack_error(g.cur.active ? g.cur.timecode : 0, NULL,
			      KVI_FRAGMENT_METADATA_LIMIT_REACHED);
}

static void reject(enum kvi_error_id id)
{
	kvi_ack_error(g.cur.timecode, NULL, id);
	kvi_mux_abort(&g.cur.mux);
	drop_held();
	g.cur.rejected = 1;
	g.rejected++;
}

static void seconds(int64_t ms, char out[32])
{
	snprintf(out, 32, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

/*
 * Video decode timestamps of the held packets, rebuilt from their
 * presentation times: Matroska inputs give none (or dts = pts), which a
 * muxer refuses once B-frames reorder the pts.
 */
static void rebuild_dts(void)
{
	size_t i, k;
	int t;

	if (g.nheld > g.capts) {
		g.capts = g.nheld;
		g.ts = kc_xrealloc(g.ts, 2 * g.capts * sizeof(*g.ts));
	}
	for (t = 0; t < g.ntracks; t++) {
		if (!g.tracks[t].video)
			continue;
		for (i = 0, k = 0; i < g.nheld; i++)
			if (g.held[i]->stream_index == t)
				g.ts[k++] = g.held[i]->pts;
		kv_mkv_dts(g.ts, g.ts + g.capts, k, &g.tracks[t].delay);
		for (i = 0, k = 0; i < g.nheld; i++)
			if (g.held[i]->stream_index == t)
				g.held[i]->dts = g.ts[g.capts + k++];
	}
}

/*
 * Muxes the held packets, in producer time, into fd: the current fragment
 * with its Tags; *size is then its length. Returns 0; -KC_EDATA when the
 * muxer refused a packet (the fragment is then rejected with 4006);
 * -KC_EIO when writing fd failed.
 */
static int mux_fragment(int fd, uint64_t *size, struct kc_error *e)
{
	AVStream *in[MAX_TRACKS];
	AVRational otb[MAX_TRACKS];
	int64_t off[MAX_TRACKS];
	AVPacket *p;
	size_t i;
	int t, rc;

	rebuild_dts();
	for (t = 0; t < g.ntracks; t++)
		in[t] = g.tracks[t].in;
	rc = kvi_mux_begin(&g.cur.mux, in, g.ntracks, fd, g.cur.tags.data,
			   g.cur.tags.len, e);
	if (rc && rc != -KC_EIO) {
		kvi_ack_error(g.cur.timecode, NULL, KVI_INVALID_MKV_DATA);
		kc_error_prefix(e, "input '%s': ", opts.input);
		kc_cli_fail(e);
	}
	for (t = 0; t < g.ntracks && !rc; t++) {
		otb[t] = kvi_mux_tb(&g.cur.mux, t);
		off[t] = av_rescale_q(g.offset_ms, (AVRational){ 1, 1000 }, otb[t]);
	}
	for (i = 0; i < g.nheld && !rc; i++) {
		p = g.held[i];
		t = p->stream_index;
		av_packet_rescale_ts(p, g.tracks[t].in->time_base, otb[t]);
		p->pts += off[t];
		p->dts += off[t];
		p->pos = -1;
		rc = kvi_mux_packet(&g.cur.mux, p, e);
	}
	drop_held();
	if (!rc)
		return kvi_mux_end(&g.cur.mux, size, e);
	kvi_mux_abort(&g.cur.mux);
	return rc;
}

/* Storing fragment f failed: acknowledges it and exits. */
static _Noreturn void store_failed(const struct kv_fragment *f,
				   struct kc_error *e)
{
	if (e->code == KC_ENOENT) {
		kvi_ack_error(g.cur.timecode, f->number, KVI_STREAM_NOT_ACTIVE);
		kc_error_set(e, KC_ENOENT, "video stream '%s': deleted while "
			     "ingesting", opts.cli.stream);
	} else {
		kvi_ack_error(g.cur.timecode, f->number, KVI_ARCHIVAL_ERROR);
		kc_error_prefix(e, "video stream '%s': fragment %s: ",
				opts.cli.stream, f->number);
	}
	kc_cli_fail(e);
}

/*
 * Ends the current fragment: writes it into its temporary file (the Tags
 * with its number and timestamps after the header), starts the file's
 * writeback and hands it to the durability thread.
 */
static void finish_fragment(void)
{
	static const char *const names[3] = {
		"AWS_KINESISVIDEO_FRAGMENT_NUMBER",
		"AWS_KINESISVIDEO_SERVER_TIMESTAMP",
		"AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"
	};
	const char *values[3];
	char server[32], producer[32];
	struct kvi_item it;
	struct kc_error e;
	int64_t dur;
	int rc;

	if (!g.cur.active)
		return;
	g.cur.active = 0;
	if (g.cur.rejected) {
		kc_buf_release(&g.cur.tags);
		return;
	}
	memset(&it, 0, sizeof(it));
	it.f.seq = kv_writer_reserve(g.w);
	kv_number_format(it.f.seq, it.f.number);
	seconds(g.cur.server_ms, server);
	seconds(g.cur.timecode, producer);
	values[0] = it.f.number;
	values[1] = server;
	values[2] = producer;
	kv_mkv_put_tags(&g.cur.tags, names, values, 3);
	it.f.producer_ms = g.cur.timecode;
	it.f.server_ms = g.cur.server_ms;
	/* The length of its video (of all tracks when there is none). */
	dur = ((g.tracks[g.cut_track].video ? g.cur.cut_end_us : g.cur.end_us) -
	       g.cur.start_us + 500) / 1000;
	it.f.duration_ms = dur < 0 ? 0 : dur > UINT32_MAX ? UINT32_MAX
							  : (uint32_t)dur;
	it.f.tracks = (uint32_t)g.ntracks;
	if (kv_writer_create(g.w, &it.f, &it.fd, &e)) {
		drop_held();
		store_failed(&it.f, &e);
	}
	rc = mux_fragment(it.fd, &it.f.size, &e);
	if (rc) {
		kv_writer_discard(g.w, &it.f, it.fd);
		if (rc == -KC_EIO)
			store_failed(&it.f, &e);
		kc_error_prefix(&e, "input '%s': ", opts.input);
		kc_cli_warn(&opts.cli, &e);
		reject(KVI_INVALID_MKV_DATA);
		kc_buf_release(&g.cur.tags);
		return;
	}
	it.f.cluster_offset = g.cur.mux.hdr_len + g.cur.tags.len;
	kc_buf_release(&g.cur.tags);
	kv_writer_start_sync(g.w, it.fd);
	it.timecode = g.cur.timecode;
	kvi_ack("RECEIVED", it.timecode, it.f.number);
	g.prev_cut_max_us = g.cur.cut_max_us;
	g.have_prev = 1;
	g.stored++;
	if (kvi_sink_put(&g.sink, &it, &e)) {
		if (e.code == KC_ENOENT)
			kc_error_set(&e, KC_ENOENT, "video stream '%s': deleted "
				     "while ingesting", opts.cli.stream);
		kc_cli_fail(&e);
	}
}

static void start_fragment(int64_t ts_us, int64_t ts_ms)
{
	struct kc_error e;
	int64_t now = kc_now_ms();

	if (!g.have_offset) {
		int64_t base = opts.producer_start_set ? opts.producer_start_ms
			       : g.ic->start_time_realtime != AV_NOPTS_VALUE
			       ? g.ic->start_time_realtime / 1000 : now;

		g.offset_ms = base - ts_ms;
		g.have_offset = 1;
	}
	memset(&g.cur, 0, sizeof(g.cur));
	kc_buf_init(&g.cur.tags);
	g.cur.active = 1;
	g.cur.start_us = ts_us;
	g.cur.end_us = ts_us;
	g.cur.cut_max_us = ts_us;
	g.cur.cut_end_us = ts_us;
	g.cur.timecode = ts_ms + g.offset_ms;
	g.cur.server_ms = now > g.last_server_ms ? now : g.last_server_ms;
	g.last_server_ms = g.cur.server_ms;
	kvi_ack("BUFFERING", g.cur.timecode, NULL);
	if (g.have_prev && ts_us <= g.prev_cut_max_us) {
		reject(KVI_FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS);
		return;
	}
	check(kvi_tags_poll(&opts.tags, tag_problem, NULL, &e), &e);
	kvi_tags_take(&opts.tags, &g.cur.tags);
}

/*
 * Adds p (of track t, at media time ts_us; the fragment takes it over) to
 * the current fragment, which the limits may reject.
 */
static void add_packet(AVPacket *p, int t, int64_t ts_us)
{
	struct track *tr = &g.tracks[t];
	int64_t end;

	if (!g.cur.active || g.cur.rejected) {
		drop(p);
		return;
	}
	end = ts_us + av_rescale_q(p->duration, tr->in->time_base,
				   AV_TIME_BASE_Q);
	if (end > g.cur.end_us)
		g.cur.end_us = end;
	if (t == g.cut_track && ts_us > g.cur.cut_max_us)
		g.cur.cut_max_us = ts_us;
	if (t == g.cut_track && end > g.cur.cut_end_us)
		g.cur.cut_end_us = end;
	g.cur.bytes += (uint64_t)p->size;
	if (g.cur.end_us - g.cur.start_us > (int64_t)opts.max_dur_ms * 1000) {
		drop(p);
		reject(KVI_MAX_FRAGMENT_DURATION_REACHED);
		return;
	}
	if (g.cur.bytes > opts.max_size) {
		drop(p);
		reject(KVI_MAX_FRAGMENT_SIZE_REACHED);
		return;
	}
	p->stream_index = t;
	if (g.nheld == g.capheld) {
		g.capheld = g.capheld ? 2 * g.capheld : 256;
		g.held = kc_xrealloc(g.held, g.capheld * sizeof(*g.held));
	}
	g.held[g.nheld++] = p;
}

/*
 * Moves the held-back audio earlier than before_us (all: INT64_MAX) into
 * the current fragment. Before the first fragment nothing moves: audio
 * ahead of the first keyframe goes into the first fragment.
 */
static void flush_queue(int64_t before_us)
{
	int i, j = 0;

	if (!g.cur.active && !g.have_prev)
		return;

	for (i = 0; i < g.nq; i++) {
		AVPacket *p = g.queue[i];

		if (g.queue_us[i] < before_us) {
			add_packet(p, p->stream_index, g.queue_us[i]);
		} else {
			g.queue_us[j] = g.queue_us[i];
			g.queue[j++] = p;
		}
	}
	g.nq = j;
}

/* --re: sleeps until the packet's media time has come. */
static void pace(int64_t ts_us)
{
	int64_t now = (int64_t)(kc_mono_ns() / 1000), due;
	struct timespec ts;

	if (g.re_mono_us == 0) {
		g.re_mono_us = now;
		g.re_start_us = ts_us;
		return;
	}
	due = g.re_mono_us + (ts_us - g.re_start_us);
	if (due <= now)
		return;
	ts.tv_sec = (time_t)((due - now) / 1000000);
	ts.tv_nsec = (long)((due - now) % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

static void handle(AVPacket *pkt)
{
	int t = g.map[pkt->stream_index];
	struct track *tr;
	int64_t ts, ts_us, ts_ms, min_us;
	int cut;

	if (t < 0)
		return;
	tr = &g.tracks[t];
	/* Packets without timestamps get the previous one's plus duration. */
	if (pkt->pts == AV_NOPTS_VALUE)
		pkt->pts = pkt->dts;
	if (pkt->pts == AV_NOPTS_VALUE && tr->last_pts != AV_NOPTS_VALUE)
		pkt->pts = tr->last_pts + (pkt->duration > 0 ? pkt->duration : 1);
	if (pkt->pts == AV_NOPTS_VALUE)
		pkt->pts = 0;
	if (pkt->dts == AV_NOPTS_VALUE)
		pkt->dts = pkt->pts;
	tr->last_pts = pkt->pts;
	ts = pkt->pts;
	ts_us = av_rescale_q(ts, tr->in->time_base, AV_TIME_BASE_Q);
	if (opts.re)
		pace(ts_us);
	pkt->stream_index = t;

	if (t != g.cut_track) {
		/* Audio (or a second video track) waits for its fragment. */
		if (g.nq == QUEUE_MAX)
			flush_queue(g.queue_us[0] + 1);
		g.queue[g.nq] = hold(pkt);
		g.queue_us[g.nq++] = ts_us;
		return;
	}
	min_us = (int64_t)(opts.frag_min_ms ? opts.frag_min_ms
			   : tr->video ? 0 : AUDIO_FRAGMENT_MS) * 1000;
	cut = (!tr->video || (pkt->flags & AV_PKT_FLAG_KEY)) &&
	      (!g.cur.active || g.cur.rejected || ts_us < g.cur.start_us ||
	       ts_us - g.cur.start_us >= min_us);
	if (cut) {
		/* Going backwards: everything held belongs to the old one. */
		flush_queue(g.have_prev && ts_us <= g.cur.cut_max_us
			    ? INT64_MAX : ts_us);
		finish_fragment();
		ts_ms = av_rescale_q(ts, tr->in->time_base, (AVRational){ 1, 1000 });
		start_fragment(ts_us, ts_ms);
	} else {
		if (tr->video && (pkt->flags & AV_PKT_FLAG_KEY))
			/* Inside a --fragment-duration fragment: one cluster. */
			pkt->flags &= ~AV_PKT_FLAG_KEY;
		flush_queue(ts_us);
	}
	add_packet(hold(pkt), t, ts_us);
}

static int exit_status(int averr)
{
	if (averr == AVERROR_INVALIDDATA)
		return KC_EDATA;
	if (averr == AVERROR(ETIMEDOUT) || averr == AVERROR(EAGAIN))
		return KC_ETEMP;
	return KC_EIO;
}

int main(int argc, char **argv)
{
	struct kc_error e;
	AVPacket *pkt;
	char *root;
	int rc = AVERROR_EOF, status = 0, i;

	/*
	 * The muxer builds each Cluster in a buffer growing to megabytes, one
	 * fragment after another: keep freed memory in the heap for reuse
	 * rather than mapping and faulting in fresh pages for each.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	parse_options(argc, argv);
	av_log_set_level(opts.cli.verbosity > 0 ? AV_LOG_WARNING : AV_LOG_ERROR);
	root = kc_root_resolve(opts.cli.dir);
	check(kv_writer_open(root, opts.cli.stream, &g.w, &e), &e);
	if (opts.tags_from)
		check(kvi_tags_open(&opts.tags, opts.tags_from, &e), &e);
	g.stop = kc_cli_catch_stop();
	open_input();
	check(kvi_sink_start(&g.sink, g.w, &e), &e);
	pkt = av_packet_alloc();
	while (!*g.stop && (rc = av_read_frame(g.ic, pkt)) >= 0) {
		handle(pkt);
		av_packet_unref(pkt);
	}
	if (*g.stop)
		rc = AVERROR_EOF;
	flush_queue(INT64_MAX);
	finish_fragment();
	if (rc != AVERROR_EOF && rc != AVERROR_EXIT) {
		char msg[AV_ERROR_MAX_STRING_SIZE];

		av_strerror(rc, msg, sizeof(msg));
		kvi_ack_error(g.cur.timecode, NULL, KVI_STREAM_READ_ERROR);
		kc_error_set(&e, exit_status(rc), "input '%s': %s", opts.input,
			     msg);
		kc_cli_warn(&opts.cli, &e);
		status = e.code;
	}
	if (kvi_sink_finish(&g.sink, &e)) {
		if (e.code == KC_ENOENT)
			kc_error_set(&e, KC_ENOENT, "video stream '%s': deleted "
				     "while ingesting", opts.cli.stream);
		kc_cli_fail(&e);
	}
	if (kvi_ack_status()) {
		kc_error_errno(&e, KC_EIO, kvi_ack_status(), "stdout");
		kc_cli_fail(&e);
	}
	if (opts.cli.verbosity > 0)
		fprintf(stderr, "kvideo-ingest: stream '%s': %" PRIu64 " fragments "
			"stored, %" PRIu64 " rejected\n", opts.cli.stream,
			g.stored, g.rejected);
	for (i = 0; i < g.nq; i++)
		av_packet_free(&g.queue[i]);
	drop_held();
	while (g.nspare)
		av_packet_free(&g.spare[--g.nspare]);
	free(g.spare);
	free(g.held);
	free(g.ts);
	av_packet_free(&pkt);
	avformat_close_input(&g.ic);
	av_dict_free(&opts.input_opts);
	kvi_tags_release(&opts.tags);
	kv_writer_close(g.w);
	free(g.map);
	free(root);
	return status;
}
