/**
 * What the TLS/TCP and the WSS transports share: the SIP.js `Transport` state machine over
 * one connection at a time, the connect()/disconnect() promises, coded errors (lastError),
 * reconnect with jittered backoff after an unexpected drop, and the keepalive timers.
 *
 *   Disconnected --connect()--> Connecting --connection up--> Connected
 *        ^  ^                     |  |                       |  |
 *        |  +---- connect failed -+  +--disconnect()--+      |  +--disconnect()--> Disconnecting
 *        |                                            v      |                          |
 *        +---- unexpected drop (onDisconnect(error)) -+------+    connection closed ----+
 *        |
 *        +-- after a drop, a backoff timer calls connect() itself (Disconnected -> Connecting),
 *            so SIP.js sees onDisconnect(error) and later onConnect() again.
 *
 * A subclass opens, writes to, pings and closes its kind of connection, and reports back
 * through connectionUp(), connectionClosed(), deliver() and keepaliveAnswered().
 *
 * Unlike SIP.js's WebSocket transport, callbacks that throw are logged, not rethrown:
 * they run inside socket event handlers, where a throw would take the daemon down.
 */
import { EmitterImpl, StateTransitionError, TransportState } from 'sip.js';
import type { Emitter, Transport } from 'sip.js';
import { ApplianceError } from '../../../core/errors.js';
import { unreachable } from './classify-socket-error.js';
import type { Endpoint, LossReason } from './classify-socket-error.js';
import type { ResolvedStreamTransportOptions } from './stream-transport-options.js';
import { fromSipJsLogger, silentLogger } from './transport-logger.js';
import type { SipJsLoggerLike, TransportLogger } from './transport-logger.js';

export interface TransportStats {
  connects: number;
  drops: number;
  reconnectAttempts: number;
  messagesIn: number;
  messagesOut: number;
  pingsSent: number;
  pongsReceived: number;
}

interface Pending {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

export abstract class ReconnectingTransport<Conn, Stats extends TransportStats> implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  protected readonly log: TransportLogger;
  protected readonly endpoint: Endpoint;
  /** The connection being opened, up, or being closed; events from any other are stale. */
  protected conn: Conn | undefined;
  private readonly stateEmitter = new EmitterImpl<TransportState>();
  private _state: TransportState = TransportState.Disconnected;
  private transitioning = false;
  /** Why the current connection failed, as we detected it; set before it closes. */
  private failure: ApplianceError | undefined;
  private _lastError: ApplianceError | undefined;
  private connecting: Pending | undefined;
  private disconnecting: Pending | undefined;

  /** True from an unexpected drop until connected again or told to disconnect. */
  private autoReconnect = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;

  protected constructor(
    protected readonly options: ResolvedStreamTransportOptions,
    protocol: string,
    protected readonly counters: Stats,
    sipLogger: SipJsLoggerLike | undefined,
  ) {
    this.log = options.logger ?? (sipLogger ? fromSipJsLogger(sipLogger) : silentLogger);
    this.endpoint = { host: options.host, port: options.port, protocol };
  }

  /** Makes a connection object; no I/O yet. */
  protected abstract createConnection(): Conn;
  /** Starts connecting `conn`, which is already the current connection. */
  protected abstract openConnection(conn: Conn): void;
  protected abstract writeMessage(conn: Conn, message: string): Promise<void>;
  protected abstract sendPing(conn: Conn): void;
  /** Ends a connection disconnect() was asked for; its close must then be reported. */
  protected abstract closeConnection(conn: Conn, wasConnected: boolean): void;
  /** Ends a connection at once; its close must then be reported. */
  protected abstract destroyConnection(conn: Conn): void;
  /** Ends a connection that is being replaced; nothing more is wanted from it. */
  protected abstract abandonConnection(conn: Conn): void;

