import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../../../src/core/errors.js';
import {
  MAX_BODY_BYTES,
  MAX_HEADER_BYTES,
  SipStreamFramer,
  contentLengthValues,
  isStartLine,
} from '../../../src/adapters/sip/transport/stream-framer.js';
import type { FramerEvent } from '../../../src/adapters/sip/transport/stream-framer.js';
import { defaultHeaders, pick, prng, randomChunks, randomInt, randomMessage, sipMessage } from './sip-fixtures.js';

function feed(framer: SipStreamFramer, chunks: Array<Buffer | string>): FramerEvent[] {
  const events: FramerEvent[] = [];
  for (const c of chunks) events.push(...framer.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
  return events;
}

const messages = (events: FramerEvent[]) =>
  events.flatMap((e) => (e.type === 'message' ? [e.message] : []));
const errors = (events: FramerEvent[]) => events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
const keepalives = (events: FramerEvent[]) => events.flatMap((e) => (e.type === 'keepalive' ? [e.kind] : []));

const options = sipMessage({ startLine: 'OPTIONS sip:room@example.org SIP/2.0' });
const ok = sipMessage({ startLine: 'SIP/2.0 200 OK', body: 'hello' });

describe('SipStreamFramer', () => {
  it('frames one message delivered whole', () => {
    const events = feed(new SipStreamFramer(), [ok]);
    expect(events).toEqual([{ type: 'message', message: ok, byteLength: Buffer.byteLength(ok) }]);
  });

  it('frames two back-to-back messages in one chunk', () => {
    const events = feed(new SipStreamFramer(), [ok + options]);
    expect(messages(events)).toEqual([ok, options]);
  });

  it('recovers every message for random streams split at random points (property, 300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = prng(seed);
      const expected: string[] = [];
      let keepaliveUnits = 0; // a ping counts 2 CRLFs, a pong 1
      let stream = '';
      const count = randomInt(rand, 1, 8);
      for (let i = 0; i < count; i++) {
        const ka = pick(rand, ['', '', '\r\n', '\r\n\r\n', '\r\n\r\n\r\n']);
        stream += ka;
        keepaliveUnits += ka.length / 2;
        const m = randomMessage(rand, i);
        expected.push(m);
        stream += m;
      }
      const maxChunk = pick(rand, [1, 2, 3, 7, 64, 4096]);
      const framer = new SipStreamFramer();
      const events = feed(framer, randomChunks(Buffer.from(stream, 'utf8'), rand, maxChunk));
      const context = `seed ${seed}, maxChunk ${maxChunk}`;
      expect(errors(events), context).toEqual([]);
      expect(messages(events), context).toEqual(expected);
      const units = keepalives(events).reduce((n, k) => n + (k === 'ping' ? 2 : 1), 0);
      expect(units, context).toBe(keepaliveUnits);
      expect(framer.bufferedBytes, context).toBe(0);
    }
  });

  it('accepts compact and case-insensitive Content-Length spellings', () => {
    for (const lengthHeader of ['l', 'L', 'content-length', 'CONTENT-LENGTH', 'Content-Length ', 'cOnTeNt-LeNgTh']) {
      const m = sipMessage({ startLine: 'MESSAGE sip:unit@example.org SIP/2.0', body: 'abc', lengthHeader });
      expect(messages(feed(new SipStreamFramer(), [m])), lengthHeader).toEqual([m]);
    }
    expect(contentLengthValues('X sip:a SIP/2.0\r\nl:  12 \r\nContent-Length:\r\n 12')).toEqual(['12', '12']);
  });

  it('counts Content-Length in bytes for multibyte UTF-8 bodies, even when split inside a character', () => {
    const body = 'Hej æøå 😀 日本語\r\nslut';
    const m = sipMessage({ startLine: 'MESSAGE sip:unit@example.org SIP/2.0', body });
    const bytes = Buffer.from(m + options, 'utf8');
    const emoji = bytes.indexOf(Buffer.from('😀'));
    const framer = new SipStreamFramer();
    const events = feed(framer, [bytes.subarray(0, emoji + 1), bytes.subarray(emoji + 1, emoji + 3), bytes.subarray(emoji + 3)]);
    expect(messages(events)).toEqual([m, options]);
    expect((messages(events)[0] as string).endsWith(body)).toBe(true);
  });

  it('holds a truncated message until the rest arrives', () => {
    const framer = new SipStreamFramer();
    const bytes = Buffer.from(ok);
    for (const cut of [5, ok.indexOf('\r\n\r\n') + 2, bytes.length - 1]) {
      expect(framer.push(bytes.subarray(0, cut)), `cut ${cut}`).toEqual([]);
      expect(framer.bufferedBytes).toBe(cut);
      expect(messages(framer.push(bytes.subarray(cut)))).toEqual([ok]);
      expect(framer.bufferedBytes).toBe(0);
    }
  });

  it('reports CRLFCRLF as a ping and a lone CRLF as a pong', () => {
    expect(keepalives(feed(new SipStreamFramer(), ['\r\n\r\n']))).toEqual(['ping']);
    expect(keepalives(feed(new SipStreamFramer(), ['\r\n']))).toEqual(['pong']);
    expect(keepalives(feed(new SipStreamFramer(), ['\r\n\r', '\n']))).toEqual(['ping']);
    const events = feed(new SipStreamFramer(), ['\r\n' + ok + '\r\n\r\n' + options]);
    expect(events.map((e) => e.type)).toEqual(['keepalive', 'message', 'keepalive', 'message']);
    expect(keepalives(events)).toEqual(['pong', 'ping']);
  });

  it('skips garbage before a start line, reports it once as E_SIP_MALFORMED, and resyncs', () => {
    const garbage = [
      'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n<html>nope</html>\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary junk\r\n',
      'hello world no newline yet ',
      'INVITE\r\n',
      '  leading space OPTIONS sip:x SIP/2.0\r\n',
      'OPTIONS sip:x SIP/2.0 trailing\r\n',
      'SIP/2.0 20 OK\r\n',
      '\rX',
    ];
    for (const g of garbage) {
      for (const maxChunk of [1, 3, 1000]) {
        const rand = prng(g.length * 31 + maxChunk);
        const events = feed(new SipStreamFramer(), randomChunks(Buffer.from(g + '\r\n' + ok + options, 'latin1'), rand, maxChunk));
        const context = JSON.stringify(g) + ` maxChunk ${maxChunk}`;
        expect(messages(events), context).toEqual([ok, options]);
        const errs = errors(events);
        expect(errs.length, context).toBe(1);
        expect(errs[0]?.code, context).toBe('E_SIP_MALFORMED');
        expect(errs[0]?.detail.reason, context).toBe('garbage-before-start-line');
        expect(isApplianceError(errs[0]), context).toBe(true);
      }
    }
  });

  it('skips garbage between messages and keeps going', () => {
    const events = feed(new SipStreamFramer(), [ok, 'this is not SIP\r\nneither is this\r\n', options, 'junk\r\n', ok]);
    expect(messages(events)).toEqual([ok, options, ok]);
    expect(errors(events).map((e) => e.code)).toEqual(['E_SIP_MALFORMED', 'E_SIP_MALFORMED']);
  });

  it('treats a missing Content-Length as malformed and resyncs on the next message', () => {
    const noLength = sipMessage({ startLine: 'MESSAGE sip:unit@example.org SIP/2.0', noLength: true, body: 'line one\r\nline two\r\n' });
    const events = feed(new SipStreamFramer(), [noLength + ok]);
    expect(messages(events)).toEqual([ok]);
    expect(errors(events).map((e) => e.detail.reason)).toEqual(['missing-content-length']);
  });

  it('rejects unparsable or conflicting Content-Length values', () => {
    for (const headers of [['Content-Length: abc'], ['Content-Length: -1'], ['l: 3', 'Content-Length: 4']]) {
      const bad = sipMessage({ startLine: 'OPTIONS sip:x SIP/2.0', headers: [...defaultHeaders(), ...headers], noLength: true });
      const events = feed(new SipStreamFramer(), [bad, options]);
      expect(messages(events), headers.join()).toEqual([options]);
      expect(errors(events).map((e) => e.detail.reason), headers.join()).toEqual(['invalid-content-length']);
    }
  });

  it('rejects headers over 16 KiB without buffering them, then resyncs', () => {
    const big = sipMessage({
      startLine: 'OPTIONS sip:x SIP/2.0',
      headers: [...defaultHeaders(), ...Array.from({ length: 400 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(40)}`)],
    });
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_HEADER_BYTES);
    const framer = new SipStreamFramer();
    const events: FramerEvent[] = [];
    let maxBuffered = 0;
    for (const chunk of randomChunks(Buffer.from(big + ok), prng(7), 512)) {
      events.push(...framer.push(chunk));
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(MAX_HEADER_BYTES + 512);
    expect(errors(events).map((e) => e.detail.reason)).toEqual(['headers-too-large']);
    expect(messages(events)).toEqual([ok]);
  });

  it('rejects a declared body over 64 KiB, drops exactly that body as it streams, then resyncs', () => {
    const hugeBody = 'b'.repeat(MAX_BODY_BYTES + 1); // no line breaks: line-based resync could not find the next message
    const huge = sipMessage({ startLine: 'MESSAGE sip:unit@example.org SIP/2.0', body: hugeBody });
    const framer = new SipStreamFramer();
    const events: FramerEvent[] = [];
    let maxBuffered = 0;
    for (const chunk of randomChunks(Buffer.from(huge + ok), prng(11), 4096)) {
      events.push(...framer.push(chunk));
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(MAX_HEADER_BYTES + 4096);
    expect(errors(events).map((e) => e.detail.reason)).toEqual(['body-too-large']);
    expect(messages(events)).toEqual([ok]);
  });

  it('accepts a body of exactly 64 KiB', () => {
    const m = sipMessage({ startLine: 'MESSAGE sip:unit@example.org SIP/2.0', body: 'c'.repeat(MAX_BODY_BYTES) });
    expect(messages(feed(new SipStreamFramer(), [m]))).toEqual([m]);
  });

  it('never buffers more than the header limit of endless junk', () => {
    const framer = new SipStreamFramer();
    const junk = Buffer.alloc(1024, 'z'); // a plausible method token that never ends
    let errorCount = 0;
    for (let i = 0; i < 1024; i++) {
      errorCount += errors(framer.push(junk)).length;
      expect(framer.bufferedBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    }
    expect(errorCount).toBe(1);
    expect(messages(framer.push(Buffer.from('\r\n' + ok)))).toEqual([ok]);
  });

  it('resets to a clean state', () => {
    const framer = new SipStreamFramer();
    framer.push(Buffer.from(ok.slice(0, 20)));
    framer.reset();
    expect(framer.bufferedBytes).toBe(0);
    expect(messages(framer.push(Buffer.from(options)))).toEqual([options]);
  });

  it('recognises request and status start lines', () => {
    expect(isStartLine('INVITE sip:room@example.org SIP/2.0')).toBe(true);
    expect(isStartLine('SIP/2.0 200 OK')).toBe(true);
    expect(isStartLine('SIP/2.0 200 ')).toBe(true);
    expect(isStartLine('SIP/2.0 100')).toBe(true);
    expect(isStartLine('SIP/2.0 200OK')).toBe(false);
    expect(isStartLine('HTTP/1.1 200 OK')).toBe(false);
    expect(isStartLine('INVITE sip:room@example.org HTTP/1.1')).toBe(false);
    expect(isStartLine('')).toBe(false);
  });
});
