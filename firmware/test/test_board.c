/* Debounce, host watchdog, loop faults and LED patterns through the board's main loop. */
#include <string.h>

#include "board_helpers.h"
#include "debounce.h"
#include "ioboard.h"
#include "led.h"
#include "loop.h"
#include "test.h"

static void short_bounces_give_no_event(void)
{
    debounce_t d;
    button_event_t ev[DEBOUNCE_MAX_EVENTS];
    debounce_init(&d, 0);
    uint32_t t = 0;
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(debounce_update(&d, (i % 2) ? 0x01 : 0x00, t, ev), 0);
        t += 5;
    }
    CHECK_EQ(debounce_update(&d, 0x00, t + 100, ev), 0);
}

static void stable_press_gives_press_hold_release(void)
{
    debounce_t d;
    button_event_t ev[DEBOUNCE_MAX_EVENTS];
    debounce_init(&d, 0);
    CHECK_EQ(debounce_update(&d, 0x04, 100, ev), 0);
    CHECK_EQ(debounce_update(&d, 0x04, 100 + IOB_DEBOUNCE_MS - 1, ev), 0);
    CHECK_EQ(debounce_update(&d, 0x04, 100 + IOB_DEBOUNCE_MS, ev), 1);
    CHECK_EQ(ev[0].button, 2);
    CHECK_EQ(ev[0].action, IOB_BUTTON_ACTION_PRESS);
    uint32_t pressed = 100 + IOB_DEBOUNCE_MS;
    CHECK_EQ(debounce_update(&d, 0x04, pressed + IOB_HOLD_MS - 1, ev), 0);
    CHECK_EQ(debounce_update(&d, 0x04, pressed + IOB_HOLD_MS, ev), 1);
    CHECK_EQ(ev[0].action, IOB_BUTTON_ACTION_HOLD);
    CHECK_EQ(debounce_update(&d, 0x04, pressed + 3 * IOB_HOLD_MS, ev), 0); /* hold only once */
    CHECK_EQ(debounce_update(&d, 0x00, 5000, ev), 0);
    CHECK_EQ(debounce_update(&d, 0x00, 5000 + IOB_DEBOUNCE_MS, ev), 1);
    CHECK_EQ(ev[0].action, IOB_BUTTON_ACTION_RELEASE);
}

static void two_buttons_debounce_independently(void)
{
    debounce_t d;
    button_event_t ev[DEBOUNCE_MAX_EVENTS];
    debounce_init(&d, 0);
    debounce_update(&d, 0x01, 0, ev);
    debounce_update(&d, 0x03, 10, ev);
    CHECK_EQ(debounce_update(&d, 0x03, IOB_DEBOUNCE_MS, ev), 1);
    CHECK_EQ(ev[0].button, 0);
    CHECK_EQ(debounce_update(&d, 0x03, 10 + IOB_DEBOUNCE_MS, ev), 1);
    CHECK_EQ(ev[0].button, 1);
}

static bool ring_is(hal_rgb_t c)
{
    for (unsigned i = 0; i < HAL_LED_COUNT; i++) {
        if (fake_leds[i].r != c.r || fake_leds[i].g != c.g || fake_leds[i].b != c.b) {
            return false;
        }
    }
    return true;
}

