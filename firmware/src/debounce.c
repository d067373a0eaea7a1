#include "debounce.h"

#include <string.h>

#include "protocol_gen.h"

void debounce_init(debounce_t *d, uint32_t now)
{
    memset(d, 0, sizeof *d);
    for (uint8_t i = 0; i < HAL_BUTTON_COUNT; i++) {
        d->changed_at[i] = now;
    }
}

uint8_t debounce_update(debounce_t *d, uint8_t raw, uint32_t now, button_event_t *events)
{
    uint8_t n = 0;
    for (uint8_t i = 0; i < HAL_BUTTON_COUNT; i++) {
        uint8_t bit = (uint8_t)(1u << i);
        if ((raw & bit) != (d->candidate & bit)) {
            d->candidate = (uint8_t)((d->candidate & ~bit) | (raw & bit));
            d->changed_at[i] = now;
        }
        if ((d->candidate & bit) != (d->stable & bit) && (uint32_t)(now - d->changed_at[i]) >= IOB_DEBOUNCE_MS) {
            d->stable = (uint8_t)((d->stable & ~bit) | (d->candidate & bit));
            if (d->stable & bit) {
                d->pressed_at[i] = now;
                d->held = (uint8_t)(d->held & ~bit);
                events[n].button = i;
                events[n++].action = IOB_BUTTON_ACTION_PRESS;
            } else {
                events[n].button = i;
                events[n++].action = IOB_BUTTON_ACTION_RELEASE;
            }
        } else if ((d->stable & bit) && !(d->held & bit) && (uint32_t)(now - d->pressed_at[i]) >= IOB_HOLD_MS) {
            d->held |= bit;
            events[n].button = i;
            events[n++].action = IOB_BUTTON_ACTION_HOLD;
        }
    }
    return n;
}
