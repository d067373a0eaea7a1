import type { ButtonInput, ButtonInputEvents } from '../ports/button.js';
import type { Clock } from '../ports/clock.js';
import { TypedEmitter } from '../lib/typed-emitter.js';

/**
 * What every start-button adapter shares: it reports level changes as raw edges stamped with
 * the Clock, and a repeated level is not an edge. Debounce, press, hold and the stuck fault are
 * the gesture recognizer's job (core/gestures.ts).
 */
export abstract class LevelButton extends TypedEmitter<ButtonInputEvents> implements ButtonInput {
  private pressed = false;

  constructor(protected readonly clock: Clock) {
    super();
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  protected level(pressed: boolean): void {
    if (pressed === this.pressed) return;
    this.pressed = pressed;
    this.emit('edge', { pressed, atMs: this.clock.now() });
  }
}
