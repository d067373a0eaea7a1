import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode } from '../../../src/adapters/ioboard-serial/protocol/cobs.js';
import { crc16 } from '../../../src/adapters/ioboard-serial/protocol/crc16.js';
import { hex, toHex, vectors } from './vectors.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives 0x29B1 for "123456789"', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });

  it.each(vectors.crc16)('matches the shared vector %#', (v) => {
    const data = v.ascii !== undefined ? new TextEncoder().encode(v.ascii) : hex(v.hex ?? '');
    expect(crc16(data)).toBe(v.crc);
  });

  it('continues from a previous value', () => {
    const data = new TextEncoder().encode('123456789');
    expect(crc16(data.subarray(4), crc16(data.subarray(0, 4)))).toBe(0x29b1);
  });
});

describe('COBS', () => {
  it.each(vectors.cobs)('encodes and decodes the shared vector %#', (v) => {
    expect(toHex(cobsEncode(hex(v.decoded)))).toBe(v.encoded);
    expect(toHex(cobsDecode(hex(v.encoded)) ?? new Uint8Array([0xde, 0xad]))).toBe(v.decoded);
  });

  it('round-trips random data, including 254-byte zero-free runs, and never emits 0x00', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 300; round++) {
      const n = rand() % 700;
      const data = Uint8Array.from({ length: n }, () => (round % 10 === 0 ? 0x5a : rand() % 4 === 0 ? 0 : rand() & 0xff));
      const enc = cobsEncode(data);
      expect(enc.includes(0)).toBe(false);
      expect(enc.length).toBeLessThanOrEqual(n + Math.floor(n / 254) + 1);
      expect(toHex(cobsDecode(enc) ?? new Uint8Array())).toBe(toHex(data));
    }
  });

  it('rejects input that is not COBS', () => {
    expect(cobsDecode(hex('051122'))).toBeNull();
    expect(cobsDecode(hex('031100'))).toBeNull();
    expect(cobsDecode(hex('00'))).toBeNull();
    expect(cobsDecode(new Uint8Array())).toBeNull();
  });
});
