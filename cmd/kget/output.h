/* output.h: how kget writes records: lines, NUL-delimited, JSON, -F. */
#ifndef KGET_OUTPUT_H
#define KGET_OUTPUT_H

#include "buf.h"
#include "record.h"
#include "stream.h"

enum out_mode { OUT_LINES, OUT_JSON, OUT_FORMAT };

/* A step of a -F format: literal text or one field. */
struct fmt_op {
	char field;              /* 0 for literal, else s k d t T S */
	size_t start, len;       /* literal bytes in literals */
};

struct kget_output {
	enum out_mode mode;
	char delim;              /* after data in OUT_LINES */
	struct fmt_op *ops;      /* OUT_FORMAT, compiled once */
	size_t nops;
	struct kc_buf literals;
};

/*
 * Compiles a -F format into o (replacing an earlier one). Returns 0, or
 * -1 with *bad set to the unknown field character.
 */
int kget_output_format(struct kget_output *o, const char *f, char *bad);
void kget_output_release(struct kget_output *o);

/* Appends record r to out as o says. */
void kget_output_record(const struct kget_output *o, struct kc_buf *out,
			const struct kc_record *r);

/* Appends get-records' end of shard: {"ShardId":..,"ChildShards":[..]}. */
void kget_output_child_shards(const struct kc_stream_meta *m, uint64_t shard,
			      struct kc_buf *out);

#endif
