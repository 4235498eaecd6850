/* name.c: stream, consumer and shard names. */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "banned.h"

#define NAME_MAX_LEN 128
#define SHARD_PREFIX "shardId-"
#define SHARD_DIGITS 12

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int kc_name_check(const char *what, const char *name, struct kc_error *e)
{
	size_t i, len = strlen(name);

	if (!what)
		what = "name";
	if (len == 0)
		return kc_error_set(e, KC_EUSAGE, "%s name must not be empty",
				    what);
	if (len > NAME_MAX_LEN)
		return kc_error_set(e, KC_EUSAGE,
				    "%s name '%.32s...' is longer than %d "
				    "characters", what, name, NAME_MAX_LEN);
	for (i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return kc_error_set(e, KC_EUSAGE,
					    "%s name '%s': only letters, "
					    "digits, '_', '.' and '-' are "
					    "allowed", what, name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return kc_error_set(e, KC_EUSAGE,
				    "%s name '%s' is reserved", what, name);
	return 0;
}

/* Parses s as all decimal digits into *out; 0, or -1 (empty, overflow). */
static int parse_index(const char *s, unsigned long *out)
{
	unsigned long v = 0, d;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned long)(*s - '0');
		if (v > (-1UL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int kc_shard_id_parse(const char *id, unsigned long *index, struct kc_error *e)
{
	size_t plen = strlen(SHARD_PREFIX);
	const char *digits = id;

	if (!strncmp(id, SHARD_PREFIX, plen)) {
		digits = id + plen;
		if (strlen(digits) != SHARD_DIGITS)
			digits = "";
	}
	if (parse_index(digits, index))
		return kc_error_set(e, KC_EUSAGE,
				    "shard '%s': not a shard id (expected "
				    "shardId-NNNNNNNNNNNN or an index)", id);
	return 0;
}

void kc_shard_id_format(unsigned long index, char out[32])
{
	snprintf(out, 32, SHARD_PREFIX "%0*lu", SHARD_DIGITS, index);
}
