/* sink.c: the durability thread: fsync together, group commit, acknowledge, trim. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acks.h"
#include "sink.h"
#include "units.h"
#include "banned.h"

#define QUEUE_MAX 128                   /* fragments waiting */
#define QUEUE_BYTES (256u << 20)        /* and their bytes (not synced) */
#define TRIM_EVERY_MS 10000             /* retention > 0 */

/* Drops an item that will not be committed (its file stays an orphan). */
static void item_free(struct kvi_item *it)
{
	if (it->fd >= 0)
		close(it->fd);
	it->fd = -1;
}

/* ---- fsyncs at once ---- */

/* Takes files of the current batch and fsyncs them until none is left. */
static void sync_some(struct kvi_sink *s)
{
	struct kvi_sync_work *wk = &s->work;
	struct kc_error e;
	size_t i;
	int rc;

	pthread_mutex_lock(&s->smu);
	while (wk->next < wk->n) {
		i = wk->next++;
		pthread_mutex_unlock(&s->smu);
		/* the directory first, then the files */
		rc = i == 0 ? kv_writer_sync_dir(s->w, &e)
			    : kv_writer_sync(s->w, &wk->f[i - 1], wk->fds[i - 1],
					     &e);
		pthread_mutex_lock(&s->smu);
		if (rc && !wk->failed) {
			wk->failed = 1;
			wk->err = e;
		}
		if (--wk->left == 0)
			pthread_cond_signal(&s->sdone);
	}
	pthread_mutex_unlock(&s->smu);
}

static void *helper(void *arg)
{
	struct kvi_sink *s = arg;
	unsigned seen = 0;

	pthread_mutex_lock(&s->smu);
	for (;;) {
		while (!s->work.quit && s->work.gen == seen)
			pthread_cond_wait(&s->sgo, &s->smu);
		if (s->work.quit)
			break;
		seen = s->work.gen;
		pthread_mutex_unlock(&s->smu);
		sync_some(s);
		pthread_mutex_lock(&s->smu);
	}
	pthread_mutex_unlock(&s->smu);
	return NULL;
}

/*
 * fsyncs the fragments directory and the n files fds[] of f[] with the
 * helpers: an fsync waits for its data and a cache flush of the disk, and
 * flushes asked for at the same time are done as one.
 */
static int sync_all(struct kvi_sink *s, const struct kv_fragment *f,
		    const int *fds, size_t n, struct kc_error *e)
{
	struct kvi_sync_work *wk = &s->work;
	int rc = 0;

	while (s->nhelpers < KVI_SYNC_HELPERS &&
	       !pthread_create(&s->helpers[s->nhelpers], NULL, helper, s))
		s->nhelpers++;
	pthread_mutex_lock(&s->smu);
	wk->f = f;
	wk->fds = fds;
	wk->n = n + 1;
	wk->next = 0;
	wk->left = n + 1;
	wk->failed = 0;
	wk->gen++;
	pthread_cond_broadcast(&s->sgo);
	pthread_mutex_unlock(&s->smu);
	sync_some(s);
	pthread_mutex_lock(&s->smu);
	while (wk->left)
		pthread_cond_wait(&s->sdone, &s->smu);
	if (wk->failed) {
		*e = wk->err;
		rc = -(e->code ? e->code : KC_EIO);
	}
	pthread_mutex_unlock(&s->smu);
	return rc;
}

/* ---- the sink thread ---- */

