/**
 * The echo test call (ports/echo-test.ts): the unit calls an echo service (baresip's `echo`
 * module in the tests and in `make run`), sends probe bursts mixed into its microphone, and
 * reads the round-trip delay and the echo leak from the far-end level meter.
 * Run it while the unit is idle: it places an ordinary call through the signaling.
 */
import { isApplianceError } from '../core/errors.js';
import type { EchoTestReport, EchoTester } from '../ports/echo-test.js';
import type { Signaling } from '../ports/signaling.js';
import { analyseEchoTest, echoTestSummary, type LevelSample, type ProbeBurst } from './echo-test-analysis.js';

/** What the echo test needs from the media engine (GstreamerMediaEngine provides it). */
export interface EchoProbeEngine {
  setEchoProbe(enabled: boolean): void;
  setProbeTone(on: boolean): boolean;
  /** Far-end meter readings only (dBFS), at 100 Hz during an echo test. */
  on(event: 'far-level', listener: (db: number) => void): unknown;
  off(event: 'far-level', listener: (db: number) => void): unknown;
}

export interface EchoTestOptions {
  signaling: Signaling;
  engine: EchoProbeEngine;
  /** The echo service, e.g. sip:echo@example.org. */
  echoUri: string;
  bursts?: number;
  /** Shorter than the round trip, so the second return (the leak) is not hidden by the first. */
  burstMs?: number;
  /** Burst to burst; must exceed two round trips plus a burst. */
  periodMs?: number;
  /** Quiet time after the call is up, before the first burst (jitter buffers fill). */
  settleMs?: number;
  /** Unmeasured bursts before the measured ones, for the echo canceller to converge on. */
  trainingBursts?: number;
}

/**
 * Training bursts: long enough for the canceller to adapt on (it adapts only while the unit is
 * quiet and the return plays), spaced so each return falls in a quiet gap. 12 x 150 ms took the
 * simulated room's leak from about -27 to -30..-35 dB (8 x 100 ms left it converging).
 */
const TRAINING_BURST_MS = 150;
const TRAINING_PERIOD_MS = 500;
const TRAINING_BURSTS = 12;

export class EchoTestCall implements EchoTester {
  constructor(private readonly o: EchoTestOptions) {}

  async run(options: { signal?: AbortSignal } = {}): Promise<EchoTestReport> {
    const { signaling, engine } = this.o;
    const burstCount = this.o.bursts ?? 3;
    const burstMs = this.o.burstMs ?? 100;
    const periodMs = this.o.periodMs ?? 1600;
    const far: LevelSample[] = [];
    const onFarLevel = (db: number) => far.push({ t: performance.now(), db });
    engine.setEchoProbe(true);
    try {
      try {
        await signaling.call(this.o.echoUri);
      } catch (e) {
        const code = isApplianceError(e) ? e.code : 'E_ECHO_TEST';
        return { ok: false, roundTripMs: null, echoLeakDb: null, code, summary: `The echo service could not be called (${code})` };
      }
      engine.on('far-level', onFarLevel);
      await sleep(this.o.settleMs ?? 1000, options.signal);
      // Training: unmeasured bursts first, so the echo canceller has learnt the room before the
      // measured ones. Each comes back while the unit is quiet (single talk), which is when the
      // canceller adapts; a continuous probe would be double talk and teach it nothing.
      for (let i = 0; i < (this.o.trainingBursts ?? TRAINING_BURSTS) && !options.signal?.aborted; i++) {
        if (!engine.setProbeTone(true)) break;
        await sleep(TRAINING_BURST_MS, options.signal);
        engine.setProbeTone(false);
        await sleep(TRAINING_PERIOD_MS - TRAINING_BURST_MS, options.signal);
      }
      await sleep(periodMs, options.signal);
      far.length = 0;
      const bursts: ProbeBurst[] = [];
      for (let i = 0; i < burstCount && !options.signal?.aborted; i++) {
        const startMs = performance.now();
        if (!engine.setProbeTone(true)) {
          return { ok: false, roundTripMs: null, echoLeakDb: null, code: 'E_ECHO_TEST', summary: 'No probe in the microphone chain: the call sends no audio' };
        }
        await sleep(burstMs, options.signal);
        engine.setProbeTone(false);
        bursts.push({ startMs, endMs: performance.now() });
        await sleep(periodMs - burstMs, options.signal);
      }
      const figures = analyseEchoTest(bursts, far);
      const ok = figures.roundTripMs !== null;
      return {
        ok,
        roundTripMs: figures.roundTripMs,
        echoLeakDb: figures.echoLeakDb,
        ...(ok ? {} : { code: 'E_ECHO_TEST' as const }),
        summary: echoTestSummary(figures),
      };
    } finally {
      engine.off('far-level', onFarLevel);
      engine.setProbeTone(false);
      await signaling.hangup().catch(() => undefined);
      engine.setEchoProbe(false);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
