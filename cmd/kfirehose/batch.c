/* batch.c: partition keys, record ids and attempt results. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "firehose.h"
#include "seqno.h"
#include "banned.h"

static char run_id[40] = "0";

void fh_keys_add(struct fh_keys *k, const char *name, size_t nlen,
		 const char *value, size_t vlen)
{
	k->name = kc_xrealloc(k->name, (k->n + 1) * sizeof(*k->name));
	k->value = kc_xrealloc(k->value, (k->n + 1) * sizeof(*k->value));
	k->name[k->n] = kc_xmalloc(nlen + 1);
	memcpy(k->name[k->n], name, nlen);
	k->name[k->n][nlen] = '\0';
	k->value[k->n] = kc_xmalloc(vlen + 1);
	memcpy(k->value[k->n], value, vlen);
	k->value[k->n][vlen] = '\0';
	k->n++;
}

const char *fh_keys_get(const struct fh_keys *k, const char *name)
{
	for (size_t i = k->n; i-- > 0;)
		if (!strcmp(k->name[i], name))
			return k->value[i];
	return NULL;
}

void fh_keys_clear(struct fh_keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->name[i]);
		free(k->value[i]);
	}
	free(k->name);
	free(k->value);
	memset(k, 0, sizeof(*k));
}

void fh_record_id_run(const char *run)
{
	snprintf(run_id, sizeof(run_id), "%s", run);
}

void fh_record_id(const struct fh_record *r, char out[FH_RECORD_ID_MAX])
{
	char seq[40];

	if (r->shard == FH_STDIN) {
		snprintf(out, FH_RECORD_ID_MAX, "stdin.%s.%llu.%lu", run_id,
			 (unsigned long long)r->offset, (unsigned long)r->sub);
		return;
	}
	kc_seqno_format(r->shard, r->offset, seq);
	snprintf(out, FH_RECORD_ID_MAX, "%s.%lu", seq, (unsigned long)r->sub);
}

void fh_uuid(char out[40])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void fh_result_all(struct fh_result *r, size_t n, enum fh_status status,
		   const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < n; i++) {
		r->status[i] = status;
		snprintf(r->code[i], sizeof(r->code[i]), "%s", code);
		memcpy(r->message[i], msg, sizeof(msg));
	}
}
