/*
 * hls.c: kvideo hls, GetHLSStreamingSessionURL served from a directory:
 * master and media playlists and media segments (one per stored fragment)
 * written into OUTDIR, which any static web server can serve, with the
 * player page beside them. LIVE and LIVE_REPLAY sessions keep the playlist
 * current until SIGTERM or SIGINT; ON_DEMAND writes a static playlist.
 *
 * Files in OUTDIR: master.m3u8 (one variant), media.m3u8, init-K.mp4 (fMP4
 * init segments; K counts codec changes), seg-NUMBER.m4s or seg-NUMBER.ts
 * (NUMBER the fragment number), index.html and hls.min.js. Every file is
 * replaced atomically (temp file, rename), so a player never reads half a
 * playlist or segment; a segment is in place before a playlist names it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>
#include <libavutil/log.h>

#include "cli.h"
#include "file.h"
#include "hls.h"
#include "kvideo.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

static const char usage[] =
	"usage: kvideo hls [-d DIR] -s STREAM -o OUTDIR [--playback-mode MODE]\n"
	"                  [--fragment-selector-type TYPE] [--start-timestamp TIME]\n"
	"                  [--end-timestamp TIME] [--container-format FORMAT]\n"
	"                  [--discontinuity-mode MODE]\n"
	"                  [--display-fragment-timestamp ALWAYS|NEVER]\n"
	"                  [--max-media-playlist-fragment-results N]\n"
	"                  [--hlsjs PATH] [--no-follow] [-qv]\n"
	"MODE: LIVE (default) | LIVE_REPLAY | ON_DEMAND\n"
	"TYPE: SERVER_TIMESTAMP (default) | PRODUCER_TIMESTAMP\n"
	"FORMAT: FRAGMENTED_MP4 (default) | MPEG_TS\n"
	"discontinuity MODE: ALWAYS | NEVER | ON_DISCONTINUITY\n";

enum mode { LIVE, LIVE_REPLAY, ON_DEMAND };
enum disc { DISC_DEFAULT, DISC_ALWAYS, DISC_NEVER, DISC_ON };

#define MAX_RESULTS 5000               /* MaxMediaPlaylistFragmentResults */
#define MAX_RANGE_MS (24LL * 3600 * 1000) /* ON_DEMAND: End - Start */
#define GAP_MS 50                       /* ON_DISCONTINUITY threshold */
#define LIVE_RECENT_MS 30000            /* LIVE needs a fragment this new */

enum { OPT_MODE = 0x100, OPT_TYPE, OPT_START, OPT_END, OPT_CONTAINER,
       OPT_DISC, OPT_DISPLAY, OPT_MAX, OPT_HLSJS, OPT_NO_FOLLOW };

static struct hls_opts {
	struct kc_cli cli;
	const char *outdir;
	enum mode mode;
	enum kv_time clock;
	const char *start_s, *end_s;
	int64_t start_ms, end_ms;
	enum kv_hls_container container;
	enum disc disc;
	int pdt;                        /* DisplayFragmentTimestamp ALWAYS */
	uint64_t max;                   /* 0: the mode's default */
	const char *hlsjs;
	int follow;
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "stream-name", required_argument, NULL, 's' },
	{ "output-dir", required_argument, NULL, 'o' },
	{ "playback-mode", required_argument, NULL, OPT_MODE },
	{ "fragment-selector-type", required_argument, NULL, OPT_TYPE },
	{ "start-timestamp", required_argument, NULL, OPT_START },
	{ "end-timestamp", required_argument, NULL, OPT_END },
	{ "container-format", required_argument, NULL, OPT_CONTAINER },
	{ "discontinuity-mode", required_argument, NULL, OPT_DISC },
	{ "display-fragment-timestamp", required_argument, NULL, OPT_DISPLAY },
	{ "max-media-playlist-fragment-results", required_argument, NULL,
	  OPT_MAX },
	{ "hlsjs", required_argument, NULL, OPT_HLSJS },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ NULL, 0, NULL, 0 }
};

/* Returns the index of arg in names (n of them), or exits 64. */
static int pick(const char *opt, const char *arg, const char *const *names,
		int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	kc_cli_usage(&opts.cli, "%s: unknown value '%s'", opt, arg);
}

