import { LevelButton } from '../level-button.js';

/** A simulated start button: a real adapter driven by the keyboard or the local HTTP endpoint. */
export class SimButton extends LevelButton {
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
    this.level(pressed);
  }
}
