/* stream.c: creating, opening, listing and deleting streams; routing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "name.h"
#include "record.h"
#include "shard.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

char *kc_root_resolve(const char *dir)
{
	const char *env = getenv("KIN_DIR");
	struct kc_buf b = KC_BUF_INIT;

	if (dir && *dir)
		return kc_xstrdup(dir);
	if (env && *env)
		return kc_xstrdup(env);
	env = getenv("XDG_DATA_HOME");
	if (env && *env) {
		kc_buf_addf(&b, "%s/kin", env);
	} else {
		env = getenv("HOME");
		kc_buf_addf(&b, "%s/.local/share/kin", env && *env ? env : ".");
	}
	return b.data;
}

static char *join(const char *a, const char *b)
{
	struct kc_buf p = KC_BUF_INIT;

	kc_buf_addf(&p, "%s/%s", a, b);
	return p.data;
}

/*
 * mkdir -p for the root, then root/streams and root/tmp (where streams are
 * built and deleted, so no temporary name can meet a stream name), fsyncing
 * each new entry's parent.
 */
static int make_dirs(const char *root, struct kc_error *e)
{
	char *path = kc_xstrdup(root), *streams;
	int rc = 0;

	for (char *p = path + 1; ; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) == 0) {
			char *slash = strrchr(path, '/');
			if (slash && slash != path) {
				*slash = '\0';
				kc_fsync_dir(path);
				*slash = '/';
			}
		} else if (errno != EEXIST) {
			rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'", path);
		}
		*p = c;
		if (c == '\0' || rc)
			break;
	}
	free(path);
	if (rc)
		return rc;
	for (int i = 0; i < 2 && !rc; i++) {
		streams = join(root, i ? "tmp" : "streams");
		if (mkdir(streams, 0777) == 0)
			kc_fsync_dir(root);
		else if (errno != EEXIST)
			rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'",
					    streams);
		free(streams);
	}
	return rc;
}

int kc_root_make(const char *root, struct kc_error *e)
{
	return make_dirs(root, e);
}

static int check_config(const struct kc_stream_config *c, struct kc_error *e)
{
	if (c->shards < 1 || c->shards > KC_SHARDS_MAX)
		return kc_error_set(e, KC_EUSAGE, "shard count %u is outside 1..%d",
				    c->shards, KC_SHARDS_MAX);
	if (c->retention_hours < KC_RETENTION_MIN || c->retention_hours > KC_RETENTION_MAX)
		return kc_error_set(e, KC_EUSAGE,
				    "retention %u hours is outside %d..%d",
				    c->retention_hours, KC_RETENTION_MIN, KC_RETENTION_MAX);
	if (c->max_record_size < KC_RECORD_MAX_MIN ||
	    c->max_record_size > KC_RECORD_MAX_LIMIT)
		return kc_error_set(e, KC_EUSAGE,
				    "maximum record size %" PRIu64
				    " is outside 1KiB..10MiB",
				    c->max_record_size);
	if (c->segment_size < 4096 || c->segment_size > (1ull << 40))
		return kc_error_set(e, KC_EUSAGE, "segment size %" PRIu64
				    " is outside 4KiB..1TiB", c->segment_size);
	return 0;
}

