/* name.h: validation of stream, consumer and shard names. */
#ifndef KC_NAME_H
#define KC_NAME_H

#include "error.h"

/*
 * Checks a stream or consumer name against Kinesis's rule
 * [a-zA-Z0-9_.-]{1,128}, also refusing "." and "..". what is "stream" or
 * "consumer" for the message. Returns 0 or -KC_EUSAGE.
 */
int kc_name_check(const char *what, const char *name, struct kc_error *e);

/*
 * Parses a shard id "shardId-" followed by 12 digits (or a bare decimal
 * index) into its index. Returns 0 or -KC_EUSAGE.
 */
int kc_shard_id_parse(const char *id, unsigned long *index, struct kc_error *e);

/* Writes "shardId-%012lu" into out (32 bytes). */
void kc_shard_id_format(unsigned long index, char out[32]);

/*
 * Lists the entries of directory path that are valid names (kc_name_check
 * with what), sorted, into a malloc'd array of malloc'd strings the caller
 * frees with kc_name_list_free. A missing directory is an empty list.
 */
int kc_name_list(const char *path, const char *what, char ***names, size_t *n,
		 struct kc_error *e);
void kc_name_list_free(char **names, size_t n);

#endif
