/* simavr harness for the I/O board image.
 *
 *   ioboard_sim [--board-id 0xHEX] [--ring] [path/to/ioboard.elf]
 *
 * Runs the firmware on a simulated ATmega328P at 16 MHz, bridges UART0 to a pty and prints
 *   PTY /dev/pts/N                 once, when the pty is ready
 *   LOOP_ENABLE 0|1                whenever the amplifier enable pin (PD7) changes
 *   RING RRGGBB                    with --ring: the first pixel of the APA102 ring (decoded
 *                                  from the SPI bytes), whenever a written frame changes it
 *   OK <command>                   after applying a command
 *   ERR <text>                     for a command it did not understand
 * Commands, one per line on stdin:
 *   press <button 0..3> <ms>       hold a button down for ms milliseconds
 *                                  (volume-up, volume-down, loop-toggle, call)
 *   adc <channel 0..7> <mV>        set an ADC input (loop current sense: 1 mV = 1 mA)
 *   quit                           (end of stdin quits too)
 * The firmware sleeps between ticks and simavr sleeps with it, so simulated time runs
 * close to wall-clock time, which is what the host-side timeouts need. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_eeprom.h"
#include "avr_ioport.h"
#include "avr_spi.h"
#include "parts/button.h"
#include "parts/uart_pty.h"
#include "sim_avr.h"
#include "sim_elf.h"

#define BUTTONS 4
#define QUEUE_LEN 32

typedef struct {
    char line[128];
} command_t;

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static command_t queue[QUEUE_LEN];
static int queue_count;
static volatile int stdin_closed;

static avr_t *avr;
static button_t buttons[BUTTONS];
static uart_pty_t uart;

static void *stdin_reader(void *arg)
{
    (void)arg;
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        pthread_mutex_lock(&queue_lock);
        if (queue_count < QUEUE_LEN) {
            snprintf(queue[queue_count++].line, sizeof queue[0].line, "%s", line);
        }
        pthread_mutex_unlock(&queue_lock);
    }
    stdin_closed = 1;
    return NULL;
}

static int apply(const char *line)
{
    unsigned a, b;
    if (sscanf(line, "press %u %u", &a, &b) == 2 && a < BUTTONS) {
        button_press(&buttons[a], (uint32_t)b * 1000u);
    } else if (sscanf(line, "adc %u %u", &a, &b) == 2 && a < 8) {
        avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + (int)a), b);
    } else if (strcmp(line, "quit") == 0) {
        return 1;
    } else if (line[0] != 0) {
        printf("ERR unknown command: %s\n", line);
        return 0;
    } else {
        return 0;
    }
    printf("OK %s\n", line);
    return 0;
}

static int drain_commands(void)
{
    command_t local[QUEUE_LEN];
    int n;
    pthread_mutex_lock(&queue_lock);
    n = queue_count;
    memcpy(local, queue, sizeof(command_t) * (size_t)n);
    queue_count = 0;
    pthread_mutex_unlock(&queue_lock);
    for (int i = 0; i < n; i++) {
        if (apply(local[i].line)) {
            return 1;
        }
    }
    return 0;
}

static void on_loop_enable(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    printf("LOOP_ENABLE %u\n", value ? 1u : 0u);
}

/* APA102 frames: 4 x 0x00 start, then per pixel 0xE0|brightness, blue, green, red. Only the
 * first pixel is decoded: every host pattern lights the whole ring in one colour. */
static struct {
    int zeros;   /* consecutive 0x00 bytes seen */
    int index;   /* byte index within the pixel data, -1 outside a frame */
    uint8_t px[4];
    uint32_t last; /* last printed colour, 0xFFFFFFFF = none yet */
} ring = { 0, -1, { 0 }, 0xFFFFFFFFu };

static void on_spi_byte(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    uint8_t v = (uint8_t)value;
    if (ring.index >= 0 && ring.index < 4) {
        ring.px[ring.index++] = v;
        if (ring.index == 4) {
            uint32_t rgb = ((uint32_t)ring.px[3] << 16) | ((uint32_t)ring.px[2] << 8) | ring.px[1];
            if (rgb != ring.last) {
                ring.last = rgb;
                printf("RING %06X\n", (unsigned)rgb);
            }
        }
        ring.zeros = v == 0 ? 1 : 0;
        return;
    }
    if (v == 0) {
        if (++ring.zeros >= 4) {
            ring.index = -2; /* start frame complete: the next byte is pixel 0's header */
        }
        return;
    }
    if (ring.index == -2 && (v & 0xE0u) == 0xE0u) {
        ring.px[0] = v;
        ring.index = 1;
    } else {
        ring.index = -1;
    }
    ring.zeros = 0;
}

