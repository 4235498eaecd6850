/*
 * acks.h: kvideo-ingest's acknowledgements, one JSON line each on stdout
 * with PutMedia's event types (BUFFERING, RECEIVED, PERSISTED, ERROR).
 * Both the reading thread and the durability thread print them; a mutex
 * keeps the lines whole.
 */
#ifndef KVI_ACKS_H
#define KVI_ACKS_H

#include <stdint.h>

/* PutMedia's ErrorIds kvideo-ingest sends. */
enum kvi_error_id {
	KVI_STREAM_READ_ERROR = 4000,
	KVI_MAX_FRAGMENT_SIZE_REACHED = 4001,
	KVI_MAX_FRAGMENT_DURATION_REACHED = 4002,
	KVI_FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS = 4004,
	KVI_MORE_THAN_ALLOWED_TRACKS_FOUND = 4005,
	KVI_INVALID_MKV_DATA = 4006,
	KVI_STREAM_NOT_ACTIVE = 4008,
	KVI_FRAGMENT_METADATA_LIMIT_REACHED = 4009,
	KVI_INTERNAL_ERROR = 5000,
	KVI_ARCHIVAL_ERROR = 5001
};

/* The ErrorCode name of an ErrorId ("FRAGMENT_TIMECODE_..."). */
const char *kvi_error_code(enum kvi_error_id id);

/*
 * Prints {"EventType":type,"FragmentTimecode":timecode} plus
 * "FragmentNumber" when number is non-NULL. Thread-safe.
 */
void kvi_ack(const char *type, int64_t timecode, const char *number);

/* Prints an ERROR event with ErrorId and ErrorCode. Thread-safe. */
void kvi_ack_error(int64_t timecode, const char *number, enum kvi_error_id id);

/*
 * 0, or the errno of the first failed write to stdout other than EPIPE
 * (after EPIPE acknowledgements stop quietly; ingesting goes on).
 */
int kvi_ack_status(void);

#endif
