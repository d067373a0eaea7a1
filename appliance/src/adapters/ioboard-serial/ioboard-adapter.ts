import { ApplianceError } from '../../core/errors.js';
import { TypedEmitter } from '../../lib/typed-emitter.js';
import type { LedColor, LedMode, LedPattern } from '../../core/led-pattern.js';
import { systemClock } from '../../ports/clock.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type {
  BoardInfo,
  IoBoard,
  IoBoardEvents,
  LoopFaultKind,
  LoopSettings,
  PodButton,
  PodButtonKind,
} from '../../ports/io-board.js';
import type { ByteStream } from './byte-stream.js';
import { IoBoardLink } from './link/link.js';
import type { HelloInfo, LinkTiming } from './link/link.js';
import type { DecodedMessage, PayloadOf } from './protocol/payloads.js';
import { BUTTON_ACTION, BUTTON_ID, FAULT_CODE, LED_PATTERN, LOOP_FAULT } from './protocol/protocol-gen.js';
import type { FaultCode } from './protocol/protocol-gen.js';

export interface SerialIoBoardOptions {
  /** Opens the byte stream to the board (e.g. () => openSerialPortStream('/dev/ttyUSB0')); called by start(). */
  openStream: () => Promise<ByteStream>;
  clock?: Clock;
  timing?: Partial<LinkTiming>;
  /** Bad frames and refused messages: coded, non-fatal, for the log. */
  onProtocolError?: (error: ApplianceError) => void;
  /**
   * Reopen the stream when it closes (unplugged) or cannot be opened, after initialMs, doubling
   * up to maxMs; reset by a successful HELLO. Unset: one session only.
   */
  reconnect?: ReconnectBackoff;
  /** A reconnect attempt failed (the next one follows after a longer delay). */
  onReconnectFailed?: (error: ApplianceError, afterMs: number) => void;
}

export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}

/** The delay before reconnect attempt `attempt` (0-based): initialMs doubling, capped at maxMs. */
export function backoffDelay(b: ReconnectBackoff, attempt: number): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
}

/** Gain at or below this is silence (duty 0). */
export const MIN_GAIN_DB = -48;

const invert = <K extends string>(table: Record<K, number>): Map<number, K> =>
  new Map((Object.entries(table) as [K, number][]).map(([k, v]) => [v, k]));
const BUTTON_BY_ID = invert(BUTTON_ID);
const ACTION_BY_ID = invert(BUTTON_ACTION);
const LOOP_FAULT_BY_ID = invert(LOOP_FAULT);
const FAULT_BY_ID = invert(FAULT_CODE);

