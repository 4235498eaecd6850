/* video.c: the video store (see video.h and kin-video(5)). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "byteorder.h"
#include "crc32c.h"
#include "file.h"
#include "json.h"
#include "name.h"
#include "stream.h"
#include "units.h"
#include "video.h"
#include "banned.h"

#define META_FILE "meta"
#define INDEX_FILE "index"
#define LOCK_FILE "lock"
#define FRAG_DIR "fragments"
#define TMP_PREFIX ".tmp-"
#define REC_SIZE 64
#define REC_MAGIC "KVF1"
#define REC_TOMBSTONE 1u

/* ---- paths and stream information ---- */

static char *video_path(const char *root, const char *name)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_buf_addf(&b, "%s/" KV_VIDEO_DIR "/%s", root, name);
	return b.data;
}

static char *join(const char *dir, const char *file)
{
	struct kc_buf b = KC_BUF_INIT;

	kc_buf_addf(&b, "%s/%s", dir, file);
	return b.data;
}

static void add_str(struct kc_buf *b, const char *key, const char *v)
{
	kc_json_add_key(b, key);
	kc_json_add_string(b, v, strlen(v));
}

static void info_json(const struct kv_video_info *in, struct kc_buf *b)
{
	kc_buf_addc(b, '{');
	add_str(b, "StreamName", in->name);
	kc_buf_addc(b, ',');
	add_str(b, "StreamARN", in->arn);
	kc_buf_addc(b, ',');
	add_str(b, "DeviceName", in->device_name);
	kc_buf_addc(b, ',');
	add_str(b, "MediaType", in->media_type);
	kc_buf_addc(b, ',');
	add_str(b, "KmsKeyId", in->kms_key_id);
	kc_buf_addc(b, ',');
	add_str(b, "Version", in->version);
	kc_buf_addc(b, ',');
	add_str(b, "Status", in->status);
	kc_buf_addf(b, ",\"CreationTime\":%" PRId64 ",\"DataRetentionInHours\":%u}\n",
		    in->creation_ms, in->retention_hours);
}

