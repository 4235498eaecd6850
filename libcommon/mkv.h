/*
 * mkv.h: the bits of EBML and Matroska kin writes and reads by hand:
 * element ids and sizes, unsigned and string elements, Tags with
 * SimpleTags, walking the level-1 elements of a stored fragment (EBML
 * header, then the children of its Segment), and the decode timestamps
 * Matroska does not store. See kin-video(5).
 */
#ifndef KV_MKV_H
#define KV_MKV_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* Element ids (with their length marker bits, as written). */
#define KV_MKV_EBML        0x1A45DFA3u
#define KV_MKV_SEGMENT     0x18538067u
#define KV_MKV_SEEKHEAD    0x114D9B74u
#define KV_MKV_INFO        0x1549A966u
#define KV_MKV_TRACKS      0x1654AE6Bu
#define KV_MKV_TAGS        0x1254C367u
#define KV_MKV_TAG         0x7373u
#define KV_MKV_TARGETS     0x63C0u
#define KV_MKV_SIMPLETAG   0x67C8u
#define KV_MKV_TAGNAME     0x45A3u
#define KV_MKV_TAGSTRING   0x4487u
#define KV_MKV_CLUSTER     0x1F43B675u
#define KV_MKV_TIMECODE    0xE7u
#define KV_MKV_SIMPLEBLOCK 0xA3u
#define KV_MKV_BLOCKGROUP  0xA0u
#define KV_MKV_CUES        0x1C53BB6Bu
#define KV_MKV_VOID        0xECu

/* The size of an element of unknown size (all ones in 8 bytes). */
#define KV_MKV_UNKNOWN     UINT64_MAX

/* Appends an element id (1-4 bytes, as given). */
void kv_mkv_put_id(struct kc_buf *b, uint32_t id);

/*
 * Appends an element data size in the shortest EBML form (KV_MKV_UNKNOWN:
 * the 8-byte unknown size 0x01FFFFFFFFFFFFFF).
 */
void kv_mkv_put_size(struct kc_buf *b, uint64_t size);

/* Appends an unsigned integer element (shortest big-endian form). */
void kv_mkv_put_uint(struct kc_buf *b, uint32_t id, uint64_t v);

/* Appends a string (or binary) element holding s[0..n). */
void kv_mkv_put_string(struct kc_buf *b, uint32_t id, const char *s, size_t n);

/*
 * Appends one level-1 Tags element holding one Tag (with empty Targets)
 * of n SimpleTags {TagName names[i], TagString values[i]}: the layout KVS
 * uses for its AWS_KINESISVIDEO_* tags.
 */
void kv_mkv_put_tags(struct kc_buf *b, const char *const *names,
		     const char *const *values, size_t n);

/* A parsed element header; offsets are from the start of the buffer. */
struct kv_mkv_element {
	uint32_t id;
	uint64_t offset;        /* of the id */
	uint64_t data;          /* of the data (offset + header length) */
	uint64_t size;          /* data size, or KV_MKV_UNKNOWN */
};

/*
 * Reads the element header at p[off..n). Returns 0 and fills *el; 1 when
 * n ends inside the header; -1 when the bytes are no valid EBML header.
 */
int kv_mkv_header(const uint8_t *p, size_t n, uint64_t off,
		  struct kv_mkv_element *el);

/*
 * Walks a fragment p[0..n) (EBML header, Segment): the first call with
 * *off 0 yields the EBML header; later calls the Segment's children in
 * order (Info, Tracks, Tags, Cluster, ...), skipping over each. Returns 0
 * and fills *el and advances *off; 1 at the end of the data; -1 on bad
 * data (an element running past n, an unknown-size child).
 */
int kv_mkv_next(const uint8_t *p, size_t n, uint64_t *off,
		struct kv_mkv_element *el);

/*
 * Calls fn(name, namelen, value, valuelen, arg) for every SimpleTag of the
 * Tags element el of p (as returned by kv_mkv_next). Stops and returns
 * fn's value when it is non-zero; returns -1 on bad data, else 0.
 */
int kv_mkv_tags_each(const uint8_t *p, const struct kv_mkv_element *el,
		     int (*fn)(const char *name, size_t namelen,
			       const char *value, size_t valuelen, void *arg),
		     void *arg);

/*
 * Decode timestamps for Matroska video. Matroska keeps presentation times
 * only (a demuxer gives its packets no dts, or dts = pts), while muxers
 * want decode times that never decrease and never pass the pts. Given the
 * pts[0..n) of one video track's frames in decode order, from one
 * fragment (a run starting at a keyframe), fills dts[0..n): the k-th
 * smallest pts less the reordering delay, the largest (k-th smallest pts -
 * pts[k]) met so far, 0 without B-frames. *delay carries it from one
 * fragment to the next (start with 0). Then dts[k] <= pts[k] and dts never
 * decreases (increases when the pts differ). No allocation.
 */
void kv_mkv_dts(const int64_t *pts, int64_t *dts, size_t n, int64_t *delay);

#endif
