#ifndef IOB_COBS_H
#define IOB_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Encodes len bytes into out (room for len + len/254 + 1 bytes); returns the encoded
 * length. The 0x00 delimiter is not written. */
size_t cobs_encode(const uint8_t *in, size_t len, uint8_t *out);

/* Decodes one frame (without its delimiter) into out (room for len bytes).
 * Returns the decoded length, or -1 when the input is not valid COBS. */
int cobs_decode(const uint8_t *in, size_t len, uint8_t *out);

#endif
