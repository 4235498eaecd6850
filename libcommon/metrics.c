/* metrics.c: the per-minute metrics ring of a shard (format in metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "crc32c.h"
#include "file.h"
#include "metrics.h"
#include "banned.h"

#define METRICS_VERSION 1
#define HDR_LEN 32
#define BUCKET_LEN 72
#define FILE_LEN (HDR_LEN + KC_METRICS_MINUTES * BUCKET_LEN)
#define MS_PER_MINUTE 60000

static const char magic[8] = "KINMETR";

/* The damage found by check_header, told apart from a newer version. */
enum header_state { HEADER_OK, HEADER_DAMAGED, HEADER_NEWER };

static enum header_state check_header(const char *h, uint32_t *version)
{
	*version = kc_get32(h + 8);
	if (memcmp(h, magic, sizeof(magic)))
		return HEADER_DAMAGED;
	/* Before the CRC: a later version may lay its header out otherwise. */
	if (*version > METRICS_VERSION)
		return HEADER_NEWER;
	if (kc_crc32c(0, h, 28) != kc_get32(h + 28) ||
	    *version != METRICS_VERSION || kc_get32(h + 12) != HDR_LEN ||
	    kc_get32(h + 16) != KC_METRICS_MINUTES ||
	    kc_get32(h + 20) != BUCKET_LEN)
		return HEADER_DAMAGED;
	return HEADER_OK;
}

static int newer(struct kc_error *e, uint32_t version)
{
	return kc_error_set(e, KC_EFAIL,
			    "metrics file: format version %u is newer than "
			    "this kin understands (%d)",
			    version, METRICS_VERSION);
}

/* Decodes bucket b; returns 0 with *minute set, or -1 when it is empty. */
static int bucket_decode(const char *b, uint64_t *minute,
			 struct kc_metrics_counts *c)
{
	if (kc_crc32c(0, b, 68) != kc_get32(b + 68))
		return -1;
	*minute = kc_get64(b);
	c->incoming_bytes = kc_get64(b + 8);
	c->incoming_records = kc_get64(b + 16);
	c->outgoing_bytes = kc_get64(b + 24);
	c->outgoing_records = kc_get64(b + 32);
	c->iterator_age_ms = kc_get64(b + 40);
	c->write_exceeded = kc_get64(b + 48);
	c->read_exceeded = kc_get64(b + 56);
	return 0;
}

static void bucket_encode(char *b, uint64_t minute,
			  const struct kc_metrics_counts *c)
{
	kc_put64(b, minute);
	kc_put64(b + 8, c->incoming_bytes);
	kc_put64(b + 16, c->incoming_records);
	kc_put64(b + 24, c->outgoing_bytes);
	kc_put64(b + 32, c->outgoing_records);
	kc_put64(b + 40, c->iterator_age_ms);
	kc_put64(b + 48, c->write_exceeded);
	kc_put64(b + 56, c->read_exceeded);
	kc_put32(b + 64, 0);
	kc_put32(b + 68, kc_crc32c(0, b, 68));
}

static int is_zero(const struct kc_metrics_counts *c)
{
	return !(c->incoming_bytes | c->incoming_records | c->outgoing_bytes |
		 c->outgoing_records | c->iterator_age_ms | c->write_exceeded |
		 c->read_exceeded);
}

/* a + b, stopping at UINT64_MAX. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void kc_metrics_merge(struct kc_metrics_counts *dst,
		      const struct kc_metrics_counts *src)
{
	dst->incoming_bytes = sat_add(dst->incoming_bytes, src->incoming_bytes);
	dst->incoming_records =
		sat_add(dst->incoming_records, src->incoming_records);
	dst->outgoing_bytes = sat_add(dst->outgoing_bytes, src->outgoing_bytes);
	dst->outgoing_records =
		sat_add(dst->outgoing_records, src->outgoing_records);
	if (src->iterator_age_ms > dst->iterator_age_ms)
		dst->iterator_age_ms = src->iterator_age_ms;
	dst->write_exceeded = sat_add(dst->write_exceeded, src->write_exceeded);
	dst->read_exceeded = sat_add(dst->read_exceeded, src->read_exceeded);
}

/* The epoch minute holding ms; times before 1970 count as minute 0. */
static uint64_t minute_of(int64_t ms)
{
	return ms < 0 ? 0 : (uint64_t)(ms / MS_PER_MINUTE);
}

static int lock(int fd, int how)
{
	while (flock(fd, how))
		if (errno != EINTR)
			return -1;
	return 0;
}

/* pwrite(2) of all n bytes at off; a short write counts as ENOSPC. */
static int write_at(int fd, const void *p, size_t n, off_t off,
		    struct kc_error *e)
{
	ssize_t r = pwrite(fd, p, n, off);

	if (r != (ssize_t)n)
		return kc_error_errno(e, KC_EIO, r < 0 ? errno : ENOSPC,
				      "cannot write metrics file");
	return 0;
}

