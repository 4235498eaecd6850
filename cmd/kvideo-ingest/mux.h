/*
 * mux.h: one fragment as a self-contained Matroska file, written by
 * libavformat's matroska muxer straight into the fragment's file with
 * clustering turned off (kvideo-ingest decides where fragments start; the
 * muxer must not cut): EBML header, Segment of unknown size, SeekHead,
 * Info, Tracks, then the caller's Tags, then one Cluster.
 *
 * The header is gathered in memory (the muxer seeks in it as in a file),
 * then written with the Tags after it; the Cluster, which the muxer builds
 * in a buffer of its own, goes to the file in one write: the fragment's
 * bytes are copied once, into the page cache.
 */
#ifndef KVI_MUX_H
#define KVI_MUX_H

#include <stddef.h>
#include <stdint.h>
#include <libavformat/avformat.h>
#include "buf.h"
#include "error.h"

struct kvi_mux {
	AVFormatContext *oc;
	int fd;                     /* the fragment's file */
	const char *tags;           /* spliced in after the header */
	size_t tags_len;
	struct kc_buf hdr;          /* the header, until it is complete */
	int in_file;                /* it is: bytes go to fd */
	size_t pos, size;           /* the muxer's position and size */
	size_t hdr_len;             /* bytes before the Tags */
	int err;                    /* errno of a failed write */
};

/*
 * Starts a fragment with the n input streams in (their codec parameters
 * are copied: no transcoding), written into fd from offset 0: the header,
 * then tags[0..tags_len) (which must stay valid until end or abort). The
 * packets then go to output stream i for in[i]. Returns 0, -KC_EDATA,
 * -KC_EIO (writing fd failed) or -KC_EFAIL.
 */
int kvi_mux_begin(struct kvi_mux *m, AVStream *const *in, int n, int fd,
		  const char *tags, size_t tags_len, struct kc_error *e);

/* The time base of output stream i (after begin). */
AVRational kvi_mux_tb(const struct kvi_mux *m, int i);

/*
 * Writes pkt (stream_index = output stream, timestamps in its time base).
 * pkt is left unchanged in content but may be unreferenced. Returns 0,
 * -KC_EDATA (the muxer refused it) or -KC_EIO.
 */
int kvi_mux_packet(struct kvi_mux *m, AVPacket *pkt, struct kc_error *e);

/*
 * Ends the fragment: fd then holds all of it, *size bytes (tags
 * included). The muxer is freed either way; fd stays open. Returns 0,
 * -KC_EDATA or -KC_EIO.
 */
int kvi_mux_end(struct kvi_mux *m, uint64_t *size, struct kc_error *e);

/* Drops an unfinished fragment (what went into fd stays there). */
void kvi_mux_abort(struct kvi_mux *m);

#endif
