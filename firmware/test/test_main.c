#include <ctype.h>
#include <stdlib.h>

#include "hal_fake.h"
#include "test.h"

int test_current_failed;
static int passed, failed;

void test_run(const char *name, test_fn fn)
{
    test_current_failed = 0;
    fake_reset();
    fn();
    if (test_current_failed) {
        failed++;
        printf("  not ok %s\n", name);
    } else {
        passed++;
        printf("  ok %s\n", name);
    }
}

size_t test_hex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    while (hex[0] && hex[1]) {
        if (!isxdigit((unsigned char)hex[0])) {
            hex++;
            continue;
        }
        char pair[3] = { hex[0], hex[1], 0 };
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
        hex += 2;
    }
    return n;
}

int main(void)
{
    printf("codec\n");
    run_codec_tests();
    printf("link\n");
    run_link_tests();
    printf("board\n");
    run_board_tests();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
