/** A bidirectional byte pipe to the board (a tty or pty through serialport, or an in-memory fake in tests). */
export interface ByteStream {
  write(bytes: Uint8Array): Promise<void>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): this;
  /** Emitted once when the stream ends for any reason (device gone, close()). */
  on(event: 'close', listener: (error?: Error) => void): this;
  off(event: 'data' | 'close', listener: (...args: never[]) => void): this;
  close(): void;
}
