import type { LedPattern } from '../core/led-pattern.js';

/** The status LED by the start button (and, later, the pod's LED ring). */
export interface StatusLight {
  start(): Promise<void>;
  stop(): Promise<void>;
  show(pattern: LedPattern): void;
  current(): LedPattern | null;
}
