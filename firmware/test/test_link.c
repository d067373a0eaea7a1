/* Link behaviour seen from the wire: ACK/NACK, retransmission, duplicates. */
#include "board_helpers.h"
#include "ioboard.h"
#include "test.h"

static void hello_gets_hello_ack_with_identity(void)
{
    fake_board_id = 0xA1B2C3D4u;
    ioboard_init();
    frames_t boot = board_sent();
    CHECK_EQ(count_of(&boot, IOB_MSG_HELLO), 1);
    uint8_t hello[IOB_HELLO_LEN] = { IOB_PROTOCOL_VERSION };
    host_send(0, IOB_MSG_HELLO, hello, sizeof hello);
    advance(1);
    frames_t out = board_sent();
    const iob_frame_t *ack = last_of(&out, IOB_MSG_HELLO_ACK);
    CHECK(ack != NULL);
    if (ack) {
        CHECK_EQ(ack->payload[IOB_HELLO_ACK_PROTOCOL_VERSION], IOB_PROTOCOL_VERSION);
        CHECK_EQ(ack->payload[IOB_HELLO_ACK_FW_MINOR], 1);
        CHECK_EQ(ack->payload[IOB_HELLO_ACK_BOARD_ID], 0xD4);
        CHECK_EQ(ack->payload[IOB_HELLO_ACK_BOARD_ID + 3], 0xA1);
    }
}

static void bad_crc_gets_nack_bad_crc(void)
{
    boot_with_host();
    iob_frame_t f = { IOB_PROTOCOL_VERSION, 9, IOB_MSG_LOOP_SET, 2, { 1, 10 } };
    uint8_t wire[FRAME_WIRE_MAX];
    size_t n = frame_encode(&f, wire);
    wire[n - 2] ^= 0x10; /* CRC high byte, still non-zero */
    fake_uart_feed(wire, n);
    advance(1);
    frames_t out = board_sent();
    const iob_frame_t *nack = last_of(&out, IOB_MSG_NACK);
    CHECK(nack != NULL);
    if (nack) {
        CHECK_EQ(nack->payload[IOB_NACK_NACKED_SEQ], 9);
        CHECK_EQ(nack->payload[IOB_NACK_REASON], IOB_NACK_REASON_BAD_CRC);
    }
    CHECK(!fake_amp_on);
}

static void unknown_type_and_bad_payload_get_nacks(void)
{
    boot_with_host();
    uint8_t p[4] = { 0 };
    host_send(1, 0x7F, p, 1);
    advance(1);
    frames_t out = board_sent();
    CHECK(last_of(&out, IOB_MSG_NACK) && last_of(&out, IOB_MSG_NACK)->payload[IOB_NACK_REASON] == IOB_NACK_REASON_UNKNOWN_TYPE);
    host_send(2, IOB_MSG_LOOP_SET, p, 3);
    advance(1);
    out = board_sent();
    CHECK(last_of(&out, IOB_MSG_NACK) && last_of(&out, IOB_MSG_NACK)->payload[IOB_NACK_REASON] == IOB_NACK_REASON_BAD_PAYLOAD);
    uint8_t bad_enable[2] = { 2, 0 };
    host_send(3, IOB_MSG_LOOP_SET, bad_enable, 2);
    advance(1);
    out = board_sent();
    CHECK(last_of(&out, IOB_MSG_NACK) && last_of(&out, IOB_MSG_NACK)->payload[IOB_NACK_REASON] == IOB_NACK_REASON_BAD_PAYLOAD);
}

static void button_event_is_retransmitted_until_dropped(void)
{
    frames_t out = press_after_boot(0x01);
    CHECK_EQ(count_of(&out, IOB_MSG_BUTTON_EVENT), 1);
    uint8_t seq = last_of(&out, IOB_MSG_BUTTON_EVENT)->seq;
    for (uint8_t retry = 1; retry <= IOB_MAX_RETRIES; retry++) {
        advance(IOB_ACK_TIMEOUT_MS);
        out = board_sent();
        CHECK_EQ(count_of(&out, IOB_MSG_BUTTON_EVENT), 1);
        const iob_frame_t *ev = last_of(&out, IOB_MSG_BUTTON_EVENT);
        CHECK(ev && ev->seq == seq);
    }
    advance(IOB_ACK_TIMEOUT_MS * 3);
    out = board_sent();
    for (int i = 0; i < out.n; i++) {
        CHECK(out.f[i].type != IOB_MSG_BUTTON_EVENT || out.f[i].seq != seq);
    }
    CHECK_EQ(ioboard_state()->link.dropped, 1);
}

