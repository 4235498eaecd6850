/*
 * firehose.h: kfirehose's pipeline and the interface every destination
 * implements. The core (pipeline.c) reads records, deaggregates, runs the
 * transform, partitions, buffers one batch per evaluated prefix, and hands
 * full batches to the destination; it retries with backoff within the
 * retry duration and sends what still failed to the error output. A
 * destination only makes delivery attempts.
 */
#ifndef FH_FIREHOSE_H
#define FH_FIREHOSE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

/* ---- configuration --------------------------------------------------- */

/*
 * Every option given, in order: those of -c FILE first, then the command
 * line (so a later value overrides). Keys are long option names without
 * the dashes ("buffer-size", "index-name").
 */
struct fh_opt {
	const char *key;
	const char *value;       /* NULL for flags */
};

struct fh_config {
	struct fh_opt *opts;
	size_t nopts;
	/* The core's settings, validated by config.c. */
	const char *name;            /* --name: delivery stream name */
	const char *to;              /* --to URL, scheme included */
	const char *error_to;        /* --error-to dir:PATH or NULL */
	const char *from;            /* --from STREAM or NULL for stdin */
	size_t buffer_size;          /* bytes */
	int64_t buffer_interval_ms;
	int64_t retry_duration_ms;
	const char *compression;     /* as given, or NULL */
	const char *prefix;
	const char *error_prefix;
	int append_delimiter;
	const char *ca_file;         /* --ca-file: CA bundle for https (else the system's) */
	int64_t request_timeout_ms;  /* --request-timeout (default 180 s, as Firehose) */
	unsigned version;            /* the delivery stream's version (object names) */        /* --append-delimiter: '\n' after each record */
};

/* The last value of option key, or NULL when it was not given. */
const char *fh_config_get(const struct fh_config *c, const char *key);

/* Every value of a repeatable option key, in order; returns the count. */
size_t fh_config_all(const struct fh_config *c, const char *key,
		     const char **values, size_t max);

/* ---- records and batches -------------------------------------------- */

/* Partition keys: name=value pairs (both owned by whoever fills them). */
struct fh_keys {
	size_t n;
	char **name;
	char **value;
};
void fh_keys_add(struct fh_keys *k, const char *name, size_t nlen,
		 const char *value, size_t vlen);
const char *fh_keys_get(const struct fh_keys *k, const char *name);
void fh_keys_clear(struct fh_keys *k);

/*
 * A record waiting for delivery. data is valid during deliver() only. The
 * source position (shard, offset, sub) names it uniquely and stably across
 * restarts: fh_record_id() formats it ("SEQUENCENUMBER.SUB" for a kin
 * stream, "stdin.RUN.LINE.SUB" for stdin) and is used for OpenSearch
 * document ids, HTTP dataIds and error records.
 */
struct fh_record {
	const char *data;
	size_t len;
	int64_t arrival_ms;      /* approximateArrivalTimestamp, epoch ms */
	uint64_t shard;
	uint64_t offset;
	uint32_t sub;            /* index among the records made of one source record */
	uint32_t ack;            /* the core's bookkeeping */
	const char *raw;         /* the record before the transform (for rawData) */
	size_t rawlen;
};

#define FH_RECORD_ID_MAX 96
void fh_record_id(const struct fh_record *r, char out[FH_RECORD_ID_MAX]);
/* Records read from stdin carry shard FH_STDIN and offset = line number. */
#define FH_STDIN UINT64_MAX
/* Sets the run id that stdin record ids carry (once, by the core). */
void fh_record_id_run(const char *run);

/* A random version 4 UUID, 36 characters. */
void fh_uuid(char out[40]);

/* The records of one buffer, delivered as one object / request / transaction. */
struct fh_batch {
	struct fh_record *v;
	size_t n;
	size_t bytes;            /* sum of the records' len */
	const char *prefix;      /* evaluated prefix (dir destination) */
	int64_t oldest_ms;       /* arrival of the oldest record */
	int64_t now_ms;          /* the (possibly --now shifted) clock at this attempt */
	char request_id[40];     /* a UUID, the same for every attempt of this batch */
	const char *body;        /* whole-buffer batches: the records as an object holds
				    them (delimiters included), else NULL */
	size_t body_len;
	unsigned attempt;        /* 1 on the first attempt */
};

/* ---- destinations ---------------------------------------------------- */

enum fh_status { FH_OK = 0, FH_RETRY, FH_FAIL };

/*
 * The outcome of one attempt: the caller allocates status[] and code[]/
 * message[] (n entries each), all FH_OK and empty. A destination sets the
 * status of each record that did not make it (FH_RETRY: try again within
 * the retry duration; FH_FAIL: permanent, to the error output at once),
 * and its errorCode/errorMessage as Firehose names them
 * ("HttpEndpoint.DestinationException", "OS.BulkItemFailure", ...).
 */
struct fh_result {
	enum fh_status *status;
	char (*code)[64];
	char (*message)[256];
};