static int write_new_stream(int dirfd, const char *tmp, const char *name,
			    const struct kc_stream_config *cfg, struct kc_error *e)
{
	struct kc_stream_meta m = { 0 };
	struct kc_buf text = KC_BUF_INIT;
	char *metapath, *lockpath;
	int rc, fd;

	m.version = 1;
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.created_ms = kc_now_ms();
	m.retention_hours = cfg->retention_hours;
	m.max_record_size = cfg->max_record_size;
	m.segment_size = cfg->segment_size;
	m.next_shard = cfg->shards;
	m.enforce_limits = cfg->enforce_limits;
	m.nshards = cfg->shards;
	m.shards = kc_xcalloc(cfg->shards, sizeof(*m.shards));
	for (unsigned i = 0; i < cfg->shards; i++) {
		struct kc_shard_info *s = &m.shards[i];
		s->index = i;
		kc_hashkey_range(i, cfg->shards, &s->start, &s->end);
		s->parent = s->adjacent = KC_NO_SHARD;
		s->created_ms = m.created_ms;
	}
	kc_meta_encode(&m, &text);
	metapath = join(tmp, KC_META_FILE);
	lockpath = join(tmp, "lock");
	rc = kc_file_replace(metapath, text.data, text.len, e);
	fd = rc ? -1 : open(lockpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (!rc && fd < 0)
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create lock file");
	if (fd >= 0)
		close(fd);
	for (unsigned i = 0; !rc && i < cfg->shards; i++)
		rc = kc_shard_init(dirfd, i, m.created_ms, e);
	if (!rc && kc_fsync(dirfd))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync stream directory");
	free(metapath);
	free(lockpath);
	kc_buf_release(&text);
	kc_meta_release(&m);
	return rc;
}

int kc_stream_create(const char *root, const char *name,
		     const struct kc_stream_config *cfg, struct kc_error *e)
{
	struct kc_buf tmp = KC_BUF_INIT, dst = KC_BUF_INIT;
	int rc, dirfd;
	uint32_t rnd = 0;

	if ((rc = kc_name_check("stream", name, e)) || (rc = check_config(cfg, e)) ||
	    (rc = make_dirs(root, e)))
		return rc;
	if (getentropy(&rnd, sizeof(rnd)))
		rnd = (uint32_t)kc_now_ms();
	kc_buf_addf(&tmp, "%s/tmp/create.%s.%ld.%08x", root, name, (long)getpid(), rnd);
	kc_buf_addf(&dst, "%s/streams/%s", root, name);
	if (mkdir(tmp.data, 0777)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'", tmp.data);
		goto out;
	}
	dirfd = open(tmp.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = dirfd < 0 ? kc_error_errno(e, KC_EIO, errno, "cannot open '%s'", tmp.data)
		       : write_new_stream(dirfd, tmp.data, name, cfg, e);
	if (dirfd >= 0)
		close(dirfd);
	if (!rc && rename(tmp.data, dst.data)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			rc = kc_error_set(e, KC_EFAIL,
					  "stream '%s': already exists "
					  "(ResourceInUseException)", name);
		else
			rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'",
					    dst.data);
	}
	if (rc) {
		kc_file_remove_tree(tmp.data);
	} else {
		struct kc_buf streams = KC_BUF_INIT;
		kc_buf_addf(&streams, "%s/streams", root);
		if (kc_fsync_dir(streams.data))
			rc = kc_error_errno(e, KC_EIO, errno, "cannot sync '%s'",
					    streams.data);
		kc_buf_release(&streams);
	}
out:
	kc_buf_release(&tmp);
	kc_buf_release(&dst);
	return rc;
}

static int read_meta(struct kc_stream *s, struct kc_error *e)
{
	struct kc_stream_meta m;
	char *text, *path = join(s->path, KC_META_FILE);
	size_t n;
	int rc = kc_file_read(path, &text, &n, e);

	free(path);
	if (rc == -KC_ENOENT)
		return kc_error_set(e, KC_ENOENT, "stream '%s': no such stream",
				    s->meta.name);
	if (rc)
		return rc;
	rc = kc_meta_decode(text, n, &m, e);
	free(text);
	if (rc)
		return kc_error_prefix(e, "stream '%s': ", s->meta.name);
	kc_meta_release(&s->meta);
	s->meta = m;
	return 0;
}

int kc_stream_open(const char *root, const char *name, struct kc_stream **out,
		   struct kc_error *e)
{
	struct kc_stream *s;
	struct kc_buf path = KC_BUF_INIT;
	int rc = kc_name_check("stream", name, e);

	if (rc)
		return rc;
	kc_buf_addf(&path, "%s/streams/%s", root, name);
	s = kc_xcalloc(1, sizeof(*s));
	s->root = kc_xstrdup(root);
	s->path = path.data;
	snprintf(s->meta.name, sizeof(s->meta.name), "%s", name);
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = errno == ENOENT
			? kc_error_set(e, KC_ENOENT, "stream '%s': no such stream", name)
			: kc_error_errno(e, KC_EIO, errno, "stream '%s'", name);
	} else {
		rc = read_meta(s, e);
	}
	if (rc) {
		kc_stream_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void kc_stream_close(struct kc_stream *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	kc_meta_release(&s->meta);
	free(s->root);
	free(s->path);
	free(s);
}

int kc_stream_reload(struct kc_stream *s, struct kc_error *e)
{
	return read_meta(s, e);
}

int kc_stream_delete(const char *root, const char *name, struct kc_error *e)
{
	struct kc_buf src = KC_BUF_INIT, dst = KC_BUF_INIT, streams = KC_BUF_INIT;
	int rc = kc_name_check("stream", name, e);
	uint32_t rnd = 0;

	if (rc)
		return rc;

	if (getentropy(&rnd, sizeof(rnd)))
		rnd = (uint32_t)kc_now_ms();
	kc_buf_addf(&streams, "%s/streams", root);
	kc_buf_addf(&src, "%s/%s", streams.data, name);
	kc_buf_addf(&dst, "%s/tmp/delete.%s.%ld.%08x", root, name, (long)getpid(), rnd);
	if (rename(src.data, dst.data)) {
		rc = errno == ENOENT
			? kc_error_set(e, KC_ENOENT, "stream '%s': no such stream", name)
			: kc_error_errno(e, KC_EIO, errno, "stream '%s': cannot delete",
					 name);
	} else if (kc_fsync_dir(streams.data)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync '%s'", streams.data);
	}
	if (!rc && kc_file_remove_tree(dst.data))
		rc = kc_error_errno(e, KC_EIO, errno, "stream '%s': cannot remove '%s'",
				    name, dst.data);
	kc_buf_release(&src);
	kc_buf_release(&dst);
	kc_buf_release(&streams);
	return rc;
}

int kc_stream_list(const char *root, char ***names, size_t *n, struct kc_error *e)
{
	struct kc_buf path = KC_BUF_INIT;
	int rc;

	kc_buf_addf(&path, "%s/streams", root);
	rc = kc_name_list(path.data, "stream", names, n, e);
	kc_buf_release(&path);
	return rc;
}

void kc_stream_list_free(char **names, size_t n)
{
	kc_name_list_free(names, n);
}

int kc_stream_meta_lock(struct kc_stream *s, int *lockfd, struct kc_error *e)
{
	char *path = join(s->path, "lock");
	int fd = open(path, O_RDWR | O_CLOEXEC), rc;

	free(path);
	while (fd >= 0 && flock(fd, LOCK_EX))
		if (errno != EINTR) {
			close(fd);
			fd = -1;
		}
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno, "stream '%s': cannot lock",
				      s->meta.name);
	rc = read_meta(s, e);
	if (rc) {
		close(fd);
		return rc;
	}
	*lockfd = fd;
	return 0;
}

void kc_stream_meta_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}

