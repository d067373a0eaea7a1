#include "frame.h"

#include <string.h>

#include "cobs.h"
#include "crc16.h"

size_t frame_encode(const iob_frame_t *f, uint8_t *out)
{
    uint8_t raw[IOB_MAX_FRAME];
    uint8_t len = f->len > IOB_MAX_PAYLOAD ? IOB_MAX_PAYLOAD : f->len;
    raw[0] = f->version;
    raw[1] = f->seq;
    raw[2] = f->type;
    raw[3] = len;
    memcpy(&raw[IOB_HEADER_LENGTH], f->payload, len);
    size_t n = IOB_HEADER_LENGTH + len;
    uint16_t crc = crc16(raw, n);
    raw[n++] = (uint8_t)(crc & 0xFFu);
    raw[n++] = (uint8_t)(crc >> 8);
    size_t w = cobs_encode(raw, n, out);
    out[w++] = 0;
    return w;
}

void frame_decoder_init(frame_decoder_t *d)
{
    d->n = 0;
    d->overflow = false;
}

static frame_result_t fail(frame_error_t why, frame_error_t *err)
{
    *err = why;
    return FRAME_ERROR;
}

static frame_result_t finish(frame_decoder_t *d, iob_frame_t *out, frame_error_t *err)
{
    uint8_t raw[IOB_MAX_ENCODED];
    int n = cobs_decode(d->buf, d->n, raw);
    d->n = 0;
    out->seq = 0;
    out->type = 0;
    if (n < 0) {
        return fail(FRAME_ERR_COBS, err);
    }
    if (n >= 2) {
        out->seq = raw[1];
    }
    if (n >= 3) {
        out->type = raw[2];
    }
    if (n < (int)(IOB_HEADER_LENGTH + IOB_CRC_LENGTH)) {
        return fail(FRAME_ERR_SHORT, err);
    }
    size_t body = (size_t)n - IOB_CRC_LENGTH;
    uint16_t got = (uint16_t)(raw[body] | ((uint16_t)raw[body + 1] << 8));
    if (crc16(raw, body) != got) {
        return fail(FRAME_ERR_CRC, err);
    }
    if (raw[3] != body - IOB_HEADER_LENGTH || raw[3] > IOB_MAX_PAYLOAD) {
        return fail(FRAME_ERR_LENGTH, err);
    }
    if (raw[0] != IOB_PROTOCOL_VERSION) {
        return fail(FRAME_ERR_VERSION, err);
    }
    out->version = raw[0];
    out->len = raw[3];
    memcpy(out->payload, &raw[IOB_HEADER_LENGTH], out->len);
    return FRAME_OK;
}

frame_result_t frame_decoder_push(frame_decoder_t *d, uint8_t byte, iob_frame_t *out, frame_error_t *err)
{
    if (byte != 0) {
        if (d->overflow) {
            return FRAME_NONE;
        }
        if (d->n >= sizeof d->buf) {
            d->overflow = true;
            d->n = 0;
            return fail(FRAME_ERR_OVERSIZE, err);
        }
        d->buf[d->n++] = byte;
        return FRAME_NONE;
    }
    if (d->overflow) {
        d->overflow = false;
        return FRAME_NONE;
    }
    if (d->n == 0) {
        return FRAME_NONE; /* empty frame: a flush delimiter */
    }
    return finish(d, out, err);
}
