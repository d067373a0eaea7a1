#include "led.h"

#include "protocol_gen.h"

static const hal_rgb_t AMBER = { 255, 96, 0 };

static hal_rgb_t scale(hal_rgb_t c, uint8_t level)
{
    hal_rgb_t o;
    o.r = (uint8_t)(((uint16_t)c.r * level) / 255u);
    o.g = (uint8_t)(((uint16_t)c.g * level) / 255u);
    o.b = (uint8_t)(((uint16_t)c.b * level) / 255u);
    return o;
}

static void fill(hal_rgb_t out[HAL_LED_COUNT], hal_rgb_t c)
{
    for (uint8_t i = 0; i < HAL_LED_COUNT; i++) {
        out[i] = c;
    }
}

void led_render(const led_setting_t *s, uint32_t now, hal_rgb_t out[HAL_LED_COUNT])
{
    static const hal_rgb_t BLACK = { 0, 0, 0 };
    uint16_t period = s->period_ms ? s->period_ms : LED_DEFAULT_PERIOD_MS;
    uint32_t phase = now % period;
    fill(out, BLACK);
    switch (s->pattern) {
    case IOB_LED_PATTERN_SOLID:
        fill(out, s->colour);
        break;
    case IOB_LED_PATTERN_BLINK:
        if (phase < period / 2u) {
            fill(out, s->colour);
        }
        break;
    case IOB_LED_PATTERN_BREATHE: {
        uint32_t half = period / 2u;
        uint32_t up = phase < half ? phase : period - phase;
        fill(out, scale(s->colour, (uint8_t)(half ? (up * 255u) / half : 255u)));
        break;
    }
    case IOB_LED_PATTERN_SPIN: {
        uint8_t head = (uint8_t)((phase * HAL_LED_COUNT) / period);
        out[head] = s->colour;
        out[(head + HAL_LED_COUNT - 1u) % HAL_LED_COUNT] = scale(s->colour, 96);
        out[(head + HAL_LED_COUNT - 2u) % HAL_LED_COUNT] = scale(s->colour, 24);
        break;
    }
    case IOB_LED_PATTERN_HOST_LOST: {
        uint32_t t = now % LED_HOST_LOST_PERIOD_MS;
        if (t < LED_HOST_LOST_FLASH_MS || (t >= 2u * LED_HOST_LOST_FLASH_MS && t < 3u * LED_HOST_LOST_FLASH_MS)) {
            fill(out, AMBER);
        }
        break;
    }
    default:
        break; /* off */
    }
}