static int get_field(struct kc_json *j, const char *key, char *out, size_t cap,
		     int required)
{
	const char *v, *why;
	size_t n;

	if (kc_json_get(j, key, &v, &n, &why))
		return required ? -1 : 0;
	if (n >= cap)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int read_info(const char *path, const char *name,
		     struct kv_video_info *info, struct kc_error *e)
{
	char *file = join(path, META_FILE), *text = NULL, num[32];
	struct kc_json *j = NULL;
	size_t n;
	int rc = kc_file_read(file, &text, &n, e);
	uint64_t v;

	if (rc == -KC_ENOENT) {
		rc = kc_error_set(e, KC_ENOENT, "video stream '%s': no such stream",
				  name);
		goto out;
	}
	if (rc)
		goto out;
	memset(info, 0, sizeof(*info));
	j = kc_json_parse(text, n, e);
	if (!j || get_field(j, "StreamName", info->name, sizeof(info->name), 1) ||
	    get_field(j, "StreamARN", info->arn, sizeof(info->arn), 1) ||
	    get_field(j, "DeviceName", info->device_name,
		      sizeof(info->device_name), 0) ||
	    get_field(j, "MediaType", info->media_type,
		      sizeof(info->media_type), 0) ||
	    get_field(j, "KmsKeyId", info->kms_key_id,
		      sizeof(info->kms_key_id), 0) ||
	    get_field(j, "Version", info->version, sizeof(info->version), 1) ||
	    get_field(j, "Status", info->status, sizeof(info->status), 1) ||
	    get_field(j, "CreationTime", num, sizeof(num), 1) ||
	    kc_parse_uint("CreationTime", num, 0, INT64_MAX, &v, NULL) ||
	    (info->creation_ms = (int64_t)v,
	     get_field(j, "DataRetentionInHours", num, sizeof(num), 1)) ||
	    kc_parse_uint("DataRetentionInHours", num, 0, KV_RETENTION_MAX, &v,
			  NULL)) {
		rc = kc_error_set(e, KC_EIO, "video stream '%s': corrupt '%s'",
				  name, file);
		goto out;
	}
	info->retention_hours = (unsigned)v;
out:
	kc_json_free(j);
	free(text);
	free(file);
	return rc;
}

static int write_info(const char *path, const struct kv_video_info *info,
		      struct kc_error *e)
{
	struct kc_buf b = KC_BUF_INIT;
	char *file = join(path, META_FILE);
	int rc;

	info_json(info, &b);
	rc = kc_file_replace(file, b.data, b.len, e);
	kc_buf_release(&b);
	free(file);
	return rc;
}

static void new_version(char out[33])
{
	uint64_t r[2] = { 0, 0 };
	static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int i;

	if (getentropy(r, sizeof(r)))
		r[0] = (uint64_t)kc_now_ms() ^ (uint64_t)getpid() << 32;
	for (i = 0; i < 20; i++) {
		out[i] = digits[r[i & 1] % 62];
		r[i & 1] /= 62;
	}
	out[20] = '\0';
}

static int check_text(const char *what, const char *s, size_t max,
		      struct kc_error *e)
{
	if (s && strlen(s) > max)
		return kc_error_set(e, KC_EUSAGE, "%s: longer than %zu bytes",
				    what, max);
	return 0;
}

int kv_video_create(const char *root, const char *name,
		    const struct kv_video_config *cfg, struct kc_error *e)
{
	struct kc_buf tmp = KC_BUF_INIT, top = KC_BUF_INIT;
	struct kv_video_info info;
	char *dst = NULL, *sub;
	uint32_t rnd = 0;
	int rc, fd;

	if ((rc = kc_name_check("video stream", name, e)))
		return rc;
	if (cfg->retention_hours > KV_RETENTION_MAX)
		return kc_error_set(e, KC_EUSAGE, "--data-retention-in-hours: %u "
				    "is above %u", cfg->retention_hours,
				    KV_RETENTION_MAX);
	if ((rc = check_text("--device-name", cfg->device_name, 128, e)) ||
	    (rc = check_text("--media-type", cfg->media_type, 128, e)) ||
	    (rc = check_text("--kms-key-id", cfg->kms_key_id, 2048, e)))
		return rc;
	if ((rc = kc_root_make(root, e)))
		return rc;
	kc_buf_addf(&top, "%s/" KV_VIDEO_DIR, root);
	if (mkdir(top.data, 0777) && errno != EEXIST) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'", top.data);
		goto out;
	}
	dst = video_path(root, name);
	if (!access(dst, F_OK)) {
		rc = kc_error_set(e, KC_EFAIL, "video stream '%s': already exists "
				  "(ResourceInUseException)", name);
		goto out;
	}
	if (getentropy(&rnd, sizeof(rnd)))
		rnd = (uint32_t)kc_now_ms();
	kc_buf_addf(&tmp, "%s/tmp/video.%s.%ld.%08x", root, name, (long)getpid(),
		    rnd);
	if (mkdir(tmp.data, 0777)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'", tmp.data);
		goto out;
	}
	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "%s", name);
	info.creation_ms = kc_now_ms();
	snprintf(info.arn, sizeof(info.arn),
		 "arn:aws:kinesisvideo:local:000000000000:stream/%s/%" PRId64,
		 name, info.creation_ms);
	snprintf(info.device_name, sizeof(info.device_name), "%s",
		 cfg->device_name ? cfg->device_name : "");
	snprintf(info.media_type, sizeof(info.media_type), "%s",
		 cfg->media_type ? cfg->media_type : "");
	snprintf(info.kms_key_id, sizeof(info.kms_key_id), "%s",
		 cfg->kms_key_id ? cfg->kms_key_id : "");
	new_version(info.version);
	snprintf(info.status, sizeof(info.status), "ACTIVE");
	info.retention_hours = cfg->retention_hours;
	sub = join(tmp.data, FRAG_DIR);
	rc = mkdir(sub, 0777);
	free(sub);
	if (!rc) {
		sub = join(tmp.data, INDEX_FILE);
		fd = open(sub, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		rc = fd < 0 || kc_fsync(fd);
		if (fd >= 0)
			close(fd);
		free(sub);
	}
	if (rc) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'", tmp.data);
		goto out;
	}
	if ((rc = write_info(tmp.data, &info, e)))
		goto out;
	if (kc_fsync_dir(tmp.data)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync '%s'", tmp.data);
		goto out;
	}
	if (rename(tmp.data, dst)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			rc = kc_error_set(e, KC_EFAIL, "video stream '%s': already "
					  "exists (ResourceInUseException)", name);
		else
			rc = kc_error_errno(e, KC_EIO, errno, "cannot create '%s'",
					    dst);
		goto out;
	}
	if (kc_fsync_dir(top.data))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync '%s'", top.data);
out:
	if (tmp.len)
		kc_file_remove_tree(tmp.data);
	kc_buf_release(&tmp);
	kc_buf_release(&top);
	free(dst);
	return rc;
}

int kv_video_delete(const char *root, const char *name, struct kc_error *e)
{
	struct kc_buf tmp = KC_BUF_INIT;
	char *path;
	uint32_t rnd = 0;
	int rc = 0;

	if ((rc = kc_name_check("video stream", name, e)))
		return rc;
	path = video_path(root, name);
	if (getentropy(&rnd, sizeof(rnd)))
		rnd = (uint32_t)kc_now_ms();
	kc_buf_addf(&tmp, "%s/tmp/video-delete.%s.%ld.%08x", root, name,
		    (long)getpid(), rnd);
	if (rename(path, tmp.data)) {
		if (errno == ENOENT)
			rc = kc_error_set(e, KC_ENOENT, "video stream '%s': no such "
					  "stream", name);
		else
			rc = kc_error_errno(e, KC_EIO, errno, "cannot delete '%s'",
					    path);
	} else {
		kc_file_remove_tree(tmp.data);
	}
	kc_buf_release(&tmp);
	free(path);
	return rc;
}

