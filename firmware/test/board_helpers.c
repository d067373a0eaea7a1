#include "board_helpers.h"

#include <string.h>

#include "ioboard.h"

void host_send(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len)
{
    iob_frame_t f = { IOB_PROTOCOL_VERSION, seq, type, len, { 0 } };
    uint8_t wire[FRAME_WIRE_MAX];
    if (len) {
        memcpy(f.payload, payload, len);
    }
    size_t n = frame_encode(&f, wire);
    fake_uart_feed(wire, n);
}

void advance(uint32_t ms)
{
    ioboard_poll();
    for (uint32_t i = 0; i < ms; i++) {
        fake_now++;
        ioboard_poll();
    }
}

frames_t board_sent(void)
{
    static frames_t out;
    frame_decoder_t d;
    frame_error_t err;
    memset(&out, 0, sizeof out);
    frame_decoder_init(&d);
    for (size_t i = 0; i < fake_tx_len && out.n < MAX_OUT; i++) {
        if (frame_decoder_push(&d, fake_tx[i], &out.f[out.n], &err) == FRAME_OK) {
            out.n++;
        }
    }
    fake_tx_clear();
    return out;
}

int count_of(const frames_t *fs, uint8_t type)
{
    int c = 0;
    for (int i = 0; i < fs->n; i++) {
        c += fs->f[i].type == type;
    }
    return c;
}

const iob_frame_t *last_of(const frames_t *fs, uint8_t type)
{
    for (int i = fs->n - 1; i >= 0; i--) {
        if (fs->f[i].type == type) {
            return &fs->f[i];
        }
    }
    return NULL;
}

void boot_with_host(void)
{
    uint8_t hello[IOB_HELLO_LEN] = { IOB_PROTOCOL_VERSION };
    ioboard_init();
    host_send(0, IOB_MSG_HELLO, hello, sizeof hello);
    advance(1);
    fake_tx_clear();
}

frames_t press_after_boot(uint8_t buttons)
{
    boot_with_host();
    fake_buttons = buttons;
    advance(IOB_DEBOUNCE_MS + 1);
    return board_sent();
}