/* Writes a fresh file: the header and zeroed (that is, empty) buckets. */
static int init_file(int fd, struct kc_error *e)
{
	char buf[FILE_LEN];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, magic, sizeof(magic));
	kc_put32(buf + 8, METRICS_VERSION);
	kc_put32(buf + 12, HDR_LEN);
	kc_put32(buf + 16, KC_METRICS_MINUTES);
	kc_put32(buf + 20, BUCKET_LEN);
	kc_put32(buf + 28, kc_crc32c(0, buf, 28));
	return write_at(fd, buf, sizeof(buf), 0, e);
}

/* The read-modify-write of one bucket; fd is locked. */
static int add_locked(int fd, uint64_t minute,
		      const struct kc_metrics_counts *d, struct kc_error *e)
{
	char hdr[HDR_LEN], b[BUCKET_LEN];
	struct kc_metrics_counts c;
	off_t pos = HDR_LEN + (off_t)(minute % KC_METRICS_MINUTES) * BUCKET_LEN;
	uint64_t have;
	uint32_t version;
	ssize_t got;
	struct stat st;

	if (fstat(fd, &st))
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot stat metrics file");
	got = st.st_size >= FILE_LEN ? kc_pread_full(fd, hdr, sizeof(hdr), 0)
				     : 0;
	if (got < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot read metrics file");
	switch (got == HDR_LEN ? check_header(hdr, &version) : HEADER_DAMAGED) {
	case HEADER_NEWER:
		return newer(e, version);
	case HEADER_DAMAGED:
		if (init_file(fd, e))
			return -KC_EIO;
		break;
	case HEADER_OK:
		break;
	}
	got = kc_pread_full(fd, b, sizeof(b), pos);
	if (got < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot read metrics file");
	if (got != BUCKET_LEN || bucket_decode(b, &have, &c) || have < minute) {
		memset(&c, 0, sizeof(c));
		have = minute;
	}
	if (have > minute)
		return 0; /* an hour behind what is there: dropped */
	kc_metrics_merge(&c, d);
	bucket_encode(b, minute, &c);
	return write_at(fd, b, sizeof(b), pos, e);
}

int kc_metrics_add(int shard_dirfd, int64_t now_ms,
		   const struct kc_metrics_counts *d, struct kc_error *e)
{
	int fd, rc;

	if (is_zero(d))
		return 0;
	fd = openat(shard_dirfd, KC_METRICS_FILE, O_RDWR | O_CREAT | O_CLOEXEC,
		    0666);
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot open metrics file");
	if (lock(fd, LOCK_EX)) {
		rc = kc_error_errno(e, KC_EIO, errno,
				    "cannot lock metrics file");
	} else {
		rc = add_locked(fd, minute_of(now_ms), d, e);
	}
	close(fd); /* releases the lock */
	return rc;
}

int kc_metrics_read(int shard_dirfd, int64_t now_ms,
		    struct kc_metrics_minute *out, size_t max, size_t *n,
		    struct kc_error *e)
{
	char buf[FILE_LEN];
	uint64_t now = minute_of(now_ms), first, minute;
	struct kc_metrics_counts c;
	uint32_t version;
	size_t k = 0;
	ssize_t got;
	int fd;

	*n = 0;
	fd = openat(shard_dirfd, KC_METRICS_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot open metrics file");
	if (lock(fd, LOCK_SH)) {
		int err = errno;
		close(fd);
		return kc_error_errno(e, KC_EIO, err,
				      "cannot lock metrics file");
	}
	got = kc_pread_full(fd, buf, sizeof(buf), 0);
	if (got < 0) {
		int err = errno;
		close(fd);
		return kc_error_errno(e, KC_EIO, err,
				      "cannot read metrics file");
	}
	close(fd);
	if (got == 0)
		return 0; /* created, not yet written */
	if (got < HDR_LEN)
		return kc_error_set(e, KC_EIO,
				    "metrics file: short (%zd bytes)", got);
	switch (check_header(buf, &version)) {
	case HEADER_NEWER:
		return newer(e, version);
	case HEADER_DAMAGED:
		return kc_error_set(e, KC_EIO, "metrics file: damaged header");
	case HEADER_OK:
		break;
	}
	if (got < FILE_LEN)
		return kc_error_set(e, KC_EIO,
				    "metrics file: short (%zd bytes)", got);
	/* Minutes first .. now, oldest first; bucket of m is m mod 60. */
	first = now >= KC_METRICS_MINUTES - 1 ? now - (KC_METRICS_MINUTES - 1)
					      : 0;
	for (uint64_t m = first; m <= now; m++) {
		const char *b =
			buf + HDR_LEN + (m % KC_METRICS_MINUTES) * BUCKET_LEN;
		if (bucket_decode(b, &minute, &c) || minute != m || is_zero(&c))
			continue;
		if (k == max) {
			if (!max)
				break;
			/* Keep the latest max: drop the oldest kept. */
			memmove(out, out + 1, (max - 1) * sizeof(*out));
			k--;
		}
		out[k].start_ms = (int64_t)(m * MS_PER_MINUTE);
		out[k].counts = c;
		k++;
	}
	*n = k;
	return 0;
}