int kv_video_names(const char *root, char ***names, size_t *n,
		   struct kc_error *e)
{
	char *dir = join(root, KV_VIDEO_DIR);
	int rc = kc_name_list(dir, "video stream", names, n, e);

	free(dir);
	return rc;
}

int kv_video_describe(const char *root, const char *name,
		      struct kv_video_info *info, struct kc_error *e)
{
	char *path;
	int rc;

	if ((rc = kc_name_check("video stream", name, e)))
		return rc;
	path = video_path(root, name);
	rc = read_info(path, name, info, e);
	free(path);
	return rc;
}

/* ---- index records ---- */

static void rec_encode(const struct kv_fragment *f, char rec[REC_SIZE])
{
	memset(rec, 0, REC_SIZE);
	memcpy(rec, REC_MAGIC, 4);
	kc_put32(rec + 4, f->tracks);
	kc_put64(rec + 8, f->seq);
	kc_put64(rec + 16, (uint64_t)f->producer_ms);
	kc_put64(rec + 24, (uint64_t)f->server_ms);
	kc_put64(rec + 32, f->size);
	kc_put64(rec + 40, f->cluster_offset);
	kc_put32(rec + 48, f->duration_ms);
	kc_put32(rec + 60, kc_crc32c(0, rec, 60));
}

/*
 * Decodes a record; -1 when torn or corrupt, 1 for a tombstone (the last
 * fragment's record kept when retention removed every fragment, so that
 * numbering goes on after it).
 */
static int rec_decode(const char *rec, struct kv_fragment *f)
{
	if (memcmp(rec, REC_MAGIC, 4) ||
	    kc_get32(rec + 60) != kc_crc32c(0, rec, 60))
		return -1;
	f->seq = kc_get64(rec + 8);
	if (kc_get32(rec + 52) & REC_TOMBSTONE)
		return 1;
	f->tracks = kc_get32(rec + 4);
	f->seq = kc_get64(rec + 8);
	f->producer_ms = (int64_t)kc_get64(rec + 16);
	f->server_ms = (int64_t)kc_get64(rec + 24);
	f->size = kc_get64(rec + 32);
	f->cluster_offset = kc_get64(rec + 40);
	f->duration_ms = kc_get32(rec + 48);
	kv_number_format(f->seq, f->number);
	return 0;
}

void kv_number_format(uint64_t seq, char out[KV_NUMBER_LEN + 1])
{
	snprintf(out, KV_NUMBER_LEN + 1, "%020" PRIu64, seq);
}

int kv_number_parse(const char *what, const char *s, uint64_t *seq,
		    struct kc_error *e)
{
	size_t n = strlen(s);

	if (!n || n > KV_NUMBER_LEN || strspn(s, "0123456789") != n ||
	    kc_parse_uint(what, s, 0, UINT64_MAX, seq, NULL))
		return kc_error_set(e, KC_EUSAGE, "%s: '%s' is not a fragment "
				    "number", what, s);
	return 0;
}

int kv_parse_time(const char *what, const char *s, int64_t *ms,
		  struct kc_error *e)
{
	size_t digits = strspn(s, "0123456789"), frac = 0;
	int64_t v = 0, scale = 1000;
	size_t i;

	if (digits && digits <= 11 &&
	    (s[digits] == '\0' ||
	     (s[digits] == '.' &&
	      (frac = strspn(s + digits + 1, "0123456789")) > 0 &&
	      s[digits + 1 + frac] == '\0'))) {
		for (i = 0; i < digits; i++)
			v = v * 10 + (s[i] - '0');
		v *= 1000;
		for (i = 0; i < frac && i < 3; i++) {
			scale /= 10;
			v += (s[digits + 1 + i] - '0') * scale;
		}
		*ms = v;
		return 0;
	}
	return kc_parse_time(what, s, ms, e);
}

int64_t kv_fragment_time(const struct kv_fragment *f, enum kv_time t)
{
	return t == KV_TIME_PRODUCER ? f->producer_ms : f->server_ms;
}

/* The oldest server time a fragment may have to be kept at now_ms. */
static int64_t retention_cutoff(unsigned hours, int64_t now_ms)
{
	if (!hours)
		return now_ms - KV_LIVE_BUFFER_MS;
	return now_ms - (int64_t)hours * 3600 * 1000;
}

/* ---- readers ---- */

