/* segment.c: segment headers, segment listing and the shard tail file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "byteorder.h"
#include "crc32c.h"
#include "file.h"
#include "segment.h"
#include "banned.h"

static const char seg_magic[8] = { 'K', 'I', 'N', 'S', 'E', 'G', 0, 0 };
static const char tail_magic[8] = { 'K', 'I', 'N', 'T', 'A', 'I', 'L', 0 };

void kc_segment_header_encode(const struct kc_segment_header *h, char out[KC_SEG_HDR])
{
	memset(out, 0, KC_SEG_HDR);
	memcpy(out, seg_magic, 8);
	kc_put32(out + 8, h->version);
	kc_put32(out + 12, KC_SEG_HDR);
	kc_put64(out + 16, h->base);
	kc_put64(out + 24, h->shard);
	kc_put32(out + 32, h->salt);
	kc_put64(out + 40, (uint64_t)h->created_ms);
	kc_put32(out + 60, kc_crc32c(0, out, 60));
}

/* Checks magic, CRC and version of a 64-byte header shared by both files. */
static int check_block(const char *in, const char magic[8], const char *what,
		       struct kc_error *e)
{
	uint32_t version;

	if (memcmp(in, magic, 8) != 0)
		return kc_error_set(e, KC_EIO, "%s: bad magic", what);
	if (kc_crc32c(0, in, 60) != kc_get32(in + 60))
		return kc_error_set(e, KC_EIO, "%s: header checksum mismatch", what);
	version = kc_get32(in + 8);
	if (version > KC_FORMAT_VERSION)
		return kc_error_set(e, KC_EFAIL,
				    "%s: format version %u is newer than this "
				    "kin understands (%d)",
				    what, version, KC_FORMAT_VERSION);
	if (version == 0)
		return kc_error_set(e, KC_EIO, "%s: format version 0", what);
	return 0;
}

int kc_segment_header_decode(const char in[KC_SEG_HDR], struct kc_segment_header *h,
			     struct kc_error *e)
{
	int rc = check_block(in, seg_magic, "segment", e);

	if (rc)
		return rc;
	if (kc_get32(in + 12) != KC_SEG_HDR)
		return kc_error_set(e, KC_EIO, "segment: bad header length");
	h->version = kc_get32(in + 8);
	h->base = kc_get64(in + 16);
	h->shard = kc_get64(in + 24);
	h->salt = kc_get32(in + 32);
	h->created_ms = (int64_t)kc_get64(in + 40);
	return 0;
}

void kc_segment_name(uint64_t base, const char *suffix, char out[32])
{
	snprintf(out, 32, "%020llu%s", (unsigned long long)base, suffix);
}

static int parse_segment_name(const char *name, uint64_t *base)
{
	char *end;

	if (strlen(name) != 20 + strlen(KC_SEG_SUFFIX))
		return -1;
	for (int i = 0; i < 20; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	if (strcmp(name + 20, KC_SEG_SUFFIX) != 0)
		return -1;
	errno = 0;
	*base = strtoull(name, &end, 10);
	return errno || end != name + 20 ? -1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int kc_segment_list(int dirfd, uint64_t **bases, size_t *n, struct kc_error *e)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 0, len = 0;
	uint64_t *v = NULL, base;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return kc_error_errno(e, KC_EIO, err, "cannot list segments");
	}
	while ((de = readdir(d))) {
		if (parse_segment_name(de->d_name, &base))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = kc_xrealloc(v, cap * sizeof(*v));
		}
		v[len++] = base;
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_u64);
	*bases = v;
	*n = len;
	return 0;
}

void kc_tail_encode(const struct kc_tail *t, char out[KC_TAIL_SIZE])
{
	memset(out, 0, KC_TAIL_SIZE);
	memcpy(out, tail_magic, 8);
	kc_put32(out + 8, KC_FORMAT_VERSION);
	kc_put32(out + 12, t->flags);
	kc_put64(out + 16, t->seg_base);
	kc_put64(out + 24, t->end);
	kc_put64(out + 32, (uint64_t)t->last_ms);
	kc_put64(out + 40, t->next_index);
	memcpy(out + 48, t->boot, 8);
	kc_put32(out + 60, kc_crc32c(0, out, 60));
}

int kc_tail_decode(const char in[KC_TAIL_SIZE], struct kc_tail *t, struct kc_error *e)
{
	int rc = check_block(in, tail_magic, "tail file", e);

	if (rc)
		return rc;
	t->flags = kc_get32(in + 12);
	t->seg_base = kc_get64(in + 16);
	t->end = kc_get64(in + 24);
	t->last_ms = (int64_t)kc_get64(in + 32);
	t->next_index = kc_get64(in + 40);
	memcpy(t->boot, in + 48, 8);
	if (t->end < t->seg_base)
		return kc_error_set(e, KC_EIO, "tail file: end before segment base");
	return 0;
}

