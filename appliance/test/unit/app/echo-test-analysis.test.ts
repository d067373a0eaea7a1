import { describe, expect, it } from 'vitest';
import { analyseEchoTest, echoTestSummary, type LevelSample } from '../../../src/app/echo-test-analysis.js';

/** A far-end meter every `intervalMs` (10 ms, as during an echo test): `level(t)` dBFS, each sample closing its interval. */
function meter(untilMs: number, level: (t: number) => number, intervalMs = 10): LevelSample[] {
  const out: LevelSample[] = [];
  for (let t = intervalMs; t <= untilMs; t += intervalMs) out.push({ t, db: level(t - intervalMs / 2) });
  return out;
}

const BURSTS = [0, 1600, 3200].map((s) => ({ startMs: s, endMs: s + 100 }));
const inBurstReturn = (t: number, rtt: number, pass: number) => BURSTS.some((b) => t >= b.startMs + pass * rtt && t < b.endMs + pass * rtt);

describe('echo test analysis', () => {
  it('finds the round trip and the leak from the second return', () => {
    const rtt = 300;
    const far = meter(5000, (t) => (inBurstReturn(t, rtt, 1) ? -20 : inBurstReturn(t, rtt, 2) ? -50 : -Infinity));
    const f = analyseEchoTest(BURSTS, far);
    expect(f.roundTripMs).toBeGreaterThanOrEqual(275);
    expect(f.roundTripMs).toBeLessThanOrEqual(325);
    expect(f.echoLeakDb).toBe(-30);
    expect(f.leakBelowFloor).toBe(false);
    expect(f.returned).toBe(3);
    expect(echoTestSummary(f)).toMatch(/^Round trip \d+ ms \(3\/3 probes back\), echo leak -30 dB \(good\)$/);
  });

  it('reports a leak below the floor when nothing comes back a second time', () => {
    const far = meter(5000, (t) => (inBurstReturn(t, 250, 1) ? -18 : -Infinity));
    const f = analyseEchoTest(BURSTS, far);
    expect(f.leakBelowFloor).toBe(true);
    expect(f.echoLeakDb).toBe(-52);
    expect(echoTestSummary(f)).toContain('echo leak below -52 dB');
  });

  it('flags too much leak, and measures no leak when the round trip is shorter than the burst', () => {
    const loud = analyseEchoTest(BURSTS, meter(5000, (t) => (inBurstReturn(t, 300, 1) ? -20 : inBurstReturn(t, 300, 2) ? -30 : -Infinity)));
    expect(loud.echoLeakDb).toBe(-10);
    expect(echoTestSummary(loud)).toContain('too much');
    const short = analyseEchoTest(BURSTS, meter(5000, (t) => (inBurstReturn(t, 80, 1) ? -20 : -Infinity)));
    expect(short.roundTripMs).not.toBeNull();
    expect(short.echoLeakDb).toBeNull();
  });

  it('averages power over a return, so one loud reading in a quiet window is not outvoted', () => {
    // Second return mostly at the floor, with one 10 ms reading at -30 dB: mean power, not the median.
    const rtt = 300;
    const far = meter(5000, (t) =>
      inBurstReturn(t, rtt, 1) ? -20 : BURSTS.some((b) => t >= b.startMs + 2 * rtt + 50 && t < b.startMs + 2 * rtt + 60) ? -30 : -Infinity,
    );
    const f = analyseEchoTest(BURSTS, far);
    // 1 of 7 readings in the window at -30 dB: -30 + 10*log10(1/7) = -38.5 dB, 18.5 dB below the first return.
    expect(f.echoLeakDb).toBeCloseTo(-18.5, 0);
    expect(f.leakBelowFloor).toBe(false);
  });

  it('reads a 50 ms meter when told its interval', () => {
    const rtt = 300;
    const far = meter(5000, (t) => (inBurstReturn(t, rtt, 1) ? -20 : inBurstReturn(t, rtt, 2) ? -45 : -Infinity), 50);
    const tooNarrow = analyseEchoTest(BURSTS, far, { meterIntervalMs: 50 });
    // A 100 ms burst leaves no reading inside a 50 ms meter's guarded window: no leak figure, but the round trip.
    expect(tooNarrow.roundTripMs).toBeGreaterThanOrEqual(275);
    expect(tooNarrow.echoLeakDb).toBeNull();
    const long = [0, 1600, 3200].map((s) => ({ startMs: s, endMs: s + 250 }));
    const far2 = meter(5000, (t) => (long.some((b) => t >= b.startMs + rtt && t < b.endMs + rtt) ? -20 : long.some((b) => t >= b.startMs + 2 * rtt && t < b.endMs + 2 * rtt) ? -45 : -Infinity), 50);
    expect(analyseEchoTest(long, far2, { meterIntervalMs: 50 }).echoLeakDb).toBe(-25);
  });

  it('says so when the probe never comes back', () => {
    const f = analyseEchoTest(BURSTS, meter(5000, () => -Infinity));
    expect(f).toMatchObject({ roundTripMs: null, echoLeakDb: null, returned: 0, bursts: 3 });
    expect(echoTestSummary(f)).toMatch(/did not come back/);
  });
});