struct kv_video {
	char *root, *path, *index_path, *frag_path;
	struct kv_video_info info;
	struct timespec meta_mtime;
	ino_t meta_ino, index_ino;
	int index_fd;
	off_t index_off;                /* bytes of whole records read */
	uint64_t max_seq;
	struct kv_fragment *frags;
	size_t n, cap;
	int ifd;                        /* inotify, or -1 */
};

int kv_video_open(const char *root, const char *name, struct kv_video **out,
		  struct kc_error *e)
{
	struct kv_video *v;
	int rc;

	*out = NULL;
	if ((rc = kc_name_check("video stream", name, e)))
		return rc;
	v = kc_xcalloc(1, sizeof(*v));
	v->root = kc_xstrdup(root);
	v->path = video_path(root, name);
	v->index_path = join(v->path, INDEX_FILE);
	v->frag_path = join(v->path, FRAG_DIR);
	v->index_fd = -1;
	v->ifd = -1;
	snprintf(v->info.name, sizeof(v->info.name), "%s", name);
	rc = kv_video_refresh(v, e);
	if (rc < 0) {
		kv_video_close(v);
		return rc;
	}
	*out = v;
	return 0;
}

void kv_video_close(struct kv_video *v)
{
	if (!v)
		return;
	if (v->index_fd >= 0)
		close(v->index_fd);
	if (v->ifd >= 0)
		close(v->ifd);
	free(v->frags);
	free(v->root);
	free(v->path);
	free(v->index_path);
	free(v->frag_path);
	free(v);
}

const struct kv_video_info *kv_video_info(const struct kv_video *v)
{
	return &v->info;
}

const char *kv_video_path(const struct kv_video *v)
{
	return v->path;
}

/*
 * Reads whole records from fd at *off on; appends valid ones to *frags and
 * raises *max_seq to the highest number seen (tombstones included).
 */
static int read_records(int fd, off_t *off, struct kv_fragment **frags,
			size_t *n, size_t *cap, uint64_t *max_seq,
			const char *path, struct kc_error *e)
{
	char buf[REC_SIZE * 256];
	struct kv_fragment f;
	ssize_t got;
	size_t i;
	int rc;

	for (;;) {
		got = kc_pread_full(fd, buf, sizeof(buf), *off);
		if (got < 0)
			return kc_error_errno(e, KC_EIO, errno, "cannot read '%s'",
					      path);
		for (i = 0; i + REC_SIZE <= (size_t)got; i += REC_SIZE) {
			/* A torn or corrupt record ends the index. */
			rc = rec_decode(buf + i, &f);
			if (rc < 0 || (*off && f.seq <= *max_seq))
				return 0;
			*max_seq = f.seq;
			*off += REC_SIZE;
			if (rc)
				continue;
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*frags = kc_xrealloc(*frags, *cap * sizeof(**frags));
			}
			(*frags)[(*n)++] = f;
		}
		if ((size_t)got < sizeof(buf))
			return 0;
	}
}

int kv_video_refresh(struct kv_video *v, struct kc_error *e)
{
	struct stat st;
	int changed = 0, rc;
	size_t drop;
	int64_t cut;
	char *meta = join(v->path, META_FILE);

	rc = stat(meta, &st);
	free(meta);
	if (rc)
		return errno == ENOENT
		       ? kc_error_set(e, KC_ENOENT, "video stream '%s': no such "
				      "stream", v->info.name)
		       : kc_error_errno(e, KC_EIO, errno, "video stream '%s'",
					v->info.name);
	if (st.st_ino != v->meta_ino ||
	    st.st_mtim.tv_sec != v->meta_mtime.tv_sec ||
	    st.st_mtim.tv_nsec != v->meta_mtime.tv_nsec) {
		if ((rc = read_info(v->path, v->info.name, &v->info, e)))
			return rc;
		v->meta_ino = st.st_ino;
		v->meta_mtime = st.st_mtim;
		changed = 1;
	}
	if (stat(v->index_path, &st))
		return errno == ENOENT
		       ? kc_error_set(e, KC_ENOENT, "video stream '%s': no such "
				      "stream", v->info.name)
		       : kc_error_errno(e, KC_EIO, errno, "cannot stat '%s'",
					v->index_path);
	if (v->index_fd < 0 || st.st_ino != v->index_ino) {
		/* First open, or retention rewrote the index: read it all. */
		if (v->index_fd >= 0)
			close(v->index_fd);
		v->index_fd = open(v->index_path, O_RDONLY | O_CLOEXEC);
		if (v->index_fd < 0)
			return errno == ENOENT
			       ? kc_error_set(e, KC_ENOENT, "video stream '%s': "
					      "no such stream", v->info.name)
			       : kc_error_errno(e, KC_EIO, errno, "cannot open "
						"'%s'", v->index_path);
		if (fstat(v->index_fd, &st))
			return kc_error_errno(e, KC_EIO, errno, "cannot stat '%s'",
					      v->index_path);
		v->index_ino = st.st_ino;
		v->index_off = 0;
		v->max_seq = 0;
		v->n = 0;
		changed = 1;
	}
	drop = v->n;
	if ((rc = read_records(v->index_fd, &v->index_off, &v->frags, &v->n,
			       &v->cap, &v->max_seq, v->index_path, e)))
		return rc;
	changed |= v->n != drop;
	/* Fragments outside the retention are gone even before trimming. */
	cut = retention_cutoff(v->info.retention_hours, kc_now_ms());
	for (drop = 0; drop < v->n && v->frags[drop].server_ms < cut; drop++)
		;
	if (drop) {
		memmove(v->frags, v->frags + drop,
			(v->n - drop) * sizeof(*v->frags));
		v->n -= drop;
		changed = 1;
	}
	return changed;
}

