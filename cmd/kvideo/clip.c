/*
 * clip.c: kvideo get-clip (GetClip): the fragments of a time range of a
 * video stream remuxed, without transcoding, into one MP4 file. As KVS:
 * the range is inclusive on fragment start times and at most 3 hours long,
 * the clip holds at most the first 200 fragments or 100 MB of them, and the
 * media must be H.264 or H.265 (optionally with AAC) with codec private
 * data. A file is written next to its target and renamed into place; to
 * stdout ("-") the clip is a fragmented MP4, which needs no seeking.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/log.h>

#include "avfrag.h"
#include "cli.h"
#include "file.h"
#include "json.h"
#include "kvideo.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

/* GetClip's limits. */
#define CLIP_RANGE_MAX_MS (3 * 3600 * 1000LL)
#define CLIP_FRAGMENTS_MAX 200
#define CLIP_BYTES_MAX (100ull << 20)
#define CLIP_IO_BUF 65536

static const char usage[] =
	"usage: kvideo get-clip [-d DIR] -s STREAM --fragment-selector-type TYPE\n"
	"           --start-timestamp TIME --end-timestamp TIME\n"
	"           [--max-fragments N] [--max-size SIZE] [-qv] -o FILE | FILE\n"
	"       kvideo get-clip [-d DIR] -s STREAM --clip-fragment-selector SELECTOR\n"
	"           [--max-fragments N] [--max-size SIZE] [-qv] -o FILE | FILE\n"
	"TYPE: PRODUCER_TIMESTAMP | SERVER_TIMESTAMP; FILE - is stdout "
	"(fragmented MP4)\n"
	"SELECTOR: FragmentSelectorType=TYPE,TimestampRange={StartTimestamp=TIME,"
	"EndTimestamp=TIME}\n"
	"          or the same as JSON\n";

enum { OPT_SELECTOR = 0x100, OPT_START, OPT_END, OPT_MAX_FRAGMENTS,
       OPT_MAX_SIZE, OPT_CLIP_SELECTOR };

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "fragment-selector-type", required_argument, NULL, OPT_SELECTOR },
	{ "start-timestamp", required_argument, NULL, OPT_START },
	{ "end-timestamp", required_argument, NULL, OPT_END },
	{ "max-fragments", required_argument, NULL, OPT_MAX_FRAGMENTS },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "clip-fragment-selector", required_argument, NULL, OPT_CLIP_SELECTOR },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};

static struct clip_opts {
	struct kc_cli cli;
	int selector;                   /* -1 unset, else enum kv_time */
	int64_t start_ms, end_ms;
	int start_set, end_set;
	uint64_t max_fragments, max_bytes;
	const char *out;                /* "-": stdout */
} o;

/* The temporary file being written, removed on any failure. */
static char *tmp_path;

static _Noreturn void fail(struct kc_error *e)
{
	if (tmp_path)
		unlink(tmp_path);
	kc_cli_fail(e);
}

