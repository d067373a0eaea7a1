import type { LedPattern } from '../../core/led-pattern.js';
import type { StatusLight } from '../../ports/status-light.js';

/** Shows every pattern on several lights at once (the GPIO LED and the log line, say). */
export class FanOutStatusLight implements StatusLight {
  private readonly lights: readonly StatusLight[];

  constructor(...lights: StatusLight[]) {
    this.lights = lights;
  }

  async start(): Promise<void> {
    for (const l of this.lights) await l.start();
  }

  async stop(): Promise<void> {
    for (const l of [...this.lights].reverse()) await l.stop();
  }

  show(pattern: LedPattern): void {
    for (const l of this.lights) l.show(pattern);
  }

  current(): LedPattern | null {
    return this.lights[0]?.current() ?? null;
  }
}
