/*
 * video.h: video streams (Kinesis Video Streams) in a kin root, laid out as
 * kin-video(5) describes: ROOT/video/NAME/ holds "meta" (JSON stream
 * information), "index" (64-byte checksummed records, one per stored
 * fragment, in fragment-number order) and "fragments/NUMBER.mkv" (each
 * fragment a self-contained Matroska file: EBML header, Segment, Info,
 * Tracks, Tags, one Cluster).
 *
 * The index is what readers trust: a fragment exists once its record is in
 * the index, and its file is complete and durable by then. A fragment named
 * in an index snapshot may have been trimmed by retention since: opening it
 * then fails with -KC_ENOENT, and readers skip it.
 *
 * Readers: kv_video_open, then look at the snapshot (kv_video_count and
 * kv_video_at, in fragment-number order), kv_video_refresh to pick up new
 * fragments, kv_video_wait to sleep until there are some. One writer at a
 * time (kvideo-ingest) uses kv_writer_*.
 */
#ifndef KV_VIDEO_H
#define KV_VIDEO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "buf.h"
#include "error.h"

#define KV_VIDEO_DIR "video"              /* ROOT/video/NAME */
#define KV_NUMBER_LEN 20                  /* fragment numbers: 20 digits */
#define KV_RETENTION_MAX 87600            /* hours (10 years, as KVS) */
/* Retention 0: the live buffer kept for readers (as the KVS host buffer). */
#define KV_LIVE_BUFFER_MS (300 * 1000)
#define KV_LIVE_BUFFER_BYTES (200u << 20)
#define KV_TAGS_MAX 10                    /* per fragment, as KVS */
#define KV_TAG_NAME_MAX 128
#define KV_TAG_VALUE_MAX 256

/* Which clock a time range or a seek refers to. */
enum kv_time {
	KV_TIME_PRODUCER,
	KV_TIME_SERVER
};

/* One stored fragment, as its index record says. */
struct kv_fragment {
	char number[KV_NUMBER_LEN + 1]; /* fixed-width decimal, NUL-ended */
	uint64_t seq;                   /* the same number as an integer */
	int64_t producer_ms;            /* producer timestamp of its start */
	int64_t server_ms;              /* server (arrival) timestamp */
	uint32_t duration_ms;           /* FragmentLengthInMilliseconds */
	uint32_t tracks;                /* number of tracks */
	uint64_t size;                  /* bytes of the .mkv file */
	uint64_t cluster_offset;        /* byte offset of its Cluster element */
};

/* The stream information "meta" holds (DescribeStream's StreamInfo). */
struct kv_video_info {
	char name[129];
	char arn[256];
	char device_name[129];
	char media_type[129];
	char kms_key_id[2049];
	char version[33];               /* changes with every update */
	char status[16];                /* "ACTIVE" */
	int64_t creation_ms;
	unsigned retention_hours;       /* 0: live buffer only */
};

/* Options of kv_video_create; NULL strings and 0 mean the defaults. */
struct kv_video_config {
	unsigned retention_hours;
	const char *device_name;
	const char *media_type;
	const char *kms_key_id;
};

/*
 * Creates video stream name under root (root/video/NAME), atomically.
 * -KC_EUSAGE for a bad name or retention, -KC_EFAIL with a message saying
 * ResourceInUseException when it exists, -KC_EIO otherwise.
 */
int kv_video_create(const char *root, const char *name,
		    const struct kv_video_config *cfg, struct kc_error *e);

/*
 * Deletes video stream name: renamed out of sight first (readers and an
 * ingester see it gone at once), then removed. -KC_ENOENT if absent.
 */
int kv_video_delete(const char *root, const char *name, struct kc_error *e);

/*
 * Lists the names of the video streams under root, sorted, into a malloc'd
 * array the caller frees with kc_name_list_free (name.h).
 */
int kv_video_names(const char *root, char ***names, size_t *n,
		   struct kc_error *e);

/*
 * Reads the stream information of name into *info. -KC_ENOENT with
 * "video stream 'x': no such stream" when it does not exist.
 */
int kv_video_describe(const char *root, const char *name,
		      struct kv_video_info *info, struct kc_error *e);

