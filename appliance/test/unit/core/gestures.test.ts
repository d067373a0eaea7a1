import { describe, expect, it } from 'vitest';
import {
  ButtonGestureRecognizer,
  DEFAULT_GESTURE_TIMINGS,
  actionForGesture,
  type Gesture,
  type GestureType,
} from '../../../src/core/gestures.js';
import { CALL_STATES, type CallState } from '../../../src/core/call-state.js';
import { ApplianceError } from '../../../src/core/errors.js';

type Step = { down: number } | { up: number } | { tick: number };

/** Feeds steps in order, ticking at every deadline reached on the way, like a caller's timer would. */
function run(steps: Step[], r = new ButtonGestureRecognizer()): Gesture[] {
  const out: Gesture[] = [];
  const drainUntil = (t: number) => {
    for (let d = r.nextDeadline(); d !== null && d <= t; d = r.nextDeadline()) out.push(...r.tick(d));
  };
  for (const s of steps) {
    if ('down' in s) {
      drainUntil(s.down);
      out.push(...r.edge({ pressed: true, atMs: s.down }));
    } else if ('up' in s) {
      drainUntil(s.up);
      out.push(...r.edge({ pressed: false, atMs: s.up }));
    } else {
      drainUntil(s.tick);
      out.push(...r.tick(s.tick));
    }
  }
  return out;
}

const types = (g: Gesture[]) => g.map((x) => x.type);

