import { EventEmitter } from 'node:events';
import type { ButtonInput, ButtonInputEvents } from '../../ports/button.js';
import type { Clock } from '../../ports/clock.js';
import type { GpioLine } from './gpio-line.js';

/**
 * The start button on a GPIO input line. Emits raw level changes only: debounce, press,
 * hold and the stuck-button fault are the gesture recognizer's job (core/gestures.ts).
 * Edges are stamped with the Clock on arrival, so they share the recognizer's timeline.
 */
export class GpioButton extends EventEmitter implements ButtonInput {
  private pressed = false;
  private unwatch: (() => void) | null = null;

  constructor(private readonly line: GpioLine, private readonly clock: Clock) {
    super();
  }

  async start(): Promise<void> {
    if (this.unwatch) return;
    await this.line.open();
    this.unwatch = this.line.watch((v) => this.level(v));
    // A button already held at boot is an edge too, so a stuck button is noticed.
    this.level(await this.line.read());
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    await this.line.close();
  }

  private level(pressed: boolean): void {
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
