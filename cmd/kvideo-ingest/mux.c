/* mux.c: a fragment through libavformat's matroska muxer into memory. */
#include <string.h>
#include <libavutil/opt.h>

#include "mux.h"
#include "banned.h"

static int av_fail(struct kc_error *e, int code, int averr, const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(averr, msg, sizeof(msg));
	return kc_error_set(e, code, "%s: %s", what, msg);
}

int kvi_mux_begin(struct kvi_mux *m, AVStream *const *in, int n,
		  struct kc_error *e)
{
	AVDictionary *o = NULL;
	AVStream *st;
	int i, rc;

	memset(m, 0, sizeof(*m));
	rc = avformat_alloc_output_context2(&m->oc, NULL, "matroska", NULL);
	if (rc < 0)
		return av_fail(e, KC_EFAIL, rc, "matroska muxer");
	m->oc->flags |= AVFMT_FLAG_BITEXACT;
	for (i = 0; i < n; i++) {
		st = avformat_new_stream(m->oc, NULL);
		if (!st || (rc = avcodec_parameters_copy(st->codecpar,
							 in[i]->codecpar)) < 0) {
			kvi_mux_abort(m);
			return av_fail(e, KC_EFAIL, st ? rc : AVERROR(ENOMEM),
				       "matroska muxer");
		}
		st->codecpar->codec_tag = 0;
		st->time_base = (AVRational){ 1, 1000 };
		st->disposition = in[i]->disposition & AV_DISPOSITION_DEFAULT;
	}
	rc = avio_open_dyn_buf(&m->oc->pb);
	if (rc < 0) {
		kvi_mux_abort(m);
		return av_fail(e, KC_EFAIL, rc, "matroska muxer");
	}
	/* live: no seeking back, no Cues; one cluster whatever its size. */
	av_dict_set(&o, "live", "1", 0);
	av_dict_set(&o, "cluster_time_limit", "100000000", 0);
	av_dict_set(&o, "cluster_size_limit", "2000000000", 0);
	av_dict_set(&o, "write_crc32", "0", 0);
	av_dict_set(&o, "allow_raw_vfw", "1", 0);
	rc = avformat_write_header(m->oc, &o);
	av_dict_free(&o);
	if (rc < 0) {
		kvi_mux_abort(m);
		return av_fail(e, KC_EDATA, rc, "matroska muxer");
	}
	avio_flush(m->oc->pb);
	m->hdr_len = (size_t)avio_tell(m->oc->pb);
	return 0;
}

AVRational kvi_mux_tb(const struct kvi_mux *m, int i)
{
	return m->oc->streams[i]->time_base;
}

int kvi_mux_packet(struct kvi_mux *m, AVPacket *pkt, struct kc_error *e)
{
	int rc = av_write_frame(m->oc, pkt);

	if (rc < 0)
		return av_fail(e, KC_EDATA, rc, "matroska muxer");
	return 0;
}

int kvi_mux_end(struct kvi_mux *m, uint8_t **buf, size_t *len,
		struct kc_error *e)
{
	int rc = av_write_trailer(m->oc);
	int n;

	*buf = NULL;
	*len = 0;
	if (rc < 0) {
		kvi_mux_abort(m);
		return av_fail(e, KC_EDATA, rc, "matroska muxer");
	}
	n = avio_close_dyn_buf(m->oc->pb, buf);
	m->oc->pb = NULL;
	avformat_free_context(m->oc);
	m->oc = NULL;
	*len = n > 0 ? (size_t)n : 0;
	return 0;
}

void kvi_mux_abort(struct kvi_mux *m)
{
	uint8_t *buf = NULL;

	if (!m->oc)
		return;
	if (m->oc->pb) {
		avio_close_dyn_buf(m->oc->pb, &buf);
		av_free(buf);
		m->oc->pb = NULL;
	}
	avformat_free_context(m->oc);
	m->oc = NULL;
}
