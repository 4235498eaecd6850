/* throttle.c: admission of writes and reads to a shard (see throttle.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "byteorder.h"
#include "crc32c.h"
#include "file.h"
#include "throttle.h"
#include "banned.h"

#define LIMITS_VERSION 1
#define SLOT_MS 10
#define SLOTS 101 /* slots k - 100 .. k cover any second ending in slot k */
#define WINDOW_MS 1000
#define SKEW_MS 60000 /* a file further ahead than this is stale */
#define SLOTS_AT 96
#define CRC_AT 904
/* The read bucket counts thousandths of a byte, so it refills exactly. */
#define READ_RATE ((int64_t)KC_THROTTLE_READ_BYTES) /* per ms, in 1/1000 B */
#define READ_CAP (READ_RATE * WINDOW_MS)
#define TIME_MAX ((int64_t)1 << 53)   /* epoch ms, beyond any real clock */
#define MAX_CHARGE ((int64_t)1 << 40) /* bytes; keeps the arithmetic in i64 */
/* A record larger than this counts as this large. */
#define MAX_RECORD ((uint64_t)KC_THROTTLE_WRITE_BYTES << 4)

static const char magic[8] = "KINLIM\0";

/* The decoded file. */
struct state {
	int64_t head;
	int64_t blocked_until;
	int64_t read_bucket;
	int64_t read_updated;
	int64_t calls[KC_THROTTLE_READ_CALLS];
	uint32_t oldest_call;
	uint32_t records[SLOTS];
	uint32_t bytes[SLOTS];
};

static void state_fresh(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->read_bucket = READ_CAP;
}

static void state_encode(const struct state *s, char out[KC_THROTTLE_SIZE])
{
	memset(out, 0, KC_THROTTLE_SIZE);
	memcpy(out, magic, sizeof(magic));
	kc_put32(out + 8, LIMITS_VERSION);
	kc_put32(out + 12, KC_THROTTLE_SIZE);
	kc_put64(out + 16, (uint64_t)s->head);
	kc_put64(out + 24, (uint64_t)s->blocked_until);
	kc_put64(out + 32, (uint64_t)s->read_bucket);
	kc_put64(out + 40, (uint64_t)s->read_updated);
	for (int i = 0; i < KC_THROTTLE_READ_CALLS; i++)
		kc_put64(out + 48 + 8 * i, (uint64_t)s->calls[i]);
	kc_put32(out + 88, s->oldest_call);
	for (int i = 0; i < SLOTS; i++) {
		kc_put32(out + SLOTS_AT + 8 * i, s->records[i]);
		kc_put32(out + SLOTS_AT + 8 * i + 4, s->bytes[i]);
	}
	kc_put32(out + CRC_AT, kc_crc32c(0, out, CRC_AT));
}

static int in_time(int64_t t)
{
	return t >= 0 && t <= TIME_MAX;
}

/* Decodes a file of n bytes: 0, -1 when damaged, or the newer version. */
static int64_t state_decode(const char *in, size_t n, struct state *s)
{
	uint32_t version;

	if (n < 12 || memcmp(in, magic, sizeof(magic)))
		return -1;
	/* Before the CRC: a later version may lay the file out otherwise. */
	version = kc_get32(in + 8);
	if (version > LIMITS_VERSION)
		return version;
	if (n != KC_THROTTLE_SIZE || version != LIMITS_VERSION ||
	    kc_get32(in + 12) != KC_THROTTLE_SIZE ||
	    kc_crc32c(0, in, CRC_AT) != kc_get32(in + CRC_AT) ||
	    kc_get32(in + 88) >= KC_THROTTLE_READ_CALLS)
		return -1;
	s->head = (int64_t)kc_get64(in + 16);
	if (s->head < 0 || s->head > TIME_MAX / SLOT_MS)
		return -1;
	s->blocked_until = (int64_t)kc_get64(in + 24);
	s->read_bucket = (int64_t)kc_get64(in + 32);
	s->read_updated = (int64_t)kc_get64(in + 40);
	for (int i = 0; i < KC_THROTTLE_READ_CALLS; i++)
		s->calls[i] = (int64_t)kc_get64(in + 48 + 8 * i);
	s->oldest_call = kc_get32(in + 88);
	for (int i = 0; i < SLOTS; i++) {
		s->records[i] = kc_get32(in + SLOTS_AT + 8 * i);
		s->bytes[i] = kc_get32(in + SLOTS_AT + 8 * i + 4);
	}
	/* Bounds that keep every later sum within i64. */
	if (s->read_bucket > READ_CAP || s->read_bucket < -MAX_CHARGE * 1000 ||
	    !in_time(s->head * SLOT_MS) || !in_time(s->blocked_until) ||
	    !in_time(s->read_updated))
		return -1;
	for (int i = 0; i < KC_THROTTLE_READ_CALLS; i++)
		if (!in_time(s->calls[i]))
			return -1;
	return 0;
}