int kv_video_wait(struct kv_video *v, int timeout_ms, struct kc_error *e)
{
	struct pollfd p;
	char buf[4096];
	uint64_t start = kc_mono_ns();
	int rc, left, step;

	if (v->ifd < 0) {
		v->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (v->ifd >= 0 &&
		    inotify_add_watch(v->ifd, v->path, IN_MODIFY | IN_MOVED_TO |
				      IN_CREATE | IN_DELETE_SELF |
				      IN_MOVE_SELF) < 0) {
			close(v->ifd);
			v->ifd = -1;
		}
	}
	for (;;) {
		rc = kv_video_refresh(v, e);
		if (rc)
			return rc;
		left = timeout_ms;
		if (timeout_ms >= 0) {
			left = timeout_ms -
			       (int)((kc_mono_ns() - start) / 1000000);
			if (left <= 0)
				return 0;
		}
		/* Retention may drop fragments with time alone: wake up. */
		step = left < 0 || left > 1000 ? 1000 : left;
		if (v->ifd < 0) {
			step = step > 50 ? 50 : step;
			if (poll(NULL, 0, step) < 0 && errno == EINTR)
				return 0;
			continue;
		}
		p.fd = v->ifd;
		p.events = POLLIN;
		p.revents = 0;
		rc = poll(&p, 1, step);
		if (rc < 0 && errno == EINTR)
			return 0;
		if (rc > 0)
			while (read(v->ifd, buf, sizeof(buf)) > 0)
				;
	}
}

size_t kv_video_count(const struct kv_video *v)
{
	return v->n;
}

const struct kv_fragment *kv_video_at(const struct kv_video *v, size_t i)
{
	return i < v->n ? &v->frags[i] : NULL;
}

