import type { ButtonEdge } from '../core/gestures.js';

export interface ButtonInputEvents {
  /** A raw, undebounced level change of the start button. */
  edge: (edge: ButtonEdge) => void;
}

/** The start button (GPIO on a unit, keyboard/HTTP in simulation). */
export interface ButtonInput {
  start(): Promise<void>;
  stop(): Promise<void>;
  on<E extends keyof ButtonInputEvents>(event: E, listener: ButtonInputEvents[E]): this;
  off<E extends keyof ButtonInputEvents>(event: E, listener: ButtonInputEvents[E]): this;
}
