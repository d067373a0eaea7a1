/**
 * SIP.js `Transport` over one TLS (default) or TCP connection (RFC 3261 §18).
 *
 * State machine (SIP.js api/transport-state):
 *
 *   Disconnected --connect()--> Connecting --socket up--> Connected
 *        ^  ^                     |  |                       |  |
 *        |  +---- connect failed -+  +--disconnect()--+      |  +--disconnect()--> Disconnecting
 *        |                                            v      |                          |
 *        +---- unexpected drop (onDisconnect(error)) -+------+      socket closed ------+
 *        |
 *        +-- after a drop, a backoff timer calls connect() itself (Disconnected -> Connecting),
 *            so SIP.js sees onDisconnect(error) and later onConnect() again.
 *
 * The one connection carries our requests and the proxy's requests to us (the proxy
 * reuses it, RFC 5923 style), so the unit needs no listening port.
 *
 * Unlike SIP.js's WebSocket transport, callbacks that throw are logged, not rethrown:
 * they run inside socket event handlers, where a throw would take the daemon down.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { EmitterImpl, StateTransitionError, TransportState } from 'sip.js';
import type { Emitter, Transport } from 'sip.js';
import { ApplianceError } from '../../../core/errors.js';
import { classifySocketError, unreachable } from './classify-socket-error.js';
import type { Endpoint, LossReason } from './classify-socket-error.js';
import { SipStreamFramer } from './stream-framer.js';
import { resolveStreamTransportOptions } from './stream-transport-options.js';
import type { ResolvedStreamTransportOptions, StreamTransportOptions } from './stream-transport-options.js';
import { fromSipJsLogger, silentLogger } from './transport-logger.js';
import type { SipJsLoggerLike, TransportLogger } from './transport-logger.js';

const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');
/** OS-level TCP keepalive, independent of the SIP CRLF keepalive. */
const TCP_KEEPALIVE_MS = 30_000;

export interface StreamTransportStats {
  connects: number;
  drops: number;
  reconnectAttempts: number;
  messagesIn: number;
  messagesOut: number;
  framingErrors: number;
  pingsSent: number;
  pongsReceived: number;
  pingsReceived: number;
}

/** One socket and what belongs to it; events from a replaced connection are ignored. */
interface Connection {
  socket: net.Socket | undefined;
  framer: SipStreamFramer;
  /** The classified reason this connection failed, set before it closes. */
  failure: ApplianceError | undefined;
  connectTimer: NodeJS.Timeout | undefined;
  graceTimer: NodeJS.Timeout | undefined;
}

