#include "link.h"

#include <string.h>

#include "hal.h"

void link_init(link_t *l)
{
    memset(l, 0, sizeof *l);
    l->last_rx_seq = -1;
}

static void transmit(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len)
{
    iob_frame_t f;
    uint8_t wire[FRAME_WIRE_MAX];
    f.version = IOB_PROTOCOL_VERSION;
    f.seq = seq;
    f.type = type;
    f.len = len;
    if (len > 0) {
        memcpy(f.payload, payload, len);
    }
    size_t n = frame_encode(&f, wire);
    for (size_t i = 0; i < n; i++) {
        hal_uart_write_byte(wire[i]);
    }
}

void link_send(link_t *l, uint8_t type, const uint8_t *payload, uint8_t len)
{
    transmit(l->tx_seq++, type, payload, len);
}

bool link_send_reliable(link_t *l, uint8_t type, const uint8_t *payload, uint8_t len)
{
    if (l->count >= LINK_QUEUE_LEN || len > IOB_MAX_PAYLOAD) {
        return false;
    }
    link_msg_t *m = &l->queue[(l->head + l->count) % LINK_QUEUE_LEN];
    m->type = type;
    m->len = len;
    memcpy(m->payload, payload, len);
    l->count++;
    return true;
}

static void pop_head(link_t *l)
{
    l->head = (uint8_t)((l->head + 1u) % LINK_QUEUE_LEN);
    l->count--;
    l->in_flight = false;
    l->retries = 0;
}

void link_poll(link_t *l, uint32_t now)
{
    if (l->count == 0) {
        return;
    }
    const link_msg_t *m = &l->queue[l->head];
    if (!l->in_flight) {
        l->in_flight = true;
        l->in_flight_seq = l->tx_seq++;
        l->retries = 0;
        l->sent_at = now;
        transmit(l->in_flight_seq, m->type, m->payload, m->len);
        return;
    }
    if ((uint32_t)(now - l->sent_at) < IOB_ACK_TIMEOUT_MS) {
        return;
    }
    if (l->retries >= IOB_MAX_RETRIES) {
        l->dropped++;
        l->last_dropped_type = m->type;
        pop_head(l);
        link_poll(l, now);
        return;
    }
    l->retries++;
    l->sent_at = now;
    transmit(l->in_flight_seq, m->type, m->payload, m->len);
}

void link_nack(link_t *l, uint8_t seq, uint8_t reason)
{
    uint8_t p[IOB_NACK_LEN];
    p[IOB_NACK_NACKED_SEQ] = seq;
    p[IOB_NACK_REASON] = reason;
    link_send(l, IOB_MSG_NACK, p, sizeof p);
}

void link_ack(link_t *l, const iob_frame_t *f, uint32_t now)
{
    uint8_t p[IOB_ACK_LEN];
    p[IOB_ACK_ACKED_SEQ] = f->seq;
    l->last_rx_seq = f->seq;
    l->last_rx_at = now;
    link_send(l, IOB_MSG_ACK, p, sizeof p);
}

void link_reset_rx(link_t *l)
{
    l->last_rx_seq = -1;
}

uint8_t link_pending(const link_t *l)
{
    return l->count;
}

void link_on_frame_error(link_t *l, frame_error_t err, uint8_t seq)
{
    switch (err) {
    case FRAME_ERR_CRC:
        link_nack(l, seq, IOB_NACK_REASON_BAD_CRC);
        break;
    case FRAME_ERR_LENGTH:
        link_nack(l, seq, IOB_NACK_REASON_BAD_LENGTH);
        break;
    case FRAME_ERR_VERSION:
        link_nack(l, seq, IOB_NACK_REASON_BAD_VERSION);
        break;
    default:
        break; /* line noise: no answer, the sender's timeout covers it */
    }
}

link_rx_t link_on_frame(link_t *l, const iob_frame_t *f, uint32_t now)
{
    int16_t expected = iob_payload_len(f->type);
    if (expected < 0) {
        link_nack(l, f->seq, IOB_NACK_REASON_UNKNOWN_TYPE);
        return LINK_REJECTED;
    }
    if (f->len != (uint8_t)expected) {
        link_nack(l, f->seq, IOB_NACK_REASON_BAD_PAYLOAD);
        return LINK_REJECTED;
    }
    if (f->type == IOB_MSG_ACK) {
        if (l->in_flight && f->payload[IOB_ACK_ACKED_SEQ] == l->in_flight_seq) {
            pop_head(l);
            link_poll(l, now);
        }
        return LINK_CONSUMED;
    }
    if (f->type == IOB_MSG_NACK) {
        if (l->in_flight && f->payload[IOB_NACK_NACKED_SEQ] == l->in_flight_seq) {
            uint8_t reason = f->payload[IOB_NACK_REASON];
            if (reason == IOB_NACK_REASON_UNKNOWN_TYPE || reason == IOB_NACK_REASON_BAD_PAYLOAD ||
                reason == IOB_NACK_REASON_BAD_VERSION) {
                l->dropped++;
                l->last_dropped_type = l->queue[l->head].type;
                pop_head(l);
            } else {
                l->sent_at = now - IOB_ACK_TIMEOUT_MS; /* retransmit on this poll (counts as a retry) */
            }
            link_poll(l, now);
        }
        return LINK_CONSUMED;
    }
    if (iob_is_reliable(f->type) && l->last_rx_seq == (int16_t)f->seq &&
        (uint32_t)(now - l->last_rx_at) < LINK_DUPLICATE_WINDOW_MS) {
        uint8_t p[IOB_ACK_LEN];
        p[IOB_ACK_ACKED_SEQ] = f->seq;
        link_send(l, IOB_MSG_ACK, p, sizeof p);
        return LINK_DUPLICATE;
    }
    return LINK_DELIVER;
}
