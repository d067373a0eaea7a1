import type { TransitionRecord } from '../core/call-state.js';
import type { ApplianceError, ErrorCode } from '../core/errors.js';
import type { DisplayOutput } from '../ports/display.js';
import type { Logger } from '../log/logger.js';
import type { UnitController } from './unit-controller.js';

export interface DisplayDriverOptions {
  controller: UnitController;
  logger: Logger;
  tv: DisplayOutput | null;
  panel: DisplayOutput | null;
  /** Blank the panel with the TV after a call (it wakes with the next join). */
  blankPanelWhenIdle: boolean;
}

/**
 * Switches the screens with the meeting: when a join starts the TV wakes (so it is on by the
 * time the far end answers) and the panel is lit; when the unit is idle again the TV goes to
 * standby. A screen that does not answer is a fault on the controller (source 'display'),
 * cleared by its next success; it never holds up the call.
 */
export class DisplayDriver {
  private unsubscribe: (() => void) | null = null;
  /** The last switch asked for; a slower earlier one finishing late does not clear its fault. */
  private generation = 0;

  constructor(private readonly o: DisplayDriverOptions) {}

  start(): void {
    this.unsubscribe ??= this.o.controller.machine.onTransition((t) => this.onTransition(t));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves when every screen has answered or failed (tests and the log). */
  settled: Promise<void> = Promise.resolve();

  private onTransition(t: TransitionRecord): void {
    if (t.to === 'joining' && t.from !== 'joining') this.settled = this.apply('wake');
    else if (t.to === 'idle' && t.from !== 'idle') this.settled = this.apply('standby');
  }

  private async apply(action: 'wake' | 'standby'): Promise<void> {
    const gen = ++this.generation;
    const outputs = [this.o.tv, action === 'wake' || this.o.blankPanelWhenIdle ? this.o.panel : null]
      .filter((x): x is DisplayOutput => x !== null);
    await Promise.all(outputs.map(async (out) => {
      const code: ErrorCode = out.kind === 'tv' ? 'E_DISPLAY_CEC' : 'E_DISPLAY_PANEL';
      try {
        await out[action]();
        if (gen === this.generation) this.o.controller.clearFault('display', code);
        this.o.logger.info({ display: out.kind, action }, `${out.kind} ${action}`);
      } catch (e) {
        const err = e as ApplianceError;
        this.o.logger.error({ display: out.kind, action, code: err.code, err: err.message, ...err.detail }, `${out.kind} did not ${action}`);
        this.o.controller.raiseFault(err.code ?? code, 'display');
      }
    }));
  }
}
