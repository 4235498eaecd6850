/* audit.h: the audit log of a stream's administrative operations. */
#ifndef KC_AUDIT_H
#define KC_AUDIT_H

#include "buf.h"
#include "error.h"

#define KC_AUDIT_FILE "audit.log"

/*
 * The file "audit.log" in a stream directory holds one JSON object per
 * line (JSON Lines), one per operation that changed the stream, in the
 * order they were logged:
 *
 *   {"time":"2026-11-26T01:49:01.123000+00:00","user":"alice","uid":1000,
 *    "pid":4242,"operation":"split","arguments":{"shard":"shardId-0..."},
 *    "result":"ok"}
 *
 * time is when the line was written, formatted as kc_format_time does;
 * user is the login name of the effective user id, or that id in decimal
 * when it has no passwd entry; uid is the effective user id; pid the
 * process id; operation a word naming the operation; arguments an object
 * whose members are what the caller chose to record; result "ok" or the
 * error message. The file is created with mode 0666 & ~umask and only ever
 * appended to (O_APPEND), each line with a single write(2), so concurrent
 * appenders do not interleave their lines. A line cut short by a full disk
 * or a crash lacks its final newline; a reader skips a last line without
 * one.
 */

/*
 * Appends one line for operation (with result, NULL meaning "ok") to the
 * audit log of the stream directory stream_dirfd, creating it when missing,
 * and fdatasyncs it (kc_fdatasync, so KIN_FSYNC=0 skips that); a newly
 * created log also gets the directory synced. arguments_json is the text of
 * a JSON object (kc_audit_args builds one) or NULL for {}; anything else is
 * refused with -KC_EFAIL before writing. Returns 0 or -KC_EIO.
 */
int kc_audit_append(int stream_dirfd, const char *operation,
		    const char *arguments_json, const char *result,
		    struct kc_error *e);

/*
 * Appends to out a JSON object built from (key, value) string pairs ending
 * at a NULL key: kc_audit_args(&b, "shard", id, "hash-key", k, NULL) gives
 * {"shard":"...","hash-key":"..."}. A NULL value becomes null. Keys and
 * values are escaped with kc_json_add_string.
 */
void kc_audit_args(struct kc_buf *out, ...) __attribute__((sentinel));

#endif
