/* mux.c: a fragment through libavformat's matroska muxer into its file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <libavutil/opt.h>

#include "mux.h"
#include "banned.h"

#define IOBUF_SIZE 4096         /* headers; the Cluster goes direct */

static int av_fail(struct kvi_mux *m, struct kc_error *e, int code, int averr,
		   const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];

	if (m->err)
		return kc_error_errno(e, KC_EIO, m->err, "cannot write the "
				      "fragment");
	av_strerror(averr, msg, sizeof(msg));
	return kc_error_set(e, code, "%s: %s", what, msg);
}

/* pwritev(2) until all is written; 0 or an errno. */
static int write_at(int fd, struct iovec *v, int n, off_t off)
{
	ssize_t got;

	while (n > 0) {
		got = pwritev(fd, v, n, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno;
		if (got == 0)
			return ENOSPC;
		off += got;
		while (n > 0 && (size_t)got >= v->iov_len) {
			got -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + got;
			v->iov_len -= (size_t)got;
		}
	}
	return 0;
}

/*
 * The muxer's output: into m->hdr until the header is complete, then into
 * the file, past the Tags (at position p of the muxer's output is file
 * offset p, or p + tags_len from the end of the header on).
 */
static int put(void *opaque, uint8_t *buf, int size)
{
	struct kvi_mux *m = opaque;
	size_t n = (size_t)size, chunk;
	struct iovec v;
	off_t off;

	if (!m->in_file) {
		if (m->pos + n > m->hdr.len) {
			kc_buf_grow(&m->hdr, m->pos + n - m->hdr.len);
			m->hdr.len = m->pos + n;
		}
		memcpy(m->hdr.data + m->pos, buf, n);
		m->pos += n;
	}
	while (m->in_file && n > 0) {
		chunk = m->pos < m->hdr_len && n > m->hdr_len - m->pos
			? m->hdr_len - m->pos : n;
		off = (off_t)(m->pos < m->hdr_len ? m->pos
						 : m->pos + m->tags_len);
		v.iov_base = buf;
		v.iov_len = chunk;
		if ((m->err = write_at(m->fd, &v, 1, off)))
			return AVERROR(m->err);
		buf += chunk;
		n -= chunk;
		m->pos += chunk;
	}
	if (m->pos > m->size)
		m->size = m->pos;
	return size;
}

static int64_t seek(void *opaque, int64_t offset, int whence)
{
	struct kvi_mux *m = opaque;
	int64_t size = (int64_t)m->size, to;

	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE:
		return size;
	case SEEK_SET:
		to = offset;
		break;
	case SEEK_CUR:
		to = (int64_t)m->pos + offset;
		break;
	case SEEK_END:
		to = size + offset;
		break;
	default:
		return AVERROR(EINVAL);
	}
	if (to < 0 || to > size)
		return AVERROR(EINVAL);
	m->pos = (size_t)to;
	return to;
}

int kvi_mux_begin(struct kvi_mux *m, AVStream *const *in, int n, int fd,
		  const char *tags, size_t tags_len, struct kc_error *e)
{
	AVDictionary *o = NULL;
	AVStream *st;
	uint8_t *iobuf;
	struct iovec v[2];
	int i, rc;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->tags = tags;
	m->tags_len = tags_len;
	rc = avformat_alloc_output_context2(&m->oc, NULL, "matroska", NULL);
	if (rc < 0)
		return av_fail(m, e, KC_EFAIL, rc, "matroska muxer");
	m->oc->flags |= AVFMT_FLAG_BITEXACT;
	for (i = 0; i < n; i++) {
		st = avformat_new_stream(m->oc, NULL);
		if (!st || (rc = avcodec_parameters_copy(st->codecpar,
							 in[i]->codecpar)) < 0) {
			kvi_mux_abort(m);
			return av_fail(m, e, KC_EFAIL, st ? rc : AVERROR(ENOMEM),
				       "matroska muxer");
		}
		st->codecpar->codec_tag = 0;
		st->time_base = (AVRational){ 1, 1000 };
		st->disposition = in[i]->disposition & AV_DISPOSITION_DEFAULT;
	}
	/* direct: a large write (the Cluster) is passed on as it is */
	iobuf = av_malloc(IOBUF_SIZE);
	if (iobuf)
		m->oc->pb = avio_alloc_context(iobuf, IOBUF_SIZE, 1, m, NULL, put,
					       seek);
	if (!m->oc->pb) {
		av_free(iobuf);
		kvi_mux_abort(m);
		return av_fail(m, e, KC_EFAIL, AVERROR(ENOMEM), "matroska muxer");
	}
	m->oc->pb->direct = 1;
	m->oc->flags |= AVFMT_FLAG_CUSTOM_IO;
	/* live: no seeking back, no Cues; one cluster whatever its size. */
	av_dict_set(&o, "live", "1", 0);
	av_dict_set(&o, "cluster_time_limit", "100000000", 0);
	av_dict_set(&o, "cluster_size_limit", "2000000000", 0);
	av_dict_set(&o, "write_crc32", "0", 0);
	av_dict_set(&o, "allow_raw_vfw", "1", 0);
	rc = avformat_write_header(m->oc, &o);
	av_dict_free(&o);
	if (rc >= 0)
		avio_flush(m->oc->pb);
	if (rc < 0 || m->pos != m->hdr.len) {
		kvi_mux_abort(m);
		return av_fail(m, e, KC_EDATA, rc < 0 ? rc : AVERROR_BUG,
			       "matroska muxer");
	}
	m->hdr_len = m->pos;
	v[0].iov_base = m->hdr.data;
	v[0].iov_len = m->hdr_len;
	v[1].iov_base = (void *)(uintptr_t)tags;
	v[1].iov_len = tags_len;
	if ((m->err = write_at(fd, v, 2, 0))) {
		kvi_mux_abort(m);
		return av_fail(m, e, KC_EIO, 0, "matroska muxer");
	}
	m->in_file = 1;
	return 0;
}

AVRational kvi_mux_tb(const struct kvi_mux *m, int i)
{
	return m->oc->streams[i]->time_base;
}

int kvi_mux_packet(struct kvi_mux *m, AVPacket *pkt, struct kc_error *e)
{
	int rc = av_write_frame(m->oc, pkt);

	if (rc < 0)
		return av_fail(m, e, KC_EDATA, rc, "matroska muxer");
	return 0;
}

/* Frees the muxer and its I/O context. */
static void release(struct kvi_mux *m)
{
	if (m->oc && m->oc->pb) {
		av_freep(&m->oc->pb->buffer);
		avio_context_free(&m->oc->pb);
	}
	avformat_free_context(m->oc);
	m->oc = NULL;
	kc_buf_release(&m->hdr);
}

int kvi_mux_end(struct kvi_mux *m, uint64_t *size, struct kc_error *e)
{
	int rc = av_write_trailer(m->oc);

	if (rc >= 0) {
		avio_flush(m->oc->pb);
		rc = m->err ? AVERROR(m->err) : 0;
	}
	release(m);
	*size = (uint64_t)(m->size + m->tags_len);
	if (rc < 0)
		return av_fail(m, e, KC_EDATA, rc, "matroska muxer");
	return 0;
}

void kvi_mux_abort(struct kvi_mux *m)
{
	release(m);
}