static void ack_stops_retransmission(void)
{
    frames_t out = press_after_boot(0x02);
    const iob_frame_t *ev = last_of(&out, IOB_MSG_BUTTON_EVENT);
    CHECK(ev != NULL);
    if (!ev) {
        return;
    }
    CHECK_EQ(ev->payload[IOB_BUTTON_EVENT_BUTTON], IOB_BUTTON_ID_VOLUME_DOWN);
    CHECK_EQ(ev->payload[IOB_BUTTON_EVENT_ACTION], IOB_BUTTON_ACTION_PRESS);
    uint8_t ack[1] = { ev->seq };
    host_send(1, IOB_MSG_ACK, ack, 1);
    advance(IOB_ACK_TIMEOUT_MS * 4); /* still short of the hold time */
    out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_BUTTON_EVENT), 0);
    CHECK_EQ(ioboard_state()->link.dropped, 0);
    CHECK_EQ(link_pending(&ioboard_state()->link), 0);
}

static void nack_busy_retransmits_at_once(void)
{
    frames_t out = press_after_boot(0x04);
    const iob_frame_t *ev = last_of(&out, IOB_MSG_BUTTON_EVENT);
    CHECK(ev != NULL);
    if (!ev) {
        return;
    }
    uint8_t nack[2] = { ev->seq, IOB_NACK_REASON_BUSY };
    host_send(1, IOB_MSG_NACK, nack, 2);
    advance(1);
    out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_BUTTON_EVENT), 1);
}

static void call_button_is_reported_as_button_3(void)
{
    frames_t out = press_after_boot(0x08); /* PD5: the pod's call button */
    const iob_frame_t *ev = last_of(&out, IOB_MSG_BUTTON_EVENT);
    CHECK(ev != NULL);
    if (!ev) {
        return;
    }
    CHECK_EQ(ev->payload[IOB_BUTTON_EVENT_BUTTON], IOB_BUTTON_ID_CALL);
    CHECK_EQ(ev->payload[IOB_BUTTON_EVENT_ACTION], IOB_BUTTON_ACTION_PRESS);
}

static void duplicate_reliable_message_is_acked_not_applied(void)
{
    boot_with_host();
    uint8_t solid[6] = { IOB_LED_PATTERN_SOLID, 0, 0, 255, 0, 0 };
    uint8_t blink[6] = { IOB_LED_PATTERN_BLINK, 255, 0, 0, 0, 0 };
    host_send(5, IOB_MSG_LED_PATTERN, solid, 6);
    advance(1);
    host_send(5, IOB_MSG_LED_PATTERN, blink, 6); /* same seq: a retransmission */
    advance(1);
    frames_t out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_ACK), 2);
    CHECK_EQ(ioboard_state()->host_led.pattern, IOB_LED_PATTERN_SOLID);
    host_send(6, IOB_MSG_LED_PATTERN, blink, 6);
    advance(1);
    CHECK_EQ(ioboard_state()->host_led.pattern, IOB_LED_PATTERN_BLINK);
    /* The same seq long after the retry period is the counter wrapping: a new message. */
    advance(LINK_DUPLICATE_WINDOW_MS);
    host_send(6, IOB_MSG_LED_PATTERN, solid, 6);
    advance(1);
    CHECK_EQ(ioboard_state()->host_led.pattern, IOB_LED_PATTERN_SOLID);
    /* A new HELLO starts a new session: the last seq (7) is new again at once. */
    host_send(7, IOB_MSG_LED_PATTERN, blink, 6);
    advance(1);
    CHECK_EQ(ioboard_state()->host_led.pattern, IOB_LED_PATTERN_BLINK);
    uint8_t hello[IOB_HELLO_LEN] = { IOB_PROTOCOL_VERSION };
    host_send(0, IOB_MSG_HELLO, hello, sizeof hello);
    host_send(7, IOB_MSG_LED_PATTERN, solid, 6);
    advance(1);
    CHECK_EQ(ioboard_state()->host_led.pattern, IOB_LED_PATTERN_SOLID);
}

static void garbage_between_frames_is_survived(void)
{
    boot_with_host();
    uint8_t junk[100];
    for (int i = 0; i < 100; i++) {
        junk[i] = (uint8_t)(0x80 | i);
    }
    fake_uart_feed(junk, sizeof junk);
    uint8_t zero = 0;
    fake_uart_feed(&zero, 1);
    uint8_t on[2] = { 1, 200 };
    host_send(1, IOB_MSG_LOOP_SET, on, 2);
    advance(1);
    frames_t out = board_sent();
    CHECK_EQ(count_of(&out, IOB_MSG_ACK), 1);
    CHECK(fake_amp_on);
    CHECK_EQ(fake_amp_gain, 200);
}

void run_link_tests(void)
{
    RUN(hello_gets_hello_ack_with_identity);
    RUN(bad_crc_gets_nack_bad_crc);
    RUN(unknown_type_and_bad_payload_get_nacks);
    RUN(button_event_is_retransmitted_until_dropped);
    RUN(ack_stops_retransmission);
    RUN(nack_busy_retransmits_at_once);
    RUN(call_button_is_reported_as_button_3);
    RUN(duplicate_reliable_message_is_acked_not_applied);
    RUN(garbage_between_frames_is_survived);
}