/* Times are clamped to [0, TIME_MAX], so slots are never negative. */
static int64_t slot_of(int64_t ms)
{
	return ms / SLOT_MS;
}

static int ring(int64_t slot)
{
	return (int)(slot % SLOTS);
}

/* The newest time the file has seen (not counting the write block). */
static int64_t state_newest(const struct state *s)
{
	int64_t t = s->head * SLOT_MS;

	if (s->read_updated > t)
		t = s->read_updated;
	for (int i = 0; i < KC_THROTTLE_READ_CALLS; i++)
		if (s->calls[i] > t)
			t = s->calls[i];
	return t;
}

/*
 * The time to reckon with: now_ms, or the file's newest time when that is
 * later (a process that read its clock earlier but got the lock later).
 * A file from a clock far ahead is forgotten.
 */
static int64_t state_now(struct state *s, int64_t now_ms)
{
	int64_t newest = state_newest(s);

	if (newest > now_ms && newest - now_ms > SKEW_MS) {
		state_fresh(s);
		return now_ms;
	}
	if (s->blocked_until > now_ms && s->blocked_until - now_ms > SKEW_MS)
		s->blocked_until = 0;
	return newest > now_ms ? newest : now_ms;
}

/* Moves the write window to slot k (>= head), emptying the slots it passes. */
static void slots_advance(struct state *s, int64_t k)
{
	if (k <= s->head)
		return;
	if (k - s->head >= SLOTS) {
		memset(s->records, 0, sizeof(s->records));
		memset(s->bytes, 0, sizeof(s->bytes));
	} else {
		for (int64_t j = s->head + 1; j <= k; j++) {
			s->records[ring(j)] = 0;
			s->bytes[ring(j)] = 0;
		}
	}
	s->head = k;
}

/* Whether a record of size b fits a window holding r records and n bytes. */
static int fits(uint64_t r, uint64_t n, uint64_t b)
{
	if (r + 1 > KC_THROTTLE_WRITE_RECORDS)
		return 0;
	if (b > KC_THROTTLE_WRITE_BYTES)
		return n == 0;
	return n + b <= KC_THROTTLE_WRITE_BYTES;
}

/*
 * The first slot at whose start a record of size b fits, given the window
 * of slots head - 100 .. head holding r records and n bytes in all: slots
 * leave the window oldest first, slot j at the start of slot j + 101.
 */
static int64_t slot_fitting(const struct state *s, uint64_t r, uint64_t n,
			    uint64_t b)
{
	for (int64_t j = s->head - (SLOTS - 1); j <= s->head; j++) {
		r -= s->records[ring(j)];
		n -= s->bytes[ring(j)];
		if (fits(r, n, b))
			return j + SLOTS;
	}
	return s->head + SLOTS; /* not reached: an empty window fits */
}

static int64_t wait_until(int64_t when, int64_t now_ms)
{
	return when > now_ms ? when - now_ms : 1;
}

/* How long a record of b > 1 MiB bytes blocks writes: ceil(b / 1 MiB) s. */
static int64_t block_ms(uint64_t b)
{
	return (int64_t)((b * WINDOW_MS + KC_THROTTLE_WRITE_BYTES - 1) /
			 KC_THROTTLE_WRITE_BYTES);
}

