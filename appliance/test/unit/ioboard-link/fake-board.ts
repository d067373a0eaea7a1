import type { ByteStream } from '../../../src/adapters/ioboard-serial/byte-stream.js';
import { encodeFrame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { buildFrame, decodeMessage } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import type { DecodedMessage, PayloadOf } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import { MESSAGES, NACK_REASON, PROTOCOL_VERSION } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import type { MessageName, NackReason } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { FrameStreamParser } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';

/** Lets queued microtasks and immediates (the in-memory wire) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The host's end of an in-memory wire; bytes cross on a microtask, as they would on a port. */
export class MemoryStream implements ByteStream {
  private data = new Set<(chunk: Uint8Array) => void>();
  private closeListeners = new Set<(error?: Error) => void>();
  closed = false;

  constructor(private readonly toBoard: (bytes: Uint8Array) => void) {}

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('closed'));
    const copy = Uint8Array.from(bytes);
    queueMicrotask(() => this.toBoard(copy));
    return Promise.resolve();
  }

  deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    const copy = Uint8Array.from(bytes);
    queueMicrotask(() => {
      for (const l of this.data) l(copy);
    });
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'close', listener: (error?: Error) => void): this;
  on(event: 'data' | 'close', listener: ((chunk: Uint8Array) => void) | ((error?: Error) => void)): this {
    (event === 'data' ? this.data : this.closeListeners).add(listener as never);
    return this;
  }

  off(event: 'data' | 'close', listener: (...args: never[]) => void): this {
    (event === 'data' ? this.data : this.closeListeners).delete(listener as never);
    return this;
  }

  close(): void {
    this.unplug();
  }

  /** The device went away (USB unplugged). */
  unplug(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(error);
  }
}

/**
 * A board written in TypeScript from the protocol spec: answers HELLO, ACKs reliable
 * messages (or not, or NACKs them, as a test asks) and sends what a test tells it to.
 */
export class FakeBoard {
  readonly stream: MemoryStream;
  readonly received: DecodedMessage[] = [];
  private parser = new FrameStreamParser();
  private seq = 0;
  answerHello = true;
  /** protocolVersion in the HELLO_ACK payload. */
  helloVersion: number = PROTOCOL_VERSION;
  /** Version byte of every frame the board sends. */
  frameVersion: number = PROTOCOL_VERSION;
  autoAck = true;
  /** The next N reliable messages get no ACK (as if the ACK was lost). */
  dropAcks = 0;
  /** NACK the next reliable message with these reasons, one per message, in order. */
  nacks: NackReason[] = [];

  constructor(readonly boardId = 0xb0a4d001) {
    this.stream = new MemoryStream((bytes) => this.fromHost(bytes));
  }

  of<N extends MessageName>(name: N): Extract<DecodedMessage, { name: N }>[] {
    return this.received.filter((m): m is Extract<DecodedMessage, { name: N }> => m.name === name);
  }

  sendRaw(bytes: Uint8Array): void {
    this.stream.deliver(bytes);
  }

  send<N extends MessageName>(name: N, fields: PayloadOf<N>, seq?: number): number {
    const s = seq ?? this.seq;
    if (seq === undefined) this.seq = (this.seq + 1) & 0xff;
    this.sendRaw(encodeFrame({ ...buildFrame(name, s, fields), version: this.frameVersion }));
    return s;
  }

  heartbeat(): void {
    this.send('HEARTBEAT', { flags: 0, ledPattern: 0, uptimeS: 1 });
  }

  private fromHost(bytes: Uint8Array): void {
    for (const ev of this.parser.push(bytes)) {
      if (ev.kind !== 'frame') continue;
      const msg = decodeMessage(ev.frame);
      this.received.push(msg);
      if (msg.name === 'HELLO' && this.answerHello) {
        this.send('HELLO_ACK', { protocolVersion: this.helloVersion, fwMajor: 0, fwMinor: 1, fwPatch: 2, boardId: this.boardId });
      } else if (MESSAGES[msg.name].reliable && this.autoAck) {
        const nack = this.nacks.shift();
        if (nack) this.send('NACK', { nackedSeq: msg.seq, reason: NACK_REASON[nack] });
        else if (this.dropAcks > 0) this.dropAcks--;
        else this.send('ACK', { ackedSeq: msg.seq });
      }
    }
  }
}
