#include "loop.h"

#include "hal.h"
#include "protocol_gen.h"

#define ADC_FULL_SCALE_MV 5000u

void loop_init(loop_t *l)
{
    l->requested = false;
    l->output_on = false;
    l->gain = 0;
    l->fault = IOB_LOOP_FAULT_NONE;
    l->current_ma = 0;
    l->current_acc = 0;
    l->enabled_at = 0;
    l->suspect = IOB_LOOP_FAULT_NONE;
    l->suspect_since = 0;
    hal_loop_amp_gain(0);
    hal_loop_amp_enable(false);
}

void loop_set(loop_t *l, bool enable, uint8_t gain, uint32_t now)
{
    l->requested = enable;
    l->output_on = enable;
    l->gain = gain;
    l->fault = IOB_LOOP_FAULT_NONE;
    l->suspect = IOB_LOOP_FAULT_NONE;
    l->enabled_at = now;
    hal_loop_amp_gain(gain);
    hal_loop_amp_enable(enable);
}

uint16_t loop_adc_to_ma(uint16_t adc_raw)
{
    uint32_t mv = ((uint32_t)adc_raw * ADC_FULL_SCALE_MV) / 1024u;
    return (uint16_t)(mv / IOB_LOOP_SENSE_MV_PER_MA);
}

static uint8_t condition(const loop_t *l)
{
    if (l->current_ma > IOB_LOOP_SHORT_ABOVE_MA) {
        return IOB_LOOP_FAULT_SHORT;
    }
    if (l->gain > 0 && l->current_ma < IOB_LOOP_OPEN_BELOW_MA) {
        return IOB_LOOP_FAULT_OPEN;
    }
    return IOB_LOOP_FAULT_NONE;
}

bool loop_sample(loop_t *l, uint16_t adc_raw, uint32_t now)
{
    uint16_t ma = loop_adc_to_ma(adc_raw);
    /* Light smoothing (the RMS converter already averages): acc holds 4 x the mean, which
     * settles on the input exactly instead of sticking below it like a rounded IIR. */
    l->current_acc = l->current_acc - l->current_acc / 4u + ma;
    l->current_ma = (uint16_t)(l->current_acc / 4u);
    if (!l->output_on || l->fault != IOB_LOOP_FAULT_NONE || (uint32_t)(now - l->enabled_at) < IOB_LOOP_SETTLE_MS) {
        l->suspect = IOB_LOOP_FAULT_NONE;
        return false;
    }
    uint8_t c = condition(l);
    if (c != l->suspect) {
        l->suspect = c;
        l->suspect_since = now;
        return false;
    }
    if (c == IOB_LOOP_FAULT_NONE) {
        return false;
    }
    uint32_t delay = c == IOB_LOOP_FAULT_SHORT ? IOB_LOOP_SHORT_DELAY_MS : IOB_LOOP_OPEN_DELAY_MS;
    if ((uint32_t)(now - l->suspect_since) < delay) {
        return false;
    }
    l->fault = c;
    l->suspect = IOB_LOOP_FAULT_NONE;
    if (c == IOB_LOOP_FAULT_SHORT) {
        l->output_on = false;
        hal_loop_amp_enable(false);
    }
    return true;
}
