/* The board API. Everything in src/ reaches the hardware only through these calls;
 * boards/<board>/hal_*.c implements them with registers, test/hal_fake.c on the host. */
#ifndef IOB_HAL_H
#define IOB_HAL_H

#include <stdbool.h>
#include <stdint.h>

#define HAL_BUTTON_COUNT 4u
#define HAL_LED_COUNT 12u

typedef struct {
    uint8_t r, g, b;
} hal_rgb_t;

void hal_init(void);
/* Milliseconds since boot; wraps after ~49 days (callers compare with subtraction). */
uint32_t hal_millis(void);
/* Sleeps until the next interrupt (1 ms tick or received byte). */
void hal_idle(void);

/* Returns the next received byte in *out, false when none is waiting. */
bool hal_uart_read_byte(uint8_t *out);
/* Queues one byte for sending; blocks while the transmit buffer is full. */
void hal_uart_write_byte(uint8_t byte);
/* Bytes lost because the receive buffer was full, since the last call. */
uint8_t hal_uart_take_rx_overflows(void);

/* Raw (undebounced) button levels, bit n = button n pressed. */
uint8_t hal_buttons_read(void);
void hal_led_ring_write(const hal_rgb_t pixels[HAL_LED_COUNT]);

void hal_loop_amp_enable(bool on);
/* Amplifier gain as PWM duty 0..255. */
void hal_loop_amp_gain(uint8_t duty);
/* 10-bit ADC reading (0..1023, AVcc = 5 V reference) of the loop current sense. */
uint16_t hal_adc_read_loop_current(void);

void hal_watchdog_kick(void);
/* True once after boot when the previous reset came from the watchdog. */
bool hal_reset_was_watchdog(void);
/* Factory-programmed board id (0 when unprogrammed). */
uint32_t hal_board_id(void);

#endif
