/* consumer.c: checkpoints, flock leases and workers of named consumers. */
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

#include "buf.h"
#include "consumer.h"
#include "file.h"
#include "name.h"
#include "seqno.h"
#include "units.h"
#include "banned.h"

static char *consumer_dir(const struct kc_stream *s, const char *name)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_buf_addf(&b, "%s/consumers/%s", s->path, name);
	return b.data;
}

static int make_dir(const char *path, const char *parent)
{
	if (mkdir(path, 0777) == 0)
		return parent ? kc_fsync_dir(parent) : 0;
	return errno == EEXIST ? 0 : -1;
}

int kc_consumer_open(const struct kc_stream *s, const char *name, int create,
		     struct kc_consumer **out, struct kc_error *e)
{
	struct kc_consumer *c;
	struct kc_buf parent = KC_BUF_INIT;
	int rc = kc_name_check("consumer", name, e);

	if (rc)
		return rc;
	c = kc_xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->dir = consumer_dir(s, name);
	c->workerfd = -1;
	kc_buf_addf(&parent, "%s/consumers", s->path);
	if (create && (make_dir(parent.data, s->path) || make_dir(c->dir, parent.data)))
		rc = kc_error_errno(e, KC_EIO, errno, "consumer '%s': cannot create", name);
	kc_buf_release(&parent);
	c->dirfd = rc ? -1 : open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!rc && c->dirfd < 0)
		rc = errno == ENOENT
			? kc_error_set(e, KC_ENOENT, "stream '%s': no consumer '%s' "
				       "(ResourceNotFoundException)", s->meta.name, name)
			: kc_error_errno(e, KC_EIO, errno, "consumer '%s'", name);
	if (rc) {
		kc_consumer_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void kc_consumer_close(struct kc_consumer *c)
{
	if (!c)
		return;
	if (c->workerfd >= 0) {
		char name[64];
		snprintf(name, sizeof(name), "workers/%ld", (long)getpid());
		unlinkat(c->dirfd, name, 0);
		close(c->workerfd);
	}
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->dir);
	free(c);
}

static void shard_file(uint64_t shard, const char *suffix, char out[64])
{
	char id[32];

	kc_shard_id_format((unsigned long)shard, id);
	snprintf(out, 64, "%s.%s", id, suffix);
}

int kc_consumer_checkpoint(struct kc_consumer *c, uint64_t shard,
			   enum kc_checkpoint_state *state, uint64_t *offset,
			   struct kc_error *e)
{
	struct kc_buf path = KC_BUF_INIT;
	char name[64], *text = NULL;
	uint64_t index;
	size_t n;
	int rc;

	shard_file(shard, "checkpoint", name);
	kc_buf_addf(&path, "%s/%s", c->dir, name);
	rc = kc_file_read(path.data, &text, &n, e);
	kc_buf_release(&path);
	*state = KC_CKPT_NONE;
	*offset = 0;
	if (rc == -KC_ENOENT)
		return 0;
	if (rc)
		return rc;
	if (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	if (!strcmp(text, "SHARD_END"))
		*state = KC_CKPT_SHARD_END;
	else if (!kc_seqno_parse(text, &index, offset) && index == shard)
		*state = KC_CKPT_SEQUENCE;
	else
		rc = kc_error_set(e, KC_EIO, "consumer '%s': %s: damaged checkpoint",
				  c->name, name);
	free(text);
	return rc;
}

int kc_consumer_set_checkpoint(struct kc_consumer *c, uint64_t shard,
			       enum kc_checkpoint_state state, uint64_t offset,
			       struct kc_error *e)
{
	struct kc_buf path = KC_BUF_INIT;
	char name[64], text[48];
	int rc;

	shard_file(shard, "checkpoint", name);
	kc_buf_addf(&path, "%s/%s", c->dir, name);
	if (state == KC_CKPT_SHARD_END) {
		snprintf(text, sizeof(text), "SHARD_END\n");
	} else {
		kc_seqno_format(shard, offset, text);
		text[KC_SEQNO_LEN] = '\n';
		text[KC_SEQNO_LEN + 1] = '\0';
	}
	rc = kc_file_replace(path.data, text, strlen(text), e);
	kc_buf_release(&path);
	return rc;
}

int kc_consumer_lease(struct kc_consumer *c, uint64_t shard, int *busy,
		      struct kc_error *e)
{
	char name[64], pid[32];
	int fd;

	*busy = 0;
	shard_file(shard, "lease", name);
	fd = openat(c->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno, "consumer '%s': %s", c->name, name);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK) {
			*busy = 1;
			return -1;
		}
		return kc_error_errno(e, KC_EIO, err, "consumer '%s': %s", c->name, name);
	}
	/* The holder's pid, for kshard consumers; the flock is the lease. */
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0)
		pid[0] = '\0';
	return fd;
}

