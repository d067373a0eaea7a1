import { CRC } from './protocol-gen.js';

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor). */
export function crc16(data: Uint8Array, crc: number = CRC.init): number {
  let c = crc;
  for (const byte of data) {
    c ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 0x8000 ? ((c << 1) ^ CRC.poly) & 0xffff : (c << 1) & 0xffff;
    }
  }
  return c;
}