static void parse_options(int argc, char **argv)
{
	static const char *const modes[] = { "LIVE", "LIVE_REPLAY",
					     "ON_DEMAND" };
	static const char *const types[] = { "PRODUCER_TIMESTAMP",
					     "SERVER_TIMESTAMP" };
	static const char *const containers[] = { "FRAGMENTED_MP4", "MPEG_TS" };
	static const char *const discs[] = { "ALWAYS", "NEVER",
					     "ON_DISCONTINUITY" };
	static const char *const display[] = { "NEVER", "ALWAYS" };
	struct kc_error e;
	int c;

	opts.mode = LIVE;
	opts.clock = KV_TIME_SERVER;
	opts.container = KV_HLS_FMP4;
	opts.follow = 1;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "o:", longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		switch (c) {
		case 'o':
			opts.outdir = optarg;
			break;
		case OPT_MODE:
			opts.mode = (enum mode)pick("--playback-mode", optarg,
						    modes, 3);
			break;
		case OPT_TYPE:
			opts.clock = pick("--fragment-selector-type", optarg,
					  types, 2) ? KV_TIME_SERVER
						    : KV_TIME_PRODUCER;
			break;
		case OPT_START:
			opts.start_s = optarg;
			if (kv_parse_time("--start-timestamp", optarg,
					  &opts.start_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_END:
			opts.end_s = optarg;
			if (kv_parse_time("--end-timestamp", optarg,
					  &opts.end_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_CONTAINER:
			opts.container = pick("--container-format", optarg,
					      containers, 2) ? KV_HLS_TS
							     : KV_HLS_FMP4;
			break;
		case OPT_DISC:
			opts.disc = (enum disc)(1 + pick("--discontinuity-mode",
							 optarg, discs, 3));
			break;
		case OPT_DISPLAY:
			opts.pdt = pick("--display-fragment-timestamp", optarg,
					display, 2);
			break;
		case OPT_MAX:
			if (kc_parse_uint("--max-media-playlist-fragment-results",
					  optarg, 1, MAX_RESULTS, &opts.max, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_HLSJS:
			opts.hlsjs = optarg;
			break;
		case OPT_NO_FOLLOW:
			opts.follow = 0;
			break;
		default:
			kc_cli_usage(&opts.cli, "unknown option");
		}
	}
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	kc_cli_need_stream(&opts.cli);
	if (kc_name_check("video stream", opts.cli.stream, &e))
		kc_cli_usage(&opts.cli, "%s", e.msg);
	if (!opts.outdir)
		kc_cli_usage(&opts.cli, "no output directory given (-o OUTDIR)");
	if (opts.hlsjs && access(opts.hlsjs, R_OK))
		kc_cli_usage(&opts.cli, "--hlsjs: cannot read '%s'", opts.hlsjs);
	switch (opts.mode) {
	case LIVE:
		if (opts.start_s || opts.end_s)
			kc_cli_usage(&opts.cli, "LIVE takes no --start-timestamp "
				     "or --end-timestamp");
		break;
	case LIVE_REPLAY:
		if (!opts.start_s)
			kc_cli_usage(&opts.cli, "LIVE_REPLAY needs "
				     "--start-timestamp");
		break;
	case ON_DEMAND:
		if (!opts.start_s || !opts.end_s)
			kc_cli_usage(&opts.cli, "ON_DEMAND needs --start-timestamp "
				     "and --end-timestamp");
		break;
	}
	if (opts.start_s && opts.end_s) {
		if (opts.end_ms <= opts.start_ms) {
			kc_error_set(&e, KC_EUSAGE, "--end-timestamp: "
				     "InvalidArgumentException: not after "
				     "--start-timestamp");
			kc_cli_fail(&e);
		}
		if (opts.mode == ON_DEMAND &&
		    opts.end_ms - opts.start_ms > MAX_RANGE_MS) {
			kc_error_set(&e, KC_EUSAGE, "--end-timestamp: "
				     "InvalidArgumentException: more than 24 "
				     "hours after --start-timestamp");
			kc_cli_fail(&e);
		}
	}
	if (!opts.max)
		opts.max = opts.mode == ON_DEMAND ? 1000 : 5;
	if (opts.disc == DISC_DEFAULT)  /* KVS: by the selector's clock */
		opts.disc = opts.clock == KV_TIME_SERVER ? DISC_ALWAYS
							 : DISC_NEVER;
}

/* One media segment of the session. */
struct seg {
	char number[KV_NUMBER_LEN + 1];
	int64_t time_ms;                /* start on the selector's clock */
	uint32_t frag_ms;               /* the fragment's stored duration */
	int64_t duration_ms;            /* of the packaged media */
	unsigned init;                  /* its init segment (fMP4) */
	int disc;                       /* a discontinuity comes before it */
};

struct session {
	struct kv_video *v;
	struct kv_hls_pack pack;
	struct kc_buf init, data, path;
	struct seg *segs;               /* in the playlist, oldest first */
	size_t nsegs, cap;
	uint64_t media_seq;             /* segments dropped from the front */
	uint64_t disc_seq;              /* discontinuities dropped with them */
	char (*gone)[KV_NUMBER_LEN + 1]; /* dropped, files not yet removed */
	size_t ngone;
	int64_t target_ms;              /* the largest segment duration */
	uint64_t bandwidth;             /* the highest segment bit rate */
	int master_written;
	int have_last;                  /* last_* describe the last added */
	int64_t last_end_ms;
	unsigned last_init;
};

static const char *seg_ext(void)
{
	return opts.container == KV_HLS_FMP4 ? "m4s" : "ts";
}

/* Writes data to OUTDIR/name atomically. */
static int put_file(struct session *s, const char *name, const void *data,
		    size_t n, struct kc_error *e)
{
	kc_buf_reset(&s->path);
	kc_buf_addf(&s->path, "%s/%s", opts.outdir, name);
	return kc_file_replace(s->path.data, data, n, e);
}

/* Formats ms as an EXT-X-PROGRAM-DATE-TIME value (UTC, milliseconds). */
static void format_pdt(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03dZ", (int)(ms - (int64_t)t * 1000));
}

static int write_media_playlist(struct session *s, int end,
				struct kc_error *e)
{
	struct kc_buf b = KC_BUF_INIT;
	unsigned init = 0;
	char pdt[40];
	size_t i;
	int rc;

	kc_buf_adds(&b, "#EXTM3U\n");
	kc_buf_addf(&b, "#EXT-X-VERSION:%d\n",
		    opts.container == KV_HLS_FMP4 ? 7 : 3);
	kc_buf_addf(&b, "#EXT-X-TARGETDURATION:%" PRId64 "\n",
		    s->target_ms > 0 ? (s->target_ms + 999) / 1000 : 1);
	kc_buf_addf(&b, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", s->media_seq);
	if (s->disc_seq)
		kc_buf_addf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu64 "\n",
			    s->disc_seq);
	if (opts.mode == ON_DEMAND)
		kc_buf_adds(&b, "#EXT-X-PLAYLIST-TYPE:VOD\n");
	kc_buf_adds(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	for (i = 0; i < s->nsegs; i++) {
		const struct seg *g = &s->segs[i];

		if (i > 0 && g->disc)
			kc_buf_adds(&b, "#EXT-X-DISCONTINUITY\n");
		if (opts.container == KV_HLS_FMP4 && g->init != init) {
			kc_buf_addf(&b, "#EXT-X-MAP:URI=\"init-%u.mp4\"\n",
				    g->init);
			init = g->init;
		}
		if (opts.pdt) {
			format_pdt(g->time_ms, pdt);
			kc_buf_addf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", pdt);
		}
		kc_buf_addf(&b, "#EXTINF:%" PRId64 ".%03" PRId64 ",\n",
			    g->duration_ms / 1000, g->duration_ms % 1000);
		kc_buf_addf(&b, "seg-%s.%s\n", g->number, seg_ext());
	}
	if (end)
		kc_buf_adds(&b, "#EXT-X-ENDLIST\n");
	rc = put_file(s, "media.m3u8", b.data, b.len, e);
	kc_buf_release(&b);
	return rc;
}

static int write_master_playlist(struct session *s, struct kc_error *e)
{
	struct kc_buf b = KC_BUF_INIT;
	int rc;

	kc_buf_adds(&b, "#EXTM3U\n");
	kc_buf_adds(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	kc_buf_addf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%" PRIu64,
		    s->bandwidth ? s->bandwidth : 1);
	if (s->pack.codecs[0])
		kc_buf_addf(&b, ",CODECS=\"%s\"", s->pack.codecs);
	if (s->pack.width > 0 && s->pack.height > 0)
		kc_buf_addf(&b, ",RESOLUTION=%dx%d", s->pack.width,
			    s->pack.height);
	kc_buf_adds(&b, "\nmedia.m3u8\n");
	rc = put_file(s, "master.m3u8", b.data, b.len, e);
	kc_buf_release(&b);
	return rc;
}

/* Removes OUTDIR/name, quietly when it is gone already. */
static void remove_file(struct session *s, const char *name)
{
	kc_buf_reset(&s->path);
	kc_buf_addf(&s->path, "%s/%s", opts.outdir, name);
	unlink(s->path.data);
}

/*
 * Drops the oldest segment from the playlist. Its file stays for as many
 * segments again (a player may have just read the playlist naming it),
 * then goes.
 */
static void drop_oldest(struct session *s)
{
	char name[64];

	if (s->segs[1].disc)
		s->disc_seq++;
	s->gone = kc_xrealloc(s->gone, (s->ngone + 1) * sizeof(*s->gone));
	memcpy(s->gone[s->ngone++], s->segs[0].number, KV_NUMBER_LEN + 1);
	memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof(*s->segs));
	s->nsegs--;
	s->media_seq++;
	while (s->ngone > opts.max) {
		snprintf(name, sizeof(name), "seg-%s.%s", s->gone[0], seg_ext());
		remove_file(s, name);
		memmove(s->gone, s->gone + 1, (s->ngone - 1) * sizeof(*s->gone));
		s->ngone--;
	}
}

/*
 * Packages fragment f and adds it to the end of the playlist (dropping the
 * oldest beyond the window). Returns 1 when added, 0 when the fragment was
 * trimmed by retention meanwhile, or a negative KC_E* code.
 */
static int add_fragment(struct session *s, const struct kv_fragment *f,
			struct kc_error *e)
{
	struct seg g;
	char name[64];
	int64_t t = kv_fragment_time(f, opts.clock), dur;
	int rc, new_init;

	kv_video_fragment_path(s->v, f, &s->path);
	rc = kv_hls_pack_fragment(&s->pack, s->path.data, f->producer_ms,
				  &s->init, &s->data, &dur, &new_init, e);
	if (rc == -KC_ENOENT)
		return 0;
	if (rc < 0)
		return kc_error_prefix(e, "video stream '%s': fragment %s: ",
				       opts.cli.stream, f->number);
	if (new_init && opts.container == KV_HLS_FMP4) {
		snprintf(name, sizeof(name), "init-%u.mp4", s->pack.init_seq);
		if ((rc = put_file(s, name, s->init.data, s->init.len, e)) < 0)
			return rc;
	}
	snprintf(name, sizeof(name), "seg-%s.%s", f->number, seg_ext());
	if ((rc = put_file(s, name, s->data.data, s->data.len, e)) < 0)
		return rc;
	memset(&g, 0, sizeof(g));
	memcpy(g.number, f->number, sizeof(g.number));
	g.time_ms = t;
	g.frag_ms = f->duration_ms;
	g.duration_ms = dur > 0 ? dur : f->duration_ms;
	g.init = s->pack.init_seq;
	if (s->have_last) {
		int64_t gap = t - s->last_end_ms;

		g.disc = g.init != s->last_init || opts.disc == DISC_ALWAYS ||
			 (opts.disc == DISC_ON && (gap > GAP_MS || gap < -GAP_MS));
	}
	s->have_last = 1;
	s->last_end_ms = t + f->duration_ms;
	s->last_init = g.init;
	if (g.duration_ms > s->target_ms)
		s->target_ms = g.duration_ms;
	if (g.duration_ms > 0 &&
	    s->data.len * 8000 / (uint64_t)g.duration_ms > s->bandwidth)
		s->bandwidth = s->data.len * 8000 / (uint64_t)g.duration_ms;
	if (s->nsegs == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->segs = kc_xrealloc(s->segs, s->cap * sizeof(*s->segs));
	}
	s->segs[s->nsegs++] = g;
	while (s->nsegs > opts.max)
		drop_oldest(s);
	return 1;
}

/* Writes the playlists (the master and the page with the first). */
static int publish(struct session *s, int end, struct kc_error *e)
{
	int rc, cdn;

	if ((rc = write_media_playlist(s, end, e)) < 0)
		return rc;
	if (s->master_written)
		return 0;
	if ((rc = write_master_playlist(s, e)) < 0)
		return rc;
	rc = kv_hls_write_page(opts.outdir, opts.cli.stream, opts.mode != ON_DEMAND,
			       opts.hlsjs, &cdn, e);
	if (rc < 0)
		return rc;
	if (cdn && opts.cli.verbosity >= 0)
		fprintf(stderr, "kvideo: hls.js not found (--hlsjs, KIN_HLSJS): "
			"index.html loads it from its CDN\n");
	s->master_written = 1;
	return 0;
}

/* Makes OUTDIR and removes what an earlier session left in it. */
static int prepare_dir(struct kc_error *e)
{
	struct dirent *d;
	DIR *dir;
	struct kc_buf p = KC_BUF_INIT;

	if (mkdir(opts.outdir, 0777) && errno != EEXIST)
		return kc_error_errno(e, KC_EIO, errno, "output directory '%s'",
				      opts.outdir);
	if (!(dir = opendir(opts.outdir)))
		return kc_error_errno(e, KC_EIO, errno, "output directory '%s'",
				      opts.outdir);
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);

		if ((!strncmp(d->d_name, "seg-", 4) &&
		     ((n > 4 && !strcmp(d->d_name + n - 4, ".m4s")) ||
		      (n > 3 && !strcmp(d->d_name + n - 3, ".ts")))) ||
		    (!strncmp(d->d_name, "init-", 5) && n > 4 &&
		     !strcmp(d->d_name + n - 4, ".mp4")) ||
		    !strcmp(d->d_name, "media.m3u8") ||
		    !strcmp(d->d_name, "master.m3u8")) {
			kc_buf_reset(&p);
			kc_buf_addf(&p, "%s/%s", opts.outdir, d->d_name);
			unlink(p.data);
		}
	}
	closedir(dir);
	kc_buf_release(&p);
	return 0;
}

/* Orders positions by the selector's clock, then fragment number. */
static const struct kv_video *sort_video;
static int by_time(const void *a, const void *b)
{
	const struct kv_fragment *x = kv_video_at(sort_video, *(const size_t *)a);
	const struct kv_fragment *y = kv_video_at(sort_video, *(const size_t *)b);
	int64_t tx = kv_fragment_time(x, opts.clock);
	int64_t ty = kv_fragment_time(y, opts.clock);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The fragments of [start, end] on the selector's clock, in time order;
 * of fragments with the same producer timestamp only the one with the
 * largest number (as KVS).
 */
static int range(struct session *s, int64_t start, int64_t end, size_t **idx,
		 size_t *n, struct kc_error *e)
{
	size_t i, k = 0;
	int rc;

	if ((rc = kv_video_range(s->v, opts.clock, start, end, idx, n, e)) < 0)
		return rc;
	sort_video = s->v;
	qsort(*idx, *n, sizeof(**idx), by_time);
	for (i = 0; i < *n; i++) {
		if (k && opts.clock == KV_TIME_PRODUCER &&
		    kv_video_at(s->v, (*idx)[k - 1])->producer_ms ==
		    kv_video_at(s->v, (*idx)[i])->producer_ms)
			k--;    /* the later (larger) number replaces it */
		(*idx)[k++] = (*idx)[i];
	}
	*n = k;
	return 0;
}

static int no_fragments(struct kc_error *e)
{
	return kc_error_set(e, KC_ENOENT, "video stream '%s': "
			    "ResourceNotFoundException: no fragments %s",
			    opts.cli.stream, opts.mode == LIVE ?
			    "in the last 30 seconds" : "in the time range");
}

static int run_on_demand(struct session *s, struct kc_error *e)
{
	size_t *idx = NULL, n, i;
	int rc, added = 0;

	if ((rc = range(s, opts.start_ms, opts.end_ms, &idx, &n, e)) < 0)
		return rc;
	for (i = 0; i < n && (uint64_t)added < opts.max; i++) {
		rc = add_fragment(s, kv_video_at(s->v, idx[i]), e);
		if (rc < 0)
			break;
		added += rc;
	}
	free(idx);
	if (rc < 0)
		return rc;
	if (!added)
		return no_fragments(e);
	return publish(s, 1, e);
}

/*
 * LIVE and LIVE_REPLAY: adds fragments after the last one added (by
 * number) as they come; LIVE_REPLAY adds one per fragment duration (real
 * time), stops after --end-timestamp with #EXT-X-ENDLIST.
 */
static int run_live(struct session *s, volatile sig_atomic_t *stop,
		    struct kc_error *e)
{
	char last[KV_NUMBER_LEN + 1] = "";
	size_t pos, n = kv_video_count(s->v);
	uint64_t due = 0;               /* LIVE_REPLAY: next addition (mono) */
	int rc = 0, wrote = 0;

	if (opts.mode == LIVE) {
		pos = n > opts.max ? n - opts.max : 0;
		/*
		 * KVS: a LIVE session needs a fragment that arrived in the
		 * last 30 s (server time). Following, kin waits for the next
		 * one instead of failing.
		 */
		if (n && kv_video_at(s->v, n - 1)->server_ms <
			 kc_now_ms() - LIVE_RECENT_MS) {
			if (!opts.follow)
				return no_fragments(e);
			memcpy(last, kv_video_at(s->v, n - 1)->number,
			       sizeof(last));
		}
	} else {
		pos = kv_video_seek(s->v, opts.clock, opts.start_ms);
		/* the fragment containing Start counts only from Start on */
		if (pos < n && kv_fragment_time(kv_video_at(s->v, pos),
						opts.clock) < opts.start_ms)
			pos++;
	}
	while (!*stop) {
		const struct kv_fragment *f;

		int done;

		if (last[0])
			pos = kv_video_after(s->v, last);
		n = kv_video_count(s->v);
		done = pos < n && opts.mode == LIVE_REPLAY && opts.end_s &&
		       kv_fragment_time(kv_video_at(s->v, pos), opts.clock) >
		       opts.end_ms;     /* past the range */
		if (pos >= n || done) {
			if (done || !opts.follow) {
				if (!wrote && !s->nsegs)
					return no_fragments(e);
				return publish(s, opts.mode == LIVE_REPLAY, e);
			}
			if ((rc = kv_video_wait(s->v, 1000, e)) < 0)
				return rc;
			continue;
		}
		if (opts.mode == LIVE_REPLAY && due &&
		    kc_mono_ns() < due) {        /* paced as it was recorded */
			uint64_t left = (due - kc_mono_ns()) / 1000000;

			usleep((useconds_t)(left > 200 ? 200000 : left * 1000 + 1));
			continue;
		}
		f = kv_video_at(s->v, pos);
		memcpy(last, f->number, sizeof(last));
		if ((rc = add_fragment(s, f, e)) < 0)
			return rc;
		if (!rc)
			continue;
		if (opts.mode == LIVE_REPLAY)
			due = kc_mono_ns() +
			      (uint64_t)s->segs[s->nsegs - 1].duration_ms * 1000000;
		/* LIVE catches up on what is there before publishing */
		if (opts.mode == LIVE && kv_video_after(s->v, last) <
		    kv_video_count(s->v))
			continue;
		if ((rc = publish(s, 0, e)) < 0)
			return rc;
		wrote = 1;
	}
	return 0;
}

int kv_cmd_hls(int argc, char **argv)
{
	struct session s;
	struct kc_error e;
	volatile sig_atomic_t *stop;
	char *root;
	int rc;

	kc_cli_init(&opts.cli, usage);
	parse_options(argc, argv);
	stop = kc_cli_catch_stop();
	av_log_set_level(opts.cli.verbosity > 0 ? AV_LOG_WARNING : AV_LOG_QUIET);
	memset(&s, 0, sizeof(s));
	root = kc_root_resolve(opts.cli.dir);
	rc = kv_video_open(root, opts.cli.stream, &s.v, &e);
	free(root);
	if (rc < 0)
		kc_cli_fail(&e);
	if (kv_video_info(s.v)->retention_hours == 0 && opts.mode != LIVE) {
		kc_error_set(&e, KC_EFAIL, "video stream '%s': "
			     "NoDataRetentionException: the stream keeps no "
			     "data (retention 0 hours) for %s", opts.cli.stream,
			     opts.mode == ON_DEMAND ? "ON_DEMAND" : "LIVE_REPLAY");
		kc_cli_fail(&e);
	}
	if ((rc = prepare_dir(&e)) < 0)
		kc_cli_fail(&e);
	kv_hls_pack_init(&s.pack, opts.container);
	if (opts.mode == ON_DEMAND)
		rc = run_on_demand(&s, &e);
	else
		rc = run_live(&s, stop, &e);
	kv_hls_pack_release(&s.pack);
	kc_buf_release(&s.init);
	kc_buf_release(&s.data);
	kc_buf_release(&s.path);
	free(s.segs);
	free(s.gone);
	kv_video_close(s.v);
	if (rc < 0)
		kc_cli_fail(&e);
	return 0;
}
