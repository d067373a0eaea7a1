import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import type { Frame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { FrameStreamParser } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import type { ParseEvent } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import { PROTOCOL_VERSION } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';

const frame = (seq: number): Frame => ({ version: PROTOCOL_VERSION, seq, type: 6, payload: Uint8Array.of(seq % 3, 1) });
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const frames = (events: ParseEvent[]) => events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
const errors = (events: ParseEvent[]) => events.flatMap((e) => (e.kind === 'error' ? [e.error] : []));

describe('FrameStreamParser', () => {
  it('yields the same frames however the stream is chunked', () => {
    const stream = concat(Uint8Array.of(0), encodeFrame(frame(1)), encodeFrame(frame(2)), Uint8Array.of(0, 0), encodeFrame(frame(3)));
    const whole = new FrameStreamParser().push(stream);
    expect(frames(whole).map((f) => f.seq)).toEqual([1, 2, 3]);
    const parser = new FrameStreamParser();
    const byteByByte = [...stream].flatMap((b) => parser.push(Uint8Array.of(b)));
    expect(byteByByte).toEqual(whole);
  });

  it('resyncs after a long run of garbage with one oversize error', () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => 1 + (i * 37) % 255);
    const parser = new FrameStreamParser();
    const events = parser.push(concat(garbage, Uint8Array.of(0), encodeFrame(frame(9))));
    expect(errors(events).map((e) => [e.code, e.detail.reason])).toEqual([['E_IOBOARD_FRAME', 'oversize']]);
    expect(frames(events).map((f) => f.seq)).toEqual([9]);
  });

  it('reports short garbage between delimiters as coded errors and keeps going', () => {
    const parser = new FrameStreamParser();
    const events = parser.push(concat(Uint8Array.of(0x37, 0x12, 0x00, 0x05, 0x01, 0x00), encodeFrame(frame(4))));
    expect(errors(events).length).toBe(2);
    for (const e of errors(events)) expect(e.code).toBe('E_IOBOARD_FRAME');
    expect(frames(events).map((f) => f.seq)).toEqual([4]);
  });

  it('reports a truncated frame when the delimiter comes early, then decodes the next one', () => {
    const good = encodeFrame(frame(5));
    const parser = new FrameStreamParser();
    for (let cut = 1; cut < good.length - 1; cut++) {
      const events = parser.push(concat(good.subarray(0, cut), Uint8Array.of(0)));
      expect(errors(events).map((e) => e.code)).toEqual(['E_IOBOARD_FRAME']);
      expect(['cobs', 'short', 'crc']).toContain(errors(events)[0]?.detail.reason);
    }
    expect(frames(parser.push(good)).map((f) => f.seq)).toEqual([5]);
  });

  it('forgets a partial frame on reset', () => {
    const good = encodeFrame(frame(6));
    const parser = new FrameStreamParser();
    parser.push(good.subarray(0, 3));
    parser.reset();
    expect(frames(parser.push(good)).map((f) => f.seq)).toEqual([6]);
  });
});