static void host_lost_after_5_s_without_heartbeat(void)
{
    boot_with_host();
    uint8_t solid[6] = { IOB_LED_PATTERN_SOLID, 0, 200, 0, 0, 0 };
    host_send(1, IOB_MSG_LED_PATTERN, solid, 6);
    advance(IOB_HOST_LOST_MS - 100);
    uint8_t hb[IOB_HEARTBEAT_LEN] = { 0 };
    host_send(2, IOB_MSG_HEARTBEAT, hb, sizeof hb); /* resets the watchdog */
    advance(IOB_HOST_LOST_MS - 2);
    CHECK(!ioboard_state()->host_lost);
    CHECK(ring_is((hal_rgb_t){ 0, 200, 0 }));
    board_sent();
    advance(2);
    CHECK(ioboard_state()->host_lost);
    frames_t out = board_sent();
    const iob_frame_t *fault = last_of(&out, IOB_MSG_FAULT);
    CHECK(fault && fault->payload[IOB_FAULT_CODE] == IOB_FAULT_CODE_HOST_LOST);

    /* The ring shows the host-lost flashes, and heartbeats say so. */
    uint32_t lit = 0, dark = 0;
    bool amber = false;
    for (int i = 0; i < 100; i++) {
        advance(20);
        if (fake_leds[0].r == 0 && fake_leds[0].g == 0) {
            dark++;
        } else {
            lit++;
            amber = amber || (fake_leds[0].r == 255 && fake_leds[0].g > 0 && fake_leds[0].b == 0);
        }
    }
    CHECK(lit > 0 && dark > lit);
    CHECK(amber);
    out = board_sent();
    const iob_frame_t *beat = last_of(&out, IOB_MSG_HEARTBEAT);
    CHECK(beat && (beat->payload[IOB_HEARTBEAT_FLAGS] & IOB_HEARTBEAT_FLAG_HOST_LOST));
    CHECK(beat && beat->payload[IOB_HEARTBEAT_LED_PATTERN] == IOB_LED_PATTERN_HOST_LOST);

    /* A heartbeat brings the host back and its pattern with it. */
    host_send(3, IOB_MSG_HEARTBEAT, hb, sizeof hb);
    advance(IOBOARD_LED_INTERVAL_MS + 1);
    CHECK(!ioboard_state()->host_lost);
    CHECK(ring_is((hal_rgb_t){ 0, 200, 0 }));
    out = board_sent();
    fault = last_of(&out, IOB_MSG_FAULT);
    CHECK(fault && fault->payload[IOB_FAULT_CODE] == IOB_FAULT_CODE_HOST_BACK);
}

static void acks_do_not_count_as_heartbeats(void)
{
    boot_with_host();
    for (int i = 0; i < 60; i++) {
        uint8_t ack[1] = { (uint8_t)i };
        host_send((uint8_t)(10 + i), IOB_MSG_ACK, ack, 1);
        advance(100);
    }
    CHECK(ioboard_state()->host_lost);
}

static const iob_frame_t *loop_status_after(uint32_t ms, frames_t *out)
{
    advance(ms);
    *out = board_sent();
    return last_of(out, IOB_MSG_LOOP_STATUS);
}

static void loop_open_detected_while_enabled(void)
{
    boot_with_host();
    uint8_t on[2] = { 1, 128 };
    fake_adc = 8; /* 39 mA: below the open threshold */
    host_send(1, IOB_MSG_LOOP_SET, on, 2);
    frames_t out;
    const iob_frame_t *st = loop_status_after(IOB_LOOP_SETTLE_MS + IOB_LOOP_OPEN_DELAY_MS - 50, &out);
    CHECK(st == NULL);
    CHECK(fake_amp_on);
    CHECK_EQ(fake_amp_gain, 128);
    st = loop_status_after(100, &out);
    CHECK(st != NULL);
    if (st) {
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_FAULT], IOB_LOOP_FAULT_OPEN);
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_ENABLED], 1);
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_CURRENT_MA], 39);
    }
    CHECK(fake_amp_on); /* an open loop is harmless: the amplifier stays on */
}

static void loop_short_detected_and_amp_switched_off(void)
{
    boot_with_host();
    uint8_t on[2] = { 1, 255 };
    fake_adc = 200; /* 976 mA: healthy */
    host_send(1, IOB_MSG_LOOP_SET, on, 2);
    frames_t out;
    const iob_frame_t *st = loop_status_after(IOB_LOOP_SETTLE_MS + 200, &out);
    CHECK(st == NULL);
    fake_adc = 700; /* 3417 mA */
    st = loop_status_after(IOB_LOOP_SHORT_DELAY_MS + 60, &out);
    CHECK(st != NULL);
    if (st) {
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_FAULT], IOB_LOOP_FAULT_SHORT);
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_ENABLED], 0);
    }
    CHECK(!fake_amp_on);
    /* LOOP_SET clears the latched fault and switches on again. */
    fake_adc = 200;
    host_send(2, IOB_MSG_LOOP_SET, on, 2);
    advance(1);
    CHECK(fake_amp_on);
    CHECK_EQ(ioboard_state()->loop.fault, IOB_LOOP_FAULT_NONE);
}

