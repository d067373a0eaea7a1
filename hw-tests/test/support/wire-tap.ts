/**
 * A ByteStream in front of the real one that lets a test see the board's messages on the
 * wire and silence the host's heartbeats (a host that hangs but keeps its port open).
 */
import type { ByteStream } from '../../../appliance/src/adapters/ioboard-serial/byte-stream.js';
import { decodeMessage } from '../../../appliance/src/adapters/ioboard-serial/protocol/payloads.js';
import type { DecodedMessage } from '../../../appliance/src/adapters/ioboard-serial/protocol/payloads.js';
import { MESSAGE_TYPE } from '../../../appliance/src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { FrameStreamParser } from '../../../appliance/src/adapters/ioboard-serial/protocol/stream-parser.js';

export class WireTap implements ByteStream {
  /** Every valid message the board sent, in order. */
  readonly fromBoard: DecodedMessage[] = [];
  /** Host HEARTBEAT frames dropped while heartbeats were off. */
  droppedHeartbeats = 0;
  private heartbeats = true;
  private readonly parser = new FrameStreamParser();

  constructor(private readonly inner: ByteStream) {
    inner.on('data', (chunk) => {
      for (const ev of this.parser.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        try {
          this.fromBoard.push(decodeMessage(ev.frame));
        } catch {
          // the link reports bad payloads itself
        }
      }
    });
  }

  /** Stops (false) or resumes (true) passing the host's heartbeats to the board. */
  setHostHeartbeats(on: boolean): void {
    this.heartbeats = on;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.heartbeats && onlyHeartbeats(bytes)) {
      this.droppedHeartbeats++;
      return Promise.resolve();
    }
    return this.inner.write(bytes);
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'close', listener: (error?: Error) => void): this;
  on(event: 'data' | 'close', listener: ((chunk: Uint8Array) => void) | ((error?: Error) => void)): this {
    this.inner.on(event as 'data', listener as (chunk: Uint8Array) => void);
    return this;
  }

  off(event: 'data' | 'close', listener: (...args: never[]) => void): this {
    this.inner.off(event, listener);
    return this;
  }

  close(): void {
    this.inner.close();
  }
}

/** The link writes one frame per write (with a leading 0x00 sometimes): is it a HEARTBEAT? */
function onlyHeartbeats(bytes: Uint8Array): boolean {
  const frames = new FrameStreamParser().push(bytes);
  return frames.length > 0 && frames.every((ev) => ev.kind === 'frame' && ev.frame.type === MESSAGE_TYPE.HEARTBEAT);
}
