import type { ApplianceError, ErrorCode } from '../core/errors.js';
import type { LedPattern } from '../core/led-pattern.js';

/** The bedside pod's buttons. */
export type PodButton = 'volume-up' | 'volume-down' | 'loop-toggle' | 'call';
export type PodButtonKind = 'press' | 'release' | 'hold';

export interface PodButtonEvent {
  button: PodButton;
  kind: PodButtonKind;
}

export type LoopFaultKind = 'none' | 'open' | 'short';

export interface LoopStatus {
  enabled: boolean;
  /** Loop current, RMS, in mA. */
  currentMa: number;
  fault: LoopFaultKind;
}

export interface IoBoardFault {
  /** E_LOOP_OPEN_CIRCUIT, E_LOOP_SHORT_CIRCUIT, E_IOBOARD_BOARD_FAULT, E_IOBOARD_TIMEOUT, ... */
  code: ErrorCode;
  error: ApplianceError;
}

export interface BoardInfo {
  protocol: number;
  /** "major.minor.patch" */
  firmware: string;
  boardId: number;
}

export type IoBoardConnection =
  | { state: 'connected'; board: BoardInfo }
  /** board is the last board seen, null if none was ever seen. */
  | { state: 'lost'; board: BoardInfo | null; error: ApplianceError };

export interface LoopSettings {
  enabled: boolean;
  /** Amplifier gain relative to full drive: 0 dB is full, -48 dB or less is silent. */
  gainDb: number;
}

export interface IoBoardEvents {
  button: (event: PodButtonEvent) => void;
  'loop-status': (status: LoopStatus) => void;
  fault: (fault: IoBoardFault) => void;
  connection: (connection: IoBoardConnection) => void;
}

/**
 * The bedside I/O board: pod buttons, the pod's LED ring and the hearing-loop amplifier.
 * The constructor does no I/O; start() connects (resolves once the board answered HELLO),
 * stop() is safe to call twice. Commands reject with coded errors (E_IOBOARD_TIMEOUT,
 * E_IOBOARD_NACK, E_IOBOARD_UNREACHABLE when not connected).
 */
export interface IoBoard {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Shows one of the core's LED patterns (core/led-pattern.ts) on the pod's ring. */
  setLedPattern(pattern: LedPattern): Promise<void>;
  setLoop(settings: LoopSettings): Promise<void>;
  board(): BoardInfo | null;
  on<E extends keyof IoBoardEvents>(event: E, listener: IoBoardEvents[E]): this;
  off<E extends keyof IoBoardEvents>(event: E, listener: IoBoardEvents[E]): this;
}