static _Noreturn void failf(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static _Noreturn void failf(int code, const char *fmt, ...)
{
	struct kc_error e;
	va_list ap;

	e.code = code;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	fail(&e);
}

static int64_t parse_time_opt(const char *what, const char *arg)
{
	struct kc_error e;
	int64_t ms;

	if (kv_parse_time(what, arg, &ms, &e))
		kc_cli_usage(&o.cli, "%s", e.msg);
	return ms;
}

static void set_selector(const char *what, const char *v)
{
	if (!strcmp(v, "PRODUCER_TIMESTAMP"))
		o.selector = KV_TIME_PRODUCER;
	else if (!strcmp(v, "SERVER_TIMESTAMP"))
		o.selector = KV_TIME_SERVER;
	else
		kc_cli_usage(&o.cli, "%s: '%s' is not PRODUCER_TIMESTAMP or "
			     "SERVER_TIMESTAMP", what, v);
}

/* One KEY=VALUE of the selector, KEY as the AWS CLI names it. */
static void set_selector_field(const char *key, size_t klen, const char *v)
{
	static const char what[] = "--clip-fragment-selector";

	if (klen == 20 && !strncmp(key, "FragmentSelectorType", klen)) {
		set_selector(what, v);
	} else if (klen == 14 && !strncmp(key, "StartTimestamp", klen)) {
		o.start_ms = parse_time_opt(what, v);
		o.start_set = 1;
	} else if (klen == 12 && !strncmp(key, "EndTimestamp", klen)) {
		o.end_ms = parse_time_opt(what, v);
		o.end_set = 1;
	} else {
		kc_cli_usage(&o.cli, "%s: unknown key '%.*s'", what, (int)klen, key);
	}
}

/*
 * Parses the AWS CLI's ClipFragmentSelector, as shorthand
 * ("FragmentSelectorType=T,TimestampRange={StartTimestamp=A,EndTimestamp=B}")
 * or as JSON.
 */
static void parse_clip_selector(const char *arg)
{
	static const char *const keys[] = { "FragmentSelectorType",
		"TimestampRange.StartTimestamp", "TimestampRange.EndTimestamp" };
	struct kc_error e;
	char *copy, *p, *end;
	size_t i;

	if (arg[0] == '{') {
		struct kc_json *j = kc_json_parse(arg, strlen(arg), &e);

		if (!j)
			kc_cli_usage(&o.cli, "--clip-fragment-selector: %s", e.msg);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const char *v, *why, *key = strrchr(keys[i], '.');
			size_t n;
			char *val;

			key = key ? key + 1 : keys[i];
			if (kc_json_get(j, keys[i], &v, &n, &why))
				kc_cli_usage(&o.cli, "--clip-fragment-selector: "
					     "%s: %s", keys[i], why);
			val = kc_xmalloc(n + 1);
			memcpy(val, v, n);
			val[n] = '\0';
			set_selector_field(key, strlen(key), val);
			free(val);
		}
		kc_json_free(j);
		return;
	}
	/* Shorthand: the braces only group; drop "TimestampRange={" and "}". */
	copy = kc_xstrdup(arg);
	if ((p = strstr(copy, "TimestampRange={")) != NULL)
		memmove(p, p + 16, strlen(p + 16) + 1);
	if ((p = strchr(copy, '}')) != NULL)
		memmove(p, p + 1, strlen(p + 1) + 1);
	p = copy;
	while (*p) {
		char *eq, *next;

		end = strchr(p, ',');
		next = end ? end + 1 : p + strlen(p);
		if (end)
			*end = '\0';
		eq = strchr(p, '=');
		if (!eq)
			kc_cli_usage(&o.cli, "--clip-fragment-selector: '%s' is not "
				     "KEY=VALUE", p);
		set_selector_field(p, (size_t)(eq - p), eq + 1);
		p = next;
	}
	free(copy);
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	uint64_t v;
	int c;

	o.selector = -1;
	o.max_fragments = CLIP_FRAGMENTS_MAX;
	o.max_bytes = CLIP_BYTES_MAX;
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
			set_selector("--fragment-selector-type", optarg);
			break;
		case OPT_CLIP_SELECTOR:
			parse_clip_selector(optarg);
			break;
		case OPT_START:
			o.start_ms = parse_time_opt("--start-timestamp", optarg);
			o.start_set = 1;
			break;
		case OPT_END:
			o.end_ms = parse_time_opt("--end-timestamp", optarg);
			o.end_set = 1;
			break;
		case OPT_MAX_FRAGMENTS:
			if (kc_parse_uint("--max-fragments", optarg, 1,
					  CLIP_FRAGMENTS_MAX, &v, &e))
				kc_cli_usage(&o.cli, "%s", e.msg);
			o.max_fragments = v;
			break;
		case OPT_MAX_SIZE:
			if (kc_parse_size("--max-size", optarg, &v, &e))
				kc_cli_usage(&o.cli, "%s", e.msg);
			if (v < 1 || v > CLIP_BYTES_MAX)
				kc_cli_usage(&o.cli, "--max-size: '%s' is not in "
					     "1B..100MiB", optarg);
			o.max_bytes = v;
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			kc_cli_option(&o.cli, c, optarg);
			break;
		}
	}
	if (optind < argc && !o.out)
		o.out = argv[optind++];
	if (optind < argc)
		kc_cli_usage(&o.cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&o.cli);
	if (o.selector < 0)
		kc_cli_usage(&o.cli, "no --fragment-selector-type given");
	if (!o.start_set || !o.end_set)
		kc_cli_usage(&o.cli, "no --%s-timestamp given",
			     o.start_set ? "end" : "start");
	if (!o.out)
		kc_cli_usage(&o.cli, "no output file given (-o FILE, - for "
			     "stdout)");
	if (o.end_ms <= o.start_ms)
		failf(KC_EUSAGE, "--end-timestamp: InvalidArgumentException: "
		      "not after --start-timestamp");
	if (o.end_ms - o.start_ms > CLIP_RANGE_MAX_MS)
		failf(KC_EUSAGE, "--end-timestamp: InvalidArgumentException: "
		      "more than 3 hours after --start-timestamp");
}