/* The position of the first fragment with seq >= want. */
static size_t lower_bound(const struct kv_video *v, uint64_t want)
{
	size_t lo = 0, hi = v->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->frags[mid].seq < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ssize_t kv_video_find(const struct kv_video *v, const char *number)
{
	uint64_t seq;
	size_t i;

	if (kv_number_parse("fragment number", number, &seq, NULL))
		return -1;
	i = lower_bound(v, seq);
	return i < v->n && v->frags[i].seq == seq ? (ssize_t)i : -1;
}

size_t kv_video_after(const struct kv_video *v, const char *number)
{
	uint64_t seq;

	if (kv_number_parse("fragment number", number, &seq, NULL))
		return v->n;
	return seq == UINT64_MAX ? v->n : lower_bound(v, seq + 1);
}

size_t kv_video_seek(const struct kv_video *v, enum kv_time t, int64_t ms)
{
	size_t i;
	int64_t s;

	for (i = 0; i < v->n; i++) {
		s = kv_fragment_time(&v->frags[i], t);
		if (s > ms || s + (int64_t)v->frags[i].duration_ms > ms)
			return i;
	}
	return v->n;
}

int kv_video_range(const struct kv_video *v, enum kv_time t, int64_t start_ms,
		   int64_t end_ms, size_t **idx, size_t *n, struct kc_error *e)
{
	size_t i;
	int64_t s;

	(void)e;
	*idx = kc_xmalloc((v->n ? v->n : 1) * sizeof(**idx));
	*n = 0;
	for (i = 0; i < v->n; i++) {
		s = kv_fragment_time(&v->frags[i], t);
		if (s >= start_ms && s <= end_ms)
			(*idx)[(*n)++] = i;
	}
	return 0;
}

void kv_video_fragment_path(const struct kv_video *v,
			    const struct kv_fragment *f, struct kc_buf *out)
{
	kc_buf_reset(out);
	kc_buf_addf(out, "%s/%s.mkv", v->frag_path, f->number);
}

int kv_video_fragment_open(const struct kv_video *v,
			   const struct kv_fragment *f, int *fd,
			   struct kc_error *e)
{
	struct kc_buf p = KC_BUF_INIT;
	int rc = 0;

	kv_video_fragment_path(v, f, &p);
	*fd = open(p.data, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		rc = errno == ENOENT
		     ? kc_error_set(e, KC_ENOENT, "video stream '%s': fragment "
				    "%s: trimmed by retention", v->info.name,
				    f->number)
		     : kc_error_errno(e, KC_EIO, errno, "cannot open '%s'",
				      p.data);
	kc_buf_release(&p);
	return rc;
}

int kv_video_fragment_read(const struct kv_video *v,
			   const struct kv_fragment *f, struct kc_buf *out,
			   struct kc_error *e)
{
	ssize_t got;
	int fd, rc;

	if ((rc = kv_video_fragment_open(v, f, &fd, e)))
		return rc;
	kc_buf_grow(out, (size_t)f->size);
	got = kc_pread_full(fd, out->data + out->len, (size_t)f->size, 0);
	if (got != (ssize_t)f->size)
		rc = got < 0 ? kc_error_errno(e, KC_EIO, errno, "video stream "
					      "'%s': fragment %s", v->info.name,
					      f->number)
			     : kc_error_set(e, KC_EIO, "video stream '%s': "
					    "fragment %s: short file",
					    v->info.name, f->number);
	else
		out->len += (size_t)got;
	close(fd);
	return rc;
}

/* ---- retention (shared by the writer and kv_video_set_retention) ---- */

struct kv_writer {
	char *root, *path, *index_path, *frag_path;
	char *name;                     /* info.name, which trim rewrites */
	struct kv_video_info info;
	int lock_fd, index_fd, frag_fd;
	int sync_off;                   /* KIN_FSYNC=0: no writeback started */
	dev_t frag_dev;                 /* fragments/ as opened: deleted if */
	ino_t frag_ino;                 /* its path names another or none */
	uint64_t next_seq;
	uint64_t max_seq;               /* the highest number in the index */
	struct kv_fragment *frags;      /* what the index holds */
	size_t n, cap;
	uint64_t bytes;                 /* their total size */
};

/* Whether KIN_FSYNC turned syncing off: kc_fdatasync then succeeds on anything. */
static int sync_off(void)
{
	int saved = errno, off = kc_fdatasync(-1) == 0;

	errno = saved;
	return off;
}

static int writer_reopen_index(struct kv_writer *w, struct kc_error *e)
{
	if (w->index_fd >= 0)
		close(w->index_fd);
	w->index_fd = open(w->index_path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (w->index_fd < 0)
		return errno == ENOENT
		       ? kc_error_set(e, KC_ENOENT, "video stream '%s': no such "
				      "stream", w->info.name)
		       : kc_error_errno(e, KC_EIO, errno, "cannot open '%s'",
					w->index_path);
	return 0;
}

/* Is name "NUMBER.mkv" of a fragment not in w's index? */
static int is_orphan(const struct kv_writer *w, const char *name)
{
	size_t lo = 0, hi = w->n, mid;
	uint64_t seq;
	char num[KV_NUMBER_LEN + 1];

	if (strlen(name) != KV_NUMBER_LEN + 4 ||
	    strcmp(name + KV_NUMBER_LEN, ".mkv"))
		return 0;
	memcpy(num, name, KV_NUMBER_LEN);
	num[KV_NUMBER_LEN] = '\0';
	if (kv_number_parse("fragment", num, &seq, NULL))
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->frags[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return !(lo < w->n && w->frags[lo].seq == seq);
}

/* Removes temporary and unindexed fragment files left by a killed writer. */
static int remove_orphans(struct kv_writer *w, struct kc_error *e)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(w->frag_fd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return kc_error_errno(e, KC_EIO, errno, "cannot read '%s'",
				      w->frag_path);
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) ||
		    is_orphan(w, de->d_name))
			unlinkat(w->frag_fd, de->d_name, 0);
	closedir(d);
	return 0;
}

int kv_writer_open(const char *root, const char *name, struct kv_writer **out,
		   struct kc_error *e)
{
	struct kv_writer *w;
	char *lock;
	off_t off = 0;
	struct stat st;
	int rc;

	*out = NULL;
	if ((rc = kc_name_check("video stream", name, e)))
		return rc;
	w = kc_xcalloc(1, sizeof(*w));
	w->root = kc_xstrdup(root);
	w->path = video_path(root, name);
	w->index_path = join(w->path, INDEX_FILE);
	w->frag_path = join(w->path, FRAG_DIR);
	w->lock_fd = w->index_fd = w->frag_fd = -1;
	w->name = kc_xstrdup(name);
	w->sync_off = sync_off();
	snprintf(w->info.name, sizeof(w->info.name), "%s", name);
	if ((rc = read_info(w->path, name, &w->info, e)))
		goto fail;
	lock = join(w->path, LOCK_FILE);
	w->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	free(lock);
	if (w->lock_fd < 0) {
		rc = kc_error_errno(e, KC_EIO, errno, "video stream '%s'", name);
		goto fail;
	}
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK
		     ? kc_error_set(e, KC_ETEMP, "video stream '%s': another "
				    "writer is ingesting into it", name)
		     : kc_error_errno(e, KC_EIO, errno, "video stream '%s'", name);
		goto fail;
	}
	w->frag_fd = open(w->frag_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->frag_fd < 0 || fstat(w->frag_fd, &st)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot open '%s'",
				    w->frag_path);
		goto fail;
	}
	w->frag_dev = st.st_dev;
	w->frag_ino = st.st_ino;
	if ((rc = writer_reopen_index(w, e)))
		goto fail;
	if ((rc = read_records(w->index_fd, &off, &w->frags, &w->n, &w->cap,
			       &w->max_seq, w->index_path, e)))
		goto fail;
	if (fstat(w->index_fd, &st)) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot stat '%s'",
				    w->index_path);
		goto fail;
	}
	if (st.st_size != off) {
		/* A torn tail: cut it, so appends follow the last whole record. */
		if (ftruncate(w->index_fd, off) || kc_fsync(w->index_fd)) {
			rc = kc_error_errno(e, KC_EIO, errno, "cannot repair '%s'",
					    w->index_path);
			goto fail;
		}
	}
	for (size_t i = 0; i < w->n; i++)
		w->bytes += w->frags[i].size;
	w->next_seq = w->max_seq + 1;
	if ((rc = remove_orphans(w, e)))
		goto fail;
	*out = w;
	return 0;
