/* avfrag.c: stored fragments read with libavformat as one packet stream. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>

#include "avfrag.h"
#include "mkv.h"
#include "banned.h"

void kv_avfrag_init(struct kv_avfrag *f, enum kv_avfrag_time mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->tb = (AVRational){ 1, 1000 };
}

static int load(struct kv_avfrag *f, struct kc_error *e);

void kv_avfrag_close(struct kv_avfrag *f)
{
	while (f->iqueue < f->nqueue)
		av_packet_free(&f->queue[f->iqueue++]);
	f->nqueue = f->iqueue = 0;
	if (f->ic)
		avformat_close_input(&f->ic);
}

void kv_avfrag_release(struct kv_avfrag *f)
{
	int i;

	kv_avfrag_close(f);
	for (i = 0; i < f->nb_streams; i++)
		avcodec_parameters_free(&f->par[i]);
	f->nb_streams = 0;
	av_freep(&f->queue);
	f->capqueue = 0;
}

static int av_fail(struct kc_error *e, int code, int averr, const char *path,
		   const char *what)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(averr, buf, sizeof(buf));
	return kc_error_set(e, code, "fragment '%s': %s: %s", path, what, buf);
}

/* Whether a and b describe the same media (codec, size, private data). */
static int same_params(const AVCodecParameters *a, const AVCodecParameters *b)
{
	if (a->codec_type != b->codec_type || a->codec_id != b->codec_id)
		return 0;
	if (a->width != b->width || a->height != b->height ||
	    a->sample_rate != b->sample_rate ||
	    a->ch_layout.nb_channels != b->ch_layout.nb_channels)
		return 0;
	if (a->extradata_size != b->extradata_size)
		return 0;
	return !a->extradata_size ||
	       !memcmp(a->extradata, b->extradata, (size_t)a->extradata_size);
}

int kv_avfrag_open(struct kv_avfrag *f, const char *path, int64_t producer_ms,
		   struct kc_error *e)
{
	struct stat st;
	unsigned i;
	int rc;

	kv_avfrag_close(f);
	if (stat(path, &st))
		return kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO,
				      errno, "fragment '%s'", path);
	rc = avformat_open_input(&f->ic, path, NULL, NULL);
	if (rc < 0) {
		f->ic = NULL;
		return av_fail(e, rc == AVERROR(ENOENT) ? KC_ENOENT : KC_EDATA,
			       rc, path, "cannot open");
	}
	if (f->ic->nb_streams == 0 || f->ic->nb_streams > KV_AVFRAG_MAX_STREAMS) {
		rc = kc_error_set(e, KC_EDATA, "fragment '%s': %u tracks", path,
				  f->ic->nb_streams);
		kv_avfrag_close(f);
		return rc;
	}
	f->changed = 0;
	if (!f->nb_streams) {
		for (i = 0; i < f->ic->nb_streams; i++) {
			f->par[i] = avcodec_parameters_alloc();
			if (!f->par[i] ||
			    avcodec_parameters_copy(f->par[i],
						    f->ic->streams[i]->codecpar) < 0) {
				f->nb_streams = (int)i + 1;
				kv_avfrag_release(f);
				return kc_error_set(e, KC_EFAIL, "out of memory");
			}
		}
		f->nb_streams = (int)f->ic->nb_streams;
	} else {
		if ((int)f->ic->nb_streams != f->nb_streams) {
			rc = kc_error_set(e, KC_EDATA,
					  "fragment '%s': %u tracks, the first "
					  "fragment had %d", path,
					  f->ic->nb_streams, f->nb_streams);
			kv_avfrag_close(f);
			return rc;
		}
		for (i = 0; i < f->ic->nb_streams; i++) {
			const AVCodecParameters *p = f->ic->streams[i]->codecpar;

			if (p->codec_type != f->par[i]->codec_type ||
			    p->codec_id != f->par[i]->codec_id) {
				rc = kc_error_set(e, KC_EDATA,
						  "fragment '%s': track %u is %s, "
						  "the first fragment's was %s",
						  path, i + 1,
						  kv_avfrag_codec_name(p),
						  kv_avfrag_codec_name(f->par[i]));
				kv_avfrag_close(f);
				return rc;
			}
			if (!same_params(p, f->par[i])) {
				f->changed = 1;
				if (avcodec_parameters_copy(f->par[i], p) < 0) {
					kv_avfrag_close(f);
					return kc_error_set(e, KC_EFAIL,
							    "out of memory");
				}
			}
		}
	}
	f->frag_producer_ms = producer_ms;
	for (i = 0; i < KV_AVFRAG_MAX_STREAMS; i++)
		f->last_dts[i] = AV_NOPTS_VALUE;
	if ((rc = load(f, e)) < 0) {
		kv_avfrag_close(f);
		return rc;
	}
	f->nfrags++;
	return 0;
}

