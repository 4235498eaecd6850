/* crc32c.h: CRC-32C (Castagnoli), as in iSCSI, ext4 and LevelDB. */
#ifndef KC_CRC32C_H
#define KC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the CRC-32C of buf continued from crc, where crc is 0 for a new
 * computation or the result of a previous call over the preceding bytes
 * (init and final xor ~0 are applied inside). "123456789" gives 0xE3069283.
 * Uses SSE4.2 when the CPU has it, slicing-by-8 otherwise.
 */
uint32_t kc_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
