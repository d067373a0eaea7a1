/* CRC, COBS and frame codec: shared vectors from protocol/ioboard.json, round trips, and the
 * streaming decoder's behaviour on garbage, truncation and corruption. */
#include <stdlib.h>
#include <string.h>

#include "cobs.h"
#include "crc16.h"
#include "frame.h"
#include "test.h"
#include "vectors_gen.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void crc_matches_shared_vectors(void)
{
    CHECK_EQ(crc16((const uint8_t *)"123456789", 9), 0x29B1);
    for (size_t i = 0; i < COUNT(IOB_CRC_VECTORS); i++) {
        uint8_t buf[64];
        size_t n = test_hex(IOB_CRC_VECTORS[i].hex, buf);
        CHECK_EQ(crc16(buf, n), IOB_CRC_VECTORS[i].crc);
    }
}

static void crc_update_in_pieces_equals_whole(void)
{
    const uint8_t *s = (const uint8_t *)"123456789";
    uint16_t c = crc16_update(0xFFFF, s, 4);
    CHECK_EQ(crc16_update(c, s + 4, 5), 0x29B1);
}

static void cobs_matches_shared_vectors(void)
{
    for (size_t i = 0; i < COUNT(IOB_COBS_VECTORS); i++) {
        uint8_t dec[64], enc[64], out[64];
        size_t dn = test_hex(IOB_COBS_VECTORS[i].decoded, dec);
        size_t en = test_hex(IOB_COBS_VECTORS[i].encoded, enc);
        CHECK_EQ(cobs_encode(dec, dn, out), en);
        CHECK(memcmp(out, enc, en) == 0);
        CHECK_EQ(cobs_decode(enc, en, out), (int)dn);
        CHECK(memcmp(out, dec, dn) == 0);
    }
}

static void cobs_round_trips_random_data(void)
{
    srand(42);
    for (int round = 0; round < 500; round++) {
        uint8_t in[600], enc[620], out[620];
        size_t n = (size_t)(rand() % 600);
        for (size_t i = 0; i < n; i++) {
            in[i] = (rand() % 4 == 0) ? 0 : (uint8_t)rand();
        }
        if (round % 10 == 0) {
            memset(in, 0x5A, n); /* long zero-free runs exercise the 254-byte blocks */
        }
        size_t en = cobs_encode(in, n, enc);
        CHECK(en <= n + n / 254 + 1);
        CHECK(memchr(enc, 0, en) == NULL);
        CHECK_EQ(cobs_decode(enc, en, out), (int)n);
        CHECK(memcmp(in, out, n) == 0);
    }
}

static void cobs_rejects_invalid_input(void)
{
    uint8_t out[16];
    const uint8_t overrun[] = { 0x05, 0x11, 0x22 };
    const uint8_t zero_inside[] = { 0x03, 0x11, 0x00 };
    const uint8_t zero_code[] = { 0x00 };
    CHECK_EQ(cobs_decode(overrun, sizeof overrun, out), -1);
    CHECK_EQ(cobs_decode(zero_inside, sizeof zero_inside, out), -1);
    CHECK_EQ(cobs_decode(zero_code, sizeof zero_code, out), -1);
    CHECK_EQ(cobs_decode(out, 0, out), -1);
}

static frame_result_t feed(frame_decoder_t *d, const uint8_t *bytes, size_t n, iob_frame_t *f, frame_error_t *err)
{
    frame_result_t last = FRAME_NONE;
    for (size_t i = 0; i < n; i++) {
        frame_result_t r = frame_decoder_push(d, bytes[i], f, err);
        if (r != FRAME_NONE) {
            last = r;
        }
    }
    return last;
}

static void frames_match_shared_vectors(void)
{
    for (size_t i = 0; i < COUNT(IOB_FRAME_VECTORS); i++) {
        const iob_frame_vector_t *v = &IOB_FRAME_VECTORS[i];
        iob_frame_t f = { IOB_PROTOCOL_VERSION, v->seq, v->type, 0, { 0 } };
        uint8_t wire[FRAME_WIRE_MAX], want[FRAME_WIRE_MAX];
        f.len = (uint8_t)test_hex(v->payload, f.payload);
        size_t wn = test_hex(v->wire, want);
        CHECK_EQ(frame_encode(&f, wire), wn);
        CHECK(memcmp(wire, want, wn) == 0);

        frame_decoder_t d;
        iob_frame_t got;
        frame_error_t err;
        frame_decoder_init(&d);
        CHECK_EQ(feed(&d, want, wn, &got, &err), FRAME_OK);
        CHECK_EQ(got.seq, v->seq);
        CHECK_EQ(got.type, v->type);
        CHECK_EQ(got.len, f.len);
        CHECK(memcmp(got.payload, f.payload, f.len) == 0);
    }
}

