/*
 * transform.c: --transform CMD, Firehose's data transformation with Lambda.
 * One invocation runs `/bin/sh -c CMD` in its own process group, writes the
 * Lambda event (JSON) to its stdin while reading the response from its
 * stdout, and checks the response the way Firehose checks a Lambda's:
 * every recordId back exactly once, a result of Ok, Dropped or
 * ProcessingFailed, data in base64, at most 6 MiB. Failed invocations are
 * retried NumberOfRetries times; then every record of the batch fails with
 * the reason as Firehose names it (Lambda.FunctionError, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jv.h>

#include "base64.h"
#include "firehose.h"
#include "json.h"
#include "units.h"
#include "banned.h"

extern char **environ;

/* Lambda's payload limit for a synchronous invocation's response. */
#define RESPONSE_MAX (6u << 20)

/* ProcessorParameter ranges and defaults (API ProcessorParameter, DG). */
#define RETRIES_MAX 300
#define RETRIES_DEFAULT 3
#define BUFFER_MIN ((size_t)(1u << 20) / 5)     /* 0.2 MiB */
#define BUFFER_MAX ((size_t)3 << 20)
#define BUFFER_DEFAULT ((size_t)1 << 20)
#define INTERVAL_MAX_MS (900 * 1000)
#define INTERVAL_DEFAULT_MS (60 * 1000)
/* Firehose supports Lambda invocations of up to 5 minutes. */
#define TIMEOUT_MAX_MS (5 * 60 * 1000)
#define TIMEOUT_DEFAULT_MS (60 * 1000)

/* recordIds: a 16-hex-digit token of the run, then the index in 8 hex digits. */
#define ID_LEN 24

/* Firehose's error codes and messages (DG monitoring-with-cloudwatch-logs). */
#define FUNCTION_ERROR "Lambda.FunctionError"
#define FUNCTION_ERROR_MSG \
	"The Lambda function was successfully invoked but it returned an error result"
#define TIMED_OUT "Lambda.FunctionTimedOut"
#define TIMED_OUT_MSG \
	"The Lambda function invocation timed out. Increase the Timeout setting in " \
	"the Lambda function"
#define LIMIT_EXCEEDED "Lambda.InvokeLimitExceeded"
#define JSON_ERROR "Lambda.JsonProcessingException"
#define JSON_ERROR_MSG \
	"There was an error parsing returned records from the Lambda function. " \
	"Ensure that the returned records follow the status model required by Firehose"
#define MISSING_ID "Lambda.MissingRecordId"
#define MISSING_ID_MSG \
	"One or more record Ids were not returned. Ensure that the Lambda function " \
	"returns all received record Ids"
#define DUPLICATED_ID "Lambda.DuplicatedRecordId"
#define DUPLICATED_ID_MSG \
	"Multiple records were returned with the same record ID. Ensure that the " \
	"Lambda function returns unique record IDs for each record"
#define PROCESSING_FAILED "Lambda.ProcessingFailedStatus"
#define PROCESSING_FAILED_MSG "ProcessingFailed status set for record"

struct fh_transform {
	char *cmd;
	char *name;                  /* the delivery stream */
	char *stream_arn;
	char *source_arn;            /* sourceKinesisStreamArn, or NULL */
	unsigned retries;
	int64_t timeout_ms;
	size_t buffer_size;
	int64_t buffer_interval_ms;
	unsigned attempts;           /* invocations made by the last run */
	struct fh_tx_out *out;       /* the last run's outputs */
	size_t nout;
	unsigned char *seen;         /* per input: its recordId came back 0, 1, 2+ times */
	char token[17];              /* this run's recordId prefix */
	struct kc_buf request, response;
};

/* Why one invocation failed, and whether Firehose would invoke again. */
struct failure {
	int retry;
	char code[64];
	char message[256];
};

