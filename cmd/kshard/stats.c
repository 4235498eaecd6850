/* stats.c: "kshard stats" as JSON or Prometheus text (see stats.h). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "metrics.h"
#include "name.h"
#include "stats.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

#define MS_PER_MINUTE 60000

/* The seven metrics: CloudWatch name, Prometheus name, help, field. */
static const struct metric {
	const char *cloudwatch;
	const char *prom;
	const char *help;
	size_t off;
} metrics[] = {
	{ "IncomingBytes", "incoming_bytes",
	  "Bytes of data and partition keys appended to the shard",
	  offsetof(struct kc_metrics_counts, incoming_bytes) },
	{ "IncomingRecords", "incoming_records",
	  "Records appended to the shard",
	  offsetof(struct kc_metrics_counts, incoming_records) },
	{ "OutgoingBytes", "outgoing_bytes",
	  "Bytes of data and partition keys read from the shard",
	  offsetof(struct kc_metrics_counts, outgoing_bytes) },
	{ "OutgoingRecords", "outgoing_records", "Records read from the shard",
	  offsetof(struct kc_metrics_counts, outgoing_records) },
	{ "IteratorAgeMilliseconds", "iterator_age_seconds",
	  "Iterator age of read batches in seconds",
	  offsetof(struct kc_metrics_counts, iterator_age_ms) },
	{ "WriteProvisionedThroughputExceeded",
	  "write_provisioned_throughput_exceeded",
	  "Write batches throttled on the shard",
	  offsetof(struct kc_metrics_counts, write_exceeded) },
	{ "ReadProvisionedThroughputExceeded",
	  "read_provisioned_throughput_exceeded",
	  "Read batches throttled on the shard",
	  offsetof(struct kc_metrics_counts, read_exceeded) },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))
#define AGE_METRIC 4

struct shard_stats {
	char id[32];
	struct kc_metrics_minute minutes[KC_METRICS_MINUTES];
	size_t n;
	struct kc_metrics_counts total, current;
};

static uint64_t value(const struct kc_metrics_counts *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + metrics[i].off, sizeof(v));
	return v;
}

/* Reads the metrics of shard index into st. */
static int load(const struct kc_stream *s, uint64_t index, int64_t now_ms,
		struct shard_stats *st, struct kc_error *e)
{
	int64_t this_minute = now_ms - now_ms % MS_PER_MINUTE;
	int fd, rc;

	kc_shard_id_format((unsigned long)index, st->id);
	fd = kc_stream_shard_dir(s, index);
	if (fd < 0)
		return kc_error_errno(e, KC_EIO, errno,
				      "shard %s: cannot open its directory",
				      st->id);
	rc = kc_metrics_read(fd, now_ms, st->minutes, KC_METRICS_MINUTES,
			     &st->n, e);
	close(fd);
	if (rc)
		return kc_error_prefix(e, "shard %s: ", st->id);
	for (size_t i = 0; i < st->n; i++)
		kc_metrics_merge(&st->total, &st->minutes[i].counts);
	if (st->n && st->minutes[st->n - 1].start_ms == this_minute)
		st->current = st->minutes[st->n - 1].counts;
	return 0;
}

static void add_counts(struct kc_buf *b, const struct kc_metrics_counts *c)
{
	for (size_t i = 0; i < NMETRICS; i++)
		kc_buf_addf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
			    metrics[i].cloudwatch, value(c, i));
}

static void format_json(const char *name, const struct shard_stats *v, size_t n,
			struct kc_buf *out)
{
	struct kc_buf b = KC_BUF_INIT;
	char ts[40];

