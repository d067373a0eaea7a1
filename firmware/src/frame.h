/* One protocol frame: header, payload and CRC, COBS-encoded on the wire with a 0x00 after it. */
#ifndef IOB_FRAME_H
#define IOB_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol_gen.h"

/* Encoded frame plus its delimiter. */
#define FRAME_WIRE_MAX (IOB_MAX_ENCODED + 1u)

typedef struct {
    uint8_t version;
    uint8_t seq;
    uint8_t type;
    uint8_t len;
    uint8_t payload[IOB_MAX_PAYLOAD];
} iob_frame_t;

typedef enum {
    FRAME_NONE = 0, /* nothing complete yet */
    FRAME_OK,
    FRAME_ERROR
} frame_result_t;

typedef enum {
    FRAME_ERR_COBS = 1,  /* not valid COBS: dropped silently */
    FRAME_ERR_SHORT,     /* shorter than header + CRC: dropped silently */
    FRAME_ERR_OVERSIZE,  /* longer than IOB_MAX_ENCODED: skipped up to the next 0x00 */
    FRAME_ERR_CRC,       /* answered with NACK bad-crc */
    FRAME_ERR_LENGTH,    /* CRC fine, length field wrong: NACK bad-length */
    FRAME_ERR_VERSION    /* NACK bad-version */
} frame_error_t;

typedef struct {
    uint8_t buf[IOB_MAX_ENCODED];
    uint8_t n;
    bool overflow;
} frame_decoder_t;

/* Writes the wire form (COBS + delimiter) into out[FRAME_WIRE_MAX]; returns its length. */
size_t frame_encode(const iob_frame_t *f, uint8_t *out);

void frame_decoder_init(frame_decoder_t *d);
/* Feeds one received byte. On FRAME_OK *out holds the frame. On FRAME_ERROR *err says why
 * and out->seq/out->type hold the received bytes when there were any (else 0). */
frame_result_t frame_decoder_push(frame_decoder_t *d, uint8_t byte, iob_frame_t *out, frame_error_t *err);

#endif
