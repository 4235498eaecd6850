/* dest_dir.c: the dir: destination, objects named and laid out as in S3. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dest_dir.h"
#include "file.h"
#include "firehose.h"
#include "prefix.h"
#include "banned.h"

#define TMP_DIR ".kfirehose-tmp"
#define WRITE_CHUNK (1 << 20)

struct fh_objects {
	char *root;
	int rootfd;
};

/* Removes temp files whose writer (the PID in their name) is gone. */
static void clean_temp(int rootfd)
{
	int fd = openat(rootfd, TMP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int fh_objects_open(const char *root, struct fh_objects **out, struct kc_error *e)
{
	struct fh_objects *o;
	int fd;

	if (mkdir(root, 0777) && errno != EEXIST)
		return kc_error_errno(e, KC_EIO, errno, "%s", root);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO, errno,
				      "%s", root);
	if (mkdirat(fd, TMP_DIR, 0777) && errno != EEXIST) {
		close(fd);
		return kc_error_errno(e, KC_EIO, errno, "%s/%s", root, TMP_DIR);
	}
	clean_temp(fd);
	o = kc_xcalloc(1, sizeof(*o));
	o->root = kc_xstrdup(root);
	o->rootfd = fd;
	*out = o;
	return 0;
}

void fh_objects_close(struct fh_objects *o)
{
	if (!o)
		return;
	close(o->rootfd);
	free(o->root);
	free(o);
}

void fh_object_name(const char *stream, unsigned version, int64_t now_ms,
		    const char *ext, struct kc_buf *out)
{
	struct kc_error ignore;
	char uuid[40];

	kc_buf_addf(out, "%s-%u-", stream, version);
	fh_timestamp_format("yyyy-MM-dd-HH-mm-ss", 19, now_ms, out, &ignore);
	fh_uuid(uuid);
	kc_buf_addf(out, "-%s%s", uuid, ext ? ext : "");
}

/* mkdir -p of the directories of path (relative to rootfd). */
static int make_parents(int rootfd, const char *path, struct kc_error *e)
{
	char *copy = kc_xstrdup(path);
	int rc = 0;

	for (char *s = strchr(copy, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (*copy && mkdirat(rootfd, copy, 0777) && errno != EEXIST)
			rc = kc_error_errno(e, KC_EIO, errno, "%s", copy);
		*s = '/';
		if (rc)
			break;
	}
	free(copy);
	return rc;
}

static int sync_parent(int rootfd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc;

	if (!slash)
		return kc_fsync(rootfd);
	dir = kc_xstrdup(path);
	dir[slash - path] = '\0';
	fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = kc_fsync(fd);
	close(fd);
	return rc;
}

/* Compresses the pieces into fd, writing a chunk whenever one is ready. */
static int write_pieces(int fd, enum kc_codec codec, const char *entry,
			const struct fh_piece *v, size_t n, struct kc_error *e)
{
	struct kc_compressor *z;
	struct kc_buf out = KC_BUF_INIT;
	int rc;

	if (codec == KC_CODEC_NONE) {
		for (size_t i = 0; i < n; i++)
			if (kc_write_all(fd, v[i].p, v[i].n))
				return kc_error_errno(e, KC_EIO, errno, "write");
		return 0;
	}
	rc = kc_compress_open(codec, 0, entry, &z, e);

	for (size_t i = 0; !rc && i < n; i++) {
		rc = kc_compress_write(z, v[i].p, v[i].n, &out, e);
		if (!rc && out.len >= WRITE_CHUNK) {
			if (kc_write_all(fd, out.data, out.len))
				rc = kc_error_errno(e, KC_EIO, errno, "write");
			kc_buf_reset(&out);
		}
	}
	if (!rc)
		rc = kc_compress_finish(z, &out, e);
	if (!rc && out.len && kc_write_all(fd, out.data, out.len))
		rc = kc_error_errno(e, KC_EIO, errno, "write");
	kc_compress_free(z);
	kc_buf_release(&out);
	return rc;
}

int fh_objects_put(struct fh_objects *o, const char *prefix, const char *name,
		   enum kc_codec codec, const struct fh_piece *v, size_t n,
		   struct kc_error *e)
{
	struct kc_buf key = KC_BUF_INIT, tmp = KC_BUF_INIT, entry = KC_BUF_INIT;
	char uuid[40];
	int fd, rc;

	kc_buf_addf(&key, "%s%s", prefix, name);
	fh_uuid(uuid);
	kc_buf_addf(&tmp, "%s/%ld-%s", TMP_DIR, (long)getpid(), uuid);
	/* The zip entry is the object's name without the .zip. */
	kc_buf_adds(&entry, name);
	if (entry.len > 4 && !strcmp(entry.data + entry.len - 4, ".zip"))
		entry.data[entry.len -= 4] = '\0';
	fd = openat(o->rootfd, tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = kc_error_errno(e, KC_EIO, errno, "%s/%s", o->root, tmp.data);
		goto out;
	}
	rc = write_pieces(fd, codec, entry.data, v, n, e);
	if (!rc && kc_fsync(fd))
		rc = kc_error_errno(e, KC_EIO, errno, "fsync %s/%s", o->root, tmp.data);
	if (close(fd) && !rc)
		rc = kc_error_errno(e, KC_EIO, errno, "close %s/%s", o->root, tmp.data);
	if (!rc)
		rc = make_parents(o->rootfd, key.data, e);
	if (!rc && renameat(o->rootfd, tmp.data, o->rootfd, key.data))
		rc = kc_error_errno(e, KC_EIO, errno, "%s/%s", o->root, key.data);
	if (!rc && sync_parent(o->rootfd, key.data))
		rc = kc_error_errno(e, KC_EIO, errno, "fsync %s/%s", o->root, key.data);
	if (rc)
		unlinkat(o->rootfd, tmp.data, 0);
out:
	kc_buf_release(&key);
	kc_buf_release(&tmp);
	kc_buf_release(&entry);
	return rc;
}

/* ---- the destination ---------------------------------------------------- */

struct dir_dest {
	struct fh_objects *objects;
	const struct fh_config *c;
	enum kc_codec codec;
	const char *ext;
};

static int dir_open(const struct fh_config *c, const char *url, void **state,
		    struct kc_error *e)
{
	struct dir_dest *d = kc_xcalloc(1, sizeof(*d));
	const char *ext;

	d->c = c;
	if (c->compression && kc_codec_parse(c->compression, &d->codec, e))
		goto fail;
	ext = fh_config_get(c, "file-extension");
	d->ext = ext ? ext : kc_codec_extension(d->codec);
	if (fh_objects_open(url, &d->objects, e))
		goto fail;
	*state = d;
	return 0;
fail:
	free(d);
	return -e->code;
}

static int dir_deliver(void *state, const struct fh_batch *b, struct fh_result *r)
{
	struct dir_dest *d = state;
	struct kc_buf name = KC_BUF_INIT;
	struct fh_piece *v, one;
	size_t n = 0;
	struct kc_error e;
	int rc;

	fh_object_name(d->c->name, d->c->version, b->now_ms, d->ext, &name);
	if (b->body) {
		one = (struct fh_piece){ b->body, b->body_len };
		v = &one;
		n = 1;
	} else {
		/* Records carry their delimiter (--append-delimiter) already. */
		v = kc_xcalloc(b->n + 1, sizeof(*v));
		for (size_t i = 0; i < b->n; i++)
			v[n++] = (struct fh_piece){ b->v[i].data, b->v[i].len };
	}
	rc = fh_objects_put(d->objects, b->prefix, name.data, d->codec, v, n, &e);
	if (rc)
		fh_result_all(r, b->n, FH_RETRY, "S3.WriteFailed", "%s", e.msg);
	if (v != &one)
		free(v);
	kc_buf_release(&name);
	return 0;
}

static void dir_close(void *state)
{
	struct dir_dest *d = state;

	if (!d)
		return;
	fh_objects_close(d->objects);
	free(d);
}

const struct fh_dest_type fh_dest_dir = {
	.scheme = "dir",
	.metric = "S3",
	.error_type = "s3-failed",
	.size_min = 1 << 20, .size_max = 128 << 20, .size_default = 5 << 20,
	.interval_min = 0, .interval_max = 900 * 1000, .interval_default = 300 * 1000,
	.retry_default = 86400 * 1000,
	.max_records = 0,
	.whole_body = 1,
	.options = NULL,
	.open = dir_open,
	.deliver = dir_deliver,
	.error_fields = NULL,
	.close = dir_close,
};
