/* dest_dir.h: objects in a directory laid out like an S3 bucket. */
#ifndef FH_DEST_DIR_H
#define FH_DEST_DIR_H

#include <stddef.h>
#include "compress.h"
#include "error.h"

struct fh_objects;

/*
 * Opens the directory root (created when missing) for writing objects.
 * Removes temp files left by dead kfirehose processes.
 */
int fh_objects_open(const char *root, struct fh_objects **out, struct kc_error *e);
void fh_objects_close(struct fh_objects *o);

/*
 * Writes the object key = prefix + name atomically and durably: the pieces
 * (n of them, compressed with codec) go to a temp file, which is fsync'd
 * and renamed into place, and the directory fsync'd. A reader never sees a
 * partial object. Returns 0, or -KC_EIO with e set.
 */
struct fh_piece {
	const char *p;
	size_t n;
};
int fh_objects_put(struct fh_objects *o, const char *prefix, const char *name,
		   enum kc_codec codec, const struct fh_piece *v, size_t n,
		   struct kc_error *e);

/* NAME-VERSION-yyyy-MM-dd-HH-mm-ss-UUID + extension, Firehose's object name. */
void fh_object_name(const char *stream, unsigned version, int64_t now_ms,
		    const char *ext, struct kc_buf *out);

#endif