/*
 * Reads one timed packet of the current fragment in its own milliseconds.
 * Returns 0, 1 at its end, or an error.
 */
static int read_raw(struct kv_avfrag *f, AVPacket *pkt, struct kc_error *e)
{
	AVStream *st;
	int rc;

	for (;;) {
		rc = av_read_frame(f->ic, pkt);
		if (rc == AVERROR_EOF)
			return 1;
		if (rc < 0)
			return av_fail(e, rc == AVERROR(EIO) ? KC_EIO : KC_EDATA, rc,
				       f->ic->url, "cannot read");
		if (pkt->stream_index < f->nb_streams &&
		    (pkt->pts != AV_NOPTS_VALUE || pkt->dts != AV_NOPTS_VALUE))
			break;
		av_packet_unref(pkt);           /* untimed: nothing to place */
	}
	st = f->ic->streams[pkt->stream_index];
	av_packet_rescale_ts(pkt, st->time_base, f->tb);
	pkt->time_base = f->tb;
	if (pkt->dts == AV_NOPTS_VALUE)
		pkt->dts = pkt->pts;
	if (pkt->pts == AV_NOPTS_VALUE)
		pkt->pts = pkt->dts;
	return 0;
}

/*
 * Gives the packets of video track s in the queue decode timestamps from
 * their presentation times with kv_mkv_dts (mkv.h, shared with
 * kvideo-ingest); f->delay[s] is the track's reordering delay so far. pts
 * has room for 2 * f->nqueue values.
 */
static void rebuild_dts(struct kv_avfrag *f, int s, int64_t *pts)
{
	int64_t *dts = pts + f->nqueue;
	size_t i, k = 0;

	for (i = 0; i < f->nqueue; i++)
		if (f->queue[i]->stream_index == s)
			pts[k++] = f->queue[i]->pts;
	kv_mkv_dts(pts, dts, k, &f->delay[s]);
	for (i = 0, k = 0; i < f->nqueue; i++)
		if (f->queue[i]->stream_index == s)
			f->queue[i]->dts = dts[k++];
}

/*
 * Reads the whole fragment into the queue, rebuilds video dts, then places
 * the fragment on the output timeline: f->shift is what its own timestamps
 * get added.
 */
