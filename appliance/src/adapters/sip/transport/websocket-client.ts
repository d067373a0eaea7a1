/**
 * A small RFC 6455 WebSocket client over node:tls (or node:net for the lab), enough for SIP
 * over WebSocket (RFC 7118): the `sip` subprotocol, text messages, ping/pong, close.
 * Our own, so the proxy's certificate is checked with the unit's CA bundle like the TLS
 * transport does, and no extra package is needed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HANDSHAKE_BYTES = 16 * 1024;

export interface WebSocketClientOptions {
  host: string;
  port: number;
  path: string;
  secure: boolean;
  subprotocol: string;
  ca?: string | Buffer | Array<string | Buffer>;
  servername?: string;
  rejectUnauthorized: boolean;
  /** Largest message accepted (a bigger one closes the connection with 1009). */
  maxMessageBytes: number;
}

export type WebSocketFailure =
  | { kind: 'socket'; error: Error }
  | { kind: 'handshake'; reason: string }
  | { kind: 'protocol'; reason: string };

export interface WebSocketClientEvents {
  open: [];
  message: [text: string];
  pong: [];
  /** Always emitted once, last; `failure` is set when the connection did not end cleanly. */
  close: [failure: WebSocketFailure | undefined];
}

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export class WebSocketClient extends EventEmitter<WebSocketClientEvents> {
  private socket: net.Socket | undefined;
  private handshakeDone = false;
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private failure: WebSocketFailure | undefined;
  private closed = false;
  private readonly key = randomBytes(16).toString('base64');

  constructor(private readonly options: WebSocketClientOptions) {
    super();
  }

  get open(): boolean {
    return this.handshakeDone && !this.closed;
  }

  /** The TLS version in use, once open. */
  tlsProtocol(): string | undefined {
    return this.socket instanceof tls.TLSSocket ? (this.socket.getProtocol() ?? undefined) : undefined;
  }

  connect(): void {
    const o = this.options;
    const socket = o.secure
      ? tls.connect({
          host: o.host,
          port: o.port,
          ...(o.ca ? { ca: o.ca } : {}),
          servername: o.servername ?? (net.isIP(o.host) ? undefined : o.host),
          rejectUnauthorized: o.rejectUnauthorized,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: o.host, port: o.port });
    this.socket = socket;
    socket.once(o.secure ? 'secureConnect' : 'connect', () => {
      socket.setNoDelay(true);
      socket.write(this.handshakeRequest());
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => { this.failure ??= { kind: 'socket', error }; });
    socket.on('close', () => this.finish());
  }

  sendText(text: string): Promise<void> {
    return this.writeFrame(OP.text, Buffer.from(text, 'utf8'));
  }

  ping(): void {
    void this.writeFrame(OP.ping, Buffer.alloc(0)).catch(() => undefined);
  }

  /** Sends a close frame and ends the socket; `destroy()` after a grace period is the caller's. */
  close(code = 1000): void {
    if (!this.socket || this.closed) return;
    if (this.handshakeDone) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      void this.writeFrame(OP.close, payload).catch(() => undefined);
    }
    this.socket.end();
  }

  destroy(): void {
    this.socket?.destroy();
    if (!this.socket) this.finish();
  }

  private handshakeRequest(): string {
    const o = this.options;
    const hostHeader = o.servername ?? o.host;
    return [
      `GET ${o.path} HTTP/1.1`,
      `Host: ${hostHeader.includes(':') ? `[${hostHeader}]` : hostHeader}:${o.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${this.key}`,
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: ${o.subprotocol}`,
      '', '',
    ].join('\r\n');
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (!this.handshakeDone && !this.readHandshake()) return;
    this.readFrames();
  }

  /** True once the 101 response has been read and accepted. */
  private readHandshake(): boolean {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buffer.length > MAX_HANDSHAKE_BYTES) this.fail({ kind: 'handshake', reason: 'oversized HTTP response' });
      return false;
    }
    const head = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + 4);
    const [status = '', ...lines] = head.split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const code = /^HTTP\/1\.1 (\d{3})/.exec(status)?.[1];
    const expectedAccept = createHash('sha1').update(this.key + GUID).digest('base64');
    let reason: string | undefined;
    if (code !== '101') reason = `HTTP status ${code ?? 'missing'} instead of 101`;
    else if (headers.get('upgrade')?.toLowerCase() !== 'websocket') reason = 'no Upgrade: websocket';
    else if (headers.get('sec-websocket-accept') !== expectedAccept) reason = 'wrong Sec-WebSocket-Accept';
    else if (headers.get('sec-websocket-protocol')?.toLowerCase() !== this.options.subprotocol) reason = `subprotocol ${this.options.subprotocol} not accepted`;
    if (reason) {
      this.fail({ kind: 'handshake', reason });
      return false;
    }
    this.handshakeDone = true;
    this.emit('open');
    return !this.closed;
  }

  private readFrames(): void {
    while (!this.closed && this.buffer.length >= 2) {
      const b0 = this.buffer[0]!;
      const b1 = this.buffer[1]!;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) return this.fail({ kind: 'protocol', reason: 'reserved bits set' }, 1002);
      if ((b1 & 0x80) !== 0) return this.fail({ kind: 'protocol', reason: 'masked frame from the server' }, 1002);
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        const big = this.buffer.readBigUInt64BE(2);
        if (big > BigInt(this.options.maxMessageBytes)) return this.fail({ kind: 'protocol', reason: 'message too big' }, 1009);
        length = Number(big);
        offset = 10;
      }
      if (length > this.options.maxMessageBytes) return this.fail({ kind: 'protocol', reason: 'message too big' }, 1009);
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) return this.fail({ kind: 'protocol', reason: 'bad control frame' }, 1002);
      if (opcode === OP.ping) void this.writeFrame(OP.pong, payload).catch(() => undefined);
      else if (opcode === OP.pong) this.emit('pong');
      else if (opcode === OP.close) {
        if (!this.closed) this.close(1000);
      } else return this.fail({ kind: 'protocol', reason: `unknown opcode ${opcode}` }, 1002);
      return;
    }
    if (opcode !== OP.continuation && this.fragments.length > 0) return this.fail({ kind: 'protocol', reason: 'interleaved message' }, 1002);
    if (opcode === OP.continuation && this.fragments.length === 0) return this.fail({ kind: 'protocol', reason: 'stray continuation' }, 1002);
    if (opcode !== OP.continuation && opcode !== OP.text && opcode !== OP.binary) return this.fail({ kind: 'protocol', reason: `unknown opcode ${opcode}` }, 1002);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > this.options.maxMessageBytes) return this.fail({ kind: 'protocol', reason: 'message too big' }, 1009);
    this.fragments.push(payload);
    if (!fin) return;
    const whole = Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    // RFC 7118: SIP messages may come as text or binary frames; both carry UTF-8 here.
    this.emit('message', whole.toString('utf8'));
  }

  private writeFrame(opcode: number, payload: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closed || !socket.writable) return Promise.reject(new Error('WebSocket not open'));
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.alloc(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, headerLength);
    for (let i = 0; i < length; i++) frame[headerLength + 4 + i] = payload[i]! ^ mask[i & 3]!;
    return new Promise((resolve, reject) => socket.write(frame, (err) => (err ? reject(err) : resolve())));
  }

  private fail(failure: WebSocketFailure, closeCode?: number): void {
    this.failure ??= failure;
    if (closeCode && this.handshakeDone) this.close(closeCode);
    this.socket?.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', this.failure);
  }
}
