/**
 * SIP.js `Transport` over one secure WebSocket (RFC 7118), with the same behaviour as the
 * TLS/TCP StreamTransport: coded errors (lastError), reconnect with jittered backoff after an
 * unexpected drop, and a keepalive (WebSocket ping; no pong in time means the connection is
 * dead). States as in stream-transport.ts:
 *
 *   Disconnected -> Connecting -> Connected -> Disconnecting -> Disconnected
 *   Connected --drop--> Disconnected --backoff--> Connecting ...
 *
 * Each WebSocket message is one SIP message, so no stream framing is needed.
 */
import { EmitterImpl, StateTransitionError, TransportState } from 'sip.js';
import type { Emitter, Transport } from 'sip.js';
import { ApplianceError } from '../../../core/errors.js';
import { classifySocketError, unreachable } from './classify-socket-error.js';
import type { Endpoint, LossReason } from './classify-socket-error.js';
import { MAX_BODY_BYTES, MAX_HEADER_BYTES } from './stream-framer.js';
import { resolveStreamTransportOptions } from './stream-transport-options.js';
import type { ReconnectOptions, StreamTransportTlsOptions } from './stream-transport-options.js';
import { fromSipJsLogger, silentLogger } from './transport-logger.js';
import type { SipJsLoggerLike, TransportLogger } from './transport-logger.js';
import { WebSocketClient } from './websocket-client.js';
import type { WebSocketFailure } from './websocket-client.js';

export interface WssTransportOptions {
  host: string;
  port: number;
  /** HTTP path of the WebSocket endpoint; default '/'. */
  path?: string;
  tls?: StreamTransportTlsOptions;
  /** Lab only: permits `tls.rejectUnauthorized: false`. */
  labAllowUntrustedTls?: boolean;
  /** Lab only: plain `ws://` (needs labAllowUntrustedTls too, as it is just as unsafe). */
  insecure?: boolean;
  connectTimeoutMs?: number;
  /** WebSocket ping period; 0 (default) disables. */
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  reconnect?: ReconnectOptions | false;
  closeGraceMs?: number;
  logger?: TransportLogger;
}

export interface WssTransportStats {
  connects: number;
  drops: number;
  reconnectAttempts: number;
  messagesIn: number;
  messagesOut: number;
  pingsSent: number;
  pongsReceived: number;
}

