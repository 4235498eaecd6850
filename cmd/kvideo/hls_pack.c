/* hls_pack.c: stored fragments packaged as HLS media segments (fMP4, TS). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>

#include "hls.h"
#include "banned.h"

#define IO_BUF_SIZE 65536

void kv_hls_pack_init(struct kv_hls_pack *p, enum kv_hls_container c)
{
	memset(p, 0, sizeof(*p));
	p->container = c;
	kv_avfrag_init(&p->in, KV_AVFRAG_CONTIGUOUS);
	kc_buf_init(&p->out);
}

/* Frees the muxer without writing its trailer (segments are complete). */
static void close_muxer(struct kv_hls_pack *p)
{
	if (!p->oc)
		return;
	if (p->oc->pb) {
		av_freep(&p->oc->pb->buffer);
		avio_context_free(&p->oc->pb);
	}
	avformat_free_context(p->oc);
	p->oc = NULL;
}

void kv_hls_pack_release(struct kv_hls_pack *p)
{
	close_muxer(p);
	kv_avfrag_release(&p->in);
	kc_buf_release(&p->out);
}

static int write_out(void *opaque, uint8_t *buf, int n)
{
	struct kv_hls_pack *p = opaque;

	kc_buf_add(&p->out, buf, (size_t)n);
	return n;
}

static int av_fail(struct kc_error *e, int averr, const char *what)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(averr, buf, sizeof(buf));
	return kc_error_set(e, KC_EFAIL, "%s: %s", what, buf);
}

/* The RFC 6381 name of a track for CODECS, or "" when not known. */
static void codec_string(const AVCodecParameters *par, char *out, size_t n)
{
	const uint8_t *d = par->extradata;

	out[0] = '\0';
	if (par->codec_id == AV_CODEC_ID_H264 && par->extradata_size >= 4 &&
	    d[0] == 1)
		snprintf(out, n, "avc1.%02x%02x%02x", d[1], d[2], d[3]);
	else if (par->codec_id == AV_CODEC_ID_AAC && par->extradata_size >= 1)
		snprintf(out, n, "mp4a.40.%d", d[0] >> 3 ? d[0] >> 3 : 2);
}

/* Starts a new muxer for p->in's current tracks and takes its header. */
static int open_muxer(struct kv_hls_pack *p, struct kc_buf *init,
		      struct kc_error *e)
{
	const char *fmt = p->container == KV_HLS_FMP4 ? "mp4" : "mpegts";
	AVDictionary *o = NULL;
	unsigned char *iobuf;
	char c[32];
	size_t len;
	int rc, i;

	close_muxer(p);
	rc = avformat_alloc_output_context2(&p->oc, NULL, fmt, NULL);
	if (rc < 0)
		return av_fail(e, rc, fmt);
	if ((rc = kv_avfrag_add_streams(&p->in, p->oc, e)) < 0)
		return rc;
	iobuf = av_malloc(IO_BUF_SIZE);
	p->oc->pb = iobuf ? avio_alloc_context(iobuf, IO_BUF_SIZE, 1, p, NULL,
					       write_out, NULL) : NULL;
	if (!p->oc->pb) {
		av_free(iobuf);
		return kc_error_set(e, KC_EFAIL, "out of memory");
	}
	p->oc->flags |= AVFMT_FLAG_FLUSH_PACKETS;
	if (p->container == KV_HLS_FMP4)
		av_dict_set(&o, "movflags",
			    "frag_custom+empty_moov+default_base_moof"
			    "+skip_trailer", 0);
	else
		av_dict_set(&o, "mpegts_flags", "resend_headers", 0);
	kc_buf_reset(&p->out);
	rc = avformat_write_header(p->oc, &o);
	av_dict_free(&o);
	if (rc < 0)
		return av_fail(e, rc, "cannot start the segment muxer");
	avio_flush(p->oc->pb);
	kc_buf_reset(init);
	if (p->container == KV_HLS_FMP4)
		kc_buf_add(init, p->out.data, p->out.len);
	kc_buf_reset(&p->out);
	p->init_seq++;
	p->codecs[0] = '\0';
	p->width = p->height = 0;
	for (i = 0; i < p->in.nb_streams; i++) {
		const AVCodecParameters *par = p->in.par[i];

		codec_string(par, c, sizeof(c));
		if (!c[0]) {            /* unknown: leave CODECS out */
			p->codecs[0] = '\0';
			break;
		}
		len = strlen(p->codecs);
		snprintf(p->codecs + len, sizeof(p->codecs) - len, "%s%s",
			 len ? "," : "", c);
		if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
			p->width = par->width;
			p->height = par->height;
		}
	}
	return 0;
}

int kv_hls_pack_fragment(struct kv_hls_pack *p, const char *path,
			 int64_t producer_ms, struct kc_buf *init,
			 struct kc_buf *seg, int64_t *duration_ms, int *new_init,
			 struct kc_error *e)
{
	AVPacket *pkt;
	int64_t start;
	int rc, i, first = p->in.nb_streams == 0;

	*new_init = 0;
	if ((rc = kv_avfrag_open(&p->in, path, producer_ms, e)) < 0)
		return rc;
	if ((first || p->in.changed) &&
	    (rc = kv_avfrag_check_codecs(&p->in, e)) < 0)
		return rc;
	if (!p->oc || p->in.changed) {
		if ((rc = open_muxer(p, init, e)) < 0)
			return rc;
		*new_init = 1;
	}
	if (p->container == KV_HLS_TS)  /* PAT and PMT open every segment */
		av_opt_set(p->oc->priv_data, "mpegts_flags", "+resend_headers",
			   0);
	start = p->in.frag_start;
	pkt = av_packet_alloc();
	if (!pkt)
		return kc_error_set(e, KC_EFAIL, "out of memory");
	while ((rc = kv_avfrag_read(&p->in, pkt, e)) == 0) {
		av_packet_rescale_ts(pkt, p->in.tb,
				     p->oc->streams[pkt->stream_index]->time_base);
		rc = av_write_frame(p->oc, pkt);
		av_packet_unref(pkt);
		if (rc < 0) {
			av_packet_free(&pkt);
			return av_fail(e, rc, path);
		}
	}
	av_packet_free(&pkt);
	kv_avfrag_close(&p->in);
	if (rc < 0)
		return rc;
	rc = av_write_frame(p->oc, NULL);       /* ends the fMP4 fragment */
	if (rc < 0)
		return av_fail(e, rc, path);
	avio_flush(p->oc->pb);
	kc_buf_reset(seg);
	kc_buf_add(seg, p->out.data, p->out.len);
	kc_buf_reset(&p->out);
	*duration_ms = p->in.end_all - start;
	for (i = 0; i < p->in.nb_streams; i++)  /* the video track's span */
		if (p->in.par[i]->codec_type == AVMEDIA_TYPE_VIDEO &&
		    p->in.first[i] != INT64_MAX) {
			*duration_ms = p->in.end[i] - p->in.first[i];
			break;
		}
	return 0;
}
