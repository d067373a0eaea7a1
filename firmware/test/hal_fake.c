#include "hal_fake.h"

#include <string.h>

#define RX_MAX 4096u

uint32_t fake_now;
uint8_t fake_buttons;
uint16_t fake_adc;
uint32_t fake_board_id;
bool fake_watchdog_reset;
uint32_t fake_watchdog_kicks;
bool fake_amp_on;
uint8_t fake_amp_gain;
hal_rgb_t fake_leds[HAL_LED_COUNT];
uint32_t fake_led_writes;
uint8_t fake_tx[FAKE_TX_MAX];
size_t fake_tx_len;

static uint8_t rx[RX_MAX];
static size_t rx_head, rx_tail;

void fake_reset(void)
{
    fake_now = 0;
    fake_buttons = 0;
    fake_adc = 0;
    fake_board_id = 0;
    fake_watchdog_reset = false;
    fake_watchdog_kicks = 0;
    fake_amp_on = false;
    fake_amp_gain = 0;
    memset(fake_leds, 0, sizeof fake_leds);
    fake_led_writes = 0;
    fake_tx_len = 0;
    rx_head = rx_tail = 0;
}

void fake_uart_feed(const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n && rx_head < RX_MAX; i++) {
        rx[rx_head++] = bytes[i];
    }
}

void fake_tx_clear(void)
{
    fake_tx_len = 0;
}

void hal_init(void) {}

uint32_t hal_millis(void)
{
    return fake_now;
}

void hal_idle(void) {}

bool hal_uart_read_byte(uint8_t *out)
{
    if (rx_tail >= rx_head) {
        rx_head = rx_tail = 0;
        return false;
    }
    *out = rx[rx_tail++];
    return true;
}

void hal_uart_write_byte(uint8_t byte)
{
    if (fake_tx_len < FAKE_TX_MAX) {
        fake_tx[fake_tx_len++] = byte;
    }
}

uint8_t hal_uart_take_rx_overflows(void)
{
    return 0;
}

uint8_t hal_buttons_read(void)
{
    return fake_buttons;
}

void hal_led_ring_write(const hal_rgb_t pixels[HAL_LED_COUNT])
{
    memcpy(fake_leds, pixels, sizeof fake_leds);
    fake_led_writes++;
}

void hal_loop_amp_enable(bool on)
{
    fake_amp_on = on;
}

void hal_loop_amp_gain(uint8_t duty)
{
    fake_amp_gain = duty;
}

uint16_t hal_adc_read_loop_current(void)
{
    return fake_adc;
}

void hal_watchdog_kick(void)
{
    fake_watchdog_kicks++;
}

bool hal_reset_was_watchdog(void)
{
    bool was = fake_watchdog_reset;
    fake_watchdog_reset = false;
    return was;
}

uint32_t hal_board_id(void)
{
    return fake_board_id;
}
