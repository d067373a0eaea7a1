/**
 * Incremental SIP message framer for stream transports (RFC 3261 §18.3).
 *
 * Feed it chunks in any split; it returns complete messages, CRLF keepalives
 * (RFC 5626 §4.4.1: "\r\n\r\n" ping, "\r\n" pong) and framing errors. It never
 * throws at the caller and never holds more than one message's worth of bytes
 * (headers up to 16 KiB, body up to 64 KiB). After an error it resyncs: an oversized
 * body is dropped by its declared length as it streams by; anything else is skipped
 * line by line up to the next plausible start line.
 *
 * Keepalives: "\r\n\r\n" in one piece is a ping; a lone "\r\n" is a pong. A ping split
 * across two pushes right after its first CRLF reads as two pongs (TLS records keep a
 * 4-byte write together, so this is rare and only costs the peer one answer).
 */
import { ApplianceError } from '../../../core/errors.js';
import { ByteQueue } from './byte-queue.js';

export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

export type MalformedReason =
  | 'garbage-before-start-line'
  | 'headers-too-large'
  | 'missing-content-length'
  | 'invalid-content-length'
  | 'body-too-large';

export type FramerEvent =
  | { type: 'message'; message: string; byteLength: number }
  | { type: 'keepalive'; kind: 'ping' | 'pong' }
  | { type: 'error'; error: ApplianceError };

export interface FramerLimits {
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

// RFC 3261 §25.1 token characters, plus '/' so the "SIP/2.0" of a status line passes.
const TOKEN_CHARS = new Set(Array.from("-.!%*_+`'~/", (c) => c.charCodeAt(0)));
function isTokenByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TOKEN_CHARS.has(b)
  );
}

const REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]+ [^ ]+ SIP\/2\.0$/i;
const STATUS_LINE = /^SIP\/2\.0 [1-6][0-9]{2}( .*)?$/i;

export function isStartLine(line: string): boolean {
  return REQUEST_LINE.test(line) || STATUS_LINE.test(line);
}

type Phase =
  /** Between messages: keepalives, or the start line being read. */
  | 'idle'
  /** Start line accepted; waiting for the blank line that ends the headers. */
  | 'headers'
  /** Headers parsed; waiting for `bodyLength` bytes. */
  | 'body'
  /** Dropping bytes up to and including the next LF. */
  | 'skip-line'
  /** Dropping the `discardRemaining` bytes of an oversized body. */
  | 'discard';

export class SipStreamFramer {
  private readonly queue = new ByteQueue();
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private phase: Phase = 'idle';
  /** Bytes of the current start line already checked for plausibility (idle). */
  private lineScanned = 0;
  private lineSawSpace = false;
  /** Where to resume the search for the end of the headers (headers). */
  private headerScanFrom = 0;
  private headerBytes = 0;
  private bodyLength = 0;
  private discardRemaining = 0;
  /** True from a garbage report until the next valid start line: one report per garbage run. */
  private inGarbage = false;

