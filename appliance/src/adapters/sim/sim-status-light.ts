import type { LedPattern } from '../../core/led-pattern.js';
import type { StatusLight } from '../../ports/status-light.js';
import type { Logger } from '../../log/logger.js';

/** Shows the LED pattern in the log (and through the status endpoint) instead of on a GPIO pin. */
export class SimStatusLight implements StatusLight {
  private pattern: LedPattern | null = null;

  constructor(private readonly log: Logger) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  show(pattern: LedPattern): void {
    if (this.pattern && this.pattern.name === pattern.name) return;
    this.pattern = pattern;
    this.log.info({ led: pattern }, `LED ${pattern.name}: ${pattern.color} ${pattern.mode}`);
  }

  current(): LedPattern | null {
    return this.pattern;
  }
}
