/**
 * The start button: raw edges in, gestures out, then what a gesture means in each call state.
 *
 * Gestures
 *   press    a short press, emitted on release (after debounce). Not emitted after a hold.
 *   hold     held for holdMs; emitted once while still held, never on release.
 *   stuck    held for stuckMs (a fault: something rests on the button, or it is broken).
 *   unstuck  the release that follows `stuck`, so the caller can clear the fault.
 *
 * Timing rules
 *   - An edge becomes real only after the level has stayed for debounceMs; edges that flip
 *     back sooner are bounce and ignored. Times are measured from the real edge, not from
 *     the end of the debounce.
 *   - A press released less than doublePressGuardMs after the previous press (accepted or
 *     ignored) is ignored, so a burst of taps counts as one press.
 *   - While a release is being debounced, hold and stuck wait: a release that turns out
 *     to be real cancels them; one that turns out to be bounce lets them fire late.
 *
 * The recognizer owns no timer: the caller feeds edges and calls tick() at nextDeadline().
 * Times must not go backwards; an earlier time is treated as the latest time seen.
 */
import type { CallState } from './call-state.js';
import { ApplianceError } from './errors.js';

export interface ButtonEdge {
  pressed: boolean;
  atMs: number;
}

export type GestureType = 'press' | 'hold' | 'stuck' | 'unstuck';

export interface Gesture {
  type: GestureType;
  atMs: number;
}

export interface GestureTimings {
  debounceMs: number;
  holdMs: number;
  doublePressGuardMs: number;
  stuckMs: number;
}

export const DEFAULT_GESTURE_TIMINGS: Readonly<GestureTimings> = Object.freeze({
  debounceMs: 30,
  holdMs: 2000,
  doublePressGuardMs: 800,
  stuckMs: 30_000,
});

function validTimings(t: GestureTimings): GestureTimings {
  const ok = [t.debounceMs, t.holdMs, t.doublePressGuardMs, t.stuckMs].every((v) => Number.isFinite(v) && v >= 0)
    && t.holdMs > t.debounceMs
    && t.stuckMs > t.holdMs;
  if (!ok) {
    throw new ApplianceError('E_CONFIG_INVALID', 'Button timings must be finite, >= 0, with debounce < hold < stuck', { ...t });
  }
  return t;
}

type Due = { at: number; kind: 'commit' | 'hold' | 'stuck' };

export class ButtonGestureRecognizer {
  private readonly t: GestureTimings;
  /** Level of the last raw edge. */
  private raw = false;
  /** Debounced level. */
  private stable = false;
  /** Time of the raw edge that made raw differ from stable; null when they agree. */
  private pendingSince: number | null = null;
  /** Time of the real press edge while stable is pressed. */
  private pressedAt: number | null = null;
  private holdEmitted = false;
  private stuckEmitted = false;
  private lastPressAt: number | null = null;
  private clock = Number.NEGATIVE_INFINITY;

  constructor(timings: Partial<GestureTimings> = {}) {
    this.t = validTimings({ ...DEFAULT_GESTURE_TIMINGS, ...timings });
  }

  timings(): Readonly<GestureTimings> {
    return { ...this.t };
  }

  /** The debounced level. */
  isPressed(): boolean {
    return this.stable;
  }

  /** When tick() next has something to do, or null when nothing is pending. */
  nextDeadline(): number | null {
    return this.due()?.at ?? null;
  }

  tick(atMs: number): Gesture[] {
    return this.advance(atMs);
  }

  edge(edge: ButtonEdge): Gesture[] {
    const out = this.advance(edge.atMs);
    const at = this.clock;
    if (edge.pressed === this.raw) return out;
    this.raw = edge.pressed;
    this.pendingSince = this.raw === this.stable ? null : at;
    out.push(...this.advance(at));
    return out;
  }

  private due(): Due | null {
    if (this.pendingSince !== null) return { at: this.pendingSince + this.t.debounceMs, kind: 'commit' };
    if (this.stable && this.pressedAt !== null) {
      if (!this.holdEmitted) return { at: this.pressedAt + this.t.holdMs, kind: 'hold' };
      if (!this.stuckEmitted) return { at: this.pressedAt + this.t.stuckMs, kind: 'stuck' };
    }
    return null;
  }

  private advance(now: number): Gesture[] {
    const out: Gesture[] = [];
    for (let d = this.due(); d !== null && d.at <= now; d = this.due()) {
      const at = Math.max(d.at, this.clock);
      this.clock = at;
      const g = this.apply(d.kind, at);
      if (g) out.push(g);
    }
    this.clock = Math.max(this.clock, now);
    return out;
  }

  private apply(kind: Due['kind'], at: number): Gesture | null {
    switch (kind) {
      case 'hold':
        this.holdEmitted = true;
        return { type: 'hold', atMs: at };
      case 'stuck':
        this.stuckEmitted = true;
        return { type: 'stuck', atMs: at };
      case 'commit': {
        const edgeAt = this.pendingSince as number;
        this.pendingSince = null;
        this.stable = this.raw;
        if (this.stable) {
          this.pressedAt = edgeAt;
          this.holdEmitted = false;
          this.stuckEmitted = false;
          return null;
        }
        this.pressedAt = null;
        if (this.stuckEmitted) return { type: 'unstuck', atMs: at };
        if (this.holdEmitted) return null;
        const tooSoon = this.lastPressAt !== null && at - this.lastPressAt < this.t.doublePressGuardMs;
        this.lastPressAt = at;
        return tooSoon ? null : { type: 'press', atMs: at };
      }
    }
  }
}

export type ButtonAction = 'join' | 'cancel' | 'leave' | 'none';

export interface GestureDecision {
  action: ButtonAction;
  reason: string;
}

const IGNORE_FAULT: GestureDecision = { action: 'none', reason: 'button fault: reported separately, no call action' };

/**
 * What a gesture does in a call state.
 *   idle     press -> join; hold -> none (a stuck or leaned-on button must never start a
 *            camera in a patient's room; a deliberate start is press and release)
 *   joining  press -> none; hold -> cancel
 *   in-call  press -> none (a bumped button never ends a meeting); hold -> leave
 *   leaving  everything -> none
 *   failed   press -> join (retry); hold -> none
 *   stuck / unstuck -> none in every state
 */
export function actionForGesture(state: CallState, gesture: Gesture | GestureType): GestureDecision {
  const type = typeof gesture === 'string' ? gesture : gesture.type;
  if (type === 'stuck' || type === 'unstuck') return IGNORE_FAULT;
  switch (state) {
    case 'idle':
      return type === 'press'
        ? { action: 'join', reason: 'press while idle joins the meeting' }
        : { action: 'none', reason: 'hold while idle does nothing; press and release to join' };
    case 'joining':
      return type === 'hold'
        ? { action: 'cancel', reason: 'hold while joining cancels the call' }
        : { action: 'none', reason: 'already joining; hold to cancel' };
    case 'in-call':
      return type === 'hold'
        ? { action: 'leave', reason: 'hold while in a call leaves the meeting' }
        : { action: 'none', reason: 'a short press never ends a meeting; hold to leave' };
    case 'leaving':
      return { action: 'none', reason: 'already leaving' };
    case 'failed':
      return type === 'press'
        ? { action: 'join', reason: 'press after a failure retries the join' }
        : { action: 'none', reason: 'hold after a failure does nothing; press to retry' };
  }
}
