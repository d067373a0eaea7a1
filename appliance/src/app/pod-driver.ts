/**
 * The bedside pod and the hearing-loop amplifier (the I/O board), wired to the unit:
 *
 *   pod button     press (short, on release)              hold (2 s)     held 30 s
 *   -------------  -------------------------------------  -------------  ------------------
 *   call           the start button's press (join/retry)  start's hold   E_BUTTON_STUCK, 'pod'
 *   volume-up/dn   speaker volume +/- one step            -              E_BUTTON_STUCK, 'pod'
 *   loop-toggle    hearing loop on/off                    -              E_BUTTON_STUCK, 'pod'
 *
 * The ring shows the same pattern as the start button's LED; loop enable and gain follow the
 * controls; loop open/short and a lost board are faults on the controller (LED 'fault'),
 * cleared when the loop carries current again or the board is back. While a loop fault is
 * active the amplifier is re-armed every loopRecheckMs, since the board latches faults.
 */
import type { Gesture, GestureTimings } from '../core/gestures.js';
import type { ErrorCode } from '../core/errors.js';
import type { LedPattern } from '../core/led-pattern.js';
import type { Controls } from '../core/controls.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { IoBoard, IoBoardConnection, IoBoardFault, LoopStatus, PodButton, PodButtonEvent } from '../ports/io-board.js';
import type { Logger } from '../log/logger.js';
import { LevelButton } from '../adapters/level-button.js';
import { ButtonDriver } from './button-driver.js';
import type { UnitController } from './unit-controller.js';

export interface PodDriverOptions {
  board: IoBoard;
  controller: UnitController;
  clock: Clock;
  logger: Logger;
  /** Amplifier gain at loopGainDb 0 (the calibrated level). */
  loopReferenceGainDb: number;
  loopRecheckMs: number;
  /** Loop current a healthy loop carries at least (the board's open-circuit threshold). */
  loopHealthyMinMa: number;
  loopHealthyMaxMa: number;
  timings?: Partial<GestureTimings>;
}

const POD_BUTTONS: readonly PodButton[] = ['call', 'volume-up', 'volume-down', 'loop-toggle'];
const LOOP_FAULTS: readonly ErrorCode[] = ['E_LOOP_OPEN_CIRCUIT', 'E_LOOP_SHORT_CIRCUIT'];

/** One pod button as a level input for the gesture recognizer (the board already debounced it). */
class PodButtonInput extends LevelButton {
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  set(pressed: boolean): void {
    this.level(pressed);
  }
}

export class PodDriver {
  private readonly inputs = new Map<PodButton, PodButtonInput>();
  private readonly drivers: ButtonDriver[] = [];
  private readonly stuck = new Set<PodButton>();
  private readonly unsubscribe: (() => void)[] = [];
  private wantedLed: LedPattern | null = null;
  private sentLed: LedPattern | null = null;
  private ledBusy = false;
  private sentLoop: { enabled: boolean; gainDb: number } | null = null;
  private recheckTimer: TimerHandle | null = null;
  private started = false;

  constructor(private readonly o: PodDriverOptions) {
    for (const button of POD_BUTTONS) {
      const input = new PodButtonInput(o.clock);
      this.inputs.set(button, input);
      // The board debounced already (20 ms), and its press and release can arrive in one read
      // when the host was busy: a second debounce here would take them for bounce. The call
      // button keeps the start button's other timings; volume and loop count every tap.
      const timings = button === 'call' ? { ...o.timings, debounceMs: 0 } : { ...o.timings, debounceMs: 0, doublePressGuardMs: 0 };
      this.drivers.push(new ButtonDriver(input, o.clock, (g) => this.gesture(button, g), timings));
    }
  }

