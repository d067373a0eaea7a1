import type { Clock } from '../../ports/clock.js';
import { LevelButton } from '../level-button.js';
import type { GpioLine } from './gpio-line.js';

/**
 * The start button on a GPIO input line. Edges are stamped with the Clock on arrival, so they
 * share the gesture recognizer's timeline.
 */
export class GpioButton extends LevelButton {
  private unwatch: (() => void) | null = null;

  constructor(private readonly line: GpioLine, clock: Clock) {
    super(clock);
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
}
