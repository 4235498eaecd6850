/* file.c: whole writes and reads, fsync policy, atomic replacement. */
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "units.h"
#include "banned.h"

/* Whether the environment asks to skip fsyncs (tests only). */
static int fsync_off(void)
{
	const char *v = getenv("KIN_FSYNC");

	return v && !strcmp(v, "0");
}

int kc_fsync(int fd)
{
	return fsync_off() ? 0 : fsync(fd);
}

int kc_fdatasync(int fd)
{
	return fsync_off() ? 0 : fdatasync(fd);
}

int kc_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t kc_pread_full(int fd, void *p, size_t n, off_t off)
{
	char *s = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, s + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Some file systems refuse fsync on a directory with EINVAL; there is
 * nothing more to do there, so that counts as success (as in redis).
 */
int kc_fsync_dir(const char *path)
{
	int fd, rc, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = kc_fsync(fd);
	if (rc < 0 && errno == EINVAL)
		rc = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Copies the directory part of path ("." when none) into dir. */
static void dir_of(const char *path, struct kc_buf *dir)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		kc_buf_adds(dir, ".");
	else if (slash == path)
		kc_buf_adds(dir, "/");
	else
		kc_buf_add(dir, path, (size_t)(slash - path));
}

/*
 * Creates a new file "path.tmp-PID-X" with mode 0666 & ~umask (mkstemp
 * would force 0600). Returns its fd and leaves its name in tmp, or -1.
 */
static int create_temp(const char *path, struct kc_buf *tmp)
{
	unsigned long long x = kc_mono_ns();
	int fd, tries;

	for (tries = 0; tries < 100; tries++, x++) {
		kc_buf_reset(tmp);
		kc_buf_addf(tmp, "%s.tmp-%ld-%llx", path, (long)getpid(), x);
		fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Writes, syncs and closes fd; 0 or -1/errno. fd is closed either way. */
static int write_sync_close(int fd, const void *data, size_t n)
{
	int rc, saved;

	rc = kc_write_all(fd, data, n);
	if (!rc)
		rc = kc_fsync(fd);
	saved = errno;
	if (close(fd) < 0 && !rc) {
		rc = -1;
		saved = errno;
	}
	errno = saved;
	return rc;
}

int kc_file_replace(const char *path, const void *data, size_t n,
		    struct kc_error *e)
{
	struct kc_buf tmp = KC_BUF_INIT, dir = KC_BUF_INIT;
	int fd, rc = 0;

	fd = create_temp(path, &tmp);
	if (fd < 0) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'",
				    tmp.data);
	} else if (write_sync_close(fd, data, n) < 0) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot write '%s'",
				    tmp.data);
		unlink(tmp.data);
	} else if (rename(tmp.data, path) < 0) {
		rc = kc_error_errno(e, KC_EIO, errno,
				    "cannot rename '%s' to '%s'", tmp.data,
				    path);
		unlink(tmp.data);
	} else {
		dir_of(path, &dir);
		if (kc_fsync_dir(dir.data) < 0)
			rc = kc_error_errno(e, KC_EIO, errno,
					    "cannot sync directory '%s'",
					    dir.data);
	}
	kc_buf_release(&tmp);
	kc_buf_release(&dir);
	return rc;
}

int kc_file_read(const char *path, char **data, size_t *n, struct kc_error *e)
{
	struct kc_buf b = KC_BUF_INIT;
	ssize_t r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO,
				      errno, "cannot open '%s'", path);
	for (;;) {
		kc_buf_grow(&b, 8192);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b.len += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (r < 0) {
		kc_buf_release(&b);
		return kc_error_errno(e, KC_EIO, saved, "cannot read '%s'",
				      path);
	}
	b.data[b.len] = '\0';
	*data = b.data;
	if (n)
		*n = b.len;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int kc_file_remove_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
