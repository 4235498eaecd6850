/* buf.h: a growable byte buffer (git's strbuf, reduced). */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stddef.h>

/*
 * b->data is always NUL-terminated past b->len once anything was added, so
 * it can be used as a C string when it holds text. The buffer owns data;
 * kc_buf_release frees it and leaves an empty, reusable buffer.
 */
struct kc_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define KC_BUF_INIT { 0, 0, 0 }

void kc_buf_init(struct kc_buf *b);
void kc_buf_release(struct kc_buf *b);
/* Ensures room for n more bytes (plus the NUL); dies on out of memory. */
void kc_buf_grow(struct kc_buf *b, size_t n);
void kc_buf_add(struct kc_buf *b, const void *p, size_t n);
void kc_buf_addc(struct kc_buf *b, char c);
void kc_buf_adds(struct kc_buf *b, const char *s);
void kc_buf_addf(struct kc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kc_buf_reset(struct kc_buf *b);

/* Allocators that die (print "prog: out of memory" and exit 1) on failure. */
void *kc_xmalloc(size_t n);
void *kc_xcalloc(size_t n, size_t size);
void *kc_xrealloc(void *p, size_t n);
char *kc_xstrdup(const char *s);

#endif