fail:
	kv_writer_close(w);
	return rc;
}

void kv_writer_close(struct kv_writer *w)
{
	if (!w)
		return;
	if (w->index_fd >= 0)
		close(w->index_fd);
	if (w->frag_fd >= 0)
		close(w->frag_fd);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->frags);
	free(w->root);
	free(w->path);
	free(w->index_path);
	free(w->frag_path);
	free(w->name);
	free(w);
}

const struct kv_video_info *kv_writer_info(const struct kv_writer *w)
{
	return &w->info;
}

uint64_t kv_writer_reserve(struct kv_writer *w)
{
	return w->next_seq++;
}

static void tmp_name(const struct kv_fragment *f, char out[64])
{
	snprintf(out, 64, TMP_PREFIX "%s.mkv", f->number);
}

static void final_name(const struct kv_fragment *f, char out[64])
{
	snprintf(out, 64, "%s.mkv", f->number);
}

int kv_writer_create(struct kv_writer *w, const struct kv_fragment *f,
		     int *fd, struct kc_error *e)
{
	char name[64];

	tmp_name(f, name);
	*fd = openat(w->frag_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     0666);
	if (*fd >= 0)
		return 0;
	return errno == ENOENT
	       ? kc_error_set(e, KC_ENOENT, "video stream '%s': deleted", w->name)
	       : kc_error_errno(e, KC_EIO, errno, "cannot create '%s/%s'",
				w->frag_path, name);
}

void kv_writer_start_sync(const struct kv_writer *w, int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (!w->sync_off)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)w;
	(void)fd;
#endif
}

void kv_writer_discard(struct kv_writer *w, const struct kv_fragment *f,
		       int fd)
{
	char name[64];

	tmp_name(f, name);
	close(fd);
	unlinkat(w->frag_fd, name, 0);
	if (f->seq + 1 == w->next_seq)
		w->next_seq--;
}

/*
 * -KC_ENOENT when the stream was deleted under the writer (renamed away,
 * perhaps made again): its open directories live on until removed.
 */
static int writer_check(const struct kv_writer *w, struct kc_error *e)
{
	struct stat st;

	if (stat(w->frag_path, &st)) {
		if (errno != ENOENT)
			return kc_error_errno(e, KC_EIO, errno, "cannot stat "
					      "'%s'", w->frag_path);
	} else if (st.st_dev == w->frag_dev && st.st_ino == w->frag_ino) {
		return 0;
	}
	return kc_error_set(e, KC_ENOENT, "video stream '%s': deleted", w->name);
}

int kv_writer_publish(struct kv_writer *w, const struct kv_fragment *f,
		      size_t n, struct kc_error *e)
{
	char from[64], to[64];
	size_t i;
	int rc;

	if (n && (rc = writer_check(w, e)))
		return rc;
	for (i = 0; i < n; i++) {
		tmp_name(&f[i], from);
		final_name(&f[i], to);
		if (renameat(w->frag_fd, from, w->frag_fd, to))
			return kc_error_errno(e, KC_EIO, errno, "cannot rename "
					      "'%s/%s'", w->frag_path, from);
	}
	return 0;
}