static void failure_set(struct failure *f, int retry, const char *code,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void failure_set(struct failure *f, int retry, const char *code,
			const char *fmt, ...)
{
	va_list ap;

	f->retry = retry;
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* ---- options --------------------------------------------------------- */

/*
 * BufferSizeInMBs: a bare number is MiB and may have a fraction ("0.2",
 * "1.5", also "0.5MiB"); otherwise any size ("256KiB").
 */
static int parse_size_mib(const char *opt, const char *v, size_t *out,
			  struct kc_error *e)
{
	const char *p = v;
	uint64_t n = 0, frac = 0, scale = 1;
	int digits = 0;

	for (; *p >= '0' && *p <= '9' && n < (1u << 20); p++, digits++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (digits && *p == '.')
		for (p++; *p >= '0' && *p <= '9' && scale < 1000000000; p++) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	if (digits && (!*p || !strcasecmp(p, "m") || !strcasecmp(p, "mb") ||
		       !strcasecmp(p, "mib")) && n < (1u << 20)) {
		*out = (size_t)((n << 20) + ((frac << 20) + scale / 2) / scale);
		return 0;
	}
	if (!strchr(v, '.')) {
		char what[64];
		uint64_t bytes;

		snprintf(what, sizeof(what), "--%s", opt);
		if (kc_parse_size(what, v, &bytes, e))
			return -KC_EUSAGE;
		*out = bytes > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)bytes;
		return 0;
	}
	return kc_error_set(e, KC_EUSAGE,
			    "invalid --%s '%s': expected MiB such as 0.5 or a size "
			    "such as 512KiB", opt, v);
}

static int parse_options(const struct fh_config *c, struct fh_transform *t,
			 struct kc_error *e)
{
	const char *v;
	uint64_t n;

	if ((v = fh_config_get(c, "transform-retries"))) {
		if (kc_parse_uint("--transform-retries", v, 0, RETRIES_MAX, &n, e))
			return -KC_EUSAGE;
		t->retries = (unsigned)n;
	}
	if ((v = fh_config_get(c, "transform-timeout"))) {
		if (kc_parse_duration("--transform-timeout", v, 1000, &n, e))
			return -KC_EUSAGE;
		if (n == 0 || n > TIMEOUT_MAX_MS)
			return kc_error_set(e, KC_EUSAGE,
					    "--transform-timeout %s: out of range: "
					    "1ms to 300 seconds", v);
		t->timeout_ms = (int64_t)n;
	}
	if ((v = fh_config_get(c, "transform-buffer-size"))) {
		if (parse_size_mib("transform-buffer-size", v, &t->buffer_size, e))
			return -KC_EUSAGE;
		if (t->buffer_size < BUFFER_MIN || t->buffer_size > BUFFER_MAX)
			return kc_error_set(e, KC_EUSAGE,
					    "--transform-buffer-size %s: out of range: "
					    "0.2 to 3 MiB", v);
	}
	if ((v = fh_config_get(c, "transform-buffer-interval"))) {
		if (kc_parse_duration("--transform-buffer-interval", v, 1000, &n, e))
			return -KC_EUSAGE;
		if (n > INTERVAL_MAX_MS)
			return kc_error_set(e, KC_EUSAGE,
					    "--transform-buffer-interval %s: out of "
					    "range: 0 to 900 seconds", v);
		t->buffer_interval_ms = (int64_t)n;
	}
	return 0;
}

int fh_transform_open(const struct fh_config *c, struct fh_transform **tp,
		      struct kc_error *e)
{
	static const char *const params[] = {
		"transform-retries", "transform-timeout", "transform-buffer-size",
		"transform-buffer-interval",
	};
	struct fh_transform *t;
	const char *cmd = fh_config_get(c, "transform");
	struct kc_buf b = KC_BUF_INIT;

	*tp = NULL;
	if (!cmd) {
		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			if (fh_config_get(c, params[i]))
				return kc_error_set(e, KC_EUSAGE,
						    "--%s: needs --transform", params[i]);
		return 0;
	}
	if (!*cmd)
		return kc_error_set(e, KC_EUSAGE, "--transform: empty command");
	t = kc_xcalloc(1, sizeof(*t));
	t->retries = RETRIES_DEFAULT;
	t->timeout_ms = TIMEOUT_DEFAULT_MS;
	t->buffer_size = BUFFER_DEFAULT;
	t->buffer_interval_ms = INTERVAL_DEFAULT_MS;
	if (parse_options(c, t, e)) {
		free(t);
		return -KC_EUSAGE;
	}
	t->cmd = kc_xstrdup(cmd);
	t->name = kc_xstrdup(c->name ? c->name : "");
	kc_buf_addf(&b, "arn:aws:firehose:local:000000000000:deliverystream/%s",
		    t->name);
	t->stream_arn = kc_xstrdup(b.data);
	if (c->from) {
		kc_buf_reset(&b);
		kc_buf_addf(&b, "arn:aws:kinesis:local:000000000000:stream/%s", c->from);
		t->source_arn = kc_xstrdup(b.data);
	}
	kc_buf_release(&b);
	*tp = t;
	return 0;
}

const char *fh_transform_name(const struct fh_transform *t)
{
	return t->cmd;
}

size_t fh_transform_buffer_size(const struct fh_transform *t)
{
	return t->buffer_size;
}

int64_t fh_transform_buffer_interval_ms(const struct fh_transform *t)
{
	return t->buffer_interval_ms;
}

unsigned fh_transform_attempts(const struct fh_transform *t)
{
	return t->attempts;
}

/* ---- the invocation event --------------------------------------------- */

static void add_base64(struct kc_buf *b, const char *p, size_t n)
{
	size_t len = kc_base64_encoded_len(n);

	kc_buf_grow(b, len + 2);
	kc_buf_addc(b, '"');
	kc_base64_encode(p, n, b->data + b->len);
	b->len += len;
	kc_buf_addc(b, '"');
}

static void add_id(struct kc_buf *b, const struct fh_transform *t, size_t i)
{
	kc_buf_addf(b, "\"%s%08zx\"", t->token, i);
}

/*
 * Builds the event into t->request; its invocationId (36 characters) starts
 * at offset 17 and is filled in for each attempt.
 */
static void build_request(struct fh_transform *t, const struct fh_tx_in *in, size_t n)
{
	struct kc_buf *b = &t->request;

	kc_buf_reset(b);
	kc_buf_adds(b, "{\"invocationId\":\"");
	kc_buf_addf(b, "%36s", "");
	kc_buf_adds(b, "\",\"deliveryStreamArn\":");
	kc_json_add_string(b, t->stream_arn, strlen(t->stream_arn));
	if (t->source_arn) {
		kc_buf_adds(b, ",\"sourceKinesisStreamArn\":");
		kc_json_add_string(b, t->source_arn, strlen(t->source_arn));
	}
	kc_buf_adds(b, ",\"region\":\"local\",\"records\":[");
	for (size_t i = 0; i < n; i++) {
		const struct fh_tx_in *r = &in[i];

		kc_buf_adds(b, i ? ",{\"recordId\":" : "{\"recordId\":");
		add_id(b, t, i);
		kc_buf_addf(b, ",\"approximateArrivalTimestamp\":%" PRId64 ",\"data\":",
			    r->arrival_ms);
		add_base64(b, r->data, r->len);
		if (r->shard_id) {
			kc_buf_adds(b, ",\"kinesisRecordMetadata\":{\"shardId\":");
			kc_json_add_string(b, r->shard_id, strlen(r->shard_id));
			kc_buf_adds(b, ",\"partitionKey\":");
			kc_json_add_string(b, r->partition_key ? r->partition_key : "",
					   r->partition_key ? strlen(r->partition_key) : 0);
			kc_buf_addf(b, ",\"approximateArrivalTimestamp\":%" PRId64
				    ",\"sequenceNumber\":", r->arrival_ms);
			kc_json_add_string(b, r->sequence_number ? r->sequence_number : "",
					   r->sequence_number ? strlen(r->sequence_number) : 0);
			kc_buf_addf(b, ",\"subsequenceNumber\":%" PRIu32 "}",
				    r->subsequence_number);
		}
		kc_buf_addc(b, '}');
	}
	kc_buf_adds(b, "]}\n");
}

/* ---- running the command ---------------------------------------------- */

static int64_t mono_ms(void)
{
	return (int64_t)(kc_mono_ns() / 1000000);
}

/* The environment of the command: ours plus KIN_FIREHOSE_* (replaced). */
static char **make_env(const struct fh_transform *t, const char *inv_id,
		       unsigned attempt, size_t n)
{
	size_t count = 0, k = 0;
	char **env;
	struct kc_buf b = KC_BUF_INIT;

	while (environ && environ[count])
		count++;
	env = kc_xcalloc(count + 6, sizeof(*env));
	for (size_t i = 0; i < count; i++)
		if (strncmp(environ[i], "KIN_FIREHOSE_", 13))
			env[k++] = kc_xstrdup(environ[i]);
	kc_buf_addf(&b, "KIN_FIREHOSE_NAME=%s", t->name);
	env[k++] = kc_xstrdup(b.data);
	kc_buf_reset(&b);
	kc_buf_addf(&b, "KIN_FIREHOSE_ARN=%s", t->stream_arn);
	env[k++] = kc_xstrdup(b.data);
	kc_buf_reset(&b);
	kc_buf_addf(&b, "KIN_FIREHOSE_INVOCATION_ID=%s", inv_id);
	env[k++] = kc_xstrdup(b.data);
	kc_buf_reset(&b);
	kc_buf_addf(&b, "KIN_FIREHOSE_ATTEMPT=%u", attempt);
	env[k++] = kc_xstrdup(b.data);
	kc_buf_reset(&b);
	kc_buf_addf(&b, "KIN_FIREHOSE_RECORDS=%zu", n);
	env[k++] = kc_xstrdup(b.data);
	kc_buf_release(&b);
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* Moves fd to target in the child (dup2 clears close-on-exec). */
static void child_fd(int fd, int target)
{
	if (fd == target) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			_exit(126);
	} else if (dup2(fd, target) < 0) {
		_exit(126);
	}
}

static _Noreturn void child(const struct fh_transform *t, int in, int out,
			    pid_t parent, char **env)
{
	sigset_t none;
	char *argv[] = { (char *)"sh", (char *)"-c", t->cmd, NULL };

	setpgid(0, 0);
	/* Killed with kfirehose; a command must not outlive it unseen. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (out == STDIN_FILENO) {
		int moved = dup(out);

		if (moved < 0)
			_exit(126);
		out = moved;
	}
	child_fd(in, STDIN_FILENO);
	child_fd(out, STDOUT_FILENO);
	/* Locks and sockets of kfirehose are none of the command's business. */
	if (close_range(3, ~0u, 0)) {
		long max = sysconf(_SC_OPEN_MAX);

		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close(fd);
	}
	execve("/bin/sh", argv, env);
	_exit(127);
}

/* Waits for pid until deadline (monotonic ms), then kills its group. */
static int reap(pid_t pid, int64_t deadline, int *status, int *timed_out)
{
	long nap_us = 100;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && mono_ms() >= deadline) {
			*timed_out = 1;
			kill(-pid, SIGKILL);
			while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
				;
			return r == pid ? 0 : -1;
		}
		if (r == 0) {
			struct timespec ts = { 0, nap_us * 1000 };

			nanosleep(&ts, NULL);
			if (nap_us < 20000)
				nap_us *= 2;
		}
	}
}

