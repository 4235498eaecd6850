/* file.h: whole writes, directory fsyncs and atomic file replacement. */
#ifndef KC_FILE_H
#define KC_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/*
 * fsync policy for tests: when the environment variable KIN_FSYNC is "0",
 * kc_fsync and kc_fdatasync succeed without syncing. Every production code
 * path calls them the same way either way.
 */
int kc_fsync(int fd);
int kc_fdatasync(int fd);

/* write(2) until all n bytes are written; retries EINTR. 0 or -1/errno. */
int kc_write_all(int fd, const void *p, size_t n);

/* pread(2) until n bytes or EOF; returns bytes read or -1/errno. */
ssize_t kc_pread_full(int fd, void *p, size_t n, off_t off);

/* fsync the directory at path. 0 or -1/errno. */
int kc_fsync_dir(const char *path);

/*
 * Replaces path with data atomically and durably: temp file in the same
 * directory (mode 0666 & ~umask), write, fsync, rename over path, fsync the
 * directory. Returns 0 or -KC_EIO with e filled.
 */
int kc_file_replace(const char *path, const void *data, size_t n,
		    struct kc_error *e);

/*
 * Reads the whole file at path into a malloc'd, NUL-terminated buffer the
 * caller frees. Returns 0, -KC_ENOENT when it does not exist, -KC_EIO.
 */
int kc_file_read(const char *path, char **data, size_t *n, struct kc_error *e);

/* Removes path and everything below it (rm -rf, not following links). */
int kc_file_remove_tree(const char *path);

#endif