  /** Via sent-protocol: 'TLS' or 'TCP', or 'WSS' or 'WS' (RFC 7118). */
  get protocol(): string {
    return this.endpoint.protocol;
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

  stats(): Readonly<Stats> {
    return { ...this.counters };
  }

  connect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError(TransportState.Connecting));
    switch (this._state) {
      case TransportState.Connecting:
        return this.connecting?.promise as Promise<void>;
      case TransportState.Connected:
        return Promise.resolve();
      case TransportState.Disconnecting:
      case TransportState.Disconnected:
        this.clearReconnectTimer();
        return this.beginConnecting();
    }
  }

  disconnect(): Promise<void> {
    if (this.transitioning) return Promise.reject(this.loopError(TransportState.Disconnecting));
    this.autoReconnect = false;
    this.clearReconnectTimer();
    if (this._state === TransportState.Disconnected) return Promise.resolve();
    const done = this.awaitDisconnect();
    if (this._state !== TransportState.Disconnecting) {
      const wasConnected = this._state === TransportState.Connected;
      const conn = this.conn;
      this.transitionState(TransportState.Disconnecting);
      if (conn) this.closeConnection(conn, wasConnected);
      else setImmediate(() => this.connectionClosed(undefined));
    }
    return done;
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
    const conn = this.conn;
    if (this._state !== TransportState.Connected || !conn) {
      return Promise.reject(new ApplianceError('E_SERVER_UNREACHABLE', 'SIP transport not connected.', { state: this._state }));
    }
    this.counters.messagesOut++;
    this.log.debug({ msg: 'sip send', startLine: startLine(message), bytes: Buffer.byteLength(message) });
    this.log.trace?.({ msg: 'sip send text', text: message });
    return this.writeMessage(conn, message);
  }

  /** What disconnect() returns: one promise per Disconnecting, settled when it ends. */
  private awaitDisconnect(): Promise<void> {
    this.disconnecting ??= pending();
    return this.disconnecting.promise;
  }

  /** Called on every transition, after the callbacks, to settle what awaitDisconnect() gave out. */
  private settleDisconnect(from: TransportState, to: TransportState, error: Error | undefined): void {
    if (from !== TransportState.Disconnecting) return;
    const waiting = this.disconnecting;
    this.disconnecting = undefined;
    if (to === TransportState.Disconnected) waiting?.resolve();
    else waiting?.reject(error ?? new Error('Disconnect aborted.'));
  }

  // ---- reports from the subclass -----------------------------------------------------

  /** True while `conn` is the connection being opened, i.e. it may still come up. */
  protected isOpening(conn: Conn): boolean {
    return conn === this.conn && this._state === TransportState.Connecting;
  }

  /** The opening connection (isOpening) is up; `detail` goes into the log line. */
  protected connectionUp(detail: Record<string, unknown>): void {
    this.counters.connects++;
    this.connectedAt = Date.now();
    this.autoReconnect = false;
    this._lastError = undefined;
    this.log.info({ msg: 'sip transport connected', ...this.endpoint, ...detail });
    this.transitionState(TransportState.Connected);
  }

  /** Remembers why `conn` failed (the first reason wins) for when it closes. */
  protected recordFailure(conn: Conn, error: ApplianceError): void {
    if (conn === this.conn) this.failure ??= error;
  }

  /** Kills a connection for a reason we detected; its close reports the failure. */
  protected failConnection(conn: Conn, reason: LossReason): void {
    if (conn !== this.conn) return;
    this.failure ??= unreachable(reason, this.endpoint);
    this.log.warn({ msg: 'sip transport giving up on connection', reason });
    this.destroyConnection(conn);
  }

  /** `conn` has closed. `reported` is what it said went wrong; a recorded failure wins over it. */
  protected connectionClosed(conn: Conn | undefined, reported?: ApplianceError): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.stopKeepalive();
    const failure = this.failure ?? reported;
    switch (this._state) {
      case TransportState.Connecting: {
        const error = failure ?? unreachable('closed-during-connect', this.endpoint);
        this._lastError = error;
        this.log.warn({ msg: 'sip transport connect failed', code: error.code, error: error.message });
        this.transitionState(TransportState.Disconnected, error);
        if (this.autoReconnect) this.scheduleReconnect();
        return;
      }
      case TransportState.Connected: {
        const error = failure ?? unreachable('closed-by-peer', this.endpoint);
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

  /** Hands an inbound SIP message to SIP.js; the caller has checked that we are connected. */
  protected deliver(message: string, bytes: number): void {
    this.counters.messagesIn++;
    this.log.debug({ msg: 'sip receive', startLine: startLine(message), bytes });
    this.log.trace?.({ msg: 'sip receive text', text: message });
    try {
      this.onMessage?.(message);
    } catch (err) {
      this.log.error({ msg: 'sip transport onMessage callback threw', error: errorText(err) });
    }
  }

  /** Anything heard from the peer answers an outstanding keepalive ping. */
  protected keepaliveAnswered(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  // ---- connecting and reconnecting -------------------------------------------------

  private beginConnecting(): Promise<void> {
    const previous = this.conn; // when called while Disconnecting: abandon the closing connection
    this.conn = undefined;
    if (previous) this.abandonConnection(previous);
    this.failure = undefined;
    const connecting = pending();
    this.connecting = connecting;
    this.transitionState(TransportState.Connecting);
    const conn = this.createConnection();
    this.conn = conn;
    this.openConnection(conn);
    return connecting.promise;
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

  // ---- keepalive -------------------------------------------------------------------

  private startKeepalive(): void {
    const interval = this.options.keepaliveIntervalMs;
    if (interval <= 0 || this.keepaliveTimer) return;
    this.keepaliveTimer = setInterval(() => this.ping(), interval);
  }

  private ping(): void {
    const conn = this.conn;
    if (!conn || this._state !== TransportState.Connected || this.pongTimer) return;
    this.sendPing(conn);
    this.counters.pingsSent++;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.failConnection(conn, 'keepalive-timeout');
    }, this.options.keepaliveTimeoutMs);
  }

  private stopKeepalive(): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.keepaliveAnswered();
  }

  // ---- state machine ---------------------------------------------------------------

  private transitionState(newState: TransportState, error?: Error): void {
    if (this.transitioning) throw this.loopError(newState);
    const oldState = this._state;
    if (!isAllowedTransition(oldState, newState)) {
      throw new Error(`Invalid transport state transition from ${oldState} to ${newState}`);
    }
    this.transitioning = true;
    try {
      this._state = newState;
      const connecting = this.connecting;
      if (oldState === TransportState.Connecting) this.connecting = undefined;
      this.log.debug({ msg: 'sip transport state', from: oldState, to: newState });
      if (newState === TransportState.Connected) this.startKeepalive();
      if (oldState === TransportState.Connected) this.stopKeepalive();

      this.guard('stateChange listener', () => this.stateEmitter.emit(newState));
      if (newState === TransportState.Connected) this.guard('onConnect', () => this.onConnect?.());
      if (oldState === TransportState.Connected) {
        this.guard('onDisconnect', () => (error ? this.onDisconnect?.(error) : this.onDisconnect?.()));
      }
      if (oldState === TransportState.Connecting) {
        if (newState === TransportState.Connected) connecting?.resolve();
        else connecting?.reject(error ?? new Error('Connect aborted.'));
      }
      this.settleDisconnect(oldState, newState, error);
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

/** A promise and its settle functions. It may have no caller (a reconnect attempt), so its rejection is marked handled. */
function pending(): Pending {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function startLine(message: string): string {
  const end = message.indexOf('\r\n');
  return (end < 0 ? message : message.slice(0, end)).slice(0, 200);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
