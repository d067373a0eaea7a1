import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, write } from 'node:fs';
import { ReadStream } from 'node:tty';
import { promisify } from 'node:util';
import { ApplianceError } from '../../core/errors.js';
import { SERIAL } from './protocol/protocol-gen.js';

/** A bidirectional byte pipe to the board (tty, pty, or an in-memory fake in tests). */
export interface ByteStream {
  write(bytes: Uint8Array): Promise<void>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  /** Emitted once when the stream ends for any reason (device gone, close()). */
  on(event: 'close', listener: (error?: Error) => void): this;
  off(event: 'data' | 'close', listener: (...args: never[]) => void): this;
  close(): void;
}

const execFileAsync = promisify(execFile);
const EAGAIN_RETRY_MS = 2;

function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (offset: number): void => {
      write(fd, bytes, offset, bytes.length - offset, null, (err, n) => {
        if (err && err.code === 'EAGAIN') {
          setTimeout(() => attempt(offset), EAGAIN_RETRY_MS);
          return;
        }
        if (err) return reject(err);
        if (offset + n < bytes.length) attempt(offset + n);
        else resolve();
      });
    };
    attempt(0);
  });
}

/**
 * A serial tty or pty without the serialport package: `stty` sets raw 8N1 at the
 * protocol's baud rate, a tty.ReadStream reads and a second descriptor writes (the read
 * stream puts its descriptor in non-blocking mode and owns it).
 */
export class TtyByteStream implements ByteStream {
  private readonly listeners = { data: new Set<(chunk: Uint8Array) => void>(), close: new Set<(error?: Error) => void>() };
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly input: ReadStream,
    private readonly writeFd: number,
  ) {
    input.on('data', (chunk: Buffer) => {
      for (const l of this.listeners.data) l(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    // A pty whose master went away reads EIO; a USB adapter unplugged ends the same way.
    input.on('error', (err) => this.finish(err));
    input.on('end', () => this.finish());
    input.on('close', () => this.finish());
  }

  static async open(path: string): Promise<TtyByteStream> {
    try {
      await execFileAsync('stty', ['-F', path, String(SERIAL.baud), 'raw', '-echo', 'cs8', '-parenb', '-cstopb', 'clocal']);
      const readFd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
      let writeFd: number;
      try {
        writeFd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY);
      } catch (e) {
        closeSync(readFd);
        throw e;
      }
      const input = new ReadStream(readFd);
      input.setRawMode(true);
      return new TtyByteStream(path, input, writeFd);
    } catch (e) {
      throw new ApplianceError('E_IOBOARD_UNREACHABLE', `cannot open ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `${this.path} is closed`, { path: this.path }));
    const copy = Uint8Array.from(bytes);
    const next = this.writes.then(() => writeAll(this.writeFd, copy));
    this.writes = next.catch(() => undefined);
    return next.catch((e: unknown) => {
      throw new ApplianceError('E_IOBOARD_UNREACHABLE', `write to ${this.path} failed: ${(e as Error).message}`, { path: this.path }, { cause: e });
    });
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  on(event: 'close', listener: (error?: Error) => void): this;
  on(event: 'data' | 'close', listener: ((chunk: Uint8Array) => void) | ((error?: Error) => void)): this {
    (this.listeners[event] as Set<typeof listener>).add(listener);
    return this;
  }

  off(event: 'data' | 'close', listener: (...args: never[]) => void): this {
    (this.listeners[event] as Set<unknown>).delete(listener);
    return this;
  }

  close(): void {
    this.finish();
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.input.destroy();
    // Waits for queued writes so that a write in progress does not hit a closed descriptor.
    void this.writes.then(() => {
      try {
        closeSync(this.writeFd);
      } catch {
        // already closed
      }
    });
    for (const l of this.listeners.close) l(error);
    this.listeners.data.clear();
    this.listeners.close.clear();
  }
}

export function openTtyStream(path: string): Promise<ByteStream> {
  return TtyByteStream.open(path);
}
