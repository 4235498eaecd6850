/* md5.h: MD5 (RFC 1321), used only to route partition keys to shards. */
#ifndef KC_MD5_H
#define KC_MD5_H

#include <stddef.h>
#include <stdint.h>

/* Writes the 16-byte MD5 digest of p[0..n) to out. */
void kc_md5(const void *p, size_t n, uint8_t out[16]);

#endif