static void healthy_loop_reports_periodically(void)
{
    boot_with_host();
    uint8_t on[2] = { 1, 100 };
    fake_adc = 300; /* 1464 mA */
    host_send(1, IOB_MSG_LOOP_SET, on, 2);
    advance(IOB_LOOP_STATUS_INTERVAL_MS + 10);
    frames_t out = board_sent();
    const iob_frame_t *st = last_of(&out, IOB_MSG_LOOP_STATUS);
    CHECK(st != NULL);
    if (st) {
        CHECK_EQ(st->payload[IOB_LOOP_STATUS_FAULT], IOB_LOOP_FAULT_NONE);
        uint16_t ma = (uint16_t)(st->payload[IOB_LOOP_STATUS_CURRENT_MA] | (st->payload[IOB_LOOP_STATUS_CURRENT_MA + 1] << 8));
        CHECK(ma > 1400 && ma < 1500);
    }
}

static void disabled_loop_has_no_faults(void)
{
    boot_with_host();
    fake_adc = 0;
    advance(3000);
    frames_t out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_LOOP_STATUS), 0);
    CHECK(!fake_amp_on);
}

static void led_patterns_render(void)
{
    hal_rgb_t px[HAL_LED_COUNT];
    led_setting_t blink = { IOB_LED_PATTERN_BLINK, { 10, 20, 30 }, 1000 };
    led_render(&blink, 100, px);
    CHECK(px[5].r == 10 && px[5].g == 20 && px[5].b == 30);
    led_render(&blink, 600, px);
    CHECK(px[5].r == 0 && px[5].b == 0);
    led_setting_t spin = { IOB_LED_PATTERN_SPIN, { 0, 0, 255 }, 1200 };
    led_render(&spin, 300, px); /* pixel 3 leads */
    CHECK_EQ(px[3].b, 255);
    CHECK(px[2].b > 0 && px[2].b < 255);
    CHECK_EQ(px[6].b, 0);
    led_setting_t breathe = { IOB_LED_PATTERN_BREATHE, { 200, 200, 200 }, 0 };
    led_render(&breathe, 500, px);
    CHECK_EQ(px[0].r, 200);
    led_render(&breathe, 0, px);
    CHECK_EQ(px[0].r, 0);
    led_setting_t off = { IOB_LED_PATTERN_OFF, { 200, 200, 200 }, 0 };
    led_render(&off, 0, px);
    CHECK_EQ(px[0].r, 0);
}

static void heartbeat_every_second_and_watchdog_kicked(void)
{
    boot_with_host();
    advance(3000);
    frames_t out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_HEARTBEAT), 3);
    CHECK(fake_watchdog_kicks >= 3000);
}

static void watchdog_reset_is_reported_after_boot(void)
{
    fake_watchdog_reset = true;
    ioboard_init();
    advance(1);
    frames_t out = board_sent();
    const iob_frame_t *fault = last_of(&out, IOB_MSG_FAULT);
    CHECK(fault && fault->payload[IOB_FAULT_CODE] == IOB_FAULT_CODE_WATCHDOG_RESET);
}

void run_board_tests(void)
{
    RUN(short_bounces_give_no_event);
    RUN(stable_press_gives_press_hold_release);
    RUN(two_buttons_debounce_independently);
    RUN(host_lost_after_5_s_without_heartbeat);
    RUN(acks_do_not_count_as_heartbeats);
    RUN(loop_open_detected_while_enabled);
    RUN(loop_short_detected_and_amp_switched_off);
    RUN(healthy_loop_reports_periodically);
    RUN(disabled_loop_has_no_faults);
    RUN(led_patterns_render);
    RUN(heartbeat_every_second_and_watchdog_kicked);
    RUN(watchdog_reset_is_reported_after_boot);
}
