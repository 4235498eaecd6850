/*
 * watch.h: waiting for records and reshards with inotify(7): a stream
 * directory is watched for stream.meta being replaced, shard directories
 * for appends and new segments. Without inotify (fd -1) waiting polls.
 */
#ifndef KC_WATCH_H
#define KC_WATCH_H

#include "stream.h"

/*
 * Returns a new inotify fd watching s's directory for a replaced
 * stream.meta, or -1 when inotify is unavailable (callers then poll).
 */
int kc_watch_stream(const struct kc_stream *s);

/*
 * Adds the shard directory dirpath to fd. Returns fd, or -1 after closing
 * fd when the watch cannot be added (callers then poll); fd -1 stays -1.
 */
int kc_watch_shard(int fd, const char *dirpath);

/*
 * Waits up to timeout_ms milliseconds for an event on fd and drains the
 * pending events; with fd -1 it sleeps 50 ms (or timeout_ms if shorter).
 */
void kc_watch_wait(int fd, int timeout_ms);

#endif
