import { describe, expect, it } from 'vitest';
import { cobsEncode } from '../../../src/adapters/ioboard-serial/protocol/cobs.js';
import { crc16 } from '../../../src/adapters/ioboard-serial/protocol/crc16.js';
import { IoBoardProtocolError } from '../../../src/adapters/ioboard-serial/protocol/errors.js';
import { decodeFrame, encodeFrame, frameBytes } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import type { Frame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { LIMITS, MESSAGE_TYPE, PROTOCOL_VERSION } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import type { MessageName } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { hex, toHex, vectors } from './vectors.js';

function decodeError(encoded: Uint8Array): IoBoardProtocolError {
  try {
    decodeFrame(encoded);
  } catch (e) {
    if (e instanceof IoBoardProtocolError) return e;
    throw e;
  }
  throw new Error('decodeFrame accepted a bad frame');
}

/** Encoded bytes without the delimiter, from raw frame bytes with a fresh CRC. */
function withCrc(raw: number[]): Uint8Array {
  const crc = crc16(Uint8Array.from(raw));
  return cobsEncode(Uint8Array.from([...raw, crc & 0xff, crc >> 8]));
}

describe('frame codec', () => {
  it.each(vectors.frames)('encodes the shared vector $type seq $seq to the same wire bytes as the firmware', (v) => {
    const frame: Frame = { version: PROTOCOL_VERSION, seq: v.seq, type: MESSAGE_TYPE[v.type as MessageName], payload: hex(v.payload) };
    expect(toHex(encodeFrame(frame))).toBe(v.wire);
    const decoded = decodeFrame(hex(v.wire).subarray(0, -1));
    expect(decoded).toEqual(frame);
  });

  it('round-trips every payload length up to the limit', () => {
    for (let len = 0; len <= LIMITS.maxPayload; len++) {
      const frame: Frame = { version: PROTOCOL_VERSION, seq: (len * 7) & 0xff, type: 9, payload: Uint8Array.from({ length: len }, (_, i) => (i % 3 ? i * 31 : 0) & 0xff) };
      const wire = encodeFrame(frame);
      expect(wire.length).toBeLessThanOrEqual(LIMITS.maxEncoded + 1);
      expect(wire.indexOf(0)).toBe(wire.length - 1);
      expect(decodeFrame(wire.subarray(0, -1))).toEqual(frame);
    }
  });

  it('refuses payloads over the limit', () => {
    expect(() => frameBytes({ version: 1, seq: 0, type: 1, payload: new Uint8Array(LIMITS.maxPayload + 1) })).toThrow(RangeError);
  });

  it('reports a bad CRC with code E_IOBOARD_FRAME, reason crc and the seq', () => {
    const wire = encodeFrame({ version: PROTOCOL_VERSION, seq: 0x42, type: 8, payload: Uint8Array.of(1, 128) });
    wire[wire.length - 2] = (wire[wire.length - 2] as number) ^ 0x10;
    const err = decodeError(wire.subarray(0, -1));
    expect(err.code).toBe('E_IOBOARD_FRAME');
    expect(err.detail).toMatchObject({ reason: 'crc', seq: 0x42, type: 8 });
  });

  it('reports length, version, short, cobs and oversize errors by reason', () => {
    expect(decodeError(withCrc([PROTOCOL_VERSION, 5, 3, 3, 7])).detail.reason).toBe('length');
    expect(decodeError(withCrc([PROTOCOL_VERSION + 1, 5, 3, 1, 7])).detail).toMatchObject({ reason: 'version', version: PROTOCOL_VERSION + 1 });
    expect(decodeError(cobsEncode(Uint8Array.of(1, 2, 3))).detail.reason).toBe('short');
    expect(decodeError(hex('0511')).detail.reason).toBe('cobs');
    expect(decodeError(new Uint8Array(LIMITS.maxEncoded + 1).fill(1)).detail.reason).toBe('oversize');
  });
});