static void *run(void *arg)
{
	struct kvi_sink *s = arg;
	struct kvi_item batch[QUEUE_MAX];
	struct kv_fragment frags[QUEUE_MAX];
	int fds[QUEUE_MAX];
	struct kc_error e;
	size_t n, i;
	int durable, rc = 0;
	int64_t now;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->n && !s->closing)
			pthread_cond_wait(&s->more, &s->mu);
		if (!s->n && s->closing) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		for (n = 0; s->n; n++) {
			batch[n] = s->q[s->head];
			frags[n] = batch[n].f;
			fds[n] = batch[n].fd;
			s->queued_bytes -= batch[n].f.size;
			s->head = (s->head + 1) % s->cap;
			s->n--;
		}
		pthread_cond_broadcast(&s->space);
		pthread_mutex_unlock(&s->mu);

		/*
		 * Renamed into place (still invisible), then the files and
		 * their names made durable at once, then indexed (visible).
		 */
		durable = kv_writer_info(s->w)->retention_hours > 0;
		rc = kv_writer_publish(s->w, frags, n, &e);
		if (!rc && durable)
			rc = sync_all(s, frags, fds, n, &e);
		for (i = 0; i < n; i++)
			if (close(fds[i]) && !rc)
				rc = kc_error_errno(&e, KC_EIO, errno, "video "
						    "stream '%s': fragment %s",
						    kv_writer_info(s->w)->name,
						    frags[i].number);
		if (!rc)
			rc = kv_writer_index(s->w, frags, n, durable, &e);
		for (i = 0; i < n; i++) {
			if (!rc && durable)
				kvi_ack("PERSISTED", batch[i].timecode,
					batch[i].f.number);
			else if (rc)
				kvi_ack_error(batch[i].timecode, batch[i].f.number,
					      rc == -KC_ENOENT
					      ? KVI_STREAM_NOT_ACTIVE
					      : KVI_ARCHIVAL_ERROR);
		}
		now = kc_now_ms();
		if (!rc && (!durable || now - s->last_trim_ms >= TRIM_EVERY_MS)) {
			rc = kv_writer_trim(s->w, now, &e);
			rc = rc > 0 ? 0 : rc;
			s->last_trim_ms = now;
		}
		if (rc) {
			pthread_mutex_lock(&s->mu);
			if (!s->failed) {
				s->failed = 1;
				s->err = e;
			}
			pthread_mutex_unlock(&s->mu);
			break;
		}
	}
	/* After a failure, free whatever still comes (put sees failed). */
	pthread_mutex_lock(&s->mu);
	while (s->n) {
		item_free(&s->q[s->head]);
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
	s->queued_bytes = 0;
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int kvi_sink_start(struct kvi_sink *s, struct kv_writer *w, struct kc_error *e)
{
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->cap = QUEUE_MAX;
	s->q = kc_xcalloc(s->cap, sizeof(*s->q));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->space, NULL);
	pthread_mutex_init(&s->smu, NULL);
	pthread_cond_init(&s->sgo, NULL);
	pthread_cond_init(&s->sdone, NULL);
	if (pthread_create(&s->thread, NULL, run, s)) {
		free(s->q);
		return kc_error_set(e, KC_EFAIL, "cannot start a thread");
	}
	s->started = 1;
	return 0;
}

int kvi_sink_put(struct kvi_sink *s, struct kvi_item *item, struct kc_error *e)
{
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->failed && (s->n == s->cap ||
			      (s->n && s->queued_bytes + item->f.size >
				       QUEUE_BYTES)))
		pthread_cond_wait(&s->space, &s->mu);
	if (s->failed) {
		*e = s->err;
		rc = -(s->err.code ? s->err.code : KC_EIO);
		item_free(item);
	} else {
		s->q[(s->head + s->n) % s->cap] = *item;
		s->n++;
		s->queued_bytes += item->f.size;
		pthread_cond_signal(&s->more);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int kvi_sink_finish(struct kvi_sink *s, struct kc_error *e)
{
	int rc = 0, i;

	if (!s->started)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&s->smu);
	s->work.quit = 1;
	pthread_cond_broadcast(&s->sgo);
	pthread_mutex_unlock(&s->smu);
	for (i = 0; i < s->nhelpers; i++)
		pthread_join(s->helpers[i], NULL);
	if (s->failed) {
		*e = s->err;
		rc = -(s->err.code ? s->err.code : KC_EIO);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->space);
	pthread_mutex_destroy(&s->smu);
	pthread_cond_destroy(&s->sgo);
	pthread_cond_destroy(&s->sdone);
	free(s->q);
	s->started = 0;
	return rc;
}