static void admit_write(struct state *s, int64_t now, int64_t now_ms,
			size_t nrecords, const size_t *sizes, size_t *admitted,
			int64_t *retry)
{
	uint64_t r = 0, n = 0, b = 0, nb;
	int64_t k = slot_of(now), when;
	size_t i = 0;

	slots_advance(s, k);
	for (int j = 0; j < SLOTS; j++) {
		r += s->records[j];
		n += s->bytes[j];
	}
	if (now >= s->blocked_until) {
		for (; i < nrecords; i++) {
			b = sizes[i] > MAX_RECORD ? MAX_RECORD : sizes[i];
			if (!fits(r, n, b))
				break;
			r++;
			n += b;
			s->records[ring(k)]++;
			nb = (uint64_t)s->bytes[ring(k)] + b;
			s->bytes[ring(k)] =
				nb > UINT32_MAX ? UINT32_MAX : (uint32_t)nb;
			if (b > KC_THROTTLE_WRITE_BYTES) {
				s->blocked_until = now + block_ms(b);
				i++;
				break;
			}
		}
	}
	*admitted = i;
	*retry = 0;
	if (i == nrecords)
		return;
	b = sizes[i] > MAX_RECORD ? MAX_RECORD : sizes[i];
	when = slot_fitting(s, r, n, b) * SLOT_MS;
	if (s->blocked_until > when)
		when = s->blocked_until;
	*retry = wait_until(when, now_ms);
}

/* Brings the read bucket up to now (a debt of MAX_CHARGE heals in 5e8 ms). */
static void read_refill(struct state *s, int64_t now)
{
	int64_t dt = now - s->read_updated;

	if (dt <= 0)
		return;
	if (dt > 1000000000)
		dt = 1000000000;
	s->read_bucket += dt * READ_RATE;
	if (s->read_bucket > READ_CAP)
		s->read_bucket = READ_CAP;
	s->read_updated = now;
}

/* Returns 1 when the call is admitted (and counts it), 0 with *retry set. */
static int admit_read(struct state *s, int64_t now, int64_t now_ms,
		      int64_t *retry)
{
	int64_t oldest = s->calls[s->oldest_call], when = 0;

	read_refill(s, now);
	if (oldest != 0 && oldest > now - WINDOW_MS)
		when = oldest + WINDOW_MS;
	if (s->read_bucket <= 0) {
		/* the first ms at which the bucket is above zero */
		int64_t t = now + -s->read_bucket / READ_RATE + 1;

		if (t > when)
			when = t;
	}
	if (when) {
		*retry = wait_until(when, now_ms);
		return 0;
	}
	s->calls[s->oldest_call] = now;
	s->oldest_call = (s->oldest_call + 1) % KC_THROTTLE_READ_CALLS;
	*retry = 0;
	return 1;
}

static void charge_read(struct state *s, int64_t now, size_t bytes)
{
	int64_t b = bytes > (uint64_t)MAX_CHARGE ? MAX_CHARGE : (int64_t)bytes;

	read_refill(s, now);
	s->read_bucket -= b * 1000;
	if (s->read_bucket < -MAX_CHARGE * 1000)
		s->read_bucket = -MAX_CHARGE * 1000;
}

/* The last component of the shard directory's path, for messages. */
static void shard_name(int dirfd, char *out, size_t n)
{
	char link[64], path[4096];
	const char *slash, *base;
	ssize_t len;
	size_t m;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0) {
		snprintf(out, n, "?");
		return;
	}
	path[len] = '\0';
	slash = strrchr(path, '/');
	base = slash && slash[1] ? slash + 1 : path;
	m = strlen(base) < n - 1 ? strlen(base) : n - 1;
	memcpy(out, base, m);
	out[m] = '\0';
}

static int exceeded(int dirfd, struct kc_error *e)
{
	char name[256];

	shard_name(dirfd, name, sizeof(name));
	return kc_error_set(e, KC_ETEMP,
			    "ProvisionedThroughputExceededException: "
			    "Rate exceeded for shard %s",
			    name);
}