int kv_writer_sync(const struct kv_writer *w, const struct kv_fragment *f,
		   int fd, struct kc_error *e)
{
	char name[64];

	if (!kc_fsync(fd))
		return 0;
	final_name(f, name);
	return kc_error_errno(e, KC_EIO, errno, "cannot sync '%s/%s'",
			      w->frag_path, name);
}

int kv_writer_sync_dir(const struct kv_writer *w, struct kc_error *e)
{
	if (!kc_fsync(w->frag_fd) || errno == EINVAL)
		return 0;
	return kc_error_errno(e, KC_EIO, errno, "cannot sync '%s'",
			      w->frag_path);
}

int kv_writer_index(struct kv_writer *w, const struct kv_fragment *f,
		    size_t n, int durable, struct kc_error *e)
{
	struct kc_buf recs = KC_BUF_INIT;
	size_t i;
	int rc = 0;

	if (!n)
		return 0;
	kc_buf_grow(&recs, n * REC_SIZE);
	for (i = 0; i < n; i++) {
		rec_encode(&f[i], recs.data + recs.len);
		recs.len += REC_SIZE;
	}
	if (kc_write_all(w->index_fd, recs.data, recs.len) ||
	    (durable && kc_fdatasync(w->index_fd)))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot append to '%s'",
				    w->index_path);
	kc_buf_release(&recs);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 64;
			w->frags = kc_xrealloc(w->frags, w->cap * sizeof(*w->frags));
		}
		w->frags[w->n++] = f[i];
		w->bytes += f[i].size;
	}
	return 0;
}

int kv_writer_trim(struct kv_writer *w, int64_t now_ms, struct kc_error *e)
{
	struct kc_buf recs = KC_BUF_INIT;
	uint64_t bytes = w->bytes;
	size_t k = 0, i;
	int64_t cut;
	char name[64];
	int rc;

	if ((rc = writer_check(w, e)) ||
	    (rc = read_info(w->path, w->info.name, &w->info, e)))
		return rc;
	cut = retention_cutoff(w->info.retention_hours, now_ms);
	while (k < w->n && (w->frags[k].server_ms < cut ||
			    (!w->info.retention_hours &&
			     bytes > KV_LIVE_BUFFER_BYTES))) {
		bytes -= w->frags[k].size;
		k++;
	}
	if (!k)
		return 0;
	/* The index first: once it is replaced, readers no longer see them. */
	kc_buf_grow(&recs, (w->n - k + 1) * REC_SIZE + 1);
	for (i = k; i < w->n; i++) {
		rec_encode(&w->frags[i], recs.data + recs.len);
		recs.len += REC_SIZE;
	}
	if (k == w->n) {
		/* Nothing left: a tombstone keeps the last number. */
		rec_encode(&w->frags[k - 1], recs.data);
		kc_put32(recs.data + 52, REC_TOMBSTONE);
		kc_put32(recs.data + 60, kc_crc32c(0, recs.data, 60));
		recs.len = REC_SIZE;
	}
	rc = kc_file_replace(w->index_path, recs.data, recs.len, e);
	kc_buf_release(&recs);
	if (rc || (rc = writer_reopen_index(w, e)))
		return rc;
	for (i = 0; i < k; i++) {
		final_name(&w->frags[i], name);
		unlinkat(w->frag_fd, name, 0);
	}
	memmove(w->frags, w->frags + k, (w->n - k) * sizeof(*w->frags));
	w->n -= k;
	w->bytes = bytes;
	return (int)k;
}

int kv_video_set_retention(const char *root, const char *name, unsigned hours,
			   const char *current_version, struct kc_error *e)
{
	struct kv_video_info info;
	struct kv_writer *w;
	char *path;
	int rc;

	if (hours > KV_RETENTION_MAX)
		return kc_error_set(e, KC_EUSAGE, "video stream '%s': retention "
				    "%u hours is above %u", name, hours,
				    KV_RETENTION_MAX);
	if ((rc = kv_video_describe(root, name, &info, e)))
		return rc;
	if (current_version && strcmp(current_version, info.version))
		return kc_error_set(e, KC_EFAIL, "video stream '%s': version '%s' "
				    "is not the current version "
				    "(VersionMismatchException)", name,
				    current_version);
	info.retention_hours = hours;
	new_version(info.version);
	path = video_path(root, name);
	rc = write_info(path, &info, e);
	free(path);
	if (rc)
		return rc;
	/* Trim now unless an ingester holds the stream (it trims itself). */
	rc = kv_writer_open(root, name, &w, e);
	if (rc == -KC_ETEMP)
		return 0;
	if (rc)
		return rc;
	rc = kv_writer_trim(w, kc_now_ms(), e);
	kv_writer_close(w);
	return rc < 0 ? rc : 0;
}
