#include "crc16.h"

#include "protocol_gen.h"

uint16_t crc16_update(uint16_t crc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (uint8_t bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ IOB_CRC_POLY) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

uint16_t crc16(const uint8_t *data, size_t len)
{
    return crc16_update(IOB_CRC_INIT, data, len);
}
