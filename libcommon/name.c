/* name.c: stream, consumer and shard names. */
#include <stdlib.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kc_name_list(const char *path, const char *what, char ***names, size_t *n,
		 struct kc_error *e)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;
	size_t len = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : kc_error_errno(e, KC_EIO, errno,
							    "cannot list %ss", what);
	while ((de = readdir(d))) {
		struct kc_error ignore;
		if (kc_name_check(what, de->d_name, &ignore))
			continue;
		v = kc_xrealloc(v, (len + 1) * sizeof(*v));
		v[len++] = kc_xstrdup(de->d_name);
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_str);
	*names = v;
	*n = len;
	return 0;
}

void kc_name_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
