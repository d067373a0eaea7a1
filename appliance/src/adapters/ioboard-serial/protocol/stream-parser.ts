import { decodeFrame } from './frame.js';
import type { Frame } from './frame.js';
import { frameError, IoBoardProtocolError } from './errors.js';
import { LIMITS } from './protocol-gen.js';

export type ParseEvent = { kind: 'frame'; frame: Frame } | { kind: 'error'; error: IoBoardProtocolError };

/**
 * Splits a byte stream into frames at 0x00 delimiters. Pure: no I/O, no timers; feed it
 * chunks as they arrive. After an oversized run without a delimiter it reports one error
 * and skips to the next 0x00, so it resynchronises after garbage. Empty frames (0x00 0x00)
 * are delimiter padding and ignored.
 */
export class FrameStreamParser {
  private buf = new Uint8Array(LIMITS.maxEncoded);
  private n = 0;
  private skipping = false;

  push(chunk: Uint8Array): ParseEvent[] {
    const events: ParseEvent[] = [];
    for (const byte of chunk) {
      if (byte !== 0) {
        if (this.skipping) continue;
        if (this.n >= this.buf.length) {
          this.skipping = true;
          this.n = 0;
          events.push({ kind: 'error', error: frameError('oversize') });
          continue;
        }
        this.buf[this.n++] = byte;
        continue;
      }
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.n === 0) continue;
      const encoded = this.buf.slice(0, this.n);
      this.n = 0;
      try {
        events.push({ kind: 'frame', frame: decodeFrame(encoded) });
      } catch (e) {
        if (!(e instanceof IoBoardProtocolError)) throw e;
        events.push({ kind: 'error', error: e });
      }
    }
    return events;
  }

  /** Drops a partly received frame (e.g. after the port was reopened). */
  reset(): void {
    this.n = 0;
    this.skipping = false;
  }
}