/*
 * One invocation: runs the command with t->request on its stdin and its
 * stdout in t->response. Returns 0 when it exited with status 0 within the
 * timeout and its response fits the limit; otherwise fills f.
 */
static int invoke(struct fh_transform *t, const char *inv_id, unsigned attempt,
		  size_t n, struct failure *f)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int status = 0, timed_out = 0, too_large = 0, err;
	size_t written = 0;
	int64_t deadline;
	char **env;
	pid_t pid, self = getpid();

	kc_buf_reset(&t->response);
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		err = errno;
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		failure_set(f, 1, LIMIT_EXCEEDED, "cannot start the transform: pipe: %s",
			    strerror(err));
		return -1;
	}
	env = make_env(t, inv_id, attempt, n);
	pid = fork();
	if (pid == 0)
		child(t, in[0], out[1], self, env);
	err = errno;
	free_env(env);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		failure_set(f, 1, LIMIT_EXCEEDED, "cannot start the transform: fork: %s",
			    strerror(err));
		return -1;
	}
	setpgid(pid, pid);
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	deadline = mono_ms() + t->timeout_ms;

	while (in[1] >= 0 || out[0] >= 0) {
		struct pollfd p[2];
		nfds_t np = 0;
		int64_t left = deadline - mono_ms();
		int r;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (in[1] >= 0)
			p[np++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (out[0] >= 0)
			p[np++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		r = poll(p, np, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			break;
		for (nfds_t i = 0; r > 0 && i < np; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == in[1]) {
				size_t chunk = t->request.len - written;
				ssize_t w;

				if (chunk > 65536)
					chunk = 65536;
				w = write(in[1], t->request.data + written, chunk);
				if (w > 0)
					written += (size_t)w;
				/* A command that stops reading is judged by its response. */
				if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				    written == t->request.len) {
					close(in[1]);
					in[1] = -1;
				}
			} else {
				ssize_t got;

				kc_buf_grow(&t->response, 65536);
				got = read(out[0], t->response.data + t->response.len, 65536);
				if (got > 0) {
					t->response.len += (size_t)got;
					t->response.data[t->response.len] = '\0';
				}
				if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
					close(out[0]);
					out[0] = -1;
				}
				if (t->response.len > RESPONSE_MAX) {
					too_large = 1;
					break;
				}
			}
		}
		if (too_large)
			break;
	}
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (timed_out || too_large)
		kill(-pid, SIGKILL);
	if (reap(pid, deadline, &status, &timed_out)) {
		failure_set(f, 1, FUNCTION_ERROR, "%s: waitpid: %s", FUNCTION_ERROR_MSG,
			    strerror(errno));
		return -1;
	}
	if (too_large) {
		failure_set(f, 1, FUNCTION_ERROR,
			    "%s: response payload size exceeded maximum allowed payload "
			    "size (%u bytes)", FUNCTION_ERROR_MSG, RESPONSE_MAX);
		return -1;
	}
	if (timed_out) {
		failure_set(f, 1, TIMED_OUT, "%s (%" PRId64 " ms)", TIMED_OUT_MSG,
			    t->timeout_ms);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		failure_set(f, 1, FUNCTION_ERROR, "%s: killed by signal %d",
			    FUNCTION_ERROR_MSG, WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status)) {
		failure_set(f, 1, FUNCTION_ERROR, "%s: exit status %d",
			    FUNCTION_ERROR_MSG, WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

/* ---- the response --------------------------------------------------- */

static void out_reset(struct fh_tx_out *o)
{
	free(o->data);
	o->data = NULL;
	o->len = 0;
	fh_keys_clear(&o->keys);
	o->result = FH_TX_OK;
	o->code[0] = '\0';
	o->message[0] = '\0';
}

/* The index named by recordId id, or -1 when this run did not send it. */
static long id_index(const struct fh_transform *t, const char *id, size_t len,
		     size_t n)
{
	unsigned long i = 0;

	if (len != ID_LEN || memcmp(id, t->token, 16))
		return -1;
	for (size_t k = 16; k < ID_LEN; k++) {
		char c = id[k];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		i = i * 16 + (unsigned long)d;
	}
	return i < n ? (long)i : -1;
}

/* Text of a scalar partition key value (a string's contents), or -1. */
static int scalar_text(jv v, struct kc_buf *out)
{
	jv_kind k = jv_get_kind(v);

	kc_buf_reset(out);
	if (k == JV_KIND_STRING) {
		kc_buf_add(out, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
	} else if (k == JV_KIND_NUMBER || k == JV_KIND_TRUE || k == JV_KIND_FALSE) {
		jv s = jv_dump_string(jv_copy(v), 0);

		kc_buf_adds(out, jv_string_value(s));
		jv_free(s);
	} else {
		jv_free(v);
		return -1;
	}
	jv_free(v);
	return 0;
}

/* Copies metadata.partitionKeys of record r (consumed) into o->keys. */
static int read_keys(jv r, struct fh_tx_out *o, struct failure *f, size_t i)
{
	jv meta = jv_object_get(r, jv_string("metadata")), keys;
	struct kc_buf val = KC_BUF_INIT;
	int rc = 0;

	if (jv_get_kind(meta) != JV_KIND_OBJECT) {
		jv_free(meta);
		return 0;
	}
	keys = jv_object_get(meta, jv_string("partitionKeys"));
	if (jv_get_kind(keys) == JV_KIND_OBJECT) {
		int it = jv_object_iter(keys);

		for (; jv_object_iter_valid(keys, it) && !rc;
		     it = jv_object_iter_next(keys, it)) {
			jv k = jv_object_iter_key(keys, it);

			if (scalar_text(jv_object_iter_value(keys, it), &val)) {
				failure_set(f, 0, JSON_ERROR, "%s: records[%zu]: partition "
					    "key '%s' is not a string", JSON_ERROR_MSG, i,
					    jv_string_value(k));
				rc = -1;
			} else {
				fh_keys_add(&o->keys, jv_string_value(k),
					    (size_t)jv_string_length_bytes(jv_copy(k)),
					    val.data ? val.data : "", val.len);
			}
			jv_free(k);
		}
	} else if (jv_get_kind(keys) != JV_KIND_NULL &&
		   jv_get_kind(keys) != JV_KIND_INVALID) {
		failure_set(f, 0, JSON_ERROR, "%s: records[%zu]: metadata.partitionKeys "
			    "is not an object", JSON_ERROR_MSG, i);
		rc = -1;
	}
	jv_free(keys);
	kc_buf_release(&val);
	return rc;
}

/* Reads one response record r (consumed) into out[]. */
static int read_record(struct fh_transform *t, jv r, size_t i, size_t n,
		       int *unknown, struct failure *f)
{
	jv id, result, data;
	const char *res;
	struct fh_tx_out *o;
	long k;

	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		jv_free(r);
		failure_set(f, 0, JSON_ERROR, "%s: records[%zu] is not an object",
			    JSON_ERROR_MSG, i);
		return -1;
	}
	id = jv_object_get(jv_copy(r), jv_string("recordId"));
	k = jv_get_kind(id) == JV_KIND_STRING
		    ? id_index(t, jv_string_value(id),
			       (size_t)jv_string_length_bytes(jv_copy(id)), n)
		    : -1;
	jv_free(id);
	if (k < 0 || t->seen[k]) {
		*unknown += k < 0;
		if (k >= 0)
			t->seen[k] = 2;         /* duplicated */
		jv_free(r);
		return 0;
	}
	t->seen[k] = 1;
	o = &t->out[k];
	result = jv_object_get(jv_copy(r), jv_string("result"));
	res = jv_get_kind(result) == JV_KIND_STRING ? jv_string_value(result) : "";
	if (!strcmp(res, "Ok")) {
		o->result = FH_TX_OK;
	} else if (!strcmp(res, "Dropped")) {
		o->result = FH_TX_DROPPED;
	} else if (!strcmp(res, "ProcessingFailed")) {
		o->result = FH_TX_FAILED;
		snprintf(o->code, sizeof(o->code), "%s", PROCESSING_FAILED);
		snprintf(o->message, sizeof(o->message), "%s", PROCESSING_FAILED_MSG);
	} else {
		failure_set(f, 0, JSON_ERROR, "%s: records[%zu]: result %s is not Ok, "
			    "Dropped or ProcessingFailed", JSON_ERROR_MSG, i,
			    jv_get_kind(result) == JV_KIND_STRING ? res : "missing");
		jv_free(result);
		jv_free(r);
		return -1;
	}
	jv_free(result);
	if (o->result == FH_TX_OK) {
		data = jv_object_get(jv_copy(r), jv_string("data"));
		if (jv_get_kind(data) != JV_KIND_STRING) {
			failure_set(f, 0, JSON_ERROR, "%s: records[%zu]: no data",
				    JSON_ERROR_MSG, i);
			jv_free(data);
			jv_free(r);
			return -1;
		}
		{
			size_t len = (size_t)jv_string_length_bytes(jv_copy(data));
			long got;

			o->data = kc_xmalloc(len / 4 * 3 + 1);
			got = kc_base64_decode(jv_string_value(data), len, o->data);
			jv_free(data);
			if (got < 0) {
				failure_set(f, 0, JSON_ERROR, "%s: records[%zu]: data is "
					    "not base64", JSON_ERROR_MSG, i);
				jv_free(r);
				return -1;
			}
			o->len = (size_t)got;
			o->data[o->len] = '\0';
		}
	}
	return read_keys(r, o, f, i);
}

/* Checks t->response against the n records sent; fills t->out or f. */
static int read_response(struct fh_transform *t, size_t n, struct failure *f)
{
	jv root, records;
	int unknown = 0, rc = 0, dup = 0, missing = 0;
	size_t count;

	memset(t->seen, 0, n);
	if (strspn(t->response.data ? t->response.data : "", " \t\r\n") ==
	    t->response.len) {
		failure_set(f, 0, JSON_ERROR, "%s: empty response", JSON_ERROR_MSG);
		return -1;
	}
	root = jv_parse_sized(t->response.data ? t->response.data : "",
			      (int)t->response.len);
	if (!jv_is_valid(root)) {
		jv msg = jv_invalid_get_msg(root);
		const char *m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg)
								  : "empty response";
		const char *end = strstr(m, " (while parsing");

		failure_set(f, 0, JSON_ERROR, "%s: %.*s", JSON_ERROR_MSG,
			    end ? (int)(end - m) : (int)strlen(m), m);
		jv_free(msg);
		return -1;
	}
	if (jv_get_kind(root) != JV_KIND_OBJECT) {
		jv_free(root);
		failure_set(f, 0, JSON_ERROR, "%s: the response is not a JSON object",
			    JSON_ERROR_MSG);
		return -1;
	}
	records = jv_object_get(root, jv_string("records"));
	if (jv_get_kind(records) != JV_KIND_ARRAY) {
		jv_free(records);
		failure_set(f, 0, JSON_ERROR, "%s: no records array", JSON_ERROR_MSG);
		return -1;
	}
	count = (size_t)jv_array_length(jv_copy(records));
	for (size_t i = 0; i < count && !rc; i++)
		rc = read_record(t, jv_array_get(jv_copy(records), (int)i), i, n,
				 &unknown, f);
	jv_free(records);
	if (rc)
		return -1;
	for (size_t i = 0; i < n; i++) {
		dup += t->seen[i] > 1;
		missing += t->seen[i] == 0;
	}
	if (dup) {
		failure_set(f, 0, DUPLICATED_ID, "%s (%d duplicated)", DUPLICATED_ID_MSG,
			    dup);
		return -1;
	}
	if (missing || unknown) {
		failure_set(f, 0, MISSING_ID, "%s (%d of %zu missing, %d unknown)",
			    MISSING_ID_MSG, missing, n, unknown);
		return -1;
	}
	return 0;
}

/* ---- runs --------------------------------------------------------------- */

static void new_token(struct fh_transform *t)
{
	char uuid[40];
	size_t k = 0;

	fh_uuid(uuid);
	for (size_t i = 0; uuid[i] && k < 16; i++)
		if (uuid[i] != '-')
			t->token[k++] = uuid[i];
	t->token[k] = '\0';
}

int fh_transform_run(struct fh_transform *t, const struct fh_tx_in *in, size_t n,
		     struct fh_tx_out **outp, struct kc_error *e)
{
	struct failure f = { 0, "", "" };
	struct sigaction ign, old;
	char inv_id[40];

	(void)e;
	for (size_t i = 0; i < t->nout; i++)
		out_reset(&t->out[i]);
	if (n > t->nout) {
		t->out = kc_xrealloc(t->out, n * sizeof(*t->out));
		memset(t->out + t->nout, 0, (n - t->nout) * sizeof(*t->out));
		t->seen = kc_xrealloc(t->seen, n);
		t->nout = n;
	}
	*outp = t->out;
	t->attempts = 0;
	if (n == 0)
		return 0;
	new_token(t);
	build_request(t, in, n);
	/* A command that exits without reading must not kill us with SIGPIPE. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	for (unsigned attempt = 1; attempt <= t->retries + 1; attempt++) {
		t->attempts = attempt;
		fh_uuid(inv_id);
		memcpy(t->request.data + 17, inv_id, 36);
		if (!invoke(t, inv_id, attempt, n, &f) && !read_response(t, n, &f)) {
			sigaction(SIGPIPE, &old, NULL);
			return 0;
		}
		for (size_t i = 0; i < n; i++)
			out_reset(&t->out[i]);
		if (!f.retry)
			break;
	}
	sigaction(SIGPIPE, &old, NULL);
	for (size_t i = 0; i < n; i++) {
		t->out[i].result = FH_TX_FAILED;
		snprintf(t->out[i].code, sizeof(t->out[i].code), "%s", f.code);
		snprintf(t->out[i].message, sizeof(t->out[i].message), "%s", f.message);
	}
	return 0;
}

void fh_transform_close(struct fh_transform *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nout; i++)
		out_reset(&t->out[i]);
	free(t->out);
	free(t->seen);
	free(t->cmd);
	free(t->name);
	free(t->stream_arn);
	free(t->source_arn);
	kc_buf_release(&t->request);
	kc_buf_release(&t->response);
	free(t);
}
