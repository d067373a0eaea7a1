import { describe, expect, it } from 'vitest';
import { SilentOutputWatch } from '../../../src/adapters/gstreamer/silent-output-watch.js';

describe('silent output watch', () => {
  it('raises after the far end talked for 3 s into a silent output that should play, once, and clears when it plays', () => {
    const w = new SilentOutputWatch();
    expect(w.update(0, -20, -Infinity, true)).toBeNull();
    expect(w.update(2900, -20, -Infinity, true)).toBeNull();
    expect(w.update(3000, -20, -Infinity, true)).toBe('raise');
    expect(w.update(3250, -20, -Infinity, true)).toBeNull();
    expect(w.active).toBe(true);
    expect(w.update(3500, -20, -30, true)).toBe('clear');
    expect(w.active).toBe(false);
  });

  it('never raises while the far end is quiet or the output is meant to be off', () => {
    const w = new SilentOutputWatch();
    for (let t = 0; t <= 10_000; t += 250) {
      expect(w.update(t, -60, -Infinity, true)).toBeNull();
      expect(w.update(t, -20, -Infinity, false)).toBeNull();
    }
  });

  it('restarts the count when the output plays in between, and reset() clears a raised fault', () => {
    const w = new SilentOutputWatch({ holdMs: 1000 });
    w.update(0, -20, -Infinity, true);
    w.update(900, -20, -25, true);
    expect(w.update(1500, -20, -Infinity, true)).toBeNull();
    expect(w.update(2500, -20, -Infinity, true)).toBe('raise');
    expect(w.reset()).toBe('clear');
    expect(w.reset()).toBeNull();
  });
});
