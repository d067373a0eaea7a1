import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import type { Frame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { FrameStreamParser } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import type { ParseEvent } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import { LIMITS, PROTOCOL_VERSION } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { decodeMessage } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import { IoBoardProtocolError } from '../../../src/adapters/ioboard-serial/protocol/errors.js';

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

  it('fuzz: random and mutated input gives only frames or coded errors, and resyncs after each case', () => {
    const CASES = 50_000;
    let x = 987654321;
    const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
    const parser = new FrameStreamParser();
    const clean = encodeFrame(frame(77));
    let accepted = 0;
    let coded = 0;
    let messages = 0;
    const wrong: string[] = [];
    for (let c = 0; c < CASES; c++) {
      let input: Uint8Array;
      if (c % 2 === 0) {
        input = Uint8Array.from({ length: 1 + ((rand() << 8 | rand()) % (3 * LIMITS.maxEncoded)) }, () => (rand() % 12 === 0 ? 0 : rand()));
      } else {
        const len = rand() % (LIMITS.maxPayload + 1);
        input = encodeFrame({ version: PROTOCOL_VERSION, seq: rand(), type: 1 + (rand() % 12), payload: Uint8Array.from({ length: len }, rand) });
        for (let k = 1 + (rand() % 3); k > 0; k--) { const i = rand() % input.length; input[i] = (input[i] ?? 0) ^ (1 << (rand() % 8)); }
        if (rand() % 4 === 0) input = input.subarray(0, 1 + (rand() % input.length));
      }
      for (const ev of parser.push(input)) {
        if (ev.kind === 'error') {
          coded++;
          if (ev.error.code !== 'E_IOBOARD_FRAME') wrong.push(`case ${c}: ${ev.error.code}`);
          continue;
        }
        accepted++;
        if (ev.frame.payload.length > LIMITS.maxPayload) wrong.push(`case ${c}: payload ${ev.frame.payload.length}`);
        try {
          decodeMessage(ev.frame);
          messages++;
        } catch (e) {
          if (!(e instanceof IoBoardProtocolError) || !['E_IOBOARD_PAYLOAD', 'E_IOBOARD_FRAME'].includes(e.code)) wrong.push(`case ${c}: ${String(e)}`);
        }
      }
      if (c % 64 === 0 && frames(parser.push(concat(Uint8Array.of(0), clean))).at(-1)?.seq !== 77) wrong.push(`case ${c}: no resync`);
    }
    console.log(`TS frame decoder fuzz: ${CASES} cases, ${accepted} frames accepted (${messages} decoded as messages), ${coded} coded errors`);
    expect(wrong).toEqual([]);
    expect(coded).toBeGreaterThan(CASES / 2);
  });
});