	kc_buf_addc(&b, '{');
	kc_json_add_key(&b, "StreamName");
	kc_json_add_string(&b, name, strlen(name));
	kc_buf_adds(&b, ",\"Shards\":[");
	for (size_t i = 0; i < n; i++) {
		kc_buf_adds(&b, i ? ",{" : "{");
		kc_json_add_key(&b, "ShardId");
		kc_json_add_string(&b, v[i].id, strlen(v[i].id));
		kc_buf_adds(&b, ",\"Minutes\":[");
		for (size_t k = 0; k < v[i].n; k++) {
			const struct kc_metrics_minute *m = &v[i].minutes[k];
			kc_buf_adds(&b, k ? ",{" : "{");
			kc_json_add_key(&b, "Timestamp");
			kc_json_add_string(
				&b, ts,
				(size_t)kc_format_time(m->start_ms, ts));
			kc_buf_addc(&b, ',');
			add_counts(&b, &m->counts);
			kc_buf_addc(&b, '}');
		}
		kc_buf_adds(&b, "],\"Totals\":{");
		add_counts(&b, &v[i].total);
		kc_buf_adds(&b, "}}");
	}
	kc_buf_adds(&b, "]}");
	kc_json_pretty(b.data, b.len, out);
	kc_buf_release(&b);
}

/* Appends s as a Prometheus label value: \, " and newline escaped. */
static void add_label(struct kc_buf *b, const char *s)
{
	kc_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			kc_buf_addc(b, '\\');
		if (*s == '\n')
			kc_buf_adds(b, "\\n");
		else
			kc_buf_addc(b, *s);
	}
	kc_buf_addc(b, '"');
}

/* One gauge family: kin_<metric>_<suffix> for every shard. */
static void prom_family(struct kc_buf *out, const char *stream, size_t mi,
			const char *suffix, const char *help_tail,
			const struct shard_stats *v, size_t n, int current)
{
	const struct metric *m = &metrics[mi];

	kc_buf_addf(out, "# HELP kin_%s_%s %s%s.\n", m->prom, suffix, m->help,
		    help_tail);
	kc_buf_addf(out, "# TYPE kin_%s_%s gauge\n", m->prom, suffix);
	for (size_t i = 0; i < n; i++) {
		uint64_t x = value(current ? &v[i].current : &v[i].total, mi);
		kc_buf_addf(out, "kin_%s_%s{stream=", m->prom, suffix);
		add_label(out, stream);
		kc_buf_adds(out, ",shard=");
		add_label(out, v[i].id);
		if (mi == AGE_METRIC)
			kc_buf_addf(out, "} %" PRIu64 ".%03u\n", x / 1000,
				    (unsigned)(x % 1000));
		else
			kc_buf_addf(out, "} %" PRIu64 "\n", x);
	}
}

static void format_prometheus(const char *stream, const struct shard_stats *v,
			      size_t n, struct kc_buf *out)
{
	for (size_t i = 0; i < NMETRICS; i++) {
		int max = i == AGE_METRIC;
		prom_family(out, stream, i, "last_hour",
			    max ? ", the maximum of the last 60 minutes"
				: ", in the last 60 minutes",
			    v, n, 0);
		prom_family(out, stream, i, "current_minute",
			    max ? ", the maximum so far in the current minute"
				: ", so far in the current minute",
			    v, n, 1);
	}
}

int kshard_stats(const char *root, const char *stream,
		 const char *shard_or_null, int prometheus, struct kc_buf *out,
		 struct kc_error *e)
{
	struct shard_stats *v = NULL;
	struct kc_stream *s;
	unsigned long want = 0;
	int64_t now = kc_now_ms();
	size_t n = 0;
	int rc;

	if (shard_or_null && (rc = kc_shard_id_parse(shard_or_null, &want, e)))
		return kc_error_prefix(e, "--shard: ");
	if ((rc = kc_stream_open(root, stream, &s, e)))
		return rc;
	if (shard_or_null && !kc_stream_shard(s, want)) {
		char id[32];
		kc_shard_id_format(want, id);
		rc = kc_error_set(e, KC_ENOENT, "stream '%s': no shard %s",
				  s->meta.name, id);
		goto out;
	}
	v = kc_xcalloc(s->meta.nshards, sizeof(*v));
	for (size_t i = 0; i < s->meta.nshards; i++) {
		uint64_t index = s->meta.shards[i].index;
		if (shard_or_null && index != want)
			continue;
		if ((rc = load(s, index, now, &v[n], e)))
			goto out;
		n++;
	}
	if (prometheus)
		format_prometheus(s->meta.name, v, n, out);
	else
		format_json(s->meta.name, v, n, out);
out:
	free(v);
	kc_stream_close(s);
	return rc;
}
