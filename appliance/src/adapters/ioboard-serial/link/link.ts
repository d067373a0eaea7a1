import { ApplianceError } from '../../../core/errors.js';
import { TypedEmitter } from '../../../lib/typed-emitter.js';
import type { Clock, TimerHandle } from '../../../ports/clock.js';
import type { ByteStream } from '../byte-stream.js';
import { IoBoardProtocolError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame.js';
import { buildFrame, decodeMessage, messageName } from '../protocol/payloads.js';
import type { DecodedMessage, PayloadOf } from '../protocol/payloads.js';
import { MESSAGES, NACK_REASON, PROTOCOL_VERSION, TIMING } from '../protocol/protocol-gen.js';
import type { MessageName, NackReason } from '../protocol/protocol-gen.js';
import { FrameStreamParser } from '../protocol/stream-parser.js';
import { DuplicateFilter } from './duplicate-filter.js';

export interface LinkTiming {
  ackTimeoutMs: number;
  maxRetries: number;
  heartbeatIntervalMs: number;
  /** No frame from the board for this long: the board is lost. */
  boardLostMs: number;
}

export const DEFAULT_LINK_TIMING: LinkTiming = {
  ackTimeoutMs: TIMING.ackTimeoutMs,
  maxRetries: TIMING.maxRetries,
  heartbeatIntervalMs: TIMING.heartbeatIntervalMs,
  // The board beats every heartbeatIntervalMs; the host allows it the same silence the board allows the host.
  boardLostMs: TIMING.hostLostMs,
};

export interface HelloInfo {
  protocolVersion: number;
  fwMajor: number;
  fwMinor: number;
  fwPatch: number;
  boardId: number;
}

export type LinkState = 'idle' | 'handshake' | 'up' | 'lost' | 'closed';

type ReliableName = { [N in MessageName]: (typeof MESSAGES)[N]['reliable'] extends true ? N : never }[MessageName];

export interface LinkEvents {
  /** Every valid message from the board except ACK, NACK and HELLO_ACK; retransmissions are not repeated. */
  message: (message: DecodedMessage) => void;
  up: (info: HelloInfo) => void;
  lost: (error: ApplianceError) => void;
  /** Non-fatal, coded: bad frames, refused messages, failed writes. Never thrown. */
  'protocol-error': (error: ApplianceError) => void;
}

interface Request {
  name: ReliableName;
  fields: Record<string, number>;
  resolve: () => void;
  reject: (e: ApplianceError) => void;
  seq: number;
  attempts: number;
  timer: TimerHandle | null;
}

interface Handshake {
  attempts: number;
  timer: TimerHandle | null;
  resolve: (info: HelloInfo) => void;
  reject: (e: ApplianceError) => void;
}

const RESEND_AT_ONCE = new Set<number>([NACK_REASON.busy, NACK_REASON['bad-crc'], NACK_REASON['bad-length']]);
const NACK_FOR_FRAME_ERROR: Record<string, NackReason> = { crc: 'bad-crc', length: 'bad-length', version: 'bad-version' };

function unreachable(message: string, detail: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError('E_IOBOARD_UNREACHABLE', message, detail);
}

/**
 * Layer 2 of the I/O board serial stack: sequence numbers, ACK/NACK with retransmission
 * (one reliable message in flight, the rest queued), duplicate detection, ACKs for the
 * board's reliable messages, host heartbeats, a watchdog on the board's frames and the
 * HELLO handshake with its version check. All time comes from the Clock.
 */
export class IoBoardLink extends TypedEmitter<LinkEvents> {
  private readonly timing: LinkTiming;
  private readonly clock: Clock;
  private readonly parser = new FrameStreamParser();
  private readonly duplicates: DuplicateFilter;
  private linkState: LinkState = 'idle';
  private seq = 0;
  private queue: Request[] = [];
  private inFlight: Request | null = null;
  private handshake: Handshake | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private watchdogTimer: TimerHandle | null = null;
  private lastFrameAt = 0;
  /** 'up' was emitted and no 'lost' since. */
  private announcedUp = false;
  private readonly onData = (chunk: Uint8Array) => this.receive(chunk);
  private readonly onClose = (error?: Error) => this.streamClosed(error);

  constructor(
    private readonly stream: ByteStream,
    options: { clock: Clock; timing?: Partial<LinkTiming> },
  ) {
    super();
    this.clock = options.clock;
    this.timing = { ...DEFAULT_LINK_TIMING, ...options.timing };
    this.duplicates = new DuplicateFilter(this.timing.ackTimeoutMs * (this.timing.maxRetries + 1));
  }

  get state(): LinkState {
    return this.linkState;
  }

  /**
   * Starts reading and opens a session. Rejects with E_IOBOARD_VERSION (the link closes) or
   * E_IOBOARD_UNREACHABLE when no HELLO_ACK came after all retries (the link stays 'lost' and
   * keeps probing with HELLO every heartbeat interval).
   */
  open(): Promise<HelloInfo> {
    if (this.linkState !== 'idle') return Promise.reject(new ApplianceError('E_STATE_TRANSITION', `link is ${this.linkState}`));
    this.stream.on('data', this.onData);
    this.stream.on('close', this.onClose);
    this.duplicates.reset();
    this.linkState = 'handshake';
    this.scheduleHeartbeat();
    return this.startHandshake().catch((e: ApplianceError) => {
      if (e.code === 'E_IOBOARD_VERSION') this.close();
      throw e;
    });
  }

  /** Sends a reliable message; resolves on its ACK. E_IOBOARD_TIMEOUT after all retries, E_IOBOARD_NACK when refused. */
  request<N extends ReliableName>(name: N, fields: PayloadOf<N>): Promise<void> {
    if (this.linkState !== 'up' && this.linkState !== 'handshake') {
      return Promise.reject(unreachable(`the I/O board link is ${this.linkState}`, { state: this.linkState, message: name }));
    }
    return new Promise<void>((resolve, reject) => {
      // Encoding errors (a field out of range) surface here, before anything is queued.
      buildFrame(name, 0, fields);
      this.queue.push({ name, fields, resolve, reject, seq: -1, attempts: 0, timer: null });
      this.pump();
    });
  }

  close(): void {
    if (this.linkState === 'closed') return;
    const wasIdle = this.linkState === 'idle';
    this.linkState = 'closed';
    this.heartbeatTimer?.cancel();
    this.watchdogTimer?.cancel();
    this.failAll(unreachable('the I/O board link was closed'));
    if (!wasIdle) {
      this.stream.off('data', this.onData);
      this.stream.off('close', this.onClose);
    }
    this.stream.close();
  }

  // --- sending -------------------------------------------------------------------------

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  private write(bytes: Uint8Array): void {
    if (this.linkState === 'closed') return;
    this.stream.write(bytes).catch((e: unknown) => {
      if (this.linkState === 'closed') return;
      this.emit('protocol-error', e instanceof ApplianceError ? e : unreachable(`write failed: ${String(e)}`));
    });
  }

  private sendFrame<N extends MessageName>(name: N, seq: number, fields: PayloadOf<N>, flushFirst = false): void {
    const wire = encodeFrame(buildFrame(name, seq, fields));
    if (!flushFirst) return this.write(wire);
    const out = new Uint8Array(wire.length + 1);
    out.set(wire, 1);
    this.write(out);
  }

  private send<N extends MessageName>(name: N, fields: PayloadOf<N>, flushFirst = false): void {
    this.sendFrame(name, this.nextSeq(), fields, flushFirst);
  }

  private pump(): void {
    if (this.inFlight || this.linkState !== 'up') return;
    const next = this.queue.shift();
    if (!next) return;
    next.seq = this.nextSeq();
    this.inFlight = next;
    this.transmit(next);
  }

  private transmit(req: Request): void {
    req.timer?.cancel();
    req.attempts++;
    this.sendFrame(req.name, req.seq, req.fields as PayloadOf<typeof req.name>);
    req.timer = this.clock.setTimeout(() => this.retryOrGiveUp(req, 'timeout'), this.timing.ackTimeoutMs);
  }

  private retryOrGiveUp(req: Request, why: 'timeout' | NackReason): void {
    if (this.inFlight !== req) return;
    if (req.attempts <= this.timing.maxRetries) return this.transmit(req);
    this.finishInFlight(
      new ApplianceError('E_IOBOARD_TIMEOUT', `${req.name} seq ${req.seq} not acknowledged after ${this.timing.maxRetries} retries`, {
        message: req.name,
        seq: req.seq,
        attempts: req.attempts,
        last: why,
      }),
    );
  }

  private finishInFlight(error?: ApplianceError): void {
    const req = this.inFlight;
    if (!req) return;
    req.timer?.cancel();
    this.inFlight = null;
    if (error) req.reject(error);
    else req.resolve();
    this.pump();
  }

  private failAll(error: ApplianceError): void {
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight?.timer?.cancel();
    this.inFlight = null;
    for (const r of all) r.reject(error);
    if (this.handshake) {
      const h = this.handshake;
      this.handshake = null;
      h.timer?.cancel();
      h.reject(error);
    }
  }

  // --- session -------------------------------------------------------------------------

  private startHandshake(): Promise<HelloInfo> {
    if (this.handshake) this.handshake.reject(unreachable('superseded by a new HELLO'));
    this.handshake?.timer?.cancel();
    return new Promise<HelloInfo>((resolve, reject) => {
      this.handshake = { attempts: 0, timer: null, resolve, reject };
      this.sendHello();
    });
  }

  private sendHello(): void {
    const h = this.handshake;
    if (!h) return;
    h.attempts++;
    // A leading 0x00 flushes whatever line noise the board has half-received.
    this.send('HELLO', { protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 0, fwPatch: 0, boardId: 0 }, true);
    h.timer = this.clock.setTimeout(() => {
      if (this.handshake !== h) return;
      if (h.attempts <= this.timing.maxRetries) return this.sendHello();
      this.handshake = null;
      this.becomeLost(unreachable(`no HELLO_ACK after ${h.attempts} HELLOs`, { reason: 'no-hello-ack', attempts: h.attempts }));
      h.reject(unreachable(`the I/O board did not answer HELLO (${h.attempts} tries)`, { reason: 'no-hello-ack', attempts: h.attempts }));
    }, this.timing.ackTimeoutMs);
  }

  private helloAnswered(info: HelloInfo): void {
    const h = this.handshake;
    if (!h) return;
    h.timer?.cancel();
    this.handshake = null;
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      return this.versionRefused(h, info.protocolVersion);
    }
    this.linkState = 'up';
    this.lastFrameAt = this.clock.now();
    this.armWatchdog();
    this.send('HEARTBEAT', { flags: 0, ledPattern: 0, uptimeS: 0 });
    this.scheduleHeartbeat();
    h.resolve(info);
    this.announcedUp = true;
    this.emit('up', info);
    this.pump();
  }

  private versionRefused(h: Handshake, version: number): void {
    h.timer?.cancel();
    if (this.handshake === h) this.handshake = null;
    const error = new ApplianceError('E_IOBOARD_VERSION', `the I/O board speaks protocol ${version}, the unit ${PROTOCOL_VERSION}`, {
      board: version,
      host: PROTOCOL_VERSION,
    });
    if (this.linkState === 'handshake') this.linkState = 'lost';
    this.emit('protocol-error', error);
    h.reject(error);
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.clock.setTimeout(() => this.heartbeatTick(), this.timing.heartbeatIntervalMs);
  }

  private heartbeatTick(): void {
    if (this.linkState === 'closed') return;
    if (this.linkState === 'up') this.send('HEARTBEAT', { flags: 0, ledPattern: 0, uptimeS: 0 });
    else if (this.linkState === 'lost' && !this.handshake) {
      // Probe: a board that comes back (or is replugged on the same port) answers HELLO.
      this.startHandshake().catch(() => undefined);
    }
    this.scheduleHeartbeat();
  }

  private armWatchdog(): void {
    this.watchdogTimer?.cancel();
    const due = this.lastFrameAt + this.timing.boardLostMs - this.clock.now();
    this.watchdogTimer = this.clock.setTimeout(() => {
      if (this.linkState !== 'up') return;
      if (this.clock.now() - this.lastFrameAt >= this.timing.boardLostMs) {
        this.becomeLost(unreachable(`no frame from the I/O board for ${this.timing.boardLostMs} ms`, { reason: 'silent', silentMs: this.clock.now() - this.lastFrameAt }));
      } else this.armWatchdog();
    }, Math.max(0, due));
  }

  private becomeLost(error: ApplianceError): void {
    if (this.linkState === 'closed' || this.linkState === 'lost') return;
    this.linkState = 'lost';
    this.watchdogTimer?.cancel();
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight?.timer?.cancel();
    this.inFlight = null;
    for (const r of pending) r.reject(error);
    this.announceLost(error);
  }

  private announceLost(error: ApplianceError): void {
    if (!this.announcedUp) return;
    this.announcedUp = false;
    this.emit('lost', error);
  }

  private streamClosed(cause?: Error): void {
    if (this.linkState === 'closed') return;
    const error = new ApplianceError('E_IOBOARD_UNREACHABLE', 'the I/O board serial port closed', { reason: 'stream-closed' }, { cause });
    this.linkState = 'closed';
    this.heartbeatTimer?.cancel();
    this.watchdogTimer?.cancel();
    this.failAll(error);
    this.announceLost(error);
  }

  // --- receiving -----------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (this.linkState === 'closed') return;
    for (const ev of this.parser.push(chunk)) {
      if (ev.kind === 'error') this.badFrame(ev.error);
      else {
        this.lastFrameAt = this.clock.now();
        let message: DecodedMessage;
        try {
          message = decodeMessage(ev.frame);
        } catch (e) {
          if (!(e instanceof IoBoardProtocolError)) throw e;
          this.emit('protocol-error', e);
          this.send('NACK', { nackedSeq: ev.frame.seq, reason: NACK_REASON[messageName(ev.frame.type) ? 'bad-payload' : 'unknown-type'] });
          continue;
        }
        this.dispatch(message);
      }
      if ((this.linkState as LinkState) === 'closed') return; // a handler closed the link
    }
  }

  private badFrame(error: IoBoardProtocolError): void {
    this.emit('protocol-error', error);
    const { reason, seq, type, version } = error.detail as { reason?: string; seq?: number; type?: number; version?: number };
    const name = type === undefined ? undefined : messageName(type);
    if (reason === 'version' && this.handshake && (name === 'HELLO_ACK' || name === 'HELLO') && version !== undefined) {
      return this.versionRefused(this.handshake, version);
    }
    const nack = reason === undefined ? undefined : NACK_FOR_FRAME_ERROR[reason];
    if (nack && seq !== undefined) this.send('NACK', { nackedSeq: seq, reason: NACK_REASON[nack] });
  }

  private dispatch(message: DecodedMessage): void {
    switch (message.name) {
      case 'ACK':
        if (this.inFlight?.seq === message.fields.ackedSeq) this.finishInFlight();
        return;
      case 'NACK':
        return this.nacked(message.fields.nackedSeq, message.fields.reason);
      case 'HELLO_ACK':
        return this.helloAnswered(message.fields);
      case 'HELLO':
        // The board (re)booted: a new session both ways.
        this.duplicates.reset();
        this.emit('message', message);
        if (this.linkState === 'up' || this.linkState === 'lost') {
          if (this.linkState === 'up') this.linkState = 'handshake';
          this.startHandshake().catch(() => undefined);
        }
        return;
      default:
        break;
    }
    if (MESSAGES[message.name].reliable) {
      this.send('ACK', { ackedSeq: message.seq });
      if (!this.duplicates.accept(message.seq, this.clock.now())) return;
    }
    this.emit('message', message);
  }

  private nacked(seq: number, reason: number): void {
    const req = this.inFlight;
    if (!req || req.seq !== seq) return;
    const reasonName = (Object.keys(NACK_REASON) as NackReason[]).find((k) => NACK_REASON[k] === reason);
    if (RESEND_AT_ONCE.has(reason)) {
      req.timer?.cancel();
      return this.retryOrGiveUp(req, reasonName ?? 'bad-crc');
    }
    this.finishInFlight(
      new ApplianceError('E_IOBOARD_NACK', `the I/O board refused ${req.name}: ${reasonName ?? reason}`, { message: req.name, seq, reason: reasonName ?? reason }),
    );
  }
}
