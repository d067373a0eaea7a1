import type { LedPattern } from '../../core/led-pattern.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { StatusLight } from '../../ports/status-light.js';
import type { GpioLine } from './gpio-line.js';

/**
 * The status LED on one GPIO output line: a plain single-colour LED, so colour is lost and
 * only the mode shows. solid = on, off (or colour none) = off, blink = on/off each half
 * period; pulse is shown as a blink at its own (slower) period, as a plain LED cannot fade.
 */
export class GpioStatusLight implements StatusLight {
  private pattern: LedPattern | null = null;
  private timer: TimerHandle | null = null;
  private lit: boolean | null = null;
  private running = false;

  constructor(
    private readonly line: GpioLine,
    private readonly clock: Clock,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    await this.line.open();
    this.running = true;
    if (this.pattern) this.apply(this.pattern);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancel();
    await this.line.write(false).catch(this.onError);
    this.lit = null;
    await this.line.close();
  }

  show(pattern: LedPattern): void {
    if (this.pattern && this.pattern.name === pattern.name) return;
    this.pattern = pattern;
    if (this.running) this.apply(pattern);
  }

  current(): LedPattern | null {
    return this.pattern;
  }

  private apply(p: LedPattern): void {
    this.cancel();
    if (p.mode === 'off' || p.color === 'none') return this.set(false);
    if (p.mode === 'solid' || p.periodMs <= 0) return this.set(true);
    const half = Math.max(1, Math.round(p.periodMs / 2));
    const step = (on: boolean) => {
      this.set(on);
      this.timer = this.clock.setTimeout(() => step(!on), half);
    };
    step(true);
  }

  private set(on: boolean): void {
    if (on === this.lit) return;
    this.lit = on;
    this.line.write(on).catch(this.onError);
  }

  private cancel(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
