#include "ioboard.h"

#include <string.h>

#include "hal.h"
#include "protocol_gen.h"
#include "version.h"

static ioboard_t b;

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (uint8_t i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

static void send_identity(uint8_t type)
{
    uint8_t p[IOB_HELLO_LEN];
    p[IOB_HELLO_PROTOCOL_VERSION] = IOB_PROTOCOL_VERSION;
    p[IOB_HELLO_FW_MAJOR] = FW_VERSION_MAJOR;
    p[IOB_HELLO_FW_MINOR] = FW_VERSION_MINOR;
    p[IOB_HELLO_FW_PATCH] = FW_VERSION_PATCH;
    put_u32(&p[IOB_HELLO_BOARD_ID], hal_board_id());
    link_send(&b.link, type, p, sizeof p);
}

static void send_fault(uint8_t code, uint8_t detail)
{
    uint8_t p[IOB_FAULT_LEN];
    p[IOB_FAULT_CODE] = code;
    p[IOB_FAULT_DETAIL] = detail;
    if (!link_send_reliable(&b.link, IOB_MSG_FAULT, p, sizeof p)) {
        b.dropped_events++;
    }
}

static void send_loop_status(uint32_t now)
{
    uint8_t p[IOB_LOOP_STATUS_LEN];
    p[IOB_LOOP_STATUS_ENABLED] = b.loop.output_on ? 1u : 0u;
    p[IOB_LOOP_STATUS_GAIN] = b.loop.gain;
    put_u16(&p[IOB_LOOP_STATUS_CURRENT_MA], b.loop.current_ma);
    p[IOB_LOOP_STATUS_FAULT] = b.loop.fault;
    b.last_loop_status_at = now;
    if (!link_send_reliable(&b.link, IOB_MSG_LOOP_STATUS, p, sizeof p)) {
        b.dropped_events++;
    }
}

static uint8_t heartbeat_flags(void)
{
    uint8_t f = 0;
    if (b.host_lost) {
        f |= IOB_HEARTBEAT_FLAG_HOST_LOST;
    }
    if (b.loop.output_on) {
        f |= IOB_HEARTBEAT_FLAG_LOOP_ENABLED;
    }
    if (b.loop.fault != IOB_LOOP_FAULT_NONE) {
        f |= IOB_HEARTBEAT_FLAG_LOOP_FAULT;
    }
    return f;
}

static void send_heartbeat(uint32_t now)
{
    uint8_t p[IOB_HEARTBEAT_LEN];
    p[IOB_HEARTBEAT_FLAGS] = heartbeat_flags();
    p[IOB_HEARTBEAT_LED_PATTERN] = b.host_lost ? IOB_LED_PATTERN_HOST_LOST : b.host_led.pattern;
    put_u16(&p[IOB_HEARTBEAT_UPTIME_S], (uint16_t)(now / 1000u));
    b.last_heartbeat_at = now;
    link_send(&b.link, IOB_MSG_HEARTBEAT, p, sizeof p);
}

static void host_seen(uint32_t now)
{
    b.last_host_at = now;
    if (b.host_lost) {
        b.host_lost = false;
        send_fault(IOB_FAULT_CODE_HOST_BACK, 0);
    }
}

static void on_led_pattern(const iob_frame_t *f, uint32_t now)
{
    const uint8_t *p = f->payload;
    if (p[IOB_LED_PATTERN_PATTERN] > IOB_LED_PATTERN_HOST_LOST) {
        link_nack(&b.link, f->seq, IOB_NACK_REASON_BAD_PAYLOAD);
        return;
    }
    link_ack(&b.link, f, now);
    b.host_led.pattern = p[IOB_LED_PATTERN_PATTERN];
    b.host_led.colour.r = p[IOB_LED_PATTERN_RED];
    b.host_led.colour.g = p[IOB_LED_PATTERN_GREEN];
    b.host_led.colour.b = p[IOB_LED_PATTERN_BLUE];
    b.host_led.period_ms = (uint16_t)(p[IOB_LED_PATTERN_PERIOD_MS] | (p[IOB_LED_PATTERN_PERIOD_MS + 1] << 8));
}

static void on_loop_set(const iob_frame_t *f, uint32_t now)
{
    const uint8_t *p = f->payload;
    if (p[IOB_LOOP_SET_ENABLE] > 1u) {
        link_nack(&b.link, f->seq, IOB_NACK_REASON_BAD_PAYLOAD);
        return;
    }
    link_ack(&b.link, f, now);
    loop_set(&b.loop, p[IOB_LOOP_SET_ENABLE] != 0, p[IOB_LOOP_SET_GAIN], now);
}

static void on_frame(const iob_frame_t *f, uint32_t now)
{
    link_rx_t r = link_on_frame(&b.link, f, now);
    if (r == LINK_REJECTED || r == LINK_CONSUMED) {
        return;
    }
    bool fresh = r == LINK_DELIVER;
    switch (f->type) {
    case IOB_MSG_HELLO:
        link_reset_rx(&b.link);
        host_seen(now);
        send_identity(IOB_MSG_HELLO_ACK);
        break;
    case IOB_MSG_HEARTBEAT:
        host_seen(now);
        break;
    case IOB_MSG_LED_PATTERN:
        if (fresh) {
            on_led_pattern(f, now);
        }
        break;
    case IOB_MSG_LOOP_SET:
        if (fresh) {
            on_loop_set(f, now);
        }
        break;
    default:
        /* Board-to-host types coming the wrong way. */
        link_nack(&b.link, f->seq, IOB_NACK_REASON_UNKNOWN_TYPE);
        break;
    }
}

static void read_uart(uint32_t now)
{
    uint8_t byte;
    iob_frame_t f;
    frame_error_t err;
    while (hal_uart_read_byte(&byte)) {
        frame_result_t r = frame_decoder_push(&b.decoder, byte, &f, &err);
        if (r == FRAME_OK) {
            on_frame(&f, now);
        } else if (r == FRAME_ERROR) {
            b.frame_errors++;
            link_on_frame_error(&b.link, err, f.seq);
        }
    }
    uint8_t lost = hal_uart_take_rx_overflows();
    if (lost) {
        send_fault(IOB_FAULT_CODE_RX_OVERFLOW, lost);
    }
}

static void poll_buttons(uint32_t now)
{
    button_event_t ev[DEBOUNCE_MAX_EVENTS];
    uint8_t n = debounce_update(&b.buttons, hal_buttons_read(), now, ev);
    for (uint8_t i = 0; i < n; i++) {
        uint8_t p[IOB_BUTTON_EVENT_LEN];
        p[IOB_BUTTON_EVENT_BUTTON] = ev[i].button;
        p[IOB_BUTTON_EVENT_ACTION] = ev[i].action;
        if (!link_send_reliable(&b.link, IOB_MSG_BUTTON_EVENT, p, sizeof p)) {
            b.dropped_events++;
        }
    }
}

static void poll_loop(uint32_t now)
{
    if ((uint32_t)(now - b.last_adc_at) < IOBOARD_ADC_INTERVAL_MS) {
        return;
    }
    b.last_adc_at = now;
    if (loop_sample(&b.loop, hal_adc_read_loop_current(), now)) {
        send_loop_status(now);
    } else if (b.loop.requested && (uint32_t)(now - b.last_loop_status_at) >= IOB_LOOP_STATUS_INTERVAL_MS) {
        send_loop_status(now);
    }
}

static void poll_host_watchdog(uint32_t now)
{
    if (!b.host_lost && (uint32_t)(now - b.last_host_at) >= IOB_HOST_LOST_MS) {
        b.host_lost = true;
        send_fault(IOB_FAULT_CODE_HOST_LOST, 0);
    }
}

static void poll_leds(uint32_t now)
{
    static const led_setting_t HOST_LOST = { IOB_LED_PATTERN_HOST_LOST, { 0, 0, 0 }, 0 };
    if ((uint32_t)(now - b.last_led_at) < IOBOARD_LED_INTERVAL_MS) {
        return;
    }
    b.last_led_at = now;
    hal_rgb_t px[HAL_LED_COUNT];
    led_render(b.host_lost ? &HOST_LOST : &b.host_led, now, px);
    hal_led_ring_write(px);
}

void ioboard_init(void)
{
    uint32_t now = hal_millis();
    memset(&b, 0, sizeof b);
    link_init(&b.link);
    frame_decoder_init(&b.decoder);
    debounce_init(&b.buttons, now);
    loop_init(&b.loop);
    b.last_host_at = now;
    b.last_heartbeat_at = now;
    b.last_adc_at = now;
    b.last_led_at = now;
    b.last_loop_status_at = now;
    /* A leading delimiter flushes whatever the host's receiver holds. */
    hal_uart_write_byte(0);
    send_identity(IOB_MSG_HELLO);
    if (hal_reset_was_watchdog()) {
        send_fault(IOB_FAULT_CODE_WATCHDOG_RESET, 0);
    }
}

void ioboard_poll(void)
{
    uint32_t now = hal_millis();
    hal_watchdog_kick();
    read_uart(now);
    poll_buttons(now);
    poll_loop(now);
    poll_host_watchdog(now);
    if ((uint32_t)(now - b.last_heartbeat_at) >= IOB_HEARTBEAT_INTERVAL_MS) {
        send_heartbeat(now);
    }
    poll_leds(now);
    link_poll(&b.link, now);
}

const ioboard_t *ioboard_state(void)
{
    return &b;
}
