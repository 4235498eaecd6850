/*
 * avfrag.h: stored fragments read with libavformat, one after another, as
 * one packet stream with continuous timestamps. The readers that decode or
 * remux media (hls, get-clip, get-images) open fragments through this; get-
 * media copies fragment bytes and does not need it.
 *
 * Usage:
 *	struct kv_avfrag f;
 *	kv_avfrag_init(&f, KV_AVFRAG_PRODUCER);
 *	for each fragment:
 *		kv_avfrag_open(&f, path, producer_ms, duration_ms, &e);
 *		while ((rc = kv_avfrag_read(&f, pkt, &e)) == 0)
 *			use pkt (time base f.tb = 1/1000; stream index as in f.par);
 *	kv_avfrag_release(&f);
 *
 * Every packet comes out in milliseconds (f.tb = {1, 1000}; stored fragments
 * are Matroska with a 1 ms timecode scale). Matroska keeps presentation
 * times only, so video packets get decode timestamps rebuilt from them (see
 * kv_avfrag_open): with B-frames a track's dts run behind its pts by the
 * reordering delay. In PRODUCER mode a fragment's earliest presentation
 * (the smallest pts of its tracks) is placed at its producer timestamp, and
 * the producer time of a packet is f.origin_ms + pkt->pts (the first
 * fragment's earliest pts is 0, its video dts may be below 0). In
 * CONTIGUOUS mode the first fragment's earliest dts is 0.
  */
#ifndef KV_AVFRAG_H
#define KV_AVFRAG_H

#include <stdint.h>
#include <libavformat/avformat.h>
#include "error.h"

#define KV_AVFRAG_MAX_STREAMS 3      /* KVS allows at most 3 tracks */

enum kv_avfrag_time {
	/*
	 * A fragment starts at its producer timestamp: a gap between fragments
	 * stays a gap, an overlap an overlap (clips, images, HLS with
	 * discontinuities).
	 */
	KV_AVFRAG_PRODUCER,
	/*
	 * A fragment starts where the previous one ended: it is moved so that
	 * each track's first packet comes no earlier than the end (dts +
	 * duration) of that track's last packet, and at least one track starts
	 * exactly there. No gaps, no overlaps, whatever the producer
	 * timestamps say.
	 */
	KV_AVFRAG_CONTIGUOUS,
};

struct kv_avfrag {
	enum kv_avfrag_time mode;
	AVRational tb;                  /* always {1, 1000} */
	/*
	 * The tracks of the fragment opened last (copies owned here): packets'
	 * stream_index indexes these. nb_streams is 0 until the first open;
	 * the number of tracks and their codecs never change after it.
	 */
	int nb_streams;
	AVCodecParameters *par[KV_AVFRAG_MAX_STREAMS];
	int64_t origin_ms;              /* PRODUCER: producer time of pts 0 */
	/*
	 * Set by kv_avfrag_open when the fragment just opened has codec
	 * parameters (size, sample rate, codec private data) different from
	 * the previous fragment's (par then holds the new ones).
	 */
	int changed;
	/* The fragment being read (NULL between fragments). */
	AVFormatContext *ic;
	int64_t frag_producer_ms;       /* its producer timestamp */
	int64_t frag_start;             /* output pts of its earliest packet */
	int64_t first[KV_AVFRAG_MAX_STREAMS]; /* per track: its first output
					 * dts (INT64_MAX: none seen) */
	int64_t shift;                  /* added to its own timestamps (ms) */
	/* Its packets, read whole at open (see .c); next is queue[iqueue]. */
	AVPacket **queue;
	size_t nqueue, iqueue, capqueue;
	/*
	 * Per video track: the reordering delay (ms) its dts are rebuilt with,
	 * the largest seen so far, kept across fragments so dts never go back.
	 */
	int64_t delay[KV_AVFRAG_MAX_STREAMS];
	int64_t end[KV_AVFRAG_MAX_STREAMS]; /* per track: largest dts+duration */
	int64_t end_all;                /* the largest of end[] */
	int64_t last_dts[KV_AVFRAG_MAX_STREAMS]; /* in this fragment */
	uint64_t nfrags;                /* fragments opened so far */
};

/* Sets up f to read fragments with the given time mode. */
void kv_avfrag_init(struct kv_avfrag *f, enum kv_avfrag_time mode);

/*
 * Closes the current fragment (if any) and opens the fragment file at path
 * (a self-contained MKV) whose producer timestamp is producer_ms, reading
 * all its packets. The first call records the tracks in f->par; later
 * calls compare, set f->changed and update f->par.
 *
 * Video packets get decode timestamps rebuilt from their presentation
 * times with kv_mkv_dts (mkv.h; kvideo-ingest uses it too): the k-th
 * packet of a track (decode order) gets the k-th smallest pts of the
 * fragment less the track's reordering delay, the largest (k-th smallest
 * pts - k-th pts) seen in this or an earlier fragment; so dts <= pts, dts
 * increase, and without B-frames dts = pts. kvideo's readers get them here
 * and nowhere else (MP4 and MPEG-TS muxers need both).
 *
 * Returns 0; -KC_EDATA when libavformat cannot read it or its tracks
 * differ in number or codec from the first fragment's (message "fragment
 * FILE: ..."); -KC_ENOENT when the file is gone (trimmed by retention);
 * -KC_EIO.
 */
int kv_avfrag_open(struct kv_avfrag *f, const char *path, int64_t producer_ms,
		   struct kc_error *e);

/*
 * Reads the next packet of the current fragment into pkt (which the caller
 * allocated and unrefs), its timestamps rescaled to f->tb and moved onto the
 * output timeline (video dts rebuilt as kv_avfrag_open says). Returns 0
 * with a packet, 1 at the end of the fragment (open the next one), or
 * -KC_EDATA/-KC_EIO with e filled.
 */
int kv_avfrag_read(struct kv_avfrag *f, AVPacket *pkt, struct kc_error *e);

/* Closes the current fragment; f stays usable for kv_avfrag_open. */
void kv_avfrag_close(struct kv_avfrag *f);

/* Closes everything and frees f's codec parameters. */
void kv_avfrag_release(struct kv_avfrag *f);

/*
 * Checks f's tracks (after the first kv_avfrag_open) as KVS does before
 * packaging HLS or MP4: track 1 H.264 or H.265 with codec private data (or
 * a single AAC track), an optional AAC track 2 with codec private data.
 * Returns 0, or -KC_EDATA with e->msg "ERRORNAME: reason" where ERRORNAME is
 * KVS's: UnsupportedStreamMediaTypeException (e.g. VP9, or more tracks
 * than 2), MissingCodecPrivateDataException,
 * InvalidCodecPrivateDataException.
 */
int kv_avfrag_check_codecs(const struct kv_avfrag *f, struct kc_error *e);

/*
 * The Matroska codec id of a track ("V_MPEG4/ISO/AVC", "A_AAC", "V_VP9"),
 * for messages; "unknown" when there is none.
 */
const char *kv_avfrag_codec_name(const AVCodecParameters *par);

/*
 * Adds one output stream to oc per track of f, with f->par (codec_tag
 * cleared so the muxer picks its own) and time base f->tb.
 * Returns 0 or -KC_EFAIL (out of memory in libavformat).
 */
int kv_avfrag_add_streams(const struct kv_avfrag *f, AVFormatContext *oc,
			  struct kc_error *e);

#endif