export class WssTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  private readonly resolved: ReturnType<typeof resolveStreamTransportOptions>;
  private readonly path: string;
  private readonly secure: boolean;
  private readonly log: TransportLogger;
  private readonly endpoint: Endpoint;
  private readonly stateEmitter = new EmitterImpl<TransportState>();
  private _state: TransportState = TransportState.Disconnected;
  private transitioning = false;
  private ws: WebSocketClient | undefined;
  private failure: ApplianceError | undefined;
  private _lastError: ApplianceError | undefined;
  private readonly counters: WssTransportStats = { connects: 0, drops: 0, reconnectAttempts: 0, messagesIn: 0, messagesOut: 0, pingsSent: 0, pongsReceived: 0 };
  private connectWaiters: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private connectPromise: Promise<void> | undefined;
  private disconnectWaiters: { resolve: () => void }[] = [];
  private autoReconnect = false;
  private reconnectAttempt = 0;
  private connectedAt = 0;
  private timers: { connect?: NodeJS.Timeout; reconnect?: NodeJS.Timeout; keepalive?: NodeJS.Timeout; pong?: NodeJS.Timeout; grace?: NodeJS.Timeout } = {};

  /** Constructs without I/O. Throws E_CONFIG_INVALID for unsafe or invalid options. */
  constructor(options: WssTransportOptions, sipLogger?: SipJsLoggerLike) {
    if (options.insecure && options.labAllowUntrustedTls !== true) {
      throw new ApplianceError('E_CONFIG_INVALID', 'SIP transport: plain ws:// needs labAllowUntrustedTls', { field: 'insecure' });
    }
    const path = options.path ?? '/';
    if (!/^\/[\x21-\x7e]*$/.test(path)) throw new ApplianceError('E_CONFIG_INVALID', 'SIP transport: path must start with / and hold no spaces', { field: 'path' });
    this.resolved = resolveStreamTransportOptions({ ...options, protocol: 'TLS' });
    this.path = path;
    this.secure = options.insecure !== true;
    this.log = this.resolved.logger ?? (sipLogger ? fromSipJsLogger(sipLogger) : silentLogger);
    this.endpoint = { host: options.host, port: options.port, protocol: this.protocol };
  }

  /** Via sent-protocol (RFC 7118): 'WSS', or 'WS' in the lab. */
  get protocol(): string {
    return this.secure ? 'WSS' : 'WS';
  }

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this.stateEmitter;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  lastError(): ApplianceError | undefined {
    return this._lastError;
  }

  stats(): Readonly<WssTransportStats> {
    return { ...this.counters };
  }

  connect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError());
    if (this._state === TransportState.Connected) return Promise.resolve();
    if (this._state === TransportState.Connecting) return this.connectPromise as Promise<void>;
    clearTimeout(this.timers.reconnect);
    this.beginConnecting();
    return this.connectPromise as Promise<void>;
  }

  disconnect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError());
    this.autoReconnect = false;
    clearTimeout(this.timers.reconnect);
    if (this._state === TransportState.Disconnected) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.disconnectWaiters.push({ resolve }));
    if (this._state !== TransportState.Disconnecting) {
      const ws = this.ws;
      this.transition(TransportState.Disconnecting);
      if (ws) {
        ws.close(1000);
        this.timers.grace = setTimeout(() => ws.destroy(), this.resolved.closeGraceMs);
      } else {
        setImmediate(() => this.onClosed(undefined, undefined));
      }
    }
    return done;
  }

  dispose(): Promise<void> {
    return this.disconnect();
  }

  send(message: string): Promise<void> {
    const ws = this.ws;
    if (this._state !== TransportState.Connected || !ws) {
      return Promise.reject(new ApplianceError('E_SERVER_UNREACHABLE', 'SIP transport not connected.', { state: this._state }));
    }
    this.counters.messagesOut++;
    this.log.debug({ msg: 'sip send', startLine: startLine(message), bytes: Buffer.byteLength(message) });
    this.log.trace?.({ msg: 'sip send text', text: message });
    return ws.sendText(message);
  }

  private beginConnecting(): void {
    const previous = this.ws;
    this.ws = undefined;
    previous?.removeAllListeners();
    previous?.destroy();
    this.connectPromise = new Promise<void>((resolve, reject) => { this.connectWaiters = { resolve, reject }; });
    this.connectPromise.catch(() => undefined); // reconnect attempts have no caller to observe them
    this.failure = undefined;
    this.transition(TransportState.Connecting);
    const { host, port } = this.resolved;
    const ws = new WebSocketClient({
      host, port, path: this.path, secure: this.secure, subprotocol: 'sip',
      ...(this.resolved.tls.ca ? { ca: this.resolved.tls.ca } : {}),
      ...(this.resolved.tls.servername ? { servername: this.resolved.tls.servername } : {}),
      rejectUnauthorized: this.resolved.tls.rejectUnauthorized,
      maxMessageBytes: MAX_HEADER_BYTES + MAX_BODY_BYTES,
    });
    this.ws = ws;
    this.log.debug({ msg: 'sip transport connecting', host, port, protocol: this.protocol, path: this.path });
    this.timers.connect = setTimeout(() => this.giveUp(ws, 'connect-timeout'), this.resolved.connectTimeoutMs);
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (text) => this.onWsMessage(ws, text));
    ws.on('pong', () => {
      this.counters.pongsReceived++;
      clearTimeout(this.timers.pong);
      this.timers.pong = undefined;
    });
    ws.on('close', (failure) => this.onClosed(ws, failure));
    ws.connect();
  }

  private onOpen(ws: WebSocketClient): void {
    clearTimeout(this.timers.connect);
    if (ws !== this.ws || this._state !== TransportState.Connecting) return;
    this.counters.connects++;
    this.connectedAt = Date.now();
    this.autoReconnect = false;
    this._lastError = undefined;
    this.log.info({ msg: 'sip transport connected', ...this.endpoint, path: this.path, tlsProtocol: ws.tlsProtocol() });
    this.transition(TransportState.Connected);
  }

  private onWsMessage(ws: WebSocketClient, text: string): void {
    if (ws !== this.ws) return;
    clearTimeout(this.timers.pong);
    this.timers.pong = undefined;
    if (this._state !== TransportState.Connected) return;
    if (text.trim() === '') return; // some proxies send CRLF keepalives as messages
    this.counters.messagesIn++;
    this.log.debug({ msg: 'sip receive', startLine: startLine(text), bytes: Buffer.byteLength(text) });
    this.log.trace?.({ msg: 'sip receive text', text });
    try {
      this.onMessage?.(text);
    } catch (err) {
      this.log.error({ msg: 'sip transport onMessage callback threw', error: errorText(err) });
    }
  }

  private onClosed(ws: WebSocketClient | undefined, wsFailure: WebSocketFailure | undefined): void {
    clearTimeout(this.timers.connect);
    clearTimeout(this.timers.grace);
    if (ws && ws !== this.ws) return;
    this.ws = undefined;
    this.stopKeepalive();
    const failure = this.failure ?? (wsFailure ? this.classify(wsFailure) : undefined);
    switch (this._state) {
      case TransportState.Connecting: {
        const error = failure ?? unreachable('closed-during-connect', this.endpoint);
        this._lastError = error;
        this.log.warn({ msg: 'sip transport connect failed', code: error.code, error: error.message });
        this.transition(TransportState.Disconnected, error);
        if (this.autoReconnect) this.scheduleReconnect();
        return;
      }
      case TransportState.Connected: {
        const error = failure ?? unreachable('closed-by-peer', this.endpoint);
        this._lastError = error;
        this.counters.drops++;
        const upMs = Date.now() - this.connectedAt;
        this.log.warn({ msg: 'sip transport connection lost', code: error.code, error: error.message, upMs });
        const reconnect = this.resolved.reconnect;
        if (reconnect) {
          this.autoReconnect = true;
          if (upMs >= reconnect.maxMs) this.reconnectAttempt = 0;
        }
        this.transition(TransportState.Disconnected, error);
        if (this.autoReconnect && (this._state as TransportState) === TransportState.Disconnected) this.scheduleReconnect();
        return;
      }
      case TransportState.Disconnecting:
        this.log.info({ msg: 'sip transport disconnected', ...this.endpoint });
        this.transition(TransportState.Disconnected);
        return;
      case TransportState.Disconnected:
        return;
    }
  }

  private classify(f: WebSocketFailure): ApplianceError {
    if (f.kind === 'socket') return classifySocketError(f.error, this.endpoint);
    return new ApplianceError('E_SERVER_UNREACHABLE', `${this.protocol} ${this.endpoint.host}:${this.endpoint.port}: WebSocket ${f.kind} failed: ${f.reason}`, { ...this.endpoint, reason: f.reason });
  }

  private giveUp(ws: WebSocketClient, reason: LossReason): void {
    if (ws !== this.ws) return;
    this.failure ??= unreachable(reason, this.endpoint);
    this.log.warn({ msg: 'sip transport giving up on connection', reason });
    ws.destroy();
  }

  private scheduleReconnect(): void {
    const reconnect = this.resolved.reconnect;
    if (!reconnect) return;
    clearTimeout(this.timers.reconnect);
    const base = Math.min(reconnect.maxMs, reconnect.initialMs * 2 ** Math.min(this.reconnectAttempt, 30));
    const delayMs = Math.round(base * (0.8 + 0.2 * Math.random()));
    this.reconnectAttempt++;
    this.log.info({ msg: 'sip transport reconnecting', delayMs, attempt: this.reconnectAttempt });
    this.timers.reconnect = setTimeout(() => {
      this.timers.reconnect = undefined;
      if (!this.autoReconnect || this._state !== TransportState.Disconnected) return;
      this.counters.reconnectAttempts++;
      this.beginConnecting();
    }, delayMs);
  }

  private startKeepalive(): void {
    const interval = this.resolved.keepaliveIntervalMs;
    if (interval <= 0 || this.timers.keepalive) return;
    this.timers.keepalive = setInterval(() => {
      const ws = this.ws;
      if (!ws || this._state !== TransportState.Connected || this.timers.pong) return;
      ws.ping();
      this.counters.pingsSent++;
      this.timers.pong = setTimeout(() => {
        this.timers.pong = undefined;
        this.giveUp(ws, 'keepalive-timeout');
      }, this.resolved.keepaliveTimeoutMs);
    }, interval);
  }

  private stopKeepalive(): void {
    clearInterval(this.timers.keepalive);
    clearTimeout(this.timers.pong);
    this.timers.keepalive = undefined;
    this.timers.pong = undefined;
  }

  private transition(to: TransportState, error?: Error): void {
    if (this.transitioning) throw this.loopError();
    const from = this._state;
    this.transitioning = true;
    try {
      this._state = to;
      this.log.debug({ msg: 'sip transport state', from, to });
      const waiters = this.connectWaiters;
      if (from === TransportState.Connecting) {
        this.connectWaiters = undefined;
        this.connectPromise = undefined;
      }
      if (to === TransportState.Connected) this.startKeepalive();
      if (from === TransportState.Connected) this.stopKeepalive();
      this.guard('stateChange listener', () => this.stateEmitter.emit(to));
      if (to === TransportState.Connected) this.guard('onConnect', () => this.onConnect?.());
      if (from === TransportState.Connected) this.guard('onDisconnect', () => (error ? this.onDisconnect?.(error) : this.onDisconnect?.()));
      if (from === TransportState.Connecting) {
        if (to === TransportState.Connected) waiters?.resolve();
        else waiters?.reject(error ?? new Error('Connect aborted.'));
      }
      if (to === TransportState.Disconnected) {
        const pending = this.disconnectWaiters;
        this.disconnectWaiters = [];
        for (const w of pending) w.resolve();
      }
    } finally {
      this.transitioning = false;
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ msg: `sip transport ${what} threw`, error: errorText(err) });
    }
  }

  private loopError(): StateTransitionError {
    this.log.error({ msg: 'sip transport state transition loop: connect()/disconnect() called synchronously from a callback', from: this._state });
    return new StateTransitionError('Loop detected.');
  }
}

function startLine(message: string): string {
  const end = message.indexOf('\r\n');
  return (end < 0 ? message : message.slice(0, end)).slice(0, 200);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
