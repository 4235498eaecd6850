/* byteorder.h: little-endian loads and stores for the on-disk formats. */
#ifndef KC_BYTEORDER_H
#define KC_BYTEORDER_H

#include <stdint.h>
#include <string.h>

static inline void kc_put16(char *p, uint16_t v)
{
	unsigned char *u = (unsigned char *)p;
	u[0] = (unsigned char)v;
	u[1] = (unsigned char)(v >> 8);
}

static inline void kc_put32(char *p, uint32_t v)
{
	unsigned char *u = (unsigned char *)p;
	for (int i = 0; i < 4; i++)
		u[i] = (unsigned char)(v >> (8 * i));
}

static inline void kc_put64(char *p, uint64_t v)
{
	unsigned char *u = (unsigned char *)p;
	for (int i = 0; i < 8; i++)
		u[i] = (unsigned char)(v >> (8 * i));
}

static inline uint16_t kc_get16(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint16_t)(u[0] | u[1] << 8);
}

static inline uint32_t kc_get32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	       (uint32_t)u[3] << 24;
}

static inline uint64_t kc_get64(const char *p)
{
	return (uint64_t)kc_get32(p) | (uint64_t)kc_get32(p + 4) << 32;
}

#endif
