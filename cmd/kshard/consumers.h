/* consumers.h: kshard consumers / register / deregister. */
#ifndef KSHARD_CONSUMERS_H
#define KSHARD_CONSUMERS_H

#include "buf.h"
#include "error.h"
#include "stream.h"

/* Appends the consumers of s with their positions and lag as JSON to out. */
int kshard_consumers(struct kc_stream *s, struct kc_buf *out, struct kc_error *e);

/* register-stream-consumer: registers and appends its JSON description. */
int kshard_register(struct kc_stream *s, const char *name, struct kc_buf *out,
		    struct kc_error *e);

/* The number of registered consumers (describe's ConsumerCount). */
size_t kshard_registered_count(struct kc_stream *s);

#endif