/*
 * Sets the retention of name to hours (checking current_version when
 * non-NULL: a mismatch is -KC_EFAIL, "VersionMismatchException"). Lowering
 * it trims the fragments now outside it at once unless an ingester holds
 * the stream, which trims them with its next fragment.
 */
int kv_video_set_retention(const char *root, const char *name, unsigned hours,
			   const char *current_version, struct kc_error *e);

/*
 * An open video stream: its information and a snapshot of its index.
 * kv_video_close(NULL) is a no-op.
 */
struct kv_video;

/* Opens video stream name under root. -KC_ENOENT when it does not exist. */
int kv_video_open(const char *root, const char *name, struct kv_video **out,
		  struct kc_error *e);
void kv_video_close(struct kv_video *v);

/* The stream information read at open (and at each refresh). */
const struct kv_video_info *kv_video_info(const struct kv_video *v);

/* The stream's directory (root/video/NAME); valid until close. */
const char *kv_video_path(const struct kv_video *v);

/*
 * Reads what was appended to the index since the last refresh (or all of
 * it again after retention rewrote it) and drops fragments outside the
 * retention. Returns 1 if the snapshot changed, 0 if not, or -KC_ENOENT
 * when the stream was deleted, -KC_EIO. Pointers from kv_video_at are
 * invalid after a refresh.
 */
int kv_video_refresh(struct kv_video *v, struct kc_error *e);

/*
 * Waits up to timeout_ms (-1: forever) for the index to change, using
 * inotify (polling without it), then refreshes. Returns as refresh does
 * (0 after a timeout with no change). Returns early with 0 on EINTR, so a
 * caught signal can stop a follower.
 */
int kv_video_wait(struct kv_video *v, int timeout_ms, struct kc_error *e);

/* The number of fragments in the snapshot and the i-th (number order). */
size_t kv_video_count(const struct kv_video *v);
const struct kv_fragment *kv_video_at(const struct kv_video *v, size_t i);

/*
 * The position of the fragment numbered number (leading zeros optional),
 * or -1 when it is not in the snapshot.
 */
ssize_t kv_video_find(const struct kv_video *v, const char *number);

/* The position of the first fragment numbered above number (count if none). */
size_t kv_video_after(const struct kv_video *v, const char *number);

/*
 * The position of the first fragment (in number order) that contains ms on
 * clock t (start <= ms < start + duration) or starts after it; count if
 * none. This is GetMedia's PRODUCER_/SERVER_TIMESTAMP start selector.
 */
size_t kv_video_seek(const struct kv_video *v, enum kv_time t, int64_t ms);

/*
 * Fills *idx (malloc'd, caller frees) with the positions of the fragments
 * whose start on clock t is in [start_ms, end_ms] (inclusive, as
 * ListFragments), in number order. *n is their count.
 */
int kv_video_range(const struct kv_video *v, enum kv_time t, int64_t start_ms,
		   int64_t end_ms, size_t **idx, size_t *n, struct kc_error *e);

/* The start of fragment f on clock t. */
int64_t kv_fragment_time(const struct kv_fragment *f, enum kv_time t);

/*
 * Writes the path of f's file (root/video/NAME/fragments/NUMBER.mkv) into
 * out, which is reset first.
 */
void kv_video_fragment_path(const struct kv_video *v,
			    const struct kv_fragment *f, struct kc_buf *out);

/*
 * Opens f's file read-only and returns the fd in *fd. -KC_ENOENT (quietly
 * skippable: retention trimmed it), -KC_EIO.
 */
int kv_video_fragment_open(const struct kv_video *v,
			   const struct kv_fragment *f, int *fd,
			   struct kc_error *e);

/* Reads all of f's file into out (appended). Errors as fragment_open. */
int kv_video_fragment_read(const struct kv_video *v,
			   const struct kv_fragment *f, struct kc_buf *out,
			   struct kc_error *e);

/* Formats a fragment number (seq) as its fixed-width string. */
void kv_number_format(uint64_t seq, char out[KV_NUMBER_LEN + 1]);

/*
 * Parses a fragment number (1-20 decimal digits). Returns 0 or -KC_EUSAGE
 * naming what.
 */
int kv_number_parse(const char *what, const char *s, uint64_t *seq,
		    struct kc_error *e);