/* A fragment of the clip, in the order it goes into the MP4. */
struct piece {
	int64_t start;                  /* on the selector's clock */
	size_t pos;                     /* in the snapshot */
	uint64_t seq;
};

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the muxer's output to stdout (the non-seekable fragmented case). */
static int write_stdout(void *opaque, uint8_t *buf, int n)
{
	(void)opaque;
	if (kc_write_all(STDOUT_FILENO, buf, (size_t)n))
		return AVERROR(errno);
	return n;
}

/*
 * The length of a NAL unit length prefix in a track's packets: 1, 2 or 4
 * from an avcC/hvcC record, 0 when packets are Annex B (start codes).
 */
static int nal_length_size(const AVCodecParameters *p)
{
	const uint8_t *d = p->extradata;

	if (p->codec_id == AV_CODEC_ID_H264 && p->extradata_size >= 7 &&
	    d[0] == 1)
		return (d[4] & 3) + 1;
	if (p->codec_id == AV_CODEC_ID_HEVC && p->extradata_size >= 23 &&
	    d[0] == 1)
		return (d[21] & 3) + 1;
	return 0;
}

/*
 * Whether a video packet parses as NAL units: length-prefixed units that
 * fill it exactly, or Annex B data starting with a start code.
 */
static int frame_parses(const AVPacket *pkt, int lsize)
{
	const uint8_t *d = pkt->data;
	size_t n = (size_t)pkt->size, i = 0, len;
	int k;

	if (n == 0)
		return 0;
	if (lsize == 0)
		return n >= 4 && d[0] == 0 && d[1] == 0 &&
		       (d[2] == 1 || (d[2] == 0 && d[3] == 1));
	while (i < n) {
		if (n - i < (size_t)lsize)
			return 0;
		for (len = 0, k = 0; k < lsize; k++)
			len = len << 8 | d[i + (size_t)k];
		i += (size_t)lsize;
		if (len == 0 || len > n - i)
			return 0;
		i += len;
	}
	return 1;
}

static int av_errno_code(int averr)
{
	return averr == AVERROR(ENOSPC) || averr == AVERROR(EIO) ||
	       averr == AVERROR(EFBIG) || averr == AVERROR(EDQUOT)
	       ? KC_EIO : KC_EFAIL;
}

static void av_failf(int averr, const char *what)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	if (averr == AVERROR(EPIPE))    /* stdout's reader went away */
		exit(o.cli.epipe_status);
	av_strerror(averr, buf, sizeof(buf));
	failf(av_errno_code(averr), "%s: %s", what, buf);
}

/* Opens the output: a temporary file beside the target, or stdout. */
static AVFormatContext *open_output(AVDictionary **mux_opts)
{
	AVFormatContext *oc = NULL;
	mode_t mask;
	int rc, fd;

	rc = avformat_alloc_output_context2(&oc, NULL, "mp4", NULL);
	if (rc < 0 || !oc)
		av_failf(rc, "mp4 muxer");
	if (!strcmp(o.out, "-")) {
		uint8_t *buf = av_malloc(CLIP_IO_BUF);

		if (!buf)
			failf(KC_EFAIL, "out of memory");
		oc->pb = avio_alloc_context(buf, CLIP_IO_BUF, 1, NULL, NULL,
					    write_stdout, NULL);
		if (!oc->pb)
			failf(KC_EFAIL, "out of memory");
		oc->flags |= AVFMT_FLAG_CUSTOM_IO;
		av_dict_set(mux_opts, "movflags",
			    "frag_keyframe+empty_moov+default_base_moof", 0);
		return oc;
	}
	{
		struct kc_buf t = KC_BUF_INIT;
		const char *slash = strrchr(o.out, '/');

		if (slash)
			kc_buf_addf(&t, "%.*s/.%s.XXXXXX", (int)(slash - o.out),
				    o.out, slash + 1);
		else
			kc_buf_addf(&t, ".%s.XXXXXX", o.out);
		fd = mkstemp(t.data);
		if (fd < 0) {
			struct kc_error e;

			kc_error_errno(&e, KC_EIO, errno, "output '%s'", o.out);
			kc_cli_fail(&e);
		}
		mask = umask(0);        /* mkstemp made it 0600 */
		umask(mask);
		fchmod(fd, 0666 & ~mask);
		close(fd);
		tmp_path = t.data;      /* kept until exit */
	}
	/* faststart's second pass reopens the file by its url. */
	oc->url = av_strdup(tmp_path);
	if (!oc->url)
		failf(KC_EFAIL, "out of memory");
	rc = avio_open(&oc->pb, tmp_path, AVIO_FLAG_WRITE);
	if (rc < 0)
		av_failf(rc, "output");
	av_dict_set(mux_opts, "movflags", "faststart", 0);
	return oc;
}

