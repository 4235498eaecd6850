/* audit.c: appending JSON lines to a stream's audit.log (see audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "audit.h"
#include "file.h"
#include "json.h"
#include "units.h"
#include "banned.h"

void kc_audit_args(struct kc_buf *out, ...)
{
	const char *key, *value;
	va_list ap;
	int first = 1;

	kc_buf_addc(out, '{');
	va_start(ap, out);
	while ((key = va_arg(ap, const char *))) {
		value = va_arg(ap, const char *);
		if (!first)
			kc_buf_addc(out, ',');
		first = 0;
		kc_json_add_key(out, key);
		if (value)
			kc_json_add_string(out, value, strlen(value));
		else
			kc_buf_adds(out, "null");
	}
	va_end(ap);
	kc_buf_addc(out, '}');
}

/* Appends the login name of uid to b, or uid in decimal without one. */
static void add_user(struct kc_buf *b, uid_t uid)
{
	struct passwd pw, *found = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;
	char *buf = NULL;
	int rc;

	for (;;) {
		buf = kc_xrealloc(buf, size);
		rc = getpwuid_r(uid, &pw, buf, size, &found);
		if (rc != ERANGE || size >= (1u << 20))
			break;
		size *= 2;
	}
	if (!rc && found) {
		kc_json_add_string(b, pw.pw_name, strlen(pw.pw_name));
	} else {
		char num[24];
		int n = snprintf(num, sizeof(num), "%ju", (uintmax_t)uid);
		kc_json_add_string(b, num, (size_t)n);
	}
	free(buf);
}

/*
 * Appends the arguments object to b: the caller's text with raw line
 * breaks (which valid JSON has only as white space) turned into spaces so
 * the entry stays on one line. Returns 0, or -KC_EFAIL if args is not
 * a JSON object.
 */
static int add_arguments(struct kc_buf *b, const char *args, struct kc_error *e)
{
	size_t n = strlen(args), start = b->len;
	struct kc_json *j;
	const char *p = args + strspn(args, " \t\r\n");

	if (*p != '{' || !(j = kc_json_parse(args, n, e)))
		return kc_error_set(e, KC_EFAIL,
				    "audit: arguments are not a JSON object");
	kc_json_free(j);
	kc_buf_add(b, args, n);
	for (size_t i = start; i < b->len; i++)
		if (b->data[i] == '\n' || b->data[i] == '\r')
			b->data[i] = ' ';
	return 0;
}

/* Opens audit.log for appending; *created tells whether this call made it. */
static int open_log(int dirfd, int *created)
{
	int fd, flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;

	*created = 0;
	fd = openat(dirfd, KC_AUDIT_FILE, flags | O_EXCL, 0666);
	if (fd >= 0) {
		*created = 1;
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return openat(dirfd, KC_AUDIT_FILE, flags, 0666);
}

int kc_audit_append(int stream_dirfd, const char *operation,
		    const char *arguments_json, const char *result,
		    struct kc_error *e)
{
	struct kc_buf line = KC_BUF_INIT;
	char ts[40];
	ssize_t w;
	int fd, created, rc = 0;

	if (!result)
		result = "ok";
	kc_buf_adds(&line, "{\"time\":\"");
	kc_buf_add(&line, ts, (size_t)kc_format_time(kc_now_ms(), ts));
	kc_buf_adds(&line, "\",\"user\":");
	add_user(&line, geteuid());
	kc_buf_addf(&line, ",\"uid\":%ju,\"pid\":%jd,\"operation\":",
		    (uintmax_t)geteuid(), (intmax_t)getpid());
	kc_json_add_string(&line, operation, strlen(operation));
	kc_buf_adds(&line, ",\"arguments\":");
	if (!arguments_json)
		kc_buf_adds(&line, "{}");
	else if (add_arguments(&line, arguments_json, e)) {
		kc_buf_release(&line);
		return -KC_EFAIL;
	}
	kc_buf_adds(&line, ",\"result\":");
	kc_json_add_string(&line, result, strlen(result));
	kc_buf_adds(&line, "}\n");

	fd = open_log(stream_dirfd, &created);
	if (fd < 0) {
		rc = kc_error_errno(e, KC_EIO, errno, "cannot open %s",
				    KC_AUDIT_FILE);
		goto out;
	}
	/* One write, never resumed: a second write could interleave. */
	do
		w = write(fd, line.data, line.len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)line.len)
		rc = kc_error_errno(e, KC_EIO, w < 0 ? errno : ENOSPC,
				    "cannot write %s", KC_AUDIT_FILE);
	else if (kc_fdatasync(fd))
		rc = kc_error_errno(e, KC_EIO, errno, "cannot sync %s",
				    KC_AUDIT_FILE);
	else if (created && kc_fsync(stream_dirfd))
		rc = kc_error_errno(e, KC_EIO, errno,
				    "cannot sync the stream directory");
	close(fd);
out:
	kc_buf_release(&line);
	return rc;
}
