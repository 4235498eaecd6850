/* time.c: timestamp text forms (first cut). */
#include <stdio.h>
#include <string.h>

#include "ksql.h"
#include "banned.h"

void ks_ts_format(int64_t ms, char out[32])
{
	snprintf(out, 32, "%lld", (long long)ms);
}

int ks_ts_parse(const char *s, size_t n, int64_t *ms)
{
	(void)s, (void)n, (void)ms;
	return -1;
}