enum op { OP_WRITE, OP_READ, OP_CHARGE };

struct request {
	enum op op;
	int64_t now_ms;
	size_t nrecords;
	const size_t *sizes;
	size_t admitted;
	size_t bytes;
	int64_t retry;
	int refused;
};

static int lock(int fd)
{
	while (flock(fd, LOCK_EX))
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The read-modify-write of the locked file fd. */
static int update_locked(int fd, struct request *q, struct kc_error *e)
{
	char in[KC_THROTTLE_SIZE + 1], out[KC_THROTTLE_SIZE];
	struct state s;
	ssize_t got, w;
	int64_t now, v;

	got = kc_pread_full(fd, in, sizeof(in), 0);
	if (got < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot read limits file");
	v = state_decode(in, (size_t)got, &s);
	if (v > 0)
		return kc_error_set(e, KC_EFAIL,
				    "limits file: format version %lld is newer "
				    "than this kin understands (%d)",
				    (long long)v, LIMITS_VERSION);
	if (v < 0)
		state_fresh(&s);
	now = state_now(&s, q->now_ms);
	switch (q->op) {
	case OP_WRITE:
		admit_write(&s, now, q->now_ms, q->nrecords, q->sizes,
			    &q->admitted, &q->retry);
		q->refused = q->admitted == 0;
		break;
	case OP_READ:
		q->refused = !admit_read(&s, now, q->now_ms, &q->retry);
		break;
	case OP_CHARGE:
		charge_read(&s, now, q->bytes);
		break;
	}
	if (q->refused && v == 0)
		return 0; /* nothing counted: the file stays as it is */
	state_encode(&s, out);
	w = pwrite(fd, out, sizeof(out), 0);
	if (w != (ssize_t)sizeof(out))
		return kc_error_errno(e, KC_EIO, w < 0 ? errno : ENOSPC,
				      "cannot write limits file");
	if (got > KC_THROTTLE_SIZE && ftruncate(fd, KC_THROTTLE_SIZE))
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot truncate limits file");
	return 0;
}

static int update(int dirfd, struct request *q, struct kc_error *e)
{
	int fd, rc;

	if (q->now_ms < 0)
		q->now_ms = 0;
	if (q->now_ms > TIME_MAX)
		q->now_ms = TIME_MAX;
	fd = openat(dirfd, KC_THROTTLE_FILE, O_RDWR | O_CREAT | O_CLOEXEC,
		    0666);
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "cannot open limits file");
	if (lock(fd))
		rc = kc_error_errno(e, KC_EIO, errno,
				    "cannot lock limits file");
	else
		rc = update_locked(fd, q, e);
	close(fd); /* releases the lock */
	if (rc == 0 && q->refused)
		rc = exceeded(dirfd, e);
	return rc;
}

int kc_throttle_admit_write(int shard_dirfd, int64_t now_ms, size_t nrecords,
			    const size_t *sizes, size_t *admitted,
			    int64_t *retry_after_ms, struct kc_error *e)
{
	struct request q = { OP_WRITE, now_ms, nrecords, sizes, 0, 0, 0, 0 };
	int rc = 0;

	if (nrecords > 0)
		rc = update(shard_dirfd, &q, e);
	*admitted = q.admitted;
	if (retry_after_ms)
		*retry_after_ms = q.retry;
	return rc;
}

int kc_throttle_admit_read(int shard_dirfd, int64_t now_ms,
			   int64_t *retry_after_ms, struct kc_error *e)
{
	struct request q = { OP_READ, now_ms, 0, NULL, 0, 0, 0, 0 };
	int rc = update(shard_dirfd, &q, e);

	if (retry_after_ms)
		*retry_after_ms = q.retry;
	return rc;
}

int kc_throttle_charge_read_bytes(int shard_dirfd, int64_t now_ms, size_t bytes,
				  struct kc_error *e)
{
	struct request q = { OP_CHARGE, now_ms, 0, NULL, 0, bytes, 0, 0 };

	if (bytes == 0)
		return 0;
	return update(shard_dirfd, &q, e);
}
