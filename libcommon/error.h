/* error.h: status codes and the error record every library call fills. */
#ifndef KC_ERROR_H
#define KC_ERROR_H

/*
 * Status codes double as the exit statuses of every kin program (see the
 * EXIT STATUS section of each man page). Library functions return 0 on
 * success or the negated code, e.g. -KC_ENOENT.
 */
enum kc_status {
	KC_OK = 0,
	KC_EFAIL = 1,      /* general failure */
	KC_EUSAGE = 64,    /* bad invocation */
	KC_EDATA = 65,     /* bad input data */
	KC_ENOENT = 66,    /* no such stream, shard or input */
	KC_EIO = 74,       /* I/O error, corruption */
	KC_ETEMP = 75      /* temporary: locked, throttled; safe to retry */
};

/*
 * An error: the code plus a one-line message without the program name
 * ("stream 'logs': no such stream"). The library never prints; the program
 * prints "prog: msg" once at the top.
 */
struct kc_error {
	int code;
	char msg[512];
};

/*
 * Sets e (when non-NULL) to code and the formatted message and returns
 * -code, so callers can write "return kc_error_set(e, KC_EIO, ...)".
 */
int kc_error_set(struct kc_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like kc_error_set, appending ": strerror(errnum)". */
int kc_error_errno(struct kc_error *e, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefixes e->msg with the formatted context ("shard 'x': " + old msg). */
int kc_error_prefix(struct kc_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