static void frames_round_trip_every_payload_length(void)
{
    frame_decoder_t d;
    frame_decoder_init(&d);
    for (uint8_t len = 0; len <= IOB_MAX_PAYLOAD; len++) {
        iob_frame_t f = { IOB_PROTOCOL_VERSION, (uint8_t)(len * 7u), 9, len, { 0 } };
        for (uint8_t i = 0; i < len; i++) {
            f.payload[i] = (uint8_t)(i % 3 == 0 ? 0 : i * 31u);
        }
        uint8_t wire[FRAME_WIRE_MAX];
        size_t n = frame_encode(&f, wire);
        CHECK(n <= FRAME_WIRE_MAX);
        iob_frame_t got;
        frame_error_t err;
        CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_OK);
        CHECK_EQ(got.len, len);
        CHECK_EQ(got.seq, f.seq);
        CHECK(memcmp(got.payload, f.payload, len) == 0);
    }
}

static size_t sample_frame(uint8_t *wire, uint8_t seq)
{
    iob_frame_t f = { IOB_PROTOCOL_VERSION, seq, IOB_MSG_LOOP_SET, 2, { 1, 128 } };
    return frame_encode(&f, wire);
}

static void decoder_resyncs_after_garbage(void)
{
    frame_decoder_t d;
    iob_frame_t got;
    frame_error_t err;
    uint8_t garbage[200], wire[FRAME_WIRE_MAX];
    frame_decoder_init(&d);
    srand(7);
    for (size_t i = 0; i < sizeof garbage; i++) {
        garbage[i] = (uint8_t)(1 + rand() % 255); /* no delimiter: an oversized "frame" */
    }
    CHECK_EQ(feed(&d, garbage, sizeof garbage, &got, &err), FRAME_ERROR);
    CHECK_EQ(err, FRAME_ERR_OVERSIZE);
    size_t n = sample_frame(wire, 3);
    /* The first delimiter only ends the garbage; this frame is lost, the next one decodes. */
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_NONE);
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_OK);
    CHECK_EQ(got.seq, 3);

    /* Garbage with delimiters in it: errors, then a clean frame decodes. */
    for (size_t i = 0; i < 50; i++) {
        garbage[i] = (uint8_t)(i % 9 == 0 ? 0 : rand());
    }
    feed(&d, garbage, 50, &got, &err);
    uint8_t zero = 0;
    feed(&d, &zero, 1, &got, &err);
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_OK);
}

static void decoder_reports_truncated_frames(void)
{
    frame_decoder_t d;
    iob_frame_t got;
    frame_error_t err;
    uint8_t wire[FRAME_WIRE_MAX];
    size_t n = sample_frame(wire, 4);
    frame_decoder_init(&d);
    for (size_t cut = 1; cut + 1 < n; cut++) {
        uint8_t part[FRAME_WIRE_MAX];
        memcpy(part, wire, cut);
        part[cut] = 0;
        CHECK_EQ(feed(&d, part, cut + 1, &got, &err), FRAME_ERROR);
        CHECK(err == FRAME_ERR_COBS || err == FRAME_ERR_SHORT || err == FRAME_ERR_CRC);
    }
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_OK);
}

static void decoder_reports_bad_crc_with_seq(void)
{
    frame_decoder_t d;
    iob_frame_t got;
    frame_error_t err;
    uint8_t wire[FRAME_WIRE_MAX];
    size_t n = sample_frame(wire, 0x42);
    wire[n - 3] ^= 0x01; /* last CRC byte; stays non-zero in this frame */
    frame_decoder_init(&d);
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_ERROR);
    CHECK_EQ(err, FRAME_ERR_CRC);
    CHECK_EQ(got.seq, 0x42);
}

