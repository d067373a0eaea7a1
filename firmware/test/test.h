/* A minimal test runner: CHECK records a failure and carries on; RUN counts tests. */
#ifndef IOB_TEST_H
#define IOB_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int test_current_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("    FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
            test_current_failed = 1;                                         \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                                         \
    do {                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                    \
        if (a_ != b_) {                                                                        \
            printf("    FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); \
            test_current_failed = 1;                                                           \
        }                                                                                      \
    } while (0)

typedef void (*test_fn)(void);
void test_run(const char *name, test_fn fn);
#define RUN(fn) test_run(#fn, fn)

/* Parses hex into out; returns the byte count. */
size_t test_hex(const char *hex, uint8_t *out);

void run_codec_tests(void);
void run_link_tests(void);
void run_board_tests(void);

#endif
