import { describe, expect, it } from 'vitest';
import { IoBoardProtocolError } from '../../../src/adapters/ioboard-serial/protocol/errors.js';
import { buildFrame, decodeMessage, decodePayload, encodePayload } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import { LED_PATTERN, LOOP_FAULT, MESSAGES } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { toHex } from './vectors.js';

describe('payload layouts', () => {
  it('encodes multi-byte fields little-endian at their generated offsets', () => {
    const p = encodePayload('HELLO_ACK', { protocolVersion: 1, fwMajor: 0, fwMinor: 1, fwPatch: 2, boardId: 0x1234abcd });
    expect(toHex(p)).toBe('01000102cdab3412');
    expect(decodePayload('HELLO_ACK', p)).toEqual({ protocolVersion: 1, fwMajor: 0, fwMinor: 1, fwPatch: 2, boardId: 0x1234abcd });
  });

  it('round-trips every message type', () => {
    for (const name of Object.keys(MESSAGES) as (keyof typeof MESSAGES)[]) {
      const values = Object.fromEntries(MESSAGES[name].fields.map((f, i) => [f.name, i + 1]));
      const frame = buildFrame(name, 300, values as never);
      expect(frame.seq).toBe(300 & 0xff);
      const msg = decodeMessage(frame);
      expect(msg.name).toBe(name);
      expect(msg.fields).toEqual(values);
    }
  });

  it('decodes LOOP_STATUS with the generated enums', () => {
    const frame = buildFrame('LOOP_STATUS', 1, { enabled: 1, gain: 128, currentMa: 1000, fault: LOOP_FAULT.open });
    const msg = decodeMessage(frame);
    expect(msg.name === 'LOOP_STATUS' && msg.fields.fault).toBe(LOOP_FAULT.open);
    expect(LED_PATTERN['host-lost']).toBe(5);
  });

  it('rejects out-of-range values, wrong lengths and unknown types with E_IOBOARD_PAYLOAD', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof IoBoardProtocolError ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => encodePayload('LOOP_SET', { enable: 1, gain: 256 }))).toBe('E_IOBOARD_PAYLOAD');
    expect(codeOf(() => encodePayload('LOOP_SET', { enable: -1, gain: 0 }))).toBe('E_IOBOARD_PAYLOAD');
    expect(codeOf(() => decodePayload('ACK', Uint8Array.of(1, 2)))).toBe('E_IOBOARD_PAYLOAD');
    expect(codeOf(() => decodeMessage({ version: 1, seq: 0, type: 0x7f, payload: new Uint8Array() }))).toBe('E_IOBOARD_PAYLOAD');
  });
});
