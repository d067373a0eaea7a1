/* Hearing-loop amplifier: enable and gain, loop current from the RMS sense, open and short
 * detection. A short switches the amplifier off; faults stay latched until loop_set. */
#ifndef IOB_LOOP_H
#define IOB_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool requested;  /* host asked for the loop on */
    bool output_on;  /* amplifier actually enabled */
    uint8_t gain;
    uint8_t fault;   /* IOB_LOOP_FAULT_* */
    uint16_t current_ma;
    uint32_t current_acc;
    uint32_t enabled_at;
    uint8_t suspect;  /* fault condition being timed, IOB_LOOP_FAULT_NONE when none */
    uint32_t suspect_since;
} loop_t;

void loop_init(loop_t *l);
void loop_set(loop_t *l, bool enable, uint8_t gain, uint32_t now);
uint16_t loop_adc_to_ma(uint16_t adc_raw);
/* Feeds one current sample; returns true when the fault state changed. */
bool loop_sample(loop_t *l, uint16_t adc_raw, uint32_t now);

#endif
