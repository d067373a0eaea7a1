/** Builders for SIP test messages and a seeded PRNG for property-style tests. */

export interface MessageSpec {
  startLine: string;
  headers?: string[];
  body?: string;
  /** How to spell the length header; default 'Content-Length'. */
  lengthHeader?: string;
  /** Omit the length header entirely. */
  noLength?: boolean;
}

export function sipMessage(spec: MessageSpec): string {
  const body = spec.body ?? '';
  const headers = [...(spec.headers ?? defaultHeaders())];
  if (!spec.noLength) headers.push(`${spec.lengthHeader ?? 'Content-Length'}: ${Buffer.byteLength(body, 'utf8')}`);
  return `${spec.startLine}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

export function defaultHeaders(callId = 'abc123@test'): string[] {
  return [
    'Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: <sip:room@example.org>',
    'From: <sip:unit@example.org>;tag=1928301774',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
  ];
}

export { prng } from '../../support/prng.js';

export function randomInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** Splits bytes at random points; `maxChunk` bounds chunk size. */
export function randomChunks(bytes: Buffer, rand: () => number, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = randomInt(rand, 1, maxChunk);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const BODY_PIECES = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 'hej', 'æøå', 'Grüße', '😀', '日本語', ' ', 'a=sendrecv', '\r\n', 'x'];

export function randomBody(rand: () => number): string {
  const n = randomInt(rand, 0, 12);
  let body = '';
  for (let i = 0; i < n; i++) body += pick(rand, BODY_PIECES);
  return body;
}

export function randomMessage(rand: () => number, index: number): string {
  const startLine = pick(rand, [
    `OPTIONS sip:room@example.org SIP/2.0`,
    `MESSAGE sip:unit@127.0.0.1;transport=tls SIP/2.0`,
    `INVITE sip:room@example.org SIP/2.0`,
    `SIP/2.0 200 OK`,
    `SIP/2.0 180 Ringing`,
    `SIP/2.0 486 Busy Here`,
  ]);
  const lengthHeader = pick(rand, ['Content-Length', 'content-length', 'CONTENT-LENGTH', 'l', 'L', 'Content-Length ']);
  return sipMessage({ startLine, headers: defaultHeaders(`call-${index}`), body: randomBody(rand), lengthHeader });
}
