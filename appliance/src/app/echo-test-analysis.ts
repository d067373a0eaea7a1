/**
 * Reads an echo test from level measurements. Pure.
 *
 * The probe is sent in bursts. Each burst comes back from the echo service after the round
 * trip (network, codec, jitter buffers, the service): that first return is played on the
 * speaker. Whatever of it leaks into the microphone past the echo canceller is sent again and
 * comes back one round trip later: the second return. Leak = second return - first return (dB).
 */
export interface LevelSample {
  /** ms, same clock as the bursts. */
  t: number;
  db: number;
}

export interface ProbeBurst {
  startMs: number;
  endMs: number;
}

export interface EchoTestFigures {
  roundTripMs: number | null;
  echoLeakDb: number | null;
  /** The second return was below the meter's floor: the leak is at most echoLeakDb. */
  leakBelowFloor: boolean;
  bursts: number;
  returned: number;
}

export interface EchoAnalysisOptions {
  /** A far-end level above this counts as the probe coming back (dBFS). */
  heardDb?: number;
  /** Far-end meter interval (ms; 10 during an echo test): a level message closes its interval, so half of it is subtracted. */
  meterIntervalMs?: number;
  /** Longest round trip looked for (ms). */
  maxRoundTripMs?: number;
  /** Quietest level the meters and codec can tell from silence (dBFS). */
  floorDb?: number;
}

export function analyseEchoTest(bursts: readonly ProbeBurst[], far: readonly LevelSample[], o: EchoAnalysisOptions = {}): EchoTestFigures {
  const heardDb = o.heardDb ?? -45;
  const half = (o.meterIntervalMs ?? 10) / 2;
  const maxRtt = o.maxRoundTripMs ?? 1500;
  const floorDb = o.floorDb ?? -70;
  // Each return is read inside its edges: one meter interval of smear, plus the codec's onset and tail.
  const guard = half + EDGE_GUARD_MS;
  const rtts: number[] = [];
  const leaks: { db: number; belowFloor: boolean }[] = [];
  for (const b of bursts) {
    const back = far.find((s) => s.t > b.startMs && s.t <= b.startMs + maxRtt && s.db > heardDb);
    if (back === undefined) continue;
    const rtt = Math.max(0, back.t - half - b.startMs);
    rtts.push(rtt);
    const len = b.endMs - b.startMs;
    // The second return is only told apart from the first when the burst has ended (edges included) before the round trip.
    if (rtt < len + 2 * guard || len <= 2 * guard) continue;
    const first = powerMeanDb(far, b.startMs + rtt + guard, b.startMs + rtt + len - guard);
    const second = powerMeanDb(far, b.startMs + 2 * rtt + guard, b.startMs + 2 * rtt + len - guard);
    if (first === null || second === null) continue;
    leaks.push({ db: Math.max(second, floorDb) - first, belowFloor: second <= floorDb });
  }
  // The worst burst counts.
  const worst = leaks.reduce<{ db: number; belowFloor: boolean } | null>((w, l) => (w === null || l.db > w.db ? l : w), null);
  return {
    roundTripMs: rtts.length ? Math.round(median(rtts)) : null,
    echoLeakDb: worst ? Math.round(worst.db * 10) / 10 : null,
    leakBelowFloor: worst?.belowFloor ?? false,
    bursts: bursts.length,
    returned: rtts.length,
  };
}

/** Opus's look-ahead and the meter's window blur each edge of a return by about this much (ms). */
const EDGE_GUARD_MS = 10;

/** Mean power over the window, in dB: a few loud meter readings are not outvoted by quiet ones. */
function powerMeanDb(samples: readonly LevelSample[], from: number, to: number): number | null {
  const inWindow = samples.filter((s) => s.t >= from && s.t <= to);
  if (inWindow.length === 0) return null;
  const mean = inWindow.reduce((sum, s) => sum + 10 ** (s.db / 10), 0) / inWindow.length;
  return mean > 0 ? 10 * Math.log10(mean) : -Infinity;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The line a technician reads. */
export function echoTestSummary(f: EchoTestFigures): string {
  if (f.roundTripMs === null) return `The probe did not come back (${f.bursts} bursts sent): check the network path and the echo service`;
  const leak =
    f.echoLeakDb === null
      ? 'echo leak not measured'
      : f.leakBelowFloor
        ? `echo leak below ${f.echoLeakDb} dB (not measurable: good)`
        : `echo leak ${f.echoLeakDb} dB${f.echoLeakDb <= -25 ? ' (good)' : ' (too much: check speaker and microphone placement)'}`;
  return `Round trip ${f.roundTripMs} ms (${f.returned}/${f.bursts} probes back), ${leak}`;
}