long kc_consumer_lease_holder(struct kc_consumer *c, uint64_t shard)
{
	char name[64], pid[32] = { 0 };
	long holder = 0;
	int fd;

	shard_file(shard, "lease", name);
	fd = openat(c->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
	} else if (read(fd, pid, sizeof(pid) - 1) > 0) {
		holder = strtol(pid, NULL, 10);
	}
	close(fd);
	return holder;
}

int kc_consumer_join(struct kc_consumer *c, struct kc_error *e)
{
	char name[64], tmp[64];

	if (c->workerfd >= 0)
		return 0;
	if (mkdirat(c->dirfd, "workers", 0777) && errno != EEXIST)
		return kc_error_errno(e, KC_EIO, errno, "consumer '%s': workers", c->name);
	/*
	 * Lock the file before it gets its visible name: kc_consumer_workers()
	 * removes unlocked files as left by dead workers, and would otherwise
	 * remove ours between the open and the flock.
	 */
	snprintf(tmp, sizeof(tmp), "workers/.%ld.tmp", (long)getpid());
	snprintf(name, sizeof(name), "workers/%ld", (long)getpid());
	c->workerfd = openat(c->dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (c->workerfd < 0 || flock(c->workerfd, LOCK_EX | LOCK_NB) ||
	    renameat(c->dirfd, tmp, c->dirfd, name))
		return kc_error_errno(e, KC_EIO, errno, "consumer '%s': %s", c->name, name);
	return 0;
}

size_t kc_consumer_workers(struct kc_consumer *c)
{
	int fd = openat(c->dirfd, "workers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return c->workerfd >= 0;
	}
	while ((de = readdir(d))) {
		int wfd;
		if (de->d_name[0] == '.')
			continue;
		wfd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (wfd < 0)
			continue;
		if (flock(wfd, LOCK_SH | LOCK_NB) == 0)
			unlinkat(dirfd(d), de->d_name, 0);   /* its holder died */
		else
			n++;
		close(wfd);
	}
	closedir(d);
	return n;
}

int kc_consumer_register(const struct kc_stream *s, const char *name,
			 struct kc_error *e)
{
	struct kc_consumer *c;
	char **names, text[32];
	size_t n, registered = 0;
	int rc = kc_consumer_list(s, &names, &n, e);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct kc_consumer *o;
		struct kc_error ignore;
		if (!kc_consumer_open(s, names[i], 0, &o, &ignore)) {
			registered += kc_consumer_is_registered(o, NULL);
			if (!strcmp(names[i], name) && kc_consumer_is_registered(o, NULL))
				rc = kc_error_set(e, KC_EFAIL, "stream '%s': consumer '%s' "
						  "is registered already "
						  "(ResourceInUseException)", s->meta.name, name);
			kc_consumer_close(o);
		}
	}
	kc_stream_list_free(names, n);
	if (!rc && registered >= KC_CONSUMERS_MAX)
		rc = kc_error_set(e, KC_EFAIL, "stream '%s': %d consumers are "
				  "registered already (LimitExceededException)",
				  s->meta.name, KC_CONSUMERS_MAX);
	if (rc || (rc = kc_consumer_open(s, name, 1, &c, e)))
		return rc;
	snprintf(text, sizeof(text), "%" PRId64 "\n", kc_now_ms());
	{
		struct kc_buf path = KC_BUF_INIT;
		kc_buf_addf(&path, "%s/registered", c->dir);
		rc = kc_file_replace(path.data, text, strlen(text), e);
		kc_buf_release(&path);
	}
	kc_consumer_close(c);
	return rc;
}

int kc_consumer_deregister(const struct kc_stream *s, const char *name,
			   struct kc_error *e)
{
	struct kc_consumer *c;
	struct kc_buf parent = KC_BUF_INIT;
	int rc = kc_consumer_open(s, name, 0, &c, e);

	if (rc)
		return rc;
	if (kc_file_remove_tree(c->dir))
		rc = kc_error_errno(e, KC_EIO, errno, "consumer '%s': cannot remove",
				    name);
	kc_buf_addf(&parent, "%s/consumers", s->path);
	kc_fsync_dir(parent.data);
	kc_buf_release(&parent);
	kc_consumer_close(c);
	return rc;
}

int kc_consumer_is_registered(const struct kc_consumer *c, int64_t *created_ms)
{
	char text[32] = { 0 };
	int fd = openat(c->dirfd, "registered", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (created_ms && read(fd, text, sizeof(text) - 1) > 0)
		*created_ms = strtoll(text, NULL, 10);
	close(fd);
	return 1;
}

int kc_consumer_list(const struct kc_stream *s, char ***names, size_t *n,
		     struct kc_error *e)
{
	struct kc_buf path = KC_BUF_INIT;
	int rc;

	kc_buf_addf(&path, "%s/consumers", s->path);
	rc = kc_name_list(path.data, "consumer", names, n, e);
	kc_buf_release(&path);
	return rc;
}