describe('ButtonGestureRecognizer', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_GESTURE_TIMINGS).toEqual({ debounceMs: 30, holdMs: 2000, doublePressGuardMs: 800, stuckMs: 30_000 });
    expect(new ButtonGestureRecognizer().timings()).toEqual(DEFAULT_GESTURE_TIMINGS);
  });

  it('emits a short press on release, after the release is debounced', () => {
    const r = new ButtonGestureRecognizer();
    expect(r.edge({ pressed: true, atMs: 1000 })).toEqual([]);
    expect(r.nextDeadline()).toBe(1030);
    expect(r.tick(1030)).toEqual([]);
    expect(r.isPressed()).toBe(true);
    expect(r.edge({ pressed: false, atMs: 1200 })).toEqual([]);
    expect(r.nextDeadline()).toBe(1230);
    expect(r.tick(1229)).toEqual([]);
    expect(r.tick(1230)).toEqual([{ type: 'press', atMs: 1230 }]);
    expect(r.nextDeadline()).toBeNull();
  });

  it('commits an edge that is already old when the next input arrives, without a tick', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 0 });
    expect(r.edge({ pressed: false, atMs: 500 })).toEqual([]);
    expect(r.tick(10_000)).toEqual([{ type: 'press', atMs: 530 }]);
  });

  it('ignores bounce: a press that flips back within the debounce is nothing', () => {
    expect(run([{ down: 0 }, { up: 10 }, { down: 15 }, { up: 29 }, { tick: 5000 }])).toEqual([]);
  });

  it('ignores contact bounce inside a real press', () => {
    const g = run([{ down: 0 }, { up: 5 }, { down: 8 }, { up: 300 }, { down: 310 }, { up: 320 }, { tick: 5000 }]);
    expect(g).toEqual([{ type: 'press', atMs: 350 }]);
  });

  it('ignores duplicate edges', () => {
    const g = run([{ down: 0 }, { down: 10 }, { up: 200 }, { up: 210 }, { tick: 5000 }]);
    expect(types(g)).toEqual(['press']);
  });

  it('fires hold at 2 s while still held, and not again or as a press on release', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 0 });
    r.tick(30);
    expect(r.nextDeadline()).toBe(2000);
    expect(r.tick(1999)).toEqual([]);
    expect(r.tick(2000)).toEqual([{ type: 'hold', atMs: 2000 }]);
    expect(r.isPressed()).toBe(true);
    expect(r.tick(2500)).toEqual([]);
    r.edge({ pressed: false, atMs: 3000 });
    expect(r.tick(3030)).toEqual([]);
    expect(r.isPressed()).toBe(false);
    expect(r.nextDeadline()).toBeNull();
  });

  it('measures the hold from the real press edge, not from the end of the debounce', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 100 });
    expect(r.tick(5000)).toEqual([{ type: 'hold', atMs: 2100 }]);
  });

  it('a release just before 2 s is a press, even when the release is still debouncing at 2 s', () => {
    const g = run([{ down: 0 }, { up: 1990 }, { tick: 3000 }]);
    expect(g).toEqual([{ type: 'press', atMs: 2020 }]);
  });

  it('a release that bounces back around 2 s does not lose the hold', () => {
    const g = run([{ down: 0 }, { up: 1990 }, { down: 2005 }, { tick: 3000 }]);
    expect(g).toEqual([{ type: 'hold', atMs: 2005 }]);
  });

  it('ignores a second press within 800 ms of the first', () => {
    // presses emitted at 130 and (would be) 630
    const g = run([{ down: 0 }, { up: 100 }, { down: 300 }, { up: 600 }, { tick: 5000 }]);
    expect(g).toEqual([{ type: 'press', atMs: 130 }]);
  });

  it('accepts a second press 800 ms or more after the first', () => {
    const g = run([{ down: 0 }, { up: 100 }, { down: 700 }, { up: 900 }, { tick: 5000 }]);
    expect(g).toEqual([{ type: 'press', atMs: 130 }, { type: 'press', atMs: 930 }]);
  });

  it('counts a burst of taps as one press (an ignored press extends the guard)', () => {
    const g = run([
      { down: 0 }, { up: 100 }, // press at 130
      { down: 400 }, { up: 500 }, // 530: ignored
      { down: 800 }, { up: 900 }, // 930: 400 ms after the ignored one, ignored
      { down: 1600 }, { up: 1700 }, // 1730: 800 ms after the last, accepted
      { tick: 5000 },
    ]);
    expect(g).toEqual([{ type: 'press', atMs: 130 }, { type: 'press', atMs: 1730 }]);
  });

  it('does not let a hold count as the first of a double press', () => {
    const g = run([{ down: 0 }, { up: 2500 }, { down: 2700 }, { up: 2800 }, { tick: 5000 }]);
    expect(g).toEqual([{ type: 'hold', atMs: 2000 }, { type: 'press', atMs: 2830 }]);
  });

  it('reports stuck once after 30 s held, then unstuck on release', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 0 });
    expect(r.tick(2000)).toEqual([{ type: 'hold', atMs: 2000 }]);
    expect(r.nextDeadline()).toBe(30_000);
    expect(r.tick(29_999)).toEqual([]);
    expect(r.tick(30_000)).toEqual([{ type: 'stuck', atMs: 30_000 }]);
    expect(r.nextDeadline()).toBeNull();
    expect(r.tick(120_000)).toEqual([]);
    r.edge({ pressed: false, atMs: 130_000 });
    expect(r.tick(130_030)).toEqual([{ type: 'unstuck', atMs: 130_030 }]);
  });

  it('emits hold then stuck in order when ticked late once', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 0 });
    expect(r.tick(60_000)).toEqual([{ type: 'hold', atMs: 2000 }, { type: 'stuck', atMs: 30_000 }]);
  });

  it('treats a time going backwards as the latest time seen', () => {
    const r = new ButtonGestureRecognizer();
    r.edge({ pressed: true, atMs: 1000 });
    r.tick(1100);
    r.edge({ pressed: false, atMs: 900 });
    expect(r.tick(1130)).toEqual([{ type: 'press', atMs: 1130 }]);
  });

  it('honours custom timings', () => {
    const r = new ButtonGestureRecognizer({ debounceMs: 10, holdMs: 500, doublePressGuardMs: 0, stuckMs: 1000 });
    const g = run([{ down: 0 }, { up: 50 }, { down: 70 }, { up: 100 }, { down: 200 }, { tick: 1300 }], r);
    expect(g).toEqual([
      { type: 'press', atMs: 60 },
      { type: 'press', atMs: 110 },
      { type: 'hold', atMs: 700 },
      { type: 'stuck', atMs: 1200 },
    ]);
  });

  it.each([
    { debounceMs: -1 },
    { holdMs: 20 },
    { stuckMs: 2000 },
    { doublePressGuardMs: Number.NaN },
  ])('rejects nonsensical timings %o with E_CONFIG_INVALID', (bad) => {
    let caught: unknown;
    try {
      new ButtonGestureRecognizer(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApplianceError);
    expect((caught as ApplianceError).code).toBe('E_CONFIG_INVALID');
  });
});

describe('actionForGesture', () => {
  const table: Record<CallState, Record<GestureType, 'join' | 'cancel' | 'leave' | 'none'>> = {
    'idle': { press: 'join', hold: 'none', stuck: 'none', unstuck: 'none' },
    'joining': { press: 'none', hold: 'cancel', stuck: 'none', unstuck: 'none' },
    'in-call': { press: 'none', hold: 'leave', stuck: 'none', unstuck: 'none' },
    'leaving': { press: 'none', hold: 'none', stuck: 'none', unstuck: 'none' },
    'failed': { press: 'join', hold: 'none', stuck: 'none', unstuck: 'none' },
  };

  const cases: Array<[CallState, GestureType, string]> = [];
  for (const state of CALL_STATES) {
    for (const [gesture, action] of Object.entries(table[state])) cases.push([state, gesture as GestureType, action]);
  }

  it.each(cases)('%s + %s -> %s, with a reason', (state, gesture, action) => {
    const d = actionForGesture(state, gesture);
    expect(d.action).toBe(action);
    expect(d.reason.length).toBeGreaterThan(5);
    expect(actionForGesture(state, { type: gesture, atMs: 0 })).toEqual(d);
  });

  it('never ends a meeting on a short press', () => {
    expect(actionForGesture('in-call', 'press').action).toBe('none');
  });
});