/* simavr 1.6 recomputes an input pin from its pull-up whenever the port register is written
 * (buserror/simavr#432), so a PORTD write (the amplifier enable on PD7) while a button is held
 * would "release" it. Telling the port the buttons' external levels keeps them. */
static uint8_t button_levels = 0xFF; /* bit n: button n released (high) */

static void on_button_level(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    uint8_t bit = (uint8_t)(1u << (uintptr_t)param);
    button_levels = value ? (uint8_t)(button_levels | bit) : (uint8_t)(button_levels & ~bit);
    avr_ioport_external_t ext = { .name = 'D', .mask = (uint8_t)(((1u << BUTTONS) - 1u) << 2), .value = (uint8_t)(button_levels << 2) };
    avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL('D'), &ext);
}

static void set_board_id(uint32_t id)
{
    uint8_t bytes[4] = { (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24) };
    avr_eeprom_desc_t d = { .ee = bytes, .offset = 0, .size = sizeof bytes };
    avr_ioctl(avr, AVR_IOCTL_EEPROM_SET, &d);
}

int main(int argc, char **argv)
{
    char default_elf[4096];
    const char *elf_path = NULL;
    uint32_t board_id = 0xFFFFFFFFu;
    int watch_ring = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--board-id") == 0 && i + 1 < argc) {
            board_id = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--ring") == 0) {
            watch_ring = 1;
        } else {
            elf_path = argv[i];
        }
    }
    if (!elf_path) {
        char self[4096];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(default_elf, sizeof default_elf, "%s/ioboard.elf", dirname(self));
        elf_path = default_elf;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    elf_firmware_t fw;
    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(elf_path, &fw) != 0) {
        fprintf(stderr, "cannot read %s\n", elf_path);
        return 2;
    }
    avr = avr_make_mcu_by_name("atmega328p");
    if (!avr) {
        fprintf(stderr, "simavr has no atmega328p\n");
        return 2;
    }
    avr_init(avr);
    fw.frequency = 16000000;
    avr_load_firmware(avr, &fw);
    avr->frequency = 16000000;
    avr->vcc = avr->avcc = avr->aref = 5000;
    avr->log = LOG_WARNING;
    if (board_id != 0xFFFFFFFFu) {
        set_board_id(board_id);
    }

    for (int i = 0; i < BUTTONS; i++) {
        static const char *names[BUTTONS] = { "volume-up", "volume-down", "loop-toggle", "call" };
        button_init(avr, &buttons[i], names[i]);
        avr_connect_irq(buttons[i].irq + IRQ_BUTTON_OUT, avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), 2 + i));
        avr_irq_register_notify(buttons[i].irq + IRQ_BUTTON_OUT, on_button_level, (void *)(uintptr_t)i);
        avr_raise_irq(buttons[i].irq + IRQ_BUTTON_OUT, 1); /* released (active low) */
    }
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), 7), on_loop_enable, NULL);
    if (watch_ring) {
        avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_SPI_GETIRQ(0) /* the mega328's SPI has no name digit */, SPI_IRQ_OUTPUT), on_spi_byte, NULL);
    }

    uart_pty_init(avr, &uart);
    uart_pty_connect(&uart, '0');
    printf("PTY %s\n", uart.pty.slavename);

    pthread_t reader;
    pthread_create(&reader, NULL, stdin_reader, NULL);

    for (;;) {
        if (drain_commands() || stdin_closed) {
            break;
        }
        for (int i = 0; i < 2000; i++) {
            int state = avr_run(avr);
            if (state == cpu_Done || state == cpu_Crashed) {
                fprintf(stderr, "firmware stopped (state %d)\n", state);
                return 1;
            }
        }
    }
    /* Not uart_pty_stop(): it signals its thread with SIGINT, which ends the process with
     * that signal; exiting closes the pty just the same. */
    return 0;
}
