/**
 * SIP.js `Transport` over one secure WebSocket (RFC 7118). The state machine, coded errors
 * (lastError), reconnect with jittered backoff and keepalive timing are ReconnectingTransport's,
 * as for the TLS/TCP StreamTransport; the keepalive here is a WebSocket ping.
 *
 * Each WebSocket message is one SIP message, so no stream framing is needed.
 */
import { ApplianceError } from '../../../core/errors.js';
import { classifySocketError } from './classify-socket-error.js';
import { ReconnectingTransport } from './reconnecting-transport.js';
import type { TransportStats } from './reconnecting-transport.js';
import { MAX_BODY_BYTES, MAX_HEADER_BYTES } from './stream-framer.js';
import { resolveStreamTransportOptions } from './stream-transport-options.js';
import type { CommonTransportOptions } from './stream-transport-options.js';
import type { SipJsLoggerLike } from './transport-logger.js';
import { WebSocketClient } from './websocket-client.js';
import type { WebSocketFailure } from './websocket-client.js';

export interface WssTransportOptions extends CommonTransportOptions {
  /** HTTP path of the WebSocket endpoint; default '/'. */
  path?: string;
  /** Lab only: plain `ws://` (needs labAllowUntrustedTls too, as it is just as unsafe). */
  insecure?: boolean;
}

export type WssTransportStats = TransportStats;

export class WssTransport extends ReconnectingTransport<WebSocketClient, WssTransportStats> {
  private readonly path: string;
  private readonly secure: boolean;
  private timers: { connect?: NodeJS.Timeout; grace?: NodeJS.Timeout } = {};

  /** Constructs without I/O. Throws E_CONFIG_INVALID for unsafe or invalid options. */
  constructor(options: WssTransportOptions, sipLogger?: SipJsLoggerLike) {
    if (options.insecure && options.labAllowUntrustedTls !== true) {
      throw new ApplianceError('E_CONFIG_INVALID', 'SIP transport: plain ws:// needs labAllowUntrustedTls', { field: 'insecure' });
    }
    const path = options.path ?? '/';
    if (!/^\/[\x21-\x7e]*$/.test(path)) throw new ApplianceError('E_CONFIG_INVALID', 'SIP transport: path must start with / and hold no spaces', { field: 'path' });
    const secure = options.insecure !== true;
    const counters: WssTransportStats = { connects: 0, drops: 0, reconnectAttempts: 0, messagesIn: 0, messagesOut: 0, pingsSent: 0, pongsReceived: 0 };
    super(resolveStreamTransportOptions({ ...options, protocol: 'TLS' }), secure ? 'WSS' : 'WS', counters, sipLogger);
    this.path = path;
    this.secure = secure;
  }

  protected override createConnection(): WebSocketClient {
    const { host, port, tls } = this.options;
    return new WebSocketClient({
      host, port, path: this.path, secure: this.secure, subprotocol: 'sip',
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
      rejectUnauthorized: tls.rejectUnauthorized,
      maxMessageBytes: MAX_HEADER_BYTES + MAX_BODY_BYTES,
    });
  }

  protected override openConnection(ws: WebSocketClient): void {
    const { host, port } = this.options;
    this.log.debug({ msg: 'sip transport connecting', host, port, protocol: this.protocol, path: this.path });
    this.timers.connect = setTimeout(() => this.failConnection(ws, 'connect-timeout'), this.options.connectTimeoutMs);
    ws.on('open', () => {
      clearTimeout(this.timers.connect);
      if (this.isOpening(ws)) this.connectionUp({ path: this.path, tlsProtocol: ws.tlsProtocol() });
    });
    ws.on('message', (text) => this.onWsMessage(ws, text));
    ws.on('pong', () => {
      this.counters.pongsReceived++;
      this.keepaliveAnswered();
    });
    ws.on('close', (failure) => {
      clearTimeout(this.timers.connect);
      clearTimeout(this.timers.grace);
      this.connectionClosed(ws, failure && this.classify(failure));
    });
    ws.connect();
  }

  protected override closeConnection(ws: WebSocketClient): void {
    ws.close(1000);
    this.timers.grace = setTimeout(() => ws.destroy(), this.options.closeGraceMs);
  }

  protected override destroyConnection(ws: WebSocketClient): void {
    ws.destroy();
  }

  protected override abandonConnection(ws: WebSocketClient): void {
    ws.removeAllListeners();
    ws.destroy();
  }

  protected override writeMessage(ws: WebSocketClient, message: string): Promise<void> {
    return ws.sendText(message);
  }

  protected override sendPing(ws: WebSocketClient): void {
    ws.ping();
  }

  private onWsMessage(ws: WebSocketClient, text: string): void {
    if (ws !== this.conn) return;
    this.keepaliveAnswered();
    if (!this.isConnected()) return;
    if (text.trim() === '') return; // some proxies send CRLF keepalives as messages
    this.deliver(text, Buffer.byteLength(text));
  }

  private classify(f: WebSocketFailure): ApplianceError {
    if (f.kind === 'socket') return classifySocketError(f.error, this.endpoint);
    return new ApplianceError('E_SERVER_UNREACHABLE', `${this.protocol} ${this.endpoint.host}:${this.endpoint.port}: WebSocket ${f.kind} failed: ${f.reason}`, { ...this.endpoint, reason: f.reason });
  }
}

export type WssTransportConstructor = new (logger: SipJsLoggerLike, options?: Partial<WssTransportOptions>) => WssTransport;

/** Binds options for `new UserAgent({ transportConstructor })`; validates them now. */
export function createWssTransportClass(options: WssTransportOptions): WssTransportConstructor {
  new WssTransport(options); // validation only; no I/O in the constructor
  const bound = { ...options };
  return class BoundWssTransport extends WssTransport {
    constructor(logger: SipJsLoggerLike, overrides?: Partial<WssTransportOptions>) {
      super({ ...bound, ...overrides }, logger);
    }
  };
}
