/* error.c: filling struct kc_error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

static void set_msg(struct kc_error *e, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int kc_error_set(struct kc_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->code = code;
		va_start(ap, fmt);
		set_msg(e, fmt, ap);
		va_end(ap);
	}
	return -code;
}

int kc_error_errno(struct kc_error *e, int code, int errnum, const char *fmt,
		   ...)
{
	va_list ap;
	size_t len;

	if (e) {
		e->code = code;
		va_start(ap, fmt);
		set_msg(e, fmt, ap);
		va_end(ap);
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, ": %s",
			 strerror(errnum));
	}
	return -code;
}

/* Returns -e->code, or -KC_EFAIL when e is NULL (the code is unknown). */
int kc_error_prefix(struct kc_error *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	size_t len;

	if (!e)
		return -KC_EFAIL;
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, "%s", old);
	return -e->code;
}
