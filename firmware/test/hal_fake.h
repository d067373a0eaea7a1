/* Host-side fake of hal.h: time, UART, buttons, LEDs, amplifier and ADC are plain variables. */
#ifndef IOB_HAL_FAKE_H
#define IOB_HAL_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define FAKE_TX_MAX 4096u

extern uint32_t fake_now;
extern uint8_t fake_buttons;
extern uint16_t fake_adc;
extern uint32_t fake_board_id;
extern bool fake_watchdog_reset;
extern uint32_t fake_watchdog_kicks;
extern bool fake_amp_on;
extern uint8_t fake_amp_gain;
extern hal_rgb_t fake_leds[HAL_LED_COUNT];
extern uint32_t fake_led_writes;
extern uint8_t fake_tx[FAKE_TX_MAX];
extern size_t fake_tx_len;

void fake_reset(void);
void fake_uart_feed(const uint8_t *bytes, size_t n);
void fake_tx_clear(void);

#endif
