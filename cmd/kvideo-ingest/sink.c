/* sink.c: the durability thread: write, group commit, acknowledge, trim. */
#include <stdlib.h>
#include <string.h>
#include <libavutil/mem.h>

#include "acks.h"
#include "sink.h"
#include "units.h"
#include "banned.h"

#define QUEUE_MAX 64                    /* fragments */
#define QUEUE_BYTES (256u << 20)        /* and bytes waiting */
#define TRIM_EVERY_MS 10000             /* retention > 0 */

static void item_free(struct kvi_item *it)
{
	av_free(it->mkv);
	free(it->tags);
	it->mkv = NULL;
	it->tags = NULL;
}

static int write_one(struct kvi_sink *s, struct kvi_item *it, struct kc_error *e)
{
	struct iovec iov[3];

	iov[0].iov_base = it->mkv;
	iov[0].iov_len = it->hdr_len;
	iov[1].iov_base = it->tags;
	iov[1].iov_len = it->tags_len;
	iov[2].iov_base = it->mkv + it->hdr_len;
	iov[2].iov_len = it->len - it->hdr_len;
	return kv_writer_write(s->w, &it->f, iov, 3, e);
}

static void *run(void *arg)
{
	struct kvi_sink *s = arg;
	struct kvi_item batch[QUEUE_MAX];
	struct kv_fragment frags[QUEUE_MAX];
	struct kc_error e;
	size_t n, i;
	uint64_t bytes;
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
		for (n = 0, bytes = 0; s->n; n++) {
			batch[n] = s->q[s->head];
			bytes += batch[n].len;
			s->head = (s->head + 1) % s->cap;
			s->n--;
		}
		pthread_mutex_unlock(&s->mu);

		durable = kv_writer_info(s->w)->retention_hours > 0;
		for (i = 0; i < n && !rc; i++) {
			rc = write_one(s, &batch[i], &e);
			frags[i] = batch[i].f;
		}
		if (!rc)
			rc = kv_writer_commit(s->w, frags, n, durable, &e);
		for (i = 0; i < n; i++) {
			if (!rc && durable)
				kvi_ack("PERSISTED", batch[i].timecode,
					batch[i].f.number);
			else if (rc)
				kvi_ack_error(batch[i].timecode, batch[i].f.number,
					      rc == -KC_ENOENT
					      ? KVI_STREAM_NOT_ACTIVE
					      : KVI_ARCHIVAL_ERROR);
			item_free(&batch[i]);
		}
		now = kc_now_ms();
		if (!rc && (!durable || now - s->last_trim_ms >= TRIM_EVERY_MS)) {
			rc = kv_writer_trim(s->w, now, &e);
			rc = rc > 0 ? 0 : rc;
			s->last_trim_ms = now;
		}
		pthread_mutex_lock(&s->mu);
		s->queued_bytes -= bytes;
		if (rc && !s->failed) {
			s->failed = 1;
			s->err = e;
		}
		pthread_cond_broadcast(&s->space);
		pthread_mutex_unlock(&s->mu);
		if (rc)
			break;
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
	s->last_trim_ms = 0;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->space, NULL);
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
			      (s->n && s->queued_bytes + item->len > QUEUE_BYTES)))
		pthread_cond_wait(&s->space, &s->mu);
	if (s->failed) {
		*e = s->err;
		rc = -(s->err.code ? s->err.code : KC_EIO);
		item_free(item);
	} else {
		s->q[(s->head + s->n) % s->cap] = *item;
		s->n++;
		s->queued_bytes += item->len;
		pthread_cond_signal(&s->more);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int kvi_sink_finish(struct kvi_sink *s, struct kc_error *e)
{
	int rc = 0;

	if (!s->started)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (s->failed) {
		*e = s->err;
		rc = -(s->err.code ? s->err.code : KC_EIO);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->space);
	free(s->q);
	s->started = 0;
	return rc;
}