static int load(struct kv_avfrag *f, struct kc_error *e)
{
	int64_t first[KV_AVFRAG_MAX_STREAMS], first_pts[KV_AVFRAG_MAX_STREAMS];
	int64_t minpts = INT64_MAX, mindts = INT64_MAX, d, *pts;
	size_t i;
	int s, rc;

	f->nqueue = f->iqueue = 0;
	for (;;) {
		AVPacket *pkt = av_packet_alloc();

		if (!pkt)
			return kc_error_set(e, KC_EFAIL, "out of memory");
		rc = read_raw(f, pkt, e);
		if (rc) {
			av_packet_free(&pkt);
			break;
		}
		if (f->nqueue == f->capqueue) {
			size_t cap = f->capqueue ? 2 * f->capqueue : 256;
			AVPacket **q = av_realloc_array(f->queue, cap,
							sizeof(*q));

			if (!q) {
				av_packet_free(&pkt);
				return kc_error_set(e, KC_EFAIL, "out of memory");
			}
			f->queue = q;
			f->capqueue = cap;
		}
		f->queue[f->nqueue++] = pkt;
	}
	if (rc < 0)
		return rc;
	pts = av_malloc_array(f->nqueue ? 2 * f->nqueue : 1, sizeof(*pts));
	if (!pts)
		return kc_error_set(e, KC_EFAIL, "out of memory");
	for (s = 0; s < f->nb_streams; s++)
		if (f->par[s]->codec_type == AVMEDIA_TYPE_VIDEO)
			rebuild_dts(f, s, pts);
	av_free(pts);
	for (s = 0; s < f->nb_streams; s++)
		first[s] = first_pts[s] = INT64_MAX;
	for (i = 0; i < f->nqueue; i++) {
		const AVPacket *p = f->queue[i];

		s = p->stream_index;
		if (p->dts < first[s])
			first[s] = p->dts;
		if (p->pts < first_pts[s])
			first_pts[s] = p->pts;
	}
	for (s = 0; s < f->nb_streams; s++) {
		if (first_pts[s] < minpts)
			minpts = first_pts[s];
		if (first[s] < mindts)
			mindts = first[s];
	}
	if (minpts == INT64_MAX)                /* no packets at all */
		minpts = mindts = 0;
	if (f->nfrags == 0)
		f->origin_ms = f->frag_producer_ms;
	if (f->mode == KV_AVFRAG_PRODUCER) {
		f->shift = f->frag_producer_ms - f->origin_ms - minpts;
	} else if (f->nfrags == 0) {
		f->shift = -mindts;
	} else {
		f->shift = INT64_MIN;
		for (s = 0; s < f->nb_streams; s++) {
			if (first[s] == INT64_MAX)
				continue;
			d = f->end[s] - first[s];
			if (d > f->shift)
				f->shift = d;
		}
		if (f->shift == INT64_MIN)
			f->shift = f->end_all - mindts;
	}
	f->frag_start = minpts + f->shift;
	for (s = 0; s < f->nb_streams; s++)
		f->first[s] = first[s] == INT64_MAX ? INT64_MAX
						    : first[s] + f->shift;
	return 0;
}

/*
 * Gives a packet without a duration (Matroska blocks carry none unless the
 * track has a default duration) one: for audio one frame as the codec
 * parameters tell, rounded down to the millisecond (so that a fragment's
 * last packet never seems to overlap the next fragment's first); else the
 * distance from its track's previous packet. Muxers need it for the last
 * sample of a fragment.
 */
static void fill_duration(struct kv_avfrag *f, AVPacket *pkt)
{
	const AVCodecParameters *par = f->par[pkt->stream_index];
	int64_t *last = &f->last_dts[pkt->stream_index];
	int frame = par->frame_size > 0 ? par->frame_size
		    : par->codec_id == AV_CODEC_ID_AAC ? 1024 : 0;

	if (pkt->duration <= 0) {
		if (par->codec_type == AVMEDIA_TYPE_AUDIO && frame &&
		    par->sample_rate > 0)
			pkt->duration = av_rescale_rnd(frame, 1000,
						       par->sample_rate,
						       AV_ROUND_DOWN);
		else if (*last != AV_NOPTS_VALUE && pkt->dts > *last)
			pkt->duration = pkt->dts - *last;
	}
	*last = pkt->dts;
}

int kv_avfrag_read(struct kv_avfrag *f, AVPacket *pkt, struct kc_error *e)
{
	(void)e;                /* the fragment was read whole at open */
	if (!f->ic)
		return 1;
	if (f->iqueue == f->nqueue)
		return 1;
	av_packet_move_ref(pkt, f->queue[f->iqueue]);
	av_packet_free(&f->queue[f->iqueue++]);
	pkt->pts += f->shift;
	pkt->dts += f->shift;
	fill_duration(f, pkt);
	if (pkt->dts < f->first[pkt->stream_index])
		f->first[pkt->stream_index] = pkt->dts;
	if (pkt->dts + pkt->duration > f->end[pkt->stream_index])
		f->end[pkt->stream_index] = pkt->dts + pkt->duration;
	if (f->end[pkt->stream_index] > f->end_all)
		f->end_all = f->end[pkt->stream_index];
	return 0;
}