/* Makes the finished temporary file durable and renames it to the target. */
static void finish_output(void)
{
	struct kc_error e;
	char *dir, *slash;
	int fd;

	fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || kc_fsync(fd)) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		kc_error_errno(&e, KC_EIO, err, "output '%s'", o.out);
		fail(&e);
	}
	close(fd);
	if (rename(tmp_path, o.out)) {
		kc_error_errno(&e, KC_EIO, errno, "output '%s'", o.out);
		fail(&e);
	}
	free(tmp_path);
	tmp_path = NULL;
	dir = kc_xstrdup(o.out);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (kc_fsync_dir(slash ? (dir[0] ? dir : "/") : ".")) {
		kc_error_errno(&e, KC_EIO, errno, "output '%s'", o.out);
		kc_cli_fail(&e);
	}
	free(dir);
}

int kv_cmd_get_clip(int argc, char **argv)
{
	struct kc_error e;
	struct kv_video *v = NULL;
	struct kv_avfrag af;
	struct kc_buf path = KC_BUF_INIT, json = KC_BUF_INIT;
	AVFormatContext *oc = NULL;
	AVDictionary *mux_opts = NULL;
	AVPacket *pkt;
	volatile sig_atomic_t *stop;
	struct piece *pieces;
	size_t *idx = NULL, n = 0, i, npieces = 0;
	uint64_t bytes = 0, used = 0;
	int64_t last_dts[KV_AVFRAG_MAX_STREAMS], base = 0, adj = 0;
	int lsize[KV_AVFRAG_MAX_STREAMS];
	int rc, s, header = 0;
	char *root;
	char a[40], b[40];

	kc_cli_init(&o.cli, usage);
	parse_options(argc, argv);
	av_log_set_level(o.cli.verbosity > 0 ? AV_LOG_WARNING : AV_LOG_QUIET);
	stop = kc_cli_catch_stop();

	root = kc_root_resolve(o.cli.dir);
	if (kc_name_check("video stream", o.cli.stream, &e) ||
	    kv_video_open(root, o.cli.stream, &v, &e))
		kc_cli_fail(&e);
	if (kv_video_info(v)->retention_hours == 0)
		failf(KC_EFAIL, "video stream '%s': NoDataRetentionException: "
		      "the stream keeps no data (retention 0 hours)",
		      o.cli.stream);
	if (kv_video_range(v, (enum kv_time)o.selector, o.start_ms, o.end_ms,
			   &idx, &n, &e))
		kc_cli_fail(&e);
	pieces = kc_xcalloc(n ? n : 1, sizeof(*pieces));
	for (i = 0; i < n; i++) {
		const struct kv_fragment *f = kv_video_at(v, idx[i]);

		pieces[i].start = kv_fragment_time(f, (enum kv_time)o.selector);
		pieces[i].pos = idx[i];
		pieces[i].seq = f->seq;
	}
	qsort(pieces, n, sizeof(*pieces), cmp_piece);
	/* The first 200 fragments or 100 MB (at least one fragment). */
	for (i = 0; i < n && i < o.max_fragments; i++) {
		const struct kv_fragment *f = kv_video_at(v, pieces[i].pos);

		if (i > 0 && bytes + f->size > o.max_bytes)
			break;
		bytes += f->size;
	}
	npieces = i;

	/*
	 * Stored fragments carry their producer times as timecodes: the clip
	 * keeps them (less the first one), gaps included. A fragment that
	 * would go back in time (another ingest session's overlapping
	 * producer times) is moved after the one before it, as an MP4 track
	 * has one timeline.
	 */
	kv_avfrag_init(&af, KV_AVFRAG_PRODUCER);
	pkt = av_packet_alloc();
	if (!pkt)
		failf(KC_EFAIL, "out of memory");
	for (s = 0; s < KV_AVFRAG_MAX_STREAMS; s++)
		last_dts[s] = INT64_MIN;
	for (i = 0; i < npieces; i++) {
		const struct kv_fragment *f = kv_video_at(v, pieces[i].pos);

		if (*stop)
			failf(KC_EFAIL, "get-clip: interrupted");
		kv_video_fragment_path(v, f, &path);
		rc = kv_avfrag_open(&af, path.data, f->producer_ms, &e);
		if (rc == -KC_ENOENT)   /* trimmed by retention meanwhile */
			continue;
		if (rc)
			failf(e.code, "video stream '%s': "
			      "InvalidMediaFrameException: %s", o.cli.stream,
			      e.msg);
		if (!header) {
			if (kv_avfrag_check_codecs(&af, &e))
				failf(e.code, "video stream '%s': %s", o.cli.stream,
				      e.msg);
			oc = open_output(&mux_opts);
			if (kv_avfrag_add_streams(&af, oc, &e))
				fail(&e);
			for (s = 0; s < af.nb_streams; s++)
				lsize[s] = nal_length_size(af.par[s]);
			av_dict_set(&oc->metadata, "creation_time", NULL, 0);
			rc = avformat_write_header(oc, &mux_opts);
			if (rc < 0)
				failf(KC_EDATA, "video stream '%s': "
				      "InvalidCodecPrivateDataException: the mp4 muxer "
				      "refused the tracks", o.cli.stream);
			header = 1;
		} else if (af.changed) {
			if (kv_avfrag_check_codecs(&af, &e))
				failf(e.code, "video stream '%s': fragment %s: "
				      "%s", o.cli.stream, f->number, e.msg);
			failf(KC_EDATA, "video stream '%s': "
			      "InvalidCodecPrivateDataException: fragment %s: "
			      "the codec private data changed", o.cli.stream,
			      f->number);
		}
		used++;
		if (used == 1)
			base = af.frag_start - af.shift;
		for (s = 0; s < af.nb_streams; s++) {
			int64_t first = af.first[s] - af.shift - base + adj;

			if (af.first[s] != INT64_MAX && last_dts[s] != INT64_MIN &&
			    first <= last_dts[s])
				adj += last_dts[s] + 1 - first;
		}
		/* Video dts come rebuilt from the pts (avfrag). */
		while ((rc = kv_avfrag_read(&af, pkt, &e)) == 0) {
			s = pkt->stream_index;
			pkt->dts += adj - af.shift - base;
			pkt->pts += adj - af.shift - base;
			if (af.par[s]->codec_type == AVMEDIA_TYPE_VIDEO &&
			    !frame_parses(pkt, lsize[s]))
				failf(KC_EDATA, "video stream '%s': "
				      "InvalidMediaFrameException: fragment %s: "
				      "a %s frame at %" PRId64 " ms does not parse",
				      o.cli.stream, f->number,
				      kv_avfrag_codec_name(af.par[s]), pkt->pts);
			if (pkt->dts <= last_dts[s])
				failf(KC_EDATA, "video stream '%s': "
				      "InvalidMediaFrameException: fragment %s: "
				      "timestamps go backwards", o.cli.stream,
				      f->number);
			last_dts[s] = pkt->dts;
			av_packet_rescale_ts(pkt, af.tb, oc->streams[s]->time_base);
			pkt->pos = -1;
			rc = av_interleaved_write_frame(oc, pkt);
			if (rc < 0)
				av_failf(rc, "output");
		}
		if (rc < 0)
			failf(e.code, "video stream '%s': "
			      "InvalidMediaFrameException: %s", o.cli.stream,
			      e.msg);
	}
	if (!header)
		failf(KC_ENOENT, "video stream '%s': ResourceNotFoundException: "
		      "no fragments with %s timestamps from %.*s to %.*s", o.cli.stream,
		      o.selector == KV_TIME_PRODUCER ? "producer" : "server",
		      kc_format_time(o.start_ms, a), a,
		      kc_format_time(o.end_ms, b), b);
	rc = av_write_trailer(oc);
	if (rc < 0)
		av_failf(rc, "output");
	if (oc->flags & AVFMT_FLAG_CUSTOM_IO) {
		avio_flush(oc->pb);
		av_freep(&oc->pb->buffer);
		avio_context_free(&oc->pb);
	} else {
		rc = avio_closep(&oc->pb);
		if (rc < 0)
			av_failf(rc, "output");
		finish_output();
		kc_buf_adds(&json, "{\"ContentType\":\"video/mp4\"}");
		kv_print_json(&o.cli, &json);
	}
	if (o.cli.verbosity > 0)
		fprintf(stderr, "kvideo: get-clip: %" PRIu64 " of %zu fragments, "
			"%" PRIu64 " bytes\n", used, n, bytes);
	avformat_free_context(oc);
	av_dict_free(&mux_opts);
	av_packet_free(&pkt);
	kv_avfrag_release(&af);
	free(pieces);
	free(idx);
	kv_video_close(v);
	free(root);
	kc_buf_release(&path);
	kc_buf_release(&json);
	return 0;
}
