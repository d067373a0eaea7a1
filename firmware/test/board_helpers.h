/* Drives the board logic through the fake HAL: send frames in, advance time, read frames out. */
#ifndef IOB_BOARD_HELPERS_H
#define IOB_BOARD_HELPERS_H

#include "frame.h"
#include "hal_fake.h"

#define MAX_OUT 64

typedef struct {
    iob_frame_t f[MAX_OUT];
    int n;
} frames_t;

void host_send(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len);
/* Advances fake time 1 ms at a time, polling the board each millisecond. */
void advance(uint32_t ms);
/* Decodes and clears everything the board has sent so far. */
frames_t board_sent(void);
/* Count of frames of a type in a batch; last_of returns the last one or NULL. */
int count_of(const frames_t *fs, uint8_t type);
const iob_frame_t *last_of(const frames_t *fs, uint8_t type);
/* Board booted with a HELLO from the host answered and its output cleared. */
void boot_with_host(void);
/* boot_with_host, then `buttons` held past the debounce: what the board sent. */
frames_t press_after_boot(uint8_t buttons);

#endif