const char *kv_avfrag_codec_name(const AVCodecParameters *par)
{
	switch (par->codec_id) {
	case AV_CODEC_ID_H264:
		return "V_MPEG4/ISO/AVC";
	case AV_CODEC_ID_HEVC:
		return "V_MPEGH/ISO/HEVC";
	case AV_CODEC_ID_VP8:
		return "V_VP8";
	case AV_CODEC_ID_VP9:
		return "V_VP9";
	case AV_CODEC_ID_AV1:
		return "V_AV1";
	case AV_CODEC_ID_MJPEG:
		return "V_MJPEG";
	case AV_CODEC_ID_AAC:
		return "A_AAC";
	case AV_CODEC_ID_OPUS:
		return "A_OPUS";
	case AV_CODEC_ID_VORBIS:
		return "A_VORBIS";
	case AV_CODEC_ID_MP3:
		return "A_MPEG/L3";
	case AV_CODEC_ID_PCM_ALAW:
		return "A_MS/ACM";
	default:
		break;
	}
	if (par->codec_id != AV_CODEC_ID_NONE)
		return avcodec_get_name(par->codec_id);
	return "unknown";
}

/* Whether avcC/hvcC-style or ADTS-free AAC private data looks usable. */
static int private_data_ok(const AVCodecParameters *p)
{
	const uint8_t *d = p->extradata;

	switch (p->codec_id) {
	case AV_CODEC_ID_H264:
		/* avcC: version 1, then SPS; or Annex B start codes */
		return p->extradata_size >= 7 &&
		       (d[0] == 1 || (d[0] == 0 && d[1] == 0 &&
				      (d[2] == 1 || (d[2] == 0 && d[3] == 1))));
	case AV_CODEC_ID_HEVC:
		return p->extradata_size >= 23 ||
		       (p->extradata_size >= 4 && d[0] == 0 && d[1] == 0);
	case AV_CODEC_ID_AAC:
		return p->extradata_size >= 2;
	default:
		return 1;
	}
}

int kv_avfrag_check_codecs(const struct kv_avfrag *f, struct kc_error *e)
{
	int i;

	if (f->nb_streams == 0)
		return kc_error_set(e, KC_EDATA,
				    "UnsupportedStreamMediaTypeException: "
				    "no tracks");
	if (f->nb_streams > 2)
		return kc_error_set(e, KC_EDATA,
				    "UnsupportedStreamMediaTypeException: "
				    "%d tracks, at most 2 are supported",
				    f->nb_streams);
	for (i = 0; i < f->nb_streams; i++) {
		const AVCodecParameters *p = f->par[i];
		int ok;

		if (i == 0)
			ok = p->codec_id == AV_CODEC_ID_H264 ||
			     p->codec_id == AV_CODEC_ID_HEVC ||
			     (p->codec_id == AV_CODEC_ID_AAC && f->nb_streams == 1);
		else
			ok = p->codec_id == AV_CODEC_ID_AAC &&
			     f->par[0]->codec_id != AV_CODEC_ID_AAC;
		if (!ok)
			return kc_error_set(e, KC_EDATA,
					    "UnsupportedStreamMediaTypeException: "
					    "track %d codec %s is not %s", i + 1,
					    kv_avfrag_codec_name(p),
					    i == 0 ? "H.264, H.265 or AAC" : "AAC");
		if (!p->extradata_size)
			return kc_error_set(e, KC_EDATA,
					    "MissingCodecPrivateDataException: "
					    "track %d (%s) has no codec private "
					    "data",
					    i + 1, kv_avfrag_codec_name(p));
		if (!private_data_ok(p))
			return kc_error_set(e, KC_EDATA,
					    "InvalidCodecPrivateDataException: "
					    "track %d (%s) codec private data "
					    "cannot be read",
					    i + 1, kv_avfrag_codec_name(p));
	}
	return 0;
}

int kv_avfrag_add_streams(const struct kv_avfrag *f, AVFormatContext *oc,
			  struct kc_error *e)
{
	int i;

	for (i = 0; i < f->nb_streams; i++) {
		AVStream *st = avformat_new_stream(oc, NULL);

		if (!st || avcodec_parameters_copy(st->codecpar, f->par[i]) < 0)
			return kc_error_set(e, KC_EFAIL, "out of memory");
		st->codecpar->codec_tag = 0;
		st->time_base = f->tb;
	}
	return 0;
}
