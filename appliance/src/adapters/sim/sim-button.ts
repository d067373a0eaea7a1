import { EventEmitter } from 'node:events';
import type { ButtonInput, ButtonInputEvents } from '../../ports/button.js';
import type { Clock } from '../../ports/clock.js';

/** A simulated start button: a real adapter driven by the keyboard or the local HTTP endpoint. */
export class SimButton extends EventEmitter implements ButtonInput {
  private pressed = false;

  constructor(private readonly clock: Clock) {
    super();
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Presses and releases after `holdMs` (a nurse's tap is ~150 ms; 2200 ms is a hold). */
  tap(holdMs = 150): Promise<void> {
    this.set(true);
    return new Promise((resolve) => {
      this.clock.setTimeout(() => {
        this.set(false);
        resolve();
      }, holdMs);
    });
  }

  set(pressed: boolean): void {
    if (pressed === this.pressed) return;
    this.pressed = pressed;
    this.emit('edge', { pressed, atMs: this.clock.now() });
  }

  override on<E extends keyof ButtonInputEvents>(event: E, listener: ButtonInputEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof ButtonInputEvents>(event: E, listener: ButtonInputEvents[E]): this {
    return super.off(event, listener);
  }
}
