import { SerialPort, SerialPortMock } from 'serialport';
import { ApplianceError } from '../../core/errors.js';
import type { ByteStream } from './byte-stream.js';
import { SERIAL } from './protocol/protocol-gen.js';

/** What the adapter needs from a serialport stream: SerialPort (real ttys, ptys) or SerialPortMock. */
export type SerialPortLike = SerialPort | SerialPortMock;

/** Makes the (unopened) port; the default is a real SerialPort at the protocol's 115200 8N1. */
export type SerialPortFactory = (path: string) => SerialPortLike;

export const realSerialPort: SerialPortFactory = (path) =>
  new SerialPort({ path, baudRate: SERIAL.baud, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });

export const mockSerialPort: SerialPortFactory = (path) =>
  new SerialPortMock({ path, baudRate: SERIAL.baud, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });

/**
 * The board's serial port through the `serialport` package. 'close' fires once, whoever ends
 * it: close(), an unplugged USB adapter (serialport's `disconnected`), or a pty whose simavr
 * went away (EIO on read).
 */
export class SerialPortByteStream implements ByteStream {
  private readonly listeners = { data: new Set<(chunk: Uint8Array) => void>(), close: new Set<(error?: Error) => void>() };
  private closed = false;

  private constructor(private readonly port: SerialPortLike) {
    port.on('data', (chunk: Buffer) => {
      for (const l of this.listeners.data) l(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    port.on('error', (err: Error) => this.finish(err));
    port.on('close', (err?: Error | null) => this.finish(err ?? undefined));
  }

  static open(path: string, factory: SerialPortFactory = realSerialPort): Promise<SerialPortByteStream> {
    return new Promise((resolve, reject) => {
      let port: SerialPortLike;
      try {
        port = factory(path);
      } catch (e) {
        reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `cannot open ${path}: ${(e as Error).message}`, { path }, { cause: e }));
        return;
      }
      port.open((err) => {
        if (err) {
          reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `cannot open ${path}: ${err.message}`, { path }, { cause: err }));
          return;
        }
        // Bytes queued before the port was opened (and set raw) are from no session of ours.
        port.flush(() => resolve(new SerialPortByteStream(port)));
      });
    });
  }

  get path(): string {
    return this.port.path;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `${this.path} is closed`, { path: this.path }));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (err) => {
        if (err) reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `write to ${this.path} failed: ${err.message}`, { path: this.path }, { cause: err }));
        else resolve();
      });
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
    if (this.closed) return;
    if (this.port.isOpen) this.port.close(() => undefined);
    this.finish();
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.port.isOpen) this.port.close(() => undefined);
    for (const l of this.listeners.close) l(error);
    this.listeners.data.clear();
    this.listeners.close.clear();
  }
}

export function openSerialPortStream(path: string, factory?: SerialPortFactory): Promise<ByteStream> {
  return SerialPortByteStream.open(path, factory);
}
