#include "hal.h"
#include "ioboard.h"

int main(void)
{
    hal_init();
    ioboard_init();
    for (;;) {
        ioboard_poll();
        hal_idle();
    }
}
