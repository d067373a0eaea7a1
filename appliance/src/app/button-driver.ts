import { ButtonGestureRecognizer, type Gesture, type GestureTimings } from '../core/gestures.js';
import type { ButtonInput } from '../ports/button.js';
import type { Clock, TimerHandle } from '../ports/clock.js';

/** Feeds raw button edges into the pure recognizer and ticks it at its deadlines. */
export class ButtonDriver {
  private readonly recognizer: ButtonGestureRecognizer;
  private timer: TimerHandle | null = null;
  private readonly onEdge = (e: { pressed: boolean; atMs: number }) => this.deliver(this.recognizer.edge(e));

  constructor(
    private readonly button: ButtonInput,
    private readonly clock: Clock,
    private readonly onGesture: (g: Gesture) => void,
    timings?: Partial<GestureTimings>,
  ) {
    this.recognizer = new ButtonGestureRecognizer(timings);
  }

  start(): void {
    this.button.on('edge', this.onEdge);
  }

  stop(): void {
    this.button.off('edge', this.onEdge);
    this.timer?.cancel();
    this.timer = null;
  }

  private deliver(gestures: Gesture[]): void {
    for (const g of gestures) this.onGesture(g);
    this.timer?.cancel();
    this.timer = null;
    const deadline = this.recognizer.nextDeadline();
    if (deadline !== null) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.deliver(this.recognizer.tick(this.clock.now()));
      }, Math.max(0, deadline - this.clock.now()));
    }
  }
}