int kc_stream_meta_save(struct kc_stream *s, struct kc_error *e)
{
	struct kc_buf text = KC_BUF_INIT;
	char *path = join(s->path, KC_META_FILE);
	int rc;

	kc_meta_encode(&s->meta, &text);
	rc = kc_file_replace(path, text.data, text.len, e);
	kc_buf_release(&text);
	free(path);
	return rc;
}

int kc_stream_set_limits(struct kc_stream *s, int on, struct kc_error *e)
{
	int rc, fd;

	if ((rc = kc_stream_meta_lock(s, &fd, e)))
		return rc;
	s->meta.enforce_limits = on;
	rc = kc_stream_meta_save(s, e);
	kc_stream_meta_unlock(fd);
	return rc;
}

int kc_stream_set_retention(struct kc_stream *s, unsigned hours, struct kc_error *e)
{
	int rc, fd;

	if (hours < KC_RETENTION_MIN || hours > KC_RETENTION_MAX)
		return kc_error_set(e, KC_EUSAGE,
				    "retention %u hours is outside %d..%d "
				    "(InvalidArgumentException)",
				    hours, KC_RETENTION_MIN, KC_RETENTION_MAX);
	if ((rc = kc_stream_meta_lock(s, &fd, e)))
		return rc;
	s->meta.retention_hours = hours;
	rc = kc_stream_meta_save(s, e);
	kc_stream_meta_unlock(fd);
	return rc;
}

long kc_stream_route(const struct kc_stream *s, kc_u128 h)
{
	for (size_t i = 0; i < s->meta.nshards; i++) {
		const struct kc_shard_info *sh = &s->meta.shards[i];
		if (!sh->closed && sh->start <= h && h <= sh->end)
			return (long)i;
	}
	return -1;
}

const struct kc_shard_info *kc_stream_shard(const struct kc_stream *s,
					     uint64_t index)
{
	for (size_t i = 0; i < s->meta.nshards; i++)
		if (s->meta.shards[i].index == index)
			return &s->meta.shards[i];
	return NULL;
}

int kc_stream_shard_dir(const struct kc_stream *s, uint64_t index)
{
	char id[32], name[64];

	kc_shard_id_format((unsigned long)index, id);
	snprintf(name, sizeof(name), "shards/%s", id);
	return openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
