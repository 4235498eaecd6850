/*
 * tags.h: fragment metadata (MKV tags) as the KVS producer SDK's
 * putKinesisVideoFragmentMetadata has it: persistent tags repeat on every
 * fragment (the same name replaces the value, an empty value cancels it),
 * one-shot tags go on the next fragment only. At most KV_TAGS_MAX per
 * fragment; names up to 128 bytes without the prefix "AWS", values up to
 * 256 bytes.
 *
 * Tags come from --tag options and from a control file or FIFO
 * (--tags-from) read whenever a fragment starts, one line each:
 *	persistent NAME=VALUE
 *	once NAME=VALUE
 * Blank lines and lines starting with '#' are skipped.
 */
#ifndef KVI_TAGS_H
#define KVI_TAGS_H

#include <stddef.h>
#include <sys/types.h>
#include "buf.h"
#include "error.h"
#include "video.h"

struct kvi_tag {
	char *name;
	char *value;
};

struct kvi_tags {
	struct kvi_tag persistent[KV_TAGS_MAX];
	size_t npersistent;
	struct kvi_tag once[KV_TAGS_MAX];
	size_t nonce;
	/* The control file (fd -1 without one). */
	const char *path;
	int fd;
	int seekable;               /* a regular file: read on from off */
	off_t off;
	unsigned line;              /* lines read so far */
	struct kc_buf partial;      /* an unfinished last line */
};

void kvi_tags_init(struct kvi_tags *t);
void kvi_tags_release(struct kvi_tags *t);

/*
 * Checks a tag against the KVS limits. Returns 0 or -KC_EUSAGE with a
 * message naming the tag.
 */
int kvi_tag_check(const char *name, size_t namelen, const char *value,
		  size_t valuelen, struct kc_error *e);

/*
 * Adds a tag (checked). -KC_EUSAGE for a bad tag; -KC_EDATA when the
 * fragment would carry more than KV_TAGS_MAX tags.
 */
int kvi_tags_add(struct kvi_tags *t, const char *name, size_t namelen,
		 const char *value, size_t valuelen, int persistent,
		 struct kc_error *e);

/*
 * Opens the control file at path: a FIFO read-write and non-blocking (so
 * it never sees end of file and never blocks), a regular file from its
 * start. -KC_ENOENT, -KC_EIO.
 */
int kvi_tags_open(struct kvi_tags *t, const char *path, struct kc_error *e);

/*
 * Reads the control lines available now and applies them. For each bad
 * line calls bad(msg, limit, arg): limit is 1 when the line broke the
 * per-fragment count or a size or name rule (PutMedia's ErrorId 4009).
 * Returns 0, or -KC_EIO when reading failed.
 */
int kvi_tags_poll(struct kvi_tags *t,
		  void (*bad)(const char *msg, int limit, void *arg), void *arg,
		  struct kc_error *e);

/*
 * Appends the level-1 Tags elements for the next fragment (one per tag,
 * persistent first) to out and forgets the one-shot tags.
 */
void kvi_tags_take(struct kvi_tags *t, struct kc_buf *out);

#endif
