/**
 * SIP.js `Transport` over one TLS (default) or TCP connection (RFC 3261 §18). The state
 * machine, reconnect and keepalive timing are ReconnectingTransport's.
 *
 * The one connection carries our requests and the proxy's requests to us (the proxy
 * reuses it, RFC 5923 style), so the unit needs no listening port.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { classifySocketError } from './classify-socket-error.js';
import { ReconnectingTransport } from './reconnecting-transport.js';
import type { TransportStats } from './reconnecting-transport.js';
import { SipStreamFramer } from './stream-framer.js';
import { resolveStreamTransportOptions } from './stream-transport-options.js';
import type { StreamTransportOptions } from './stream-transport-options.js';
import type { SipJsLoggerLike } from './transport-logger.js';

const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');
/** OS-level TCP keepalive, independent of the SIP CRLF keepalive. */
const TCP_KEEPALIVE_MS = 30_000;

export interface StreamTransportStats extends TransportStats {
  framingErrors: number;
  pingsReceived: number;
}

/** One socket and what belongs to it; events from a replaced connection are ignored. */
interface Connection {
  /** Unset only when creating the socket threw. */
  socket: net.Socket | undefined;
  framer: SipStreamFramer;
  connectTimer: NodeJS.Timeout | undefined;
  graceTimer: NodeJS.Timeout | undefined;
}

export class StreamTransport extends ReconnectingTransport<Connection, StreamTransportStats> {
  /** Constructs without I/O. Throws E_CONFIG_INVALID for unsafe or invalid options. */
  constructor(options: StreamTransportOptions, sipLogger?: SipJsLoggerLike) {
    const resolved = resolveStreamTransportOptions(options);
    const counters: StreamTransportStats = {
      connects: 0,
      drops: 0,
      reconnectAttempts: 0,
      messagesIn: 0,
      messagesOut: 0,
      framingErrors: 0,
      pingsSent: 0,
      pongsReceived: 0,
      pingsReceived: 0,
    };
    super(resolved, resolved.protocol, counters, sipLogger);
  }

  // ---- connection lifecycle -------------------------------------------------------

  protected override createConnection(): Connection {
    return { socket: undefined, framer: new SipStreamFramer(this.options.framerLimits), connectTimer: undefined, graceTimer: undefined };
  }

  protected override openConnection(conn: Connection): void {
    const { host, port, protocol, tls: tlsOptions } = this.options;
    this.log.debug({ msg: 'sip transport connecting', host, port, protocol });
    let socket: net.Socket;
    try {
      socket =
        protocol === 'TLS'
          ? tls.connect({
              host,
              port,
              ca: tlsOptions.ca,
              servername: tlsOptions.servername ?? (net.isIP(host) ? undefined : host),
              rejectUnauthorized: tlsOptions.rejectUnauthorized,
            })
          : net.connect({ host, port });
    } catch (err) {
      // e.g. an unparsable CA: fail the attempt asynchronously, like a socket error would.
      this.recordFailure(conn, classifySocketError(err, this.endpoint));
      setImmediate(() => this.onConnectionClosed(conn));
      return;
    }
    conn.socket = socket;
    conn.connectTimer = setTimeout(() => this.failConnection(conn, 'connect-timeout'), this.options.connectTimeoutMs);
    socket.once(protocol === 'TLS' ? 'secureConnect' : 'connect', () => this.onConnectionUp(conn));
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (err) => {
      this.recordFailure(conn, classifySocketError(err, this.endpoint));
      this.log.debug({ msg: 'sip transport socket error', code: (err as NodeJS.ErrnoException).code, error: err.message });
    });
    socket.on('close', () => this.onConnectionClosed(conn));
  }

  private onConnectionUp(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    conn.connectTimer = undefined;
    if (!this.isOpening(conn)) return;
    conn.socket?.setNoDelay(true);
    conn.socket?.setKeepAlive(true, TCP_KEEPALIVE_MS);
    const tlsProtocol = conn.socket instanceof tls.TLSSocket ? conn.socket.getProtocol() : undefined;
    this.connectionUp({ tlsProtocol });
  }

  private onConnectionClosed(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    clearTimeout(conn.graceTimer);
    this.connectionClosed(conn);
  }

  /** Gracefully when it is up, at once otherwise. */
  protected override closeConnection(conn: Connection, graceful: boolean): void {
    const socket = conn.socket;
    if (!socket) {
      setImmediate(() => this.onConnectionClosed(conn));
      return;
    }
    if (!graceful) {
      socket.destroy();
      return;
    }
    socket.end();
    conn.graceTimer = setTimeout(() => socket.destroy(), this.options.closeGraceMs);
  }

  protected override destroyConnection(conn: Connection): void {
    if (conn.socket) conn.socket.destroy();
    else setImmediate(() => this.onConnectionClosed(conn));
  }

  protected override abandonConnection(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    clearTimeout(conn.graceTimer);
    conn.socket?.destroy();
  }

  protected override writeMessage(conn: Connection, message: string): Promise<void> {
    const socket = conn.socket as net.Socket; // a connection that came up has its socket
    const bytes = Buffer.from(message, 'utf8');
    return new Promise<void>((resolve, reject) => {
      socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  // ---- inbound bytes --------------------------------------------------------------

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn !== this.conn) return;
    for (const event of conn.framer.push(chunk)) {
      switch (event.type) {
        case 'keepalive':
          this.keepaliveAnswered();
          if (event.kind === 'pong') {
            this.counters.pongsReceived++;
          } else {
            this.counters.pingsReceived++;
            if (this.isConnected()) conn.socket?.write(PONG);
          }
          break;
        case 'error':
          this.counters.framingErrors++;
          this.log.warn({ msg: 'sip transport dropped malformed input', code: event.error.code, ...event.error.detail });
          break;
        case 'message':
          this.keepaliveAnswered();
          if (this.isConnected()) this.deliver(event.message, event.byteLength);
          else this.log.warn({ msg: 'sip transport discarding message received while not connected', state: this.state });
          break;
      }
      if (conn !== this.conn) return; // a callback disconnected us
    }
  }

  // ---- CRLF keepalive (RFC 5626 §4.4.1) ---------------------------------------------

  protected override sendPing(conn: Connection): void {
    conn.socket?.write(PING);
  }
}

/** The constructor shape SIP.js's `transportConstructor` option expects. */
export type StreamTransportConstructor = new (logger: SipJsLoggerLike, options?: Partial<StreamTransportOptions>) => StreamTransport;

/**
 * Binds options to a transport class for `new UserAgent({ transportConstructor })`:
 * SIP.js instantiates the transport itself, passing its logger and `transportOptions`
 * (which, if given, override the bound options). Options are validated here, so a bad
 * configuration fails before a UserAgent is built.
 */
export function createStreamTransportClass(options: StreamTransportOptions): StreamTransportConstructor {
  resolveStreamTransportOptions(options);
  const bound = { ...options };
  return class BoundStreamTransport extends StreamTransport {
    constructor(logger: SipJsLoggerLike, overrides?: Partial<StreamTransportOptions>) {
      super({ ...bound, ...overrides }, logger);
    }
  };
}
