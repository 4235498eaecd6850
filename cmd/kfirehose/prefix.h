/*
 * prefix.h: Firehose's S3 prefixes: literal text with !{namespace:value}
 * expressions (timestamp, firehose:random-string, firehose:error-output-type,
 * partitionKeyFromQuery, partitionKeyFromLambda), validated with
 * Firehose's rules and evaluated per object.
 */
#ifndef FH_PREFIX_H
#define FH_PREFIX_H

#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "firehose.h"

struct fh_prefix;

/*
 * Parses the --prefix and --error-prefix templates (either may be NULL:
 * the defaults) and checks them together as Firehose does. partitioned
 * says whether --partition-key or a transform may supply keys. Returns 0
 * with *p and *ep set, or -KC_EUSAGE naming the option and the rule.
 */
int fh_prefix_parse_pair(const char *prefix, const char *error_prefix,
			 struct fh_prefix **p, struct fh_prefix **ep,
			 struct kc_error *e);
void fh_prefix_free(struct fh_prefix *p);

/* Whether the template uses partitionKeyFromQuery / FromLambda expressions. */
int fh_prefix_uses_query(const struct fh_prefix *p);
int fh_prefix_uses_lambda(const struct fh_prefix *p);

/*
 * Appends to out a key naming the partition a record with these keys goes
 * to (the values of the keys the template uses). Returns 0, or -KC_EDATA
 * when a key the template needs is missing.
 */
int fh_prefix_partition(const struct fh_prefix *p, const struct fh_keys *query,
			const struct fh_keys *lambda, struct kc_buf *out,
			struct kc_error *e);

/*
 * Evaluates the template into out for an object whose oldest record
 * arrived at ts_ms (UTC). Returns 0, or -KC_EDATA when the result is longer
 * than 512 bytes or is not a safe relative path (an empty, "." or ".."
 * segment from a key value, a NUL byte).
 */
int fh_prefix_eval(const struct fh_prefix *p, const struct fh_keys *query,
		   const struct fh_keys *lambda, int64_t ts_ms, const char *error_type,
		   struct kc_buf *out, struct kc_error *e);

/*
 * Formats epoch ms ts in UTC with a Java DateTimeFormatter pattern (the
 * letters y u M d H h m s S D E a, 'quoted text', '' for a quote).
 * Returns 0, or -KC_EUSAGE for a letter it does not know.
 */
int fh_timestamp_format(const char *pattern, size_t n, int64_t ts_ms,
			struct kc_buf *out, struct kc_error *e);

#endif
