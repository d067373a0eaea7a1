/* hal.h for an ATmega328P at 16 MHz (Arduino Uno/Nano class board).
 *   UART0 (PD0/PD1)       115200 8N1, interrupt-driven ring buffers
 *   PD2, PD3, PD4, PD5    buttons volume-up, volume-down, loop-toggle, call; active low, pull-ups
 *   PB3 MOSI / PB5 SCK    LED ring, 12 x APA102 (SK9822), hardware SPI at 8 MHz
 *   PD7                   loop amplifier enable (high = on)
 *   PB1 / OC1A            loop amplifier gain, 8-bit fast PWM
 *   ADC0 (PC0)            loop current sense (RMS-to-DC, 1 mV per mA), AVcc reference
 *   Timer0                1 ms tick (CTC)
 *   EEPROM 0..3           board id, little-endian (0xFFFFFFFF = unprogrammed)
 */
#include "../../src/hal.h"

#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include <util/atomic.h>

#include "../../src/protocol_gen.h"

#define BAUD IOB_SERIAL_BAUD
#define BAUD_TOL 3 /* 115200 at 16 MHz with U2X is 2.1 % fast; fine for 8N1 */
#include <util/setbaud.h>

#define RX_SIZE 64u /* powers of two */
#define TX_SIZE 128u
#define BUTTON_MASK (_BV(PD2) | _BV(PD3) | _BV(PD4) | _BV(PD5))

static volatile uint32_t ms;
static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head, rx_tail, rx_overflows;
static volatile uint8_t tx_buf[TX_SIZE];
static volatile uint8_t tx_head, tx_tail;
static uint8_t reset_flags __attribute__((section(".noinit")));
static bool reset_flags_reported;

/* Runs before main: after a watchdog reset the watchdog stays armed with its shortest
 * timeout, so it must be switched off before the C runtime spends time on .data/.bss. */
void early_reset_flags(void) __attribute__((naked, used, section(".init3")));
void early_reset_flags(void)
{
    reset_flags = MCUSR;
    MCUSR = 0;
    wdt_disable();
}

ISR(TIMER0_COMPA_vect)
{
    ms++;
}

ISR(USART_RX_vect)
{
    uint8_t byte = UDR0;
    uint8_t next = (uint8_t)((rx_head + 1u) & (RX_SIZE - 1u));
    if (next == rx_tail) {
        if (rx_overflows < 255u) {
            rx_overflows++;
        }
        return;
    }
    rx_buf[rx_head] = byte;
    rx_head = next;
}

ISR(USART_UDRE_vect)
{
    if (tx_head == tx_tail) {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
        return;
    }
    UDR0 = tx_buf[tx_tail];
    tx_tail = (uint8_t)((tx_tail + 1u) & (TX_SIZE - 1u));
}

void hal_init(void)
{
    /* Timer0: CTC, /64, 250 counts = 1 ms at 16 MHz. */
    TCCR0A = _BV(WGM01);
    TCCR0B = _BV(CS01) | _BV(CS00);
    OCR0A = 249;
    TIMSK0 = _BV(OCIE0A);

    UBRR0H = UBRRH_VALUE;
    UBRR0L = UBRRL_VALUE;
#if USE_2X
    UCSR0A = _BV(U2X0);
#else
    UCSR0A = 0;
#endif
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);

    DDRD &= (uint8_t)~BUTTON_MASK;
    PORTD |= BUTTON_MASK;
    DDRD |= _BV(PD7);
    PORTD &= (uint8_t)~_BV(PD7);
    /* PB2 (SS) is an output so the SPI stays master. */
    DDRB |= _BV(PB1) | _BV(PB2) | _BV(PB3) | _BV(PB5);
    PORTB &= (uint8_t)~(_BV(PB1) | _BV(PB3) | _BV(PB5));
    SPCR = _BV(SPE) | _BV(MSTR);
    SPSR = _BV(SPI2X);

    /* Timer1: 8-bit fast PWM on OC1A, no prescaler (62.5 kHz, above the audio band). */
    TCCR1A = _BV(COM1A1) | _BV(WGM10);
    TCCR1B = _BV(WGM12) | _BV(CS10);
    OCR1A = 0;

    ADMUX = _BV(REFS0); /* AVcc reference, channel 0 */
    ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);

    wdt_enable(WDTO_500MS);
    sei();
}

