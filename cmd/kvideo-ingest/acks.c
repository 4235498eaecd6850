/* acks.c: PutMedia-style acknowledgements on stdout. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "acks.h"
#include "file.h"
#include "banned.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int closed;                      /* stdout's reader went away */
static int failed;                      /* errno of a failed write */

const char *kvi_error_code(enum kvi_error_id id)
{
	switch (id) {
	case KVI_STREAM_READ_ERROR: return "STREAM_READ_ERROR";
	case KVI_MAX_FRAGMENT_SIZE_REACHED: return "MAX_FRAGMENT_SIZE_REACHED";
	case KVI_MAX_FRAGMENT_DURATION_REACHED:
		return "MAX_FRAGMENT_DURATION_REACHED";
	case KVI_FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS:
		return "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS";
	case KVI_MORE_THAN_ALLOWED_TRACKS_FOUND:
		return "MORE_THAN_ALLOWED_TRACKS_FOUND";
	case KVI_INVALID_MKV_DATA: return "INVALID_MKV_DATA";
	case KVI_STREAM_NOT_ACTIVE: return "STREAM_NOT_ACTIVE";
	case KVI_FRAGMENT_METADATA_LIMIT_REACHED:
		return "FRAGMENT_METADATA_LIMIT_REACHED";
	case KVI_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVI_ARCHIVAL_ERROR: return "ARCHIVAL_ERROR";
	}
	return "INTERNAL_ERROR";
}

static void put(const char *line, int n)
{
	pthread_mutex_lock(&lock);
	if (!closed && !failed && n > 0 &&
	    kc_write_all(STDOUT_FILENO, line, (size_t)n)) {
		if (errno == EPIPE)
			closed = 1;
		else
			failed = errno;
	}
	pthread_mutex_unlock(&lock);
}

void kvi_ack(const char *type, int64_t timecode, const char *number)
{
	char line[256];
	int n;

	if (number)
		n = snprintf(line, sizeof(line), "{\"EventType\":\"%s\","
			     "\"FragmentTimecode\":%" PRId64 ","
			     "\"FragmentNumber\":\"%s\"}\n", type, timecode,
			     number);
	else
		n = snprintf(line, sizeof(line), "{\"EventType\":\"%s\","
			     "\"FragmentTimecode\":%" PRId64 "}\n", type,
			     timecode);
	put(line, n);
}

void kvi_ack_error(int64_t timecode, const char *number, enum kvi_error_id id)
{
	char line[320];
	int n;

	n = snprintf(line, sizeof(line), "{\"EventType\":\"ERROR\","
		     "\"FragmentTimecode\":%" PRId64 "%s%s%s,"
		     "\"ErrorId\":%d,\"ErrorCode\":\"%s\"}\n", timecode,
		     number ? ",\"FragmentNumber\":\"" : "",
		     number ? number : "", number ? "\"" : "", (int)id,
		     kvi_error_code(id));
	put(line, n);
}

int kvi_ack_status(void)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = failed;
	pthread_mutex_unlock(&lock);
	return rc;
}
