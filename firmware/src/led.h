/* LED ring patterns: a pure function from (pattern, colour, period, time) to pixels. */
#ifndef IOB_LED_H
#define IOB_LED_H

#include <stdint.h>

#include "hal.h"

#define LED_DEFAULT_PERIOD_MS 1000u
#define LED_HOST_LOST_PERIOD_MS 2000u
#define LED_HOST_LOST_FLASH_MS 150u

typedef struct {
    uint8_t pattern; /* IOB_LED_PATTERN_* */
    hal_rgb_t colour;
    uint16_t period_ms;
} led_setting_t;

void led_render(const led_setting_t *s, uint32_t now, hal_rgb_t out[HAL_LED_COUNT]);

#endif
