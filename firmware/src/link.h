/* Link layer: sequence numbers, ACK/NACK, retransmission of reliable messages until ACKed
 * (one in flight, the rest queued), and duplicate detection of the host's reliable messages. */
#ifndef IOB_LINK_H
#define IOB_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

#define LINK_QUEUE_LEN 6u
/* A repeated seq is a retransmission only within the sender's whole retry period; later it
 * is the 8-bit counter wrapping round to a new message. */
#define LINK_DUPLICATE_WINDOW_MS (IOB_ACK_TIMEOUT_MS * (IOB_MAX_RETRIES + 1u))

typedef struct {
    uint8_t type;
    uint8_t len;
    uint8_t payload[IOB_MAX_PAYLOAD];
} link_msg_t;

typedef enum {
    LINK_DELIVER = 0, /* a new message for the application (reliable ones still need link_ack/link_nack) */
    LINK_DUPLICATE,   /* a retransmitted reliable message already applied: ACKed again, do not apply */
    LINK_CONSUMED,    /* ACK/NACK handled inside the link */
    LINK_REJECTED     /* answered with NACK */
} link_rx_t;

typedef struct {
    uint8_t tx_seq;
    int16_t last_rx_seq; /* seq of the last applied reliable message from the host, -1 none */
    uint32_t last_rx_at;
    link_msg_t queue[LINK_QUEUE_LEN];
    uint8_t head;
    uint8_t count;
    bool in_flight;
    uint8_t in_flight_seq;
    uint32_t sent_at;
    uint8_t retries;
    uint16_t dropped;       /* reliable messages given up after IOB_MAX_RETRIES */
    uint8_t last_dropped_type;
} link_t;

void link_init(link_t *l);
/* Sends at once, without waiting for an ACK. */
void link_send(link_t *l, uint8_t type, const uint8_t *payload, uint8_t len);
/* Queues a message that is retransmitted until ACKed; false when the queue is full. */
bool link_send_reliable(link_t *l, uint8_t type, const uint8_t *payload, uint8_t len);
/* Sends queued and timed-out reliable messages. */
void link_poll(link_t *l, uint32_t now);
/* Checks a received frame (type known, payload length), handles ACK/NACK, answers
 * duplicates. */
link_rx_t link_on_frame(link_t *l, const iob_frame_t *f, uint32_t now);
/* Answers a bad frame from the decoder with the matching NACK, when it deserves one. */
void link_on_frame_error(link_t *l, frame_error_t err, uint8_t seq);
/* Accepts a delivered reliable message: ACK and remember its seq. */
void link_ack(link_t *l, const iob_frame_t *f, uint32_t now);
void link_nack(link_t *l, uint8_t seq, uint8_t reason);
/* Forgets the host's last seq (a new session after HELLO). */
void link_reset_rx(link_t *l);
uint8_t link_pending(const link_t *l);

#endif