  constructor(limits: FramerLimits = {}) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.maxBodyBytes = limits.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /** Bytes held waiting for the rest of a message. Bounded by the limits. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  push(chunk: Uint8Array): FramerEvent[] {
    const events: FramerEvent[] = [];
    this.queue.append(chunk);
    while (this.step(events)) {
      /* keep going while progress is made */
    }
    return events;
  }

  /** Forgets any partial message (e.g. for a new connection). */
  reset(): void {
    this.queue.clear();
    this.phase = 'idle';
    this.resetLineScan();
    this.inGarbage = false;
  }

  private step(events: FramerEvent[]): boolean {
    switch (this.phase) {
      case 'idle':
        return this.stepIdle(events);
      case 'headers':
        return this.stepHeaders(events);
      case 'body':
        return this.stepBody(events);
      case 'skip-line':
        return this.stepSkipLine();
      case 'discard':
        return this.stepDiscard();
    }
  }

  private stepIdle(events: FramerEvent[]): boolean {
    const q = this.queue;
    const avail = q.length;
    if (avail === 0) return false;
    const first = q.at(0);

    if (first === LF) {
      q.consume(1); // a bare LF between messages: tolerated silently
      return true;
    }
    if (first === CR) {
      if (avail < 2) return false;
      if (q.at(1) !== LF) return this.garbage(events);
      if (avail >= 4 && q.at(2) === CR && q.at(3) === LF) {
        q.consume(4);
        events.push({ type: 'keepalive', kind: 'ping' });
        return true;
      }
      if (avail === 3 && q.at(2) === CR) return false; // maybe the second half of a ping
      q.consume(2);
      events.push({ type: 'keepalive', kind: 'pong' });
      return true;
    }

    // A start line: check plausibility of new bytes as they arrive, so junk without
    // line ends is dropped early instead of sitting in the buffer.
    for (; this.lineScanned < avail; this.lineScanned++) {
      const b = q.at(this.lineScanned);
      if (b === LF) {
        const lineEnd = this.lineScanned;
        if (lineEnd === 0 || q.at(lineEnd - 1) !== CR) return this.garbage(events);
        const line = q.view(0, lineEnd - 1).toString('latin1');
        if (!isStartLine(line)) return this.garbage(events);
        this.inGarbage = false;
        this.phase = 'headers';
        this.headerScanFrom = lineEnd - 1; // the start line's CRLF may begin the final CRLFCRLF
        this.resetLineScan();
        return true;
      }
      if (!this.lineSawSpace) {
        if (b === SP && this.lineScanned > 0) this.lineSawSpace = true;
        else if (!isTokenByte(b)) return this.garbage(events);
      } else if ((b < SP && b !== HTAB && b !== CR) || b === 0x7f) {
        return this.garbage(events);
      } else if (this.lineScanned > 0 && q.at(this.lineScanned - 1) === CR) {
        return this.garbage(events); // CR not followed by LF
      }
    }
    if (avail >= this.maxHeaderBytes) return this.garbage(events);
    return false;
  }

  private stepHeaders(events: FramerEvent[]): boolean {
    const q = this.queue;
    const end = q.indexOf('\r\n\r\n', this.headerScanFrom);
    if (end < 0) {
      if (q.length > this.maxHeaderBytes) {
        this.malformed(events, 'headers-too-large', { limit: this.maxHeaderBytes });
        q.consume(q.length);
        this.inGarbage = true;
        this.skipRestOfLine();
        return true;
      }
      this.headerScanFrom = Math.max(0, q.length - 3);
      return false;
    }
    const headerBytes = end + 4;
    if (headerBytes > this.maxHeaderBytes) {
      this.malformed(events, 'headers-too-large', { limit: this.maxHeaderBytes });
      q.consume(headerBytes);
      this.phase = 'idle';
      this.inGarbage = true; // whatever body follows is skipped without a second report
      return true;
    }
    const lengths = contentLengthValues(q.view(0, end).toString('latin1'));
    const checked = checkContentLength(lengths, this.maxBodyBytes);
    if ('problem' in checked) {
      this.malformed(events, checked.problem, { limit: this.maxBodyBytes });
      q.consume(headerBytes);
      if (checked.problem === 'body-too-large') {
        // The length is known, so the body can be dropped exactly, as it streams by.
        this.discardRemaining = checked.declared;
        this.phase = 'discard';
      } else {
        // No usable length: drop lines until something looks like a start line.
        this.phase = 'idle';
        this.inGarbage = true;
      }
      return true;
    }
    this.headerBytes = headerBytes;
    this.bodyLength = checked.length;
    this.phase = 'body';
    return true;
  }

  private stepBody(events: FramerEvent[]): boolean {
    const total = this.headerBytes + this.bodyLength;
    if (this.queue.length < total) return false;
    const message = this.queue.view(0, total).toString('utf8');
    this.queue.consume(total);
    this.phase = 'idle';
    events.push({ type: 'message', message, byteLength: total });
    return true;
  }

  private stepSkipLine(): boolean {
    const q = this.queue;
    const lf = q.indexOf(LF);
    if (lf < 0) {
      q.consume(q.length);
      return false;
    }
    q.consume(lf + 1);
    this.phase = 'idle';
    return true;
  }

  private stepDiscard(): boolean {
    const n = Math.min(this.discardRemaining, this.queue.length);
    this.queue.consume(n);
    this.discardRemaining -= n;
    if (this.discardRemaining > 0) return false;
    this.phase = 'idle';
    return true;
  }

  private garbage(events: FramerEvent[]): boolean {
    if (!this.inGarbage) this.malformed(events, 'garbage-before-start-line', {});
    this.inGarbage = true;
    this.skipRestOfLine();
    return true;
  }

  private skipRestOfLine(): void {
    this.phase = 'skip-line';
    this.resetLineScan();
  }

  private resetLineScan(): void {
    this.lineScanned = 0;
    this.lineSawSpace = false;
  }

  private malformed(events: FramerEvent[], reason: MalformedReason, detail: Record<string, unknown>): void {
    events.push({
      type: 'error',
      error: new ApplianceError('E_SIP_MALFORMED', `SIP stream framing: ${reason}`, { reason, ...detail }),
    });
  }
}

/** Values of every Content-Length / l header in a header block (unfolded, trimmed). */
export function contentLengthValues(headerBlock: string): string[] {
  const values: string[] = [];
  const lines = headerBlock.split('\r\n').slice(1); // drop the start line
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    let value = line.slice(colon + 1);
    // Header folding (RFC 3261 §7.3.1): continuation lines start with SP or HTAB.
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) value += ' ' + (lines[++i] as string);
    values.push(value.trim());
  }
  return values;
}

type ContentLengthCheck =
  | { problem: 'missing-content-length' | 'invalid-content-length' }
  | { problem: 'body-too-large'; declared: number }
  | { length: number };

function checkContentLength(values: string[], maxBody: number): ContentLengthCheck {
  if (values.length === 0) return { problem: 'missing-content-length' };
  const first = values[0] as string;
  if (!/^[0-9]{1,10}$/.test(first) || values.some((v) => v !== first && Number(v) !== Number(first))) {
    return { problem: 'invalid-content-length' };
  }
  const length = Number(first);
  if (length > maxBody) return { problem: 'body-too-large', declared: length };
  return { length };
}
