/* tags.c: persistent and one-shot fragment tags, and their control file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "mkv.h"
#include "tags.h"
#include "banned.h"

void kvi_tags_init(struct kvi_tags *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	kc_buf_init(&t->partial);
}

static void tag_free(struct kvi_tag *g)
{
	free(g->name);
	free(g->value);
	g->name = g->value = NULL;
}

void kvi_tags_release(struct kvi_tags *t)
{
	size_t i;

	for (i = 0; i < t->npersistent; i++)
		tag_free(&t->persistent[i]);
	for (i = 0; i < t->nonce; i++)
		tag_free(&t->once[i]);
	if (t->fd >= 0)
		close(t->fd);
	kc_buf_release(&t->partial);
	t->npersistent = t->nonce = 0;
	t->fd = -1;
}

int kvi_tag_check(const char *name, size_t namelen, const char *value,
		  size_t valuelen, struct kc_error *e)
{
	if (!namelen)
		return kc_error_set(e, KC_EUSAGE, "tag '=%.*s': empty name",
				    (int)(valuelen > 40 ? 40 : valuelen), value);
	if (namelen > KV_TAG_NAME_MAX)
		return kc_error_set(e, KC_EUSAGE, "tag '%.40s...': name longer "
				    "than %d bytes", name, KV_TAG_NAME_MAX);
	if (valuelen > KV_TAG_VALUE_MAX)
		return kc_error_set(e, KC_EUSAGE, "tag '%.*s': value longer "
				    "than %d bytes", (int)namelen, name,
				    KV_TAG_VALUE_MAX);
	if (namelen >= 3 && !strncasecmp(name, "AWS", 3))
		return kc_error_set(e, KC_EUSAGE, "tag '%.*s': the prefix AWS "
				    "is reserved", (int)namelen, name);
	if (memchr(name, '\0', namelen) || memchr(value, '\0', valuelen))
		return kc_error_set(e, KC_EUSAGE, "tag '%.*s': contains a NUL "
				    "byte", (int)namelen, name);
	return 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = kc_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int kvi_tags_add(struct kvi_tags *t, const char *name, size_t namelen,
		 const char *value, size_t valuelen, int persistent,
		 struct kc_error *e)
{
	size_t i;
	int rc;

	if ((rc = kvi_tag_check(name, namelen, value, valuelen, e)))
		return rc;
	if (persistent) {
		for (i = 0; i < t->npersistent; i++) {
			struct kvi_tag *g = &t->persistent[i];

			if (strlen(g->name) != namelen ||
			    memcmp(g->name, name, namelen))
				continue;
			tag_free(g);
			memmove(g, g + 1,
				(t->npersistent - i - 1) * sizeof(*g));
			t->npersistent--;
			break;
		}
		if (!valuelen)
			return 0;       /* an empty value cancels it */
	}
	if (t->npersistent + t->nonce >= KV_TAGS_MAX)
		return kc_error_set(e, KC_EDATA, "tag '%.*s': more than %d tags "
				    "for one fragment", (int)namelen, name,
				    KV_TAGS_MAX);
	if (persistent) {
		t->persistent[t->npersistent].name = dup_n(name, namelen);
		t->persistent[t->npersistent++].value = dup_n(value, valuelen);
	} else {
		t->once[t->nonce].name = dup_n(name, namelen);
		t->once[t->nonce++].value = dup_n(value, valuelen);
	}
	return 0;
}

int kvi_tags_open(struct kvi_tags *t, const char *path, struct kc_error *e)
{
	struct stat st;

	t->path = path;
	if (stat(path, &st))
		return kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO,
				      errno, "--tags-from '%s'", path);
	t->seekable = S_ISREG(st.st_mode);
	/* A FIFO opened read-write never blocks at open and never ends. */
	t->fd = open(path, (t->seekable ? O_RDONLY : O_RDWR) | O_NONBLOCK |
		     O_CLOEXEC);
	if (t->fd < 0)
		return kc_error_errno(e, KC_EIO, errno, "--tags-from '%s'", path);
	return 0;
}

static void apply_line(struct kvi_tags *t, const char *s, size_t n,
		       void (*bad)(const char *msg, int limit, void *arg),
		       void *arg)
{
	struct kc_error e;
	const char *eq, *rest;
	size_t kw;
	int persistent, rc;
	char msg[640];

	t->line++;
	while (n && (s[n - 1] == '\r'))
		n--;
	if (!n || s[0] == '#')
		return;
	kw = strcspn(s, " \t");
	if (kw > n)
		kw = n;
	if (kw == 10 && !memcmp(s, "persistent", 10))
		persistent = 1;
	else if (kw == 4 && !memcmp(s, "once", 4))
		persistent = 0;
	else
		goto syntax;
	rest = s + kw;
	while (rest < s + n && (*rest == ' ' || *rest == '\t'))
		rest++;
	eq = memchr(rest, '=', (size_t)(s + n - rest));
	if (!eq)
		goto syntax;
	rc = kvi_tags_add(t, rest, (size_t)(eq - rest), eq + 1,
			  (size_t)(s + n - eq - 1), persistent, &e);
	if (rc) {
		snprintf(msg, sizeof(msg), "--tags-from '%s': line %u: %s",
			 t->path, t->line, e.msg);
		bad(msg, 1, arg);
	}
	return;
syntax:
	snprintf(msg, sizeof(msg), "--tags-from '%s': line %u: expected "
		 "'persistent NAME=VALUE' or 'once NAME=VALUE'", t->path,
		 t->line);
	bad(msg, 0, arg);
}

int kvi_tags_poll(struct kvi_tags *t,
		  void (*bad)(const char *msg, int limit, void *arg), void *arg,
		  struct kc_error *e)
{
	char buf[4096];
	ssize_t got;
	char *nl;
	size_t start;

	if (t->fd < 0)
		return 0;
	for (;;) {
		got = t->seekable ? pread(t->fd, buf, sizeof(buf), t->off)
				  : read(t->fd, buf, sizeof(buf));
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return kc_error_errno(e, KC_EIO, errno, "--tags-from '%s'",
					      t->path);
		}
		if (!got)
			break;
		t->off += got;
		kc_buf_add(&t->partial, buf, (size_t)got);
		start = 0;
		while ((nl = memchr(t->partial.data + start, '\n',
				    t->partial.len - start))) {
			apply_line(t, t->partial.data + start,
				   (size_t)(nl - t->partial.data) - start, bad,
				   arg);
			start = (size_t)(nl - t->partial.data) + 1;
		}
		if (start) {
			memmove(t->partial.data, t->partial.data + start,
				t->partial.len - start);
			t->partial.len -= start;
		}
	}
	return 0;
}

void kvi_tags_take(struct kvi_tags *t, struct kc_buf *out)
{
	size_t i;

	for (i = 0; i < t->npersistent; i++)
		kv_mkv_put_tags(out, (const char *const *)&t->persistent[i].name,
				(const char *const *)&t->persistent[i].value, 1);
	for (i = 0; i < t->nonce; i++) {
		kv_mkv_put_tags(out, (const char *const *)&t->once[i].name,
				(const char *const *)&t->once[i].value, 1);
		tag_free(&t->once[i]);
	}
	t->nonce = 0;
}