uint32_t hal_millis(void)
{
    uint32_t v;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        v = ms;
    }
    return v;
}

void hal_idle(void)
{
    set_sleep_mode(SLEEP_MODE_IDLE);
    cli();
    if (rx_head == rx_tail) {
        sleep_enable();
        sei(); /* the instruction after sei runs first, so no wake-up is lost */
        sleep_cpu();
        sleep_disable();
    }
    sei();
}

bool hal_uart_read_byte(uint8_t *out)
{
    if (rx_head == rx_tail) {
        return false;
    }
    *out = rx_buf[rx_tail];
    rx_tail = (uint8_t)((rx_tail + 1u) & (RX_SIZE - 1u));
    return true;
}

void hal_uart_write_byte(uint8_t byte)
{
    uint8_t next = (uint8_t)((tx_head + 1u) & (TX_SIZE - 1u));
    while (next == tx_tail) {
        /* buffer full: the UDRE interrupt drains it */
    }
    tx_buf[tx_head] = byte;
    tx_head = next;
    UCSR0B |= _BV(UDRIE0);
}

uint8_t hal_uart_take_rx_overflows(void)
{
    uint8_t n;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        n = rx_overflows;
        rx_overflows = 0;
    }
    return n;
}

uint8_t hal_buttons_read(void)
{
    uint8_t pressed = (uint8_t)~PIND;
    return (uint8_t)((pressed >> PD2) & 0x0Fu);
}

/* APA102/SK9822 LEDs: clocked, so the transfer may be interrupted (a WS2812 would need
 * interrupts off for ~0.4 ms per frame, long enough to lose UART bytes at 115200 baud). */
static uint8_t spi_byte(uint8_t v)
{
    SPDR = v;
    while (!(SPSR & _BV(SPIF))) {
    }
    return SPDR;
}

void hal_led_ring_write(const hal_rgb_t pixels[HAL_LED_COUNT])
{
    for (uint8_t i = 0; i < 4u; i++) {
        spi_byte(0x00); /* start frame */
    }
    for (uint8_t i = 0; i < HAL_LED_COUNT; i++) {
        spi_byte(0xE0u | 0x1Fu); /* full global brightness; colour carries the level */
        spi_byte(pixels[i].b);
        spi_byte(pixels[i].g);
        spi_byte(pixels[i].r);
    }
    for (uint8_t i = 0; i < 4u; i++) {
        spi_byte(0xFF); /* end frame: clocks the data through all 12 LEDs */
    }
}

void hal_loop_amp_enable(bool on)
{
    if (on) {
        PORTD |= _BV(PD7);
    } else {
        PORTD &= (uint8_t)~_BV(PD7);
    }
}

void hal_loop_amp_gain(uint8_t duty)
{
    OCR1A = duty;
}

uint16_t hal_adc_read_loop_current(void)
{
    ADCSRA |= _BV(ADSC);
    while (ADCSRA & _BV(ADSC)) {
    }
    return ADC;
}

void hal_watchdog_kick(void)
{
    wdt_reset();
}

bool hal_reset_was_watchdog(void)
{
    if (reset_flags_reported) {
        return false;
    }
    reset_flags_reported = true;
    return (reset_flags & _BV(WDRF)) != 0;
}

uint32_t hal_board_id(void)
{
    uint32_t id = eeprom_read_dword((const uint32_t *)0);
    return id == 0xFFFFFFFFul ? 0 : id;
}