int kc_tail_read(int fd, struct kc_tail *t, struct kc_error *e)
{
	char raw[KC_TAIL_SIZE];
	int rc = 0;

	/* A reader may race the writer's in-place pwrite: retry a torn read. */
	for (int i = 0; i < 50; i++) {
		ssize_t got = kc_pread_full(fd, raw, sizeof(raw), 0);
		if (got < 0)
			return kc_error_errno(e, KC_EIO, errno, "cannot read tail file");
		if (got < KC_TAIL_SIZE) {
			rc = kc_error_set(e, KC_EIO, "tail file: short (%zd bytes)", got);
		} else {
			rc = kc_tail_decode(raw, t, e);
			if (rc != -KC_EIO)
				return rc;
		}
		usleep(200);
	}
	return rc;
}

int kc_tail_write(int fd, const struct kc_tail *t, struct kc_error *e)
{
	char raw[KC_TAIL_SIZE];

	kc_tail_encode(t, raw);
	if (pwrite(fd, raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return kc_error_errno(e, KC_EIO, errno, "cannot write tail file");
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void kc_boot_id(uint8_t out[8])
{
	char text[64] = { 0 };
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	size_t j = 0;

	memset(out, 0, 8);
	if (fd < 0)
		return;
	if (read(fd, text, sizeof(text) - 1) < 0)
		text[0] = '\0';
	close(fd);
	for (size_t i = 0; text[i] && j < 16; i++) {
		int v = hexval(text[i]);
		if (v < 0)
			continue;
		out[j / 2] = (uint8_t)(out[j / 2] | (j % 2 ? v : v << 4));
		j++;
	}
}

static uint32_t random_salt(void)
{
	uint32_t v = 0;

	/* getrandom(2) cannot fail for 4 bytes once the pool is ready. */
	if (getentropy(&v, sizeof(v)) != 0)
		v = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	return v;
}

int kc_segment_create(int dirfd, uint64_t base, uint64_t shard, int64_t now_ms,
		      struct kc_error *e)
{
	struct kc_segment_header h = { KC_FORMAT_VERSION, base, shard,
				       random_salt(), now_ms };
	char hdr[KC_SEG_HDR], name[32], tmp[64];
	int fd, err;

	kc_segment_header_encode(&h, hdr);
	kc_segment_name(base, KC_SEG_SUFFIX, name);
	snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno, "cannot create segment %s", name);
	if (kc_write_all(fd, hdr, sizeof(hdr)) || kc_fsync(fd)) {
		err = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return kc_error_errno(e, KC_EIO, err, "cannot write segment %s", name);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) || kc_fsync(dirfd)) {
		err = errno;
		unlinkat(dirfd, tmp, 0);
		return kc_error_errno(e, KC_EIO, err, "cannot install segment %s", name);
	}
	return 0;
}

int kc_segment_open(int dirfd, uint64_t base, uint64_t shard, int flags,
		    uint32_t *salt, struct kc_error *e)
{
	struct kc_segment_header h;
	char name[32], hdr[KC_SEG_HDR];
	int fd, rc;

	kc_segment_name(base, KC_SEG_SUFFIX, name);
	fd = openat(dirfd, name, flags | O_CLOEXEC);
	if (fd < 0)
		return kc_error_errno(e, errno == ENOENT ? KC_ENOENT : KC_EIO, errno,
				      "segment %s", name);
	if (kc_pread_full(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		rc = kc_error_set(e, KC_EIO, "segment %s: short header", name);
	else if ((rc = kc_segment_header_decode(hdr, &h, e)) != 0)
		kc_error_prefix(e, "%s: ", name);
	else if (h.base != base || h.shard != shard)
		rc = kc_error_set(e, KC_EIO, "segment %s: header names another place",
				  name);
	if (rc) {
		close(fd);
		return rc;
	}
	*salt = h.salt;
	return fd;
}

int64_t kc_segment_first_arrival(int dirfd, uint64_t base)
{
	char name[32], hdr[32];
	int64_t ts = INT64_MAX;
	int fd;

	kc_segment_name(base, KC_SEG_SUFFIX, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ts;
	/* Frame header: offset at byte 16, arrival time at byte 24. */
	if (kc_pread_full(fd, hdr, sizeof(hdr), KC_SEG_HDR) == (ssize_t)sizeof(hdr) &&
	    kc_get64(hdr + 16) == base)
		ts = (int64_t)kc_get64(hdr + 24);
	close(fd);
	return ts;
}