/* Sets records [0, n) of r to status with code and message (printf). */
void fh_result_all(struct fh_result *r, size_t n, enum fh_status status,
		   const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

struct fh_dest_type {
	const char *scheme;      /* "dir", "http", "opensearch", "splunk", "postgres" */
	const char *metric;      /* "S3" -> DeliveryToS3.*, "HttpEndpoint", ... */
	const char *error_type;  /* !{firehose:error-output-type} of its failures */
	/* Firehose's buffering ranges and defaults for it. */
	size_t size_min, size_max, size_default;                 /* bytes */
	int64_t interval_min, interval_max, interval_default;    /* ms */
	int64_t retry_default;                                   /* ms */
	size_t max_records;      /* records per attempt at most (0: no limit) */
	int whole_body;          /* delivers b->body when set; looks at b->v only
				    to report failures (b->v may then be NULL) */
	const char *const *options;  /* long options it takes (NULL-terminated) */
	/*
	 * Validates its options and url (the --to value after "scheme:") and
	 * connects if it wants; errors name the option ("--index-rotation-
	 * period: 'Hourly' is not one of NoRotation, OneHour, ...") with
	 * KC_EUSAGE, or are KC_EFAIL/KC_ETEMP for the outside world.
	 */
	int (*open)(const struct fh_config *c, const char *url, void **state,
		    struct kc_error *e);
	/*
	 * One attempt at delivering b. Returns 0 when the attempt was made,
	 * whatever its outcome (in r), or a negative status for a local fatal
	 * error (the program stops without checkpointing).
	 */
	int (*deliver)(void *state, const struct fh_batch *b, struct fh_result *r);
	/*
	 * Appends destination-specific members of record i's failed-record
	 * object to out (each as ,"key":value), e.g. esDocumentId. Optional.
	 */
	void (*error_fields)(void *state, const struct fh_batch *b, size_t i,
			     struct kc_buf *out);
	void (*close)(void *state);
};

extern const struct fh_dest_type fh_dest_dir, fh_dest_http, fh_dest_opensearch,
	fh_dest_splunk, fh_dest_postgres;

/* ---- transform and partitioning ------------------------------------- */

enum fh_tx_result { FH_TX_OK, FH_TX_DROPPED, FH_TX_FAILED };

struct fh_tx_in {
	const char *data;
	size_t len;
	int64_t arrival_ms;
	/* kinesisRecordMetadata when the source is a kin stream, else NULL. */
	const char *shard_id;          /* "shardId-000000000001" */
	const char *sequence_number;   /* 39 digits */
	const char *partition_key;
	uint32_t subsequence_number;
};

struct fh_tx_out {
	enum fh_tx_result result;
	char *data;              /* decoded, owned by the transform until the next run */
	size_t len;
	struct fh_keys keys;     /* metadata.partitionKeys */
	char code[64];           /* failed: errorCode (Lambda.MissingRecordId, ...) */
	char message[256];
};

struct fh_transform;

/*
 * --transform CMD and its parameters (--transform-retries,
 * --transform-timeout ...). Returns 0 with *t NULL when no transform is set.
 */
int fh_transform_open(const struct fh_config *c, struct fh_transform **t,
		      struct kc_error *e);
/*
 * Runs the command over in[0..n) as one invocation (retried as Firehose
 * does) and returns one output per input in *out (owned by t, valid until
 * the next run). When every attempt failed, all outputs are FH_TX_FAILED
 * with the reason. Returns 0, or a negative status for a local fatal error.
 */
int fh_transform_run(struct fh_transform *t, const struct fh_tx_in *in, size_t n,
		     struct fh_tx_out **out, struct kc_error *e);
/* What the failed-record objects call the function (lambdaArn). */
const char *fh_transform_name(const struct fh_transform *t);
/* Firehose's processor buffering hints for the transform. */
size_t fh_transform_buffer_size(const struct fh_transform *t);
int64_t fh_transform_buffer_interval_ms(const struct fh_transform *t);
void fh_transform_close(struct fh_transform *t);

struct fh_partitioner;

/* --partition-key NAME=JQ (repeatable); *p NULL when none is given. */
int fh_partition_open(const struct fh_config *c, struct fh_partitioner **p,
		      struct kc_error *e);
/*
 * Evaluates every query on one JSON record and adds NAME=value to keys.
 * Returns 0, or -KC_EDATA with e set when the record is not JSON or a
 * query gives no scalar value.
 */
int fh_partition_eval(struct fh_partitioner *p, const char *data, size_t len,
		      struct fh_keys *keys, struct kc_error *e);
void fh_partition_close(struct fh_partitioner *p);

/* ---- addition (transform.c): attempts behind the last run ----------- */

/*
 * The number of invocations fh_transform_run made for its last batch
 * (1 + retries when every attempt failed): the failed-record objects'
 * attemptsMade.
 */
unsigned fh_transform_attempts(const struct fh_transform *t);

#endif