export class StreamTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  private readonly options: ResolvedStreamTransportOptions;
  private readonly log: TransportLogger;
  private readonly endpoint: Endpoint;
  private readonly stateEmitter = new EmitterImpl<TransportState>();
  private _state: TransportState = TransportState.Disconnected;
  private transitioning = false;
  private conn: Connection | undefined;
  private _lastError: ApplianceError | undefined;
  private readonly counters: StreamTransportStats = {
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

  private connectPromise: Promise<void> | undefined;
  private connectResolve: (() => void) | undefined;
  private connectReject: ((error: Error) => void) | undefined;
  private disconnectPromise: Promise<void> | undefined;
  private disconnectResolve: (() => void) | undefined;
  private disconnectReject: ((error: Error) => void) | undefined;

  /** True from an unexpected drop until connected again or told to disconnect. */
  private autoReconnect = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;

  /** Constructs without I/O. Throws E_CONFIG_INVALID for unsafe or invalid options. */
  constructor(options: StreamTransportOptions, sipLogger?: SipJsLoggerLike) {
    this.options = resolveStreamTransportOptions(options);
    this.log = this.options.logger ?? (sipLogger ? fromSipJsLogger(sipLogger) : silentLogger);
    this.endpoint = { host: this.options.host, port: this.options.port, protocol: this.options.protocol };
  }

  /** Via sent-protocol transport: 'TLS' or 'TCP'. */
  get protocol(): string {
    return this.options.protocol;
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

  /**
   * Why the transport is not connected: the classified error of the last failed
   * connect or of the last drop. Cleared when a connection comes up.
   */
  lastError(): ApplianceError | undefined {
    return this._lastError;
  }

  stats(): Readonly<StreamTransportStats> {
    return { ...this.counters };
  }

  connect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError(TransportState.Connecting));
    switch (this._state) {
      case TransportState.Connecting:
        return this.connectPromise as Promise<void>;
      case TransportState.Connected:
        return Promise.resolve();
      case TransportState.Disconnecting:
      case TransportState.Disconnected:
        this.clearReconnectTimer();
        this.beginConnecting();
        return this.connectPromise as Promise<void>;
    }
  }

  disconnect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError(TransportState.Disconnecting));
    this.autoReconnect = false;
    this.clearReconnectTimer();
    switch (this._state) {
      case TransportState.Disconnecting:
        return this.disconnectPromise as Promise<void>;
      case TransportState.Disconnected:
        return Promise.resolve();
      case TransportState.Connecting:
      case TransportState.Connected: {
        const wasConnected = this._state === TransportState.Connected;
        this.disconnectPromise = new Promise<void>((resolve, reject) => {
          this.disconnectResolve = resolve;
          this.disconnectReject = reject;
        });
        this.disconnectPromise.catch(() => undefined); // settled by transitionState; may be unobserved
        const promise = this.disconnectPromise;
        this.transitionState(TransportState.Disconnecting);
        const conn = this.conn;
        if (conn) this.closeConnection(conn, wasConnected);
        return promise;
      }
    }
  }

  /**
   * Disconnects and stops any reconnection. Safe to call repeatedly. Like SIP.js's own
   * transport it does not poison the instance: UserAgent.stop() disposes the transport
   * and a later UserAgent.start() calls connect() on the same one.
   */
  dispose(): Promise<void> {
    return this.disconnect();
  }

  send(message: string): Promise<void> {
    const socket = this.conn?.socket;
    if (this._state !== TransportState.Connected || !socket) {
      return Promise.reject(new ApplianceError('E_SERVER_UNREACHABLE', 'SIP transport not connected.', { state: this._state }));
    }
    const bytes = Buffer.from(message, 'utf8');
    this.counters.messagesOut++;
    this.log.debug({ msg: 'sip send', startLine: startLine(message), bytes: bytes.length });
    this.log.trace?.({ msg: 'sip send text', text: message });
    return new Promise<void>((resolve, reject) => {
      socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  // ---- connection lifecycle -------------------------------------------------------

  private beginConnecting(): void {
    const previous = this.conn; // when called while Disconnecting: abandon the closing socket
    this.conn = undefined;
    if (previous) this.destroyConnection(previous);
    this.connectPromise = new Promise<void>((resolve, reject) => {
      this.connectResolve = resolve;
      this.connectReject = reject;
    });
    this.connectPromise.catch(() => undefined); // reconnect attempts have no caller to observe them
    this.transitionState(TransportState.Connecting);
    this.openConnection();
  }

  private openConnection(): void {
    const conn: Connection = {
      socket: undefined,
      framer: new SipStreamFramer(this.options.framerLimits),
      failure: undefined,
      connectTimer: undefined,
      graceTimer: undefined,
    };
    this.conn = conn;
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
      conn.failure = classifySocketError(err, this.endpoint);
      setImmediate(() => this.onConnectionClosed(conn));
      return;
    }
    conn.socket = socket;
    conn.connectTimer = setTimeout(() => this.failConnection(conn, 'connect-timeout'), this.options.connectTimeoutMs);
    socket.once(protocol === 'TLS' ? 'secureConnect' : 'connect', () => this.onConnectionUp(conn));
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (err) => {
      conn.failure ??= classifySocketError(err, this.endpoint);
      this.log.debug({ msg: 'sip transport socket error', code: (err as NodeJS.ErrnoException).code, error: err.message });
    });
    socket.on('close', () => this.onConnectionClosed(conn));
  }

  private onConnectionUp(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    conn.connectTimer = undefined;
    if (conn !== this.conn || this._state !== TransportState.Connecting) return;
    conn.socket?.setNoDelay(true);
    conn.socket?.setKeepAlive(true, TCP_KEEPALIVE_MS);
    this.counters.connects++;
    this.connectedAt = Date.now();
    this.autoReconnect = false;
    this._lastError = undefined;
    const tlsProtocol = conn.socket instanceof tls.TLSSocket ? conn.socket.getProtocol() : undefined;
    this.log.info({ msg: 'sip transport connected', ...this.endpoint, tlsProtocol });
    this.transitionState(TransportState.Connected);
  }

  private onConnectionClosed(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    clearTimeout(conn.graceTimer);
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.stopKeepalive();
    switch (this._state) {
      case TransportState.Connecting: {
        const error = conn.failure ?? unreachable('closed-during-connect', this.endpoint);
        this._lastError = error;
        this.log.warn({ msg: 'sip transport connect failed', code: error.code, error: error.message });
        this.transitionState(TransportState.Disconnected, error);
        if (this.autoReconnect) this.scheduleReconnect();
        return;
      }
      case TransportState.Connected: {
        const error = conn.failure ?? unreachable('closed-by-peer', this.endpoint);
        this._lastError = error;
        this.counters.drops++;
        const upMs = Date.now() - this.connectedAt;
        this.log.warn({ msg: 'sip transport connection lost', code: error.code, error: error.message, upMs });
        const reconnect = this.options.reconnect;
        if (reconnect) {
          this.autoReconnect = true;
          // Only a connection that stayed up a while resets the backoff, so a server that
          // accepts and immediately drops us is not hammered at the initial rate.
          if (upMs >= reconnect.maxMs) this.reconnectAttempt = 0;
        }
        this.transitionState(TransportState.Disconnected, error);
        if (this.autoReconnect && this.state === TransportState.Disconnected) this.scheduleReconnect();
        return;
      }
      case TransportState.Disconnecting:
        this.log.info({ msg: 'sip transport disconnected', ...this.endpoint });
        this.transitionState(TransportState.Disconnected);
        return;
      case TransportState.Disconnected:
        return;
    }
  }

  /** Ends a connection we no longer want: gracefully when it is up, at once otherwise. */
  private closeConnection(conn: Connection, graceful: boolean): void {
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

  private destroyConnection(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    clearTimeout(conn.graceTimer);
    conn.socket?.destroy();
  }

  /** Kills a connection for a reason we detected; its close event reports the failure. */
  private failConnection(conn: Connection, reason: LossReason): void {
    if (conn !== this.conn) return;
    conn.failure ??= unreachable(reason, this.endpoint);
    this.log.warn({ msg: 'sip transport giving up on connection', reason });
    if (conn.socket) conn.socket.destroy();
    else setImmediate(() => this.onConnectionClosed(conn));
  }

  private scheduleReconnect(): void {
    const reconnect = this.options.reconnect;
    if (!reconnect) return;
    this.clearReconnectTimer();
    const base = Math.min(reconnect.maxMs, reconnect.initialMs * 2 ** Math.min(this.reconnectAttempt, 30));
    // Jitter keeps a fleet of units from reconnecting in lockstep after a proxy restart.
    const delayMs = Math.round(base * (0.8 + 0.2 * Math.random()));
    this.reconnectAttempt++;
    this.log.info({ msg: 'sip transport reconnecting', delayMs, attempt: this.reconnectAttempt });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.autoReconnect || this._state !== TransportState.Disconnected) return;
      this.counters.reconnectAttempts++;
      this.beginConnecting();
    }, delayMs);
  }

  private clearReconnectTimer(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  // ---- inbound bytes --------------------------------------------------------------

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn !== this.conn) return;
    for (const event of conn.framer.push(chunk)) {
      switch (event.type) {
        case 'keepalive':
          this.clearPongTimer();
          if (event.kind === 'pong') {
            this.counters.pongsReceived++;
          } else {
            this.counters.pingsReceived++;
            if (this._state === TransportState.Connected) conn.socket?.write(PONG);
          }
          break;
        case 'error':
          this.counters.framingErrors++;
          this.log.warn({ msg: 'sip transport dropped malformed input', code: event.error.code, ...event.error.detail });
          break;
        case 'message':
          this.clearPongTimer();
          this.deliver(event.message, event.byteLength);
          break;
      }
      if (conn !== this.conn) return; // a callback disconnected us
    }
  }

  private deliver(message: string, bytes: number): void {
    if (this._state !== TransportState.Connected) {
      this.log.warn({ msg: 'sip transport discarding message received while not connected', state: this._state });
      return;
    }
    this.counters.messagesIn++;
    this.log.debug({ msg: 'sip receive', startLine: startLine(message), bytes });
    this.log.trace?.({ msg: 'sip receive text', text: message });
    try {
      this.onMessage?.(message);
    } catch (err) {
      this.log.error({ msg: 'sip transport onMessage callback threw', error: errorText(err) });
    }
  }

  // ---- CRLF keepalive (RFC 5626 §4.4.1) ---------------------------------------------

  private startKeepalive(): void {
    const interval = this.options.keepaliveIntervalMs;
    if (interval <= 0 || this.keepaliveTimer) return;
    this.keepaliveTimer = setInterval(() => this.sendPing(), interval);
  }

  private sendPing(): void {
    const conn = this.conn;
    if (!conn?.socket || this._state !== TransportState.Connected || this.pongTimer) return;
    conn.socket.write(PING);
    this.counters.pingsSent++;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.failConnection(conn, 'keepalive-timeout');
    }, this.options.keepaliveTimeoutMs);
  }

  private clearPongTimer(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  private stopKeepalive(): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.clearPongTimer();
  }

  // ---- state machine ----------------------------------------------------------------

  private transitionState(newState: TransportState, error?: Error): void {
    if (this.transitioning) throw this.loopError(newState);
    const oldState = this._state;
    if (!isAllowedTransition(oldState, newState)) {
      throw new Error(`Invalid transport state transition from ${oldState} to ${newState}`);
    }
    this.transitioning = true;
    try {
      this._state = newState;
      const connectResolve = this.connectResolve;
      const connectReject = this.connectReject;
      if (oldState === TransportState.Connecting) {
        this.connectPromise = undefined;
        this.connectResolve = undefined;
        this.connectReject = undefined;
      }
      const disconnectResolve = this.disconnectResolve;
      const disconnectReject = this.disconnectReject;
      if (oldState === TransportState.Disconnecting) {
        this.disconnectPromise = undefined;
        this.disconnectResolve = undefined;
        this.disconnectReject = undefined;
      }
      this.log.debug({ msg: 'sip transport state', from: oldState, to: newState });
      if (newState === TransportState.Connected) this.startKeepalive();
      if (oldState === TransportState.Connected) this.stopKeepalive();

      this.guard('stateChange listener', () => this.stateEmitter.emit(newState));
      if (newState === TransportState.Connected) this.guard('onConnect', () => this.onConnect?.());
      if (oldState === TransportState.Connected) {
        this.guard('onDisconnect', () => (error ? this.onDisconnect?.(error) : this.onDisconnect?.()));
      }
      if (oldState === TransportState.Connecting) {
        if (newState === TransportState.Connected) connectResolve?.();
        else connectReject?.(error ?? new Error('Connect aborted.'));
      }
      if (oldState === TransportState.Disconnecting) {
        if (newState === TransportState.Disconnected) disconnectResolve?.();
        else disconnectReject?.(error ?? new Error('Disconnect aborted.'));
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

  private loopError(target: TransportState): StateTransitionError {
    this.log.error({
      msg: 'sip transport state transition loop: connect()/disconnect() called synchronously from a callback',
      from: this._state,
      to: target,
    });
    return new StateTransitionError('Loop detected.');
  }
}

function isAllowedTransition(from: TransportState, to: TransportState): boolean {
  switch (from) {
    case TransportState.Connecting:
      return to === TransportState.Connected || to === TransportState.Disconnecting || to === TransportState.Disconnected;
    case TransportState.Connected:
      return to === TransportState.Disconnecting || to === TransportState.Disconnected;
    case TransportState.Disconnecting:
      return to === TransportState.Connecting || to === TransportState.Disconnected;
    case TransportState.Disconnected:
      return to === TransportState.Connecting;
  }
}

function startLine(message: string): string {
  const end = message.indexOf('\r\n');
  return (end < 0 ? message : message.slice(0, end)).slice(0, 200);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
