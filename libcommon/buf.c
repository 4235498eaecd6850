/* buf.c: growable byte buffers and allocators that die on failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

static void die_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
	exit(1);
}

void *kc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom();
	return p;
}

void *kc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die_oom();
	return p;
}

void *kc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom();
	return q;
}

char *kc_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(kc_xmalloc(n), s, n);
}

void kc_buf_init(struct kc_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void kc_buf_release(struct kc_buf *b)
{
	free(b->data);
	kc_buf_init(b);
}

void kc_buf_grow(struct kc_buf *b, size_t n)
{
	size_t need, cap;

	if (n >= SIZE_MAX - b->len)
		die_oom();
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = kc_xrealloc(b->data, cap);
	b->cap = cap;
	b->data[b->len] = '\0';
}

void kc_buf_add(struct kc_buf *b, const void *p, size_t n)
{
	kc_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void kc_buf_addc(struct kc_buf *b, char c)
{
	kc_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void kc_buf_adds(struct kc_buf *b, const char *s)
{
	kc_buf_add(b, s, strlen(s));
}

/* On a formatting error (vsnprintf < 0) nothing is added. */
void kc_buf_addf(struct kc_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t avail;
	int n;

	kc_buf_grow(b, 0);
	avail = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, avail, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= avail) {
		kc_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (n > 0)
		b->len += (size_t)n;
	b->data[b->len] = '\0';
}

void kc_buf_reset(struct kc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}
