/* The board's application: ties the link, buttons, LEDs, loop and host watchdog together.
 * Single instance; call ioboard_init once, then ioboard_poll in the main loop. */
#ifndef IOB_IOBOARD_H
#define IOB_IOBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "debounce.h"
#include "frame.h"
#include "led.h"
#include "link.h"
#include "loop.h"

#define IOBOARD_ADC_INTERVAL_MS 10u
#define IOBOARD_LED_INTERVAL_MS 20u

typedef struct {
    link_t link;
    frame_decoder_t decoder;
    debounce_t buttons;
    loop_t loop;
    led_setting_t host_led; /* what the host asked for */
    bool host_lost;
    uint32_t last_host_at;
    uint32_t last_heartbeat_at;
    uint32_t last_adc_at;
    uint32_t last_led_at;
    uint32_t last_loop_status_at;
    uint16_t frame_errors;
    uint16_t dropped_events;
} ioboard_t;

void ioboard_init(void);
void ioboard_poll(void);
/* Read-only view for tests. */
const ioboard_t *ioboard_state(void);

#endif