const RING_COLOR: Record<LedColor, readonly [number, number, number]> = {
  none: [0, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  red: [255, 0, 0],
  amber: [255, 140, 0],
};
const RING_MODE: Record<LedMode, keyof typeof LED_PATTERN> = { off: 'off', solid: 'solid', blink: 'blink', pulse: 'breathe' };

/** The amplifier's gain input is a PWM duty (0..255) that scales the drive linearly. */
export function gainDbToDuty(gainDb: number): number {
  if (Number.isNaN(gainDb)) throw new ApplianceError('E_IOBOARD_PAYLOAD', 'loop gain must be a number of dB', { gainDb });
  if (gainDb >= 0) return 255;
  if (gainDb <= MIN_GAIN_DB) return 0;
  return Math.round(255 * 10 ** (gainDb / 20));
}

/** The core's LED pattern on the pod's ring: same colour, pulse shown as breathe. */
export function ringPatternFor(pattern: LedPattern): { pattern: number; red: number; green: number; blue: number; periodMs: number } {
  const [red, green, blue] = RING_COLOR[pattern.color];
  const mode = pattern.color === 'none' ? 'off' : RING_MODE[pattern.mode];
  return { pattern: LED_PATTERN[mode], red, green, blue, periodMs: Math.min(0xffff, Math.max(0, Math.round(pattern.periodMs))) };
}

function boardInfo(hello: HelloInfo): BoardInfo {
  return { protocol: hello.protocolVersion, firmware: `${hello.fwMajor}.${hello.fwMinor}.${hello.fwPatch}`, boardId: hello.boardId };
}

const LOOP_FAULT_ERROR = {
  open: 'E_LOOP_OPEN_CIRCUIT',
  short: 'E_LOOP_SHORT_CIRCUIT',
} as const;

/**
 * Layer 3: the IoBoard port over the serial link. Maps the board's messages to typed
 * events and loop or board faults to coded errors; after the board restarts (a new HELLO)
 * it sends the last LED pattern and loop settings again.
 */
export class SerialIoBoard extends TypedEmitter<IoBoardEvents> implements IoBoard {
  private readonly clock: Clock;
  private link: IoBoardLink | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private current: BoardInfo | null = null;
  private lastLoopFault: LoopFaultKind = 'none';
  private lastLed: LedPattern | null = null;
  private lastLoop: LoopSettings | null = null;
  private sessions = 0;
  private reconnectTimer: TimerHandle | null = null;
  private reconnectAttempt = 0;

  constructor(private readonly options: SerialIoBoardOptions) {
    super();
    this.clock = options.clock ?? systemClock;
  }

  start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    let stream: ByteStream;
    try {
      stream = await this.options.openStream();
    } catch (e) {
      this.sessionFailed();
      throw e;
    }
    if (this.stopped) {
      stream.close();
      return;
    }
    const link = new IoBoardLink(stream, { clock: this.clock, ...(this.options.timing ? { timing: this.options.timing } : {}) });
    this.link = link;
    link.on('up', (hello) => this.connected(hello));
    link.on('lost', (error) => this.emit('connection', { state: 'lost', board: this.current, error }));
    link.on('message', (message) => this.handle(message));
    link.on('protocol-error', (error) => this.options.onProtocolError?.(error));
    // The stream closing means the board went away (unplugged, simulator gone).
    stream.on('close', () => {
      if (this.link !== link) return;
      this.link = null;
      this.sessionFailed();
    });
    try {
      await link.open();
    } catch (e) {
      if (this.link === link) {
        this.link = null;
        link.close();
        this.sessionFailed();
      }
      throw e;
    }
  }

  /** The stream closed or never opened: try again later when reconnecting, else let start() be called again. */
  private sessionFailed(): void {
    const b = this.options.reconnect;
    if (!b) {
      this.starting = null;
      return;
    }
    if (this.stopped || this.reconnectTimer) return;
    const delay = backoffDelay(b, this.reconnectAttempt++);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped) return;
      this.starting = this.connect();
      this.starting.catch((e: unknown) => this.options.onReconnectFailed?.(e as ApplianceError, delay));
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const link = this.link;
    this.link = null;
    link?.close();
  }

  board(): BoardInfo | null {
    return this.current;
  }

  setLedPattern(pattern: LedPattern): Promise<void> {
    this.lastLed = pattern;
    return this.request('LED_PATTERN', ringPatternFor(pattern));
  }

  setLoop(settings: LoopSettings): Promise<void> {
    const gain = gainDbToDuty(settings.gainDb);
    this.lastLoop = { ...settings };
    return this.request('LOOP_SET', { enable: settings.enabled ? 1 : 0, gain });
  }

  private request<N extends 'LED_PATTERN' | 'LOOP_SET'>(name: N, fields: PayloadOf<N>): Promise<void> {
    if (!this.link) return Promise.reject(new ApplianceError('E_IOBOARD_UNREACHABLE', 'the I/O board is not started', { message: name }));
    return this.link.request(name, fields);
  }

  private connected(hello: HelloInfo): void {
    this.reconnectAttempt = 0;
    this.current = boardInfo(hello);
    this.lastLoopFault = 'none';
    if (this.sessions++ > 0) {
      // The board may have restarted with its defaults: restore what the unit asked for.
      if (this.lastLed) this.setLedPattern(this.lastLed).catch((e: ApplianceError) => this.options.onProtocolError?.(e));
      if (this.lastLoop) this.setLoop(this.lastLoop).catch((e: ApplianceError) => this.options.onProtocolError?.(e));
    }
    this.emit('connection', { state: 'connected', board: this.current });
  }

  private handle(message: DecodedMessage): void {
    switch (message.name) {
      case 'BUTTON_EVENT': {
        const button: PodButton | undefined = BUTTON_BY_ID.get(message.fields.button);
        const kind: PodButtonKind | undefined = ACTION_BY_ID.get(message.fields.action);
        if (button && kind) this.emit('button', { button, kind });
        else this.options.onProtocolError?.(new ApplianceError('E_IOBOARD_PAYLOAD', 'unknown button or action', { ...message.fields }));
        return;
      }
      case 'LOOP_STATUS': {
        const fault = LOOP_FAULT_BY_ID.get(message.fields.fault);
        if (!fault) {
          this.options.onProtocolError?.(new ApplianceError('E_IOBOARD_PAYLOAD', 'unknown loop fault', { ...message.fields }));
          return;
        }
        this.emit('loop-status', { enabled: message.fields.enabled !== 0, currentMa: message.fields.currentMa, fault });
        if (fault !== this.lastLoopFault && fault !== 'none') {
          const code = LOOP_FAULT_ERROR[fault];
          const error = new ApplianceError(code, undefined, { currentMa: message.fields.currentMa, enabled: message.fields.enabled !== 0 });
          this.emit('fault', { code, error });
        }
        this.lastLoopFault = fault;
        return;
      }
      case 'FAULT': {
        const name: FaultCode | undefined = FAULT_BY_ID.get(message.fields.code);
        if (name === 'host-back') return;
        const error = new ApplianceError('E_IOBOARD_BOARD_FAULT', `the I/O board reported ${name ?? `fault ${message.fields.code}`}`, {
          fault: name ?? message.fields.code,
          detail: message.fields.detail,
        });
        this.emit('fault', { code: error.code, error });
        return;
      }
      default:
        return;
    }
  }
}
