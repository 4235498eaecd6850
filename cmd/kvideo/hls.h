/*
 * hls.h: the parts of `kvideo hls`: packaging stored fragments as HLS media
 * segments (hls_pack.c), the player page (hls_page.c), and the command with
 * its sessions and playlists (hls.c).
 */
#ifndef KV_HLS_H
#define KV_HLS_H

#include <stdint.h>
#include <libavformat/avformat.h>
#include "avfrag.h"
#include "buf.h"
#include "error.h"

enum kv_hls_container { KV_HLS_FMP4, KV_HLS_TS };

/*
 * A packager: one stored fragment in, one media segment out. Timestamps
 * run on contiguously from fragment to fragment (kv_avfrag CONTIGUOUS), so
 * the segments play back to back; gaps are told by the playlist. fMP4
 * segments share an init segment until the codec parameters change.
 */
struct kv_hls_pack {
	enum kv_hls_container container;
	struct kv_avfrag in;
	AVFormatContext *oc;            /* the muxer, NULL until the first */
	struct kc_buf out;              /* bytes the muxer wrote, not yet taken */
	unsigned init_seq;              /* counts muxers (init segments) */
	char codecs[64];                /* RFC 6381 CODECS ("avc1.42c01e,...") */
	int width, height;
};

void kv_hls_pack_init(struct kv_hls_pack *p, enum kv_hls_container c);
void kv_hls_pack_release(struct kv_hls_pack *p);

/*
 * Packages the fragment file at path. On success seg holds the media
 * segment (replacing what it held), *duration_ms its duration; when this
 * fragment started a new muxer (the first, or a codec change), *new_init
 * is 1 and init holds the new init segment (fMP4; empty for MPEG-TS) whose
 * number is p->init_seq. The codecs are checked as KVS does first
 * (kv_avfrag_check_codecs). Returns 0 or a negative KC_E* code.
 */
int kv_hls_pack_fragment(struct kv_hls_pack *p, const char *path,
			 int64_t producer_ms, struct kc_buf *init,
			 struct kc_buf *seg, int64_t *duration_ms, int *new_init,
			 struct kc_error *e);

/*
 * Writes the player page dir/index.html (title shown on it; live says
 * whether the session follows ingestion) and copies hls.js beside it as
 * dir/hls.min.js. hls.js is found at hlsjs when non-NULL, else at
 * $KIN_HLSJS, else beside the program (BINDIR/../share/kin/hls.min.js, or
 * the source tree's tests/node/node_modules/hls.js/dist/hls.min.js for a
 * program run from build/NAME/bin). Without a copy the page loads hls.js
 * from its CDN and *cdn is set to 1. Returns 0 or a negative KC_E* code.
 */
int kv_hls_write_page(const char *dir, const char *title, int live,
		      const char *hlsjs, int *cdn, struct kc_error *e);

#endif