/*
 * Parses a timestamp the way the AWS CLI takes them: epoch seconds with an
 * optional fraction ("1511852109.126"), or anything kc_parse_time takes
 * (epoch milliseconds of 13 or more digits, ISO 8601). A plain integer of
 * up to 11 digits is read as seconds.
 */
int kv_parse_time(const char *what, const char *s, int64_t *ms,
		  struct kc_error *e);

/*
 * The writer: the one kvideo-ingest that holds the stream (an exclusive
 * lock on root/video/NAME/lock). Opening recovers from a killed writer:
 * cuts a torn index tail and removes unindexed and temporary files.
 * -KC_ETEMP when another writer holds the stream.
 */
struct kv_writer;
int kv_writer_open(const char *root, const char *name, struct kv_writer **out,
		   struct kc_error *e);
void kv_writer_close(struct kv_writer *w);

/* The stream information (re-read by kv_writer_trim). */
const struct kv_video_info *kv_writer_info(const struct kv_writer *w);

/* The number the next fragment gets; each call reserves a new one. */
uint64_t kv_writer_reserve(struct kv_writer *w);

/*
 * A fragment is stored in four steps: kv_writer_create, then (for several
 * fragments at once) kv_writer_publish, kv_writer_sync of each file and
 * kv_writer_sync_dir (these at the same time, in several threads if
 * wanted), and kv_writer_index, which makes them visible. Readers go by
 * the index only; a writer that opens the stream removes temporary files
 * and files the index does not name, so a killed writer leaves nothing
 * half done visible.
 */

/*
 * Creates the temporary file of fragment f (f->number set from a reserved
 * number) and opens it for writing into *fd; the caller writes the
 * fragment into it and sets f->size (or gives up with kv_writer_discard),
 * keeps fd for kv_writer_sync and closes it. Touches nothing the other
 * steps change: one thread may reserve and create while another stores
 * the fragments made before. -KC_ENOENT when the stream was deleted,
 * -KC_EIO.
 */
int kv_writer_create(struct kv_writer *w, const struct kv_fragment *f,
		     int *fd, struct kc_error *e);

/*
 * Starts writing fd's data back to the disk, not waiting for it
 * (sync_file_range(2) on Linux; nothing when KIN_FSYNC turned syncing off),
 * so that kv_writer_sync finds it written. Thread-safe.
 */
void kv_writer_start_sync(const struct kv_writer *w, int fd);

/*
 * Gives up fragment f: closes fd, removes its temporary file, and takes its
 * number back if it was the last reserved.
 */
void kv_writer_discard(struct kv_writer *w, const struct kv_fragment *f,
		       int fd);

/*
 * Renames the n written fragments' files into place (NUMBER.mkv), not yet
 * visible nor durable. -KC_ENOENT when the stream was deleted under the
 * writer (renamed away, perhaps made again: nothing goes into the new
 * one), -KC_EIO.
 */
int kv_writer_publish(struct kv_writer *w, const struct kv_fragment *f,
		      size_t n, struct kc_error *e);

/*
 * fsyncs fragment f's file fd; kv_writer_sync_dir fsyncs the fragments
 * directory (the published names). Both change nothing in w: several
 * threads may sync several files at once (the disk's cache flushes are
 * then shared).
 */
int kv_writer_sync(const struct kv_writer *w, const struct kv_fragment *f,
		   int fd, struct kc_error *e);
int kv_writer_sync_dir(const struct kv_writer *w, struct kc_error *e);

/*
 * Makes the n published fragments f[] visible: appends their index records
 * in one write and, with durable, fdatasyncs the index. With durable,
 * call it only once their files and the directory are synced. n may be 0.
 */
int kv_writer_index(struct kv_writer *w, const struct kv_fragment *f,
		    size_t n, int durable, struct kc_error *e);

/*
 * Applies the retention (re-reading meta first): removes whole fragments
 * whose server timestamp is older than now_ms minus the retention (with
 * retention 0: beyond the live buffer). The index is rewritten (temp,
 * fsync, rename) before any file is removed. Returns the number of
 * fragments removed, -KC_ENOENT when the stream was deleted, -KC_EIO.
 */
int kv_writer_trim(struct kv_writer *w, int64_t now_ms, struct kc_error *e);

#endif
