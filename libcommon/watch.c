/* watch.c: inotify on stream and shard directories for following readers. */
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"
#include "banned.h"

int kc_watch_stream(const struct kc_stream *s)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd >= 0 && inotify_add_watch(fd, s->path, IN_MOVED_TO) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int kc_watch_shard(int fd, const char *dirpath)
{
	if (fd >= 0 && inotify_add_watch(fd, dirpath,
					 IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void kc_watch_wait(int fd, int timeout_ms)
{
	char events[4096] __attribute__((aligned(8)));
	struct pollfd p = { fd, POLLIN, 0 };

	if (fd < 0) {
		poll(NULL, 0, timeout_ms < 50 ? timeout_ms : 50);
		return;
	}
	if (poll(&p, 1, timeout_ms) > 0)
		while (read(fd, events, sizeof(events)) > 0)
			;
}