static void decoder_reports_length_and_version_errors(void)
{
    uint8_t raw[16] = { IOB_PROTOCOL_VERSION, 5, IOB_MSG_ACK, 3, 0x07 };
    uint16_t c = crc16(raw, 5);
    raw[5] = (uint8_t)c;
    raw[6] = (uint8_t)(c >> 8);
    uint8_t wire[32];
    size_t n = cobs_encode(raw, 7, wire);
    wire[n++] = 0;
    frame_decoder_t d;
    iob_frame_t got;
    frame_error_t err;
    frame_decoder_init(&d);
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_ERROR);
    CHECK_EQ(err, FRAME_ERR_LENGTH);

    raw[0] = IOB_PROTOCOL_VERSION + 1;
    raw[3] = 1;
    c = crc16(raw, 5);
    raw[5] = (uint8_t)c;
    raw[6] = (uint8_t)(c >> 8);
    n = cobs_encode(raw, 7, wire);
    wire[n++] = 0;
    CHECK_EQ(feed(&d, wire, n, &got, &err), FRAME_ERROR);
    CHECK_EQ(err, FRAME_ERR_VERSION);
}

/* Random and mutated input into the streaming decoder: it must never read or write out of
 * bounds (ASan/UBSan), every FRAME_OK must carry a CRC-valid frame of a sane length, and after
 * each case a delimiter plus a clean frame must decode (resynchronisation). */
#define FUZZ_CASES 200000u

static void decoder_survives_fuzz(void)
{
    frame_decoder_t d;
    iob_frame_t got;
    frame_error_t err;
    uint8_t wire[FRAME_WIRE_MAX], input[3u * FRAME_WIRE_MAX];
    size_t clean = sample_frame(wire, 0x77);
    unsigned oks = 0, errors = 0, resyncs = 0;
    srand(4242);
    frame_decoder_init(&d);
    for (unsigned c = 0; c < FUZZ_CASES; c++) {
        size_t n;
        if (c % 2 == 0) {
            /* Pure noise, zeros about one byte in twelve. */
            n = 1u + (size_t)rand() % sizeof input;
            for (size_t i = 0; i < n; i++) {
                input[i] = (uint8_t)(rand() % 12 == 0 ? 0 : rand());
            }
        } else {
            /* A valid frame with 1..3 bytes flipped, cut, or run together with the next. */
            iob_frame_t f = { IOB_PROTOCOL_VERSION, (uint8_t)rand(), (uint8_t)(1 + rand() % 12), (uint8_t)(rand() % (IOB_MAX_PAYLOAD + 1)), { 0 } };
            for (uint8_t i = 0; i < f.len; i++) {
                f.payload[i] = (uint8_t)rand();
            }
            n = frame_encode(&f, input);
            for (int k = 1 + rand() % 3; k > 0; k--) {
                input[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
            }
            if (rand() % 4 == 0) {
                n = 1u + (size_t)rand() % n;
            }
        }
        for (size_t i = 0; i < n; i++) {
            frame_result_t r = frame_decoder_push(&d, input[i], &got, &err);
            if (r == FRAME_OK) {
                oks++;
                CHECK(got.len <= IOB_MAX_PAYLOAD);
                CHECK_EQ(got.version, IOB_PROTOCOL_VERSION);
            } else if (r == FRAME_ERROR) {
                errors++;
                CHECK(err >= FRAME_ERR_COBS && err <= FRAME_ERR_VERSION);
            }
        }
        if (c % 64 == 0) {
            uint8_t zero = 0;
            feed(&d, &zero, 1, &got, &err);
            if (feed(&d, wire, clean, &got, &err) == FRAME_OK && got.seq == 0x77) {
                resyncs++;
            } else {
                CHECK(0 && "no resync after fuzz input");
            }
        }
    }
    printf("    fuzz: %u cases, %u frames accepted, %u coded errors, %u resyncs checked\n", FUZZ_CASES, oks, errors, resyncs);
}

void run_codec_tests(void)
{
    RUN(crc_matches_shared_vectors);
    RUN(crc_update_in_pieces_equals_whole);
    RUN(cobs_matches_shared_vectors);
    RUN(cobs_round_trips_random_data);
    RUN(cobs_rejects_invalid_input);
    RUN(frames_match_shared_vectors);
    RUN(frames_round_trip_every_payload_length);
    RUN(decoder_resyncs_after_garbage);
    RUN(decoder_reports_truncated_frames);
    RUN(decoder_reports_bad_crc_with_seq);
    RUN(decoder_reports_length_and_version_errors);
    RUN(decoder_survives_fuzz);
}
