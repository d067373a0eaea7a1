/* Button debounce by time: a level counts once it has been stable for IOB_DEBOUNCE_MS;
 * a press still held IOB_HOLD_MS later also gives one "hold". */
#ifndef IOB_DEBOUNCE_H
#define IOB_DEBOUNCE_H

#include <stdint.h>

#include "hal.h"

#define DEBOUNCE_MAX_EVENTS (2u * HAL_BUTTON_COUNT)

typedef struct {
    uint8_t button;
    uint8_t action; /* IOB_BUTTON_ACTION_* */
} button_event_t;

typedef struct {
    uint8_t stable;    /* debounced levels, bit n = pressed */
    uint8_t candidate; /* last raw levels */
    uint8_t held;      /* "hold" already reported for this press */
    uint32_t changed_at[HAL_BUTTON_COUNT];
    uint32_t pressed_at[HAL_BUTTON_COUNT];
} debounce_t;

void debounce_init(debounce_t *d, uint32_t now);
/* Feeds the raw levels; writes up to DEBOUNCE_MAX_EVENTS events and returns how many. */
uint8_t debounce_update(debounce_t *d, uint8_t raw, uint32_t now, button_event_t *events);

#endif
