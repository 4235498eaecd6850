/* stream.h: streams in a root directory, their metadata and shard map. */
#ifndef KC_STREAM_H
#define KC_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "hashkey.h"

#define KC_META_FILE "stream.meta"
#define KC_NO_SHARD UINT64_MAX

#define KC_RETENTION_MIN 24
#define KC_RETENTION_MAX 8760
#define KC_RECORD_MAX_DEFAULT (1u << 20)
#define KC_RECORD_MAX_MIN (1u << 10)
#define KC_SEGMENT_SIZE_DEFAULT (64u << 20)
#define KC_SHARDS_MAX 1024

/* One shard as stream.meta records it. parent/adjacent are KC_NO_SHARD if none. */
struct kc_shard_info {
	uint64_t index;
	kc_u128 start, end;
	uint64_t parent, adjacent;
	int64_t created_ms;
	int closed;
	uint64_t end_offset;     /* logical end once closed */
};

struct kc_stream_meta {
	uint32_t version;
	char name[129];
	int64_t created_ms;
	uint32_t retention_hours;
	uint64_t max_record_size;
	uint64_t segment_size;
	uint64_t next_shard;
	int enforce_limits;      /* emulate the per-shard rate limits */
	size_t nshards;
	struct kc_shard_info *shards;
};

struct kc_stream_config {
	unsigned shards;
	unsigned retention_hours;
	uint64_t max_record_size;
	uint64_t segment_size;
	int enforce_limits;
};

/*
 * An open stream: its path, a directory fd, and the metadata read when it
 * was opened. kc_stream_close(NULL) is a no-op.
 */
struct kc_stream {
	char *root;
	char *path;
	int dirfd;
	struct kc_stream_meta meta;
};

/*
 * Resolves the root directory: dir if non-NULL, else $KIN_DIR, else
 * $XDG_DATA_HOME/kin, else $HOME/.local/share/kin. Returns a malloc'd
 * string the caller frees.
 */
char *kc_root_resolve(const char *dir);

/* Creates the root (mkdir -p) and its streams/ and tmp/ when missing. */
int kc_root_make(const char *root, struct kc_error *e);

/*
 * Creates stream name under root (creating root and root/streams as
 * needed), atomically: built in a temporary directory, then renamed.
 * -KC_EUSAGE for a bad name or config, -KC_EFAIL (ResourceInUse) when it
 * exists, -KC_EIO otherwise.
 */
int kc_stream_create(const char *root, const char *name,
		     const struct kc_stream_config *cfg, struct kc_error *e);

/* Opens a stream; -KC_ENOENT when it does not exist. *out freed by close. */
int kc_stream_open(const char *root, const char *name, struct kc_stream **out,
		   struct kc_error *e);
void kc_stream_close(struct kc_stream *s);

/* Re-reads stream.meta into s->meta. */
int kc_stream_reload(struct kc_stream *s, struct kc_error *e);

/* Deletes a stream: renamed aside atomically, then removed. */
int kc_stream_delete(const char *root, const char *name, struct kc_error *e);

/* Lists stream names, sorted; *names is a malloc'd array of malloc'd strings. */
int kc_stream_list(const char *root, char ***names, size_t *n, struct kc_error *e);
void kc_stream_list_free(char **names, size_t n);

/*
 * Takes the stream's metadata lock (flock on its lock file) and re-reads
 * s->meta under it; *lockfd is released by kc_stream_meta_unlock. While
 * held, kc_stream_meta_save replaces stream.meta with s->meta atomically.
 */
int kc_stream_meta_lock(struct kc_stream *s, int *lockfd, struct kc_error *e);
void kc_stream_meta_unlock(int lockfd);
int kc_stream_meta_save(struct kc_stream *s, struct kc_error *e);

/* Turns limits emulation on or off under the stream's meta lock. */
int kc_stream_set_limits(struct kc_stream *s, int on, struct kc_error *e);

/* Sets the retention period (24..8760 hours) under the stream's meta lock. */
int kc_stream_set_retention(struct kc_stream *s, unsigned hours, struct kc_error *e);

/*
 * Returns the position in s->meta.shards of the open shard whose hash key
 * range holds h, or -1 if none (cannot happen in a consistent stream).
 */
long kc_stream_route(const struct kc_stream *s, kc_u128 h);

/* Looks a shard up by index; NULL if the stream has no such shard. */
const struct kc_shard_info *kc_stream_shard(const struct kc_stream *s,
					     uint64_t index);

/* Opens the directory of shard index inside s (O_DIRECTORY fd) or -1/errno. */
int kc_stream_shard_dir(const struct kc_stream *s, uint64_t index);

/* Encodes / decodes stream.meta (see kin-stream(5)); used by tests too. */
void kc_meta_encode(const struct kc_stream_meta *m, struct kc_buf *out);
int kc_meta_decode(const char *text, size_t n, struct kc_stream_meta *m,
		   struct kc_error *e);
void kc_meta_release(struct kc_stream_meta *m);

#endif
