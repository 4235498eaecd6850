/*
 * mux.h: one fragment as a self-contained Matroska file, written by
 * libavformat's matroska muxer into memory with clustering turned off
 * (kvideo-ingest decides where fragments start; the muxer must not cut):
 * EBML header, Segment of unknown size, Info, Tracks, then (after the
 * header, where kvideo-ingest splices its Tags in) one Cluster.
 */
#ifndef KVI_MUX_H
#define KVI_MUX_H

#include <stddef.h>
#include <stdint.h>
#include <libavformat/avformat.h>
#include "error.h"

struct kvi_mux {
	AVFormatContext *oc;
	size_t hdr_len;             /* bytes before the first Cluster */
};

/*
 * Starts a fragment with the n input streams in (their codec parameters
 * are copied: no transcoding). Packets then go to output stream i for
 * in[i]. Returns 0 or -KC_EDATA/-KC_EFAIL.
 */
int kvi_mux_begin(struct kvi_mux *m, AVStream *const *in, int n,
		  struct kc_error *e);

/* The time base of output stream i (after begin). */
AVRational kvi_mux_tb(const struct kvi_mux *m, int i);

/*
 * Writes pkt (stream_index = output stream, timestamps in its time base).
 * pkt is left unchanged in content but may be unreferenced.
 */
int kvi_mux_packet(struct kvi_mux *m, AVPacket *pkt, struct kc_error *e);

/*
 * Ends the fragment: *buf (av_malloc'd; the caller av_frees) holds *len
 * bytes, the first m->hdr_len of them the header.
 */
int kvi_mux_end(struct kvi_mux *m, uint8_t **buf, size_t *len,
		struct kc_error *e);

/* Drops an unfinished fragment. */
void kvi_mux_abort(struct kvi_mux *m);

#endif