  /** Subscribes and connects; a board that is not there is a fault, not a failed start. Call after controller.start(). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { board, controller } = this.o;
    for (const d of this.drivers) d.start();
    board.on('button', this.onButton);
    board.on('connection', this.onConnection);
    board.on('fault', this.onFault);
    board.on('loop-status', this.onLoopStatus);
    // The controller renders the LED in its own transition listener, registered first.
    this.unsubscribe.push(controller.machine.onTransition(() => this.pushLed()));
    this.unsubscribe.push(controller.onChange(() => {
      this.pushLed();
      this.pushLoop(false);
    }));
    try {
      await board.start();
    } catch (e) {
      const code = (e as { code?: ErrorCode }).code === 'E_IOBOARD_VERSION' ? 'E_IOBOARD_VERSION' : 'E_IOBOARD_UNREACHABLE';
      this.o.logger.error({ code, err: String(e) }, 'I/O board not available; retrying in the background');
      controller.raiseFault(code, 'ioboard');
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const d of this.drivers) d.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    this.recheckTimer?.cancel();
    this.recheckTimer = null;
    const { board } = this.o;
    board.off('button', this.onButton);
    board.off('connection', this.onConnection);
    board.off('fault', this.onFault);
    board.off('loop-status', this.onLoopStatus);
    await board.stop();
  }

  private readonly onButton = (e: PodButtonEvent): void => {
    const input = this.inputs.get(e.button);
    if (!input || e.kind === 'hold') return; // the host's recognizer times holds itself
    input.set(e.kind === 'press');
  };

  private readonly onConnection = (c: IoBoardConnection): void => {
    const { controller, logger } = this.o;
    if (c.state === 'connected') {
      logger.info({ board: c.board }, 'I/O board connected');
      controller.clearFault('ioboard');
      // A new session: the board starts from its defaults.
      this.sentLed = null;
      this.sentLoop = null;
      this.pushLed();
      this.pushLoop(true);
    } else {
      logger.warn({ code: c.error.code, err: c.error.message }, 'I/O board lost');
      controller.raiseFault('E_IOBOARD_UNREACHABLE', 'ioboard');
    }
  };

  private readonly onFault = (f: IoBoardFault): void => {
    if (LOOP_FAULTS.includes(f.code)) {
      this.o.controller.raiseFault(f.code, 'loop');
      this.armRecheck();
    } else {
      this.o.logger.warn({ code: f.code, err: f.error.message, ...f.error.detail }, 'I/O board fault');
    }
  };

  private readonly onLoopStatus = (s: LoopStatus): void => {
    if (s.fault !== 'none') return;
    const healthy = !s.enabled || (s.currentMa >= this.o.loopHealthyMinMa && s.currentMa <= this.o.loopHealthyMaxMa);
    if (healthy) this.clearLoopFaults();
  };

  private gesture(button: PodButton, g: Gesture): void {
    const { controller, logger } = this.o;
    if (g.type === 'stuck' || g.type === 'unstuck') return this.stuckChanged(button, g.type === 'stuck');
    try {
      if (button === 'call') controller.onGesture(g);
      else if (g.type !== 'press') return;
      else if (button === 'loop-toggle') controller.setControl({ type: 'loop', enabled: !controller.controls().loopEnabled });
      else controller.setControl({ type: 'speaker-volume-step', direction: button === 'volume-up' ? 'up' : 'down' });
    } catch (e) {
      logger.warn({ button, gesture: g.type, code: (e as { code?: string }).code, err: String(e) }, 'pod button refused');
    }
  }

  private stuckChanged(button: PodButton, stuck: boolean): void {
    if (stuck) {
      this.stuck.add(button);
      this.o.logger.warn({ button }, 'pod button stuck');
      this.o.controller.raiseFault('E_BUTTON_STUCK', 'pod');
    } else {
      this.stuck.delete(button);
      if (this.stuck.size === 0) this.o.controller.clearFault('pod', 'E_BUTTON_STUCK');
    }
  }

  // --- LED ring ------------------------------------------------------------------------

  private pushLed(): void {
    const led = this.o.controller.status().led;
    if (!led) return;
    this.wantedLed = led;
    this.flushLed();
  }

  /** One LED_PATTERN in flight; only the newest wanted pattern is sent after it. */
  private flushLed(): void {
    const p = this.wantedLed;
    if (this.ledBusy || !p || p.name === this.sentLed?.name) return;
    this.ledBusy = true;
    this.o.board.setLedPattern(p).then(
      () => { this.sentLed = p; },
      (e: unknown) => this.o.logger.debug({ err: String(e), led: p.name }, 'LED ring not updated'),
    ).finally(() => {
      this.ledBusy = false;
      if (this.wantedLed !== p && this.started) this.flushLed();
    });
  }

  // --- hearing loop --------------------------------------------------------------------

  private loopSettings(c: Controls): { enabled: boolean; gainDb: number } {
    return { enabled: c.loopEnabled, gainDb: Math.min(0, this.o.loopReferenceGainDb + c.loopGainDb) };
  }

  private pushLoop(force: boolean): void {
    const want = this.loopSettings(this.o.controller.controls());
    if (!force && this.sentLoop && this.sentLoop.enabled === want.enabled && this.sentLoop.gainDb === want.gainDb) return;
    this.sentLoop = want;
    if (!want.enabled) this.clearLoopFaults();
    this.o.board.setLoop(want).catch((e: unknown) => {
      this.o.logger.debug({ err: String(e) }, 'loop settings not sent');
      this.sentLoop = null;
    });
  }

  private clearLoopFaults(): void {
    this.recheckTimer?.cancel();
    this.recheckTimer = null;
    for (const code of LOOP_FAULTS) this.o.controller.clearFault('loop', code);
  }

  private armRecheck(): void {
    if (this.recheckTimer || !this.started) return;
    this.recheckTimer = this.o.clock.setTimeout(() => {
      this.recheckTimer = null;
      if (!this.started || !this.o.controller.status().faults.some((f) => f.source === 'loop')) return;
      if (this.o.controller.controls().loopEnabled) this.pushLoop(true);
      this.armRecheck();
    }, this.o.loopRecheckMs);
  }
}
