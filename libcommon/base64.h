/* base64.h: standard base64 (RFC 4648 section 4, with padding). */
#ifndef KC_BASE64_H
#define KC_BASE64_H

#include <stddef.h>

/* Bytes needed to encode n bytes (no NUL). */
size_t kc_base64_encoded_len(size_t n);

/* Encodes src[0..n) into dst (kc_base64_encoded_len(n) bytes, no NUL). */
void kc_base64_encode(const void *src, size_t n, char *dst);

/*
 * Decodes src[0..n) into dst, which must hold n/4*3 bytes. Padding is
 * required (length a multiple of 4); whitespace is not accepted. Returns the
 * decoded length, or -1 when src is not valid base64.
 */
long kc_base64_decode(const char *src, size_t n, void *dst);

#endif
