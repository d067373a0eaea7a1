import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EchoTestCall, type EchoProbeEngine } from '../../../src/app/echo-test.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';

/**
 * An echo service and room in miniature: each probe burst comes back after `rttMs` at
 * `firstDb`, and again one round trip later at `firstDb + leakDb`. The far-end meter reports
 * every 10 ms (the engine's rate during an echo test).
 */
class EchoRoomEngine extends EventEmitter implements EchoProbeEngine {
  private readonly bursts: { start: number; end: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  probeEnabled = false;

  constructor(private readonly o: { rttMs: number; firstDb: number; leakDb: number }) {
    super();
  }

  setEchoProbe(enabled: boolean): void {
    this.probeEnabled = enabled;
    if (enabled) this.timer = setInterval(() => this.meter(), 10);
    else if (this.timer) clearInterval(this.timer);
  }

  setProbeTone(on: boolean): boolean {
    const now = performance.now();
    if (on) this.bursts.push({ start: now, end: Infinity });
    else if (this.bursts.length && this.bursts.at(-1)!.end === Infinity) this.bursts.at(-1)!.end = now;
    return true;
  }

  private meter(): void {
    const t = performance.now() - 5;
    const { rttMs, firstDb, leakDb } = this.o;
    const within = (pass: number) => this.bursts.some((b) => t >= b.start + pass * rttMs && t < b.end + pass * rttMs);
    this.emit('far-level', within(1) ? firstDb : within(2) ? firstDb + leakDb : -90);
  }
}

describe('EchoTestCall', () => {
  it('places the call, sends the bursts and reads round trip and leak from the far-end meter', async () => {
    const signaling = new ScriptedSignaling();
    const engine = new EchoRoomEngine({ rttMs: 200, firstDb: -20, leakDb: -18 });
    const test = new EchoTestCall({ signaling, engine, echoUri: 'sip:echo@example.org', bursts: 2, burstMs: 100, periodMs: 600, settleMs: 0, trainingBursts: 0 });
    const running = test.run();
    await new Promise((r) => setTimeout(r, 10));
    signaling.answer();
    const report = await running;
    expect(signaling.calls).toEqual(['sip:echo@example.org']);
    expect(signaling.hangups).toBe(1);
    expect(engine.probeEnabled).toBe(false);
    expect(report.ok).toBe(true);
    expect(report.roundTripMs).toBeGreaterThanOrEqual(190);
    expect(report.roundTripMs).toBeLessThanOrEqual(230);
    // Timer jitter moves the windows' edges by a few ms; the guarded windows keep the figure.
    expect(report.echoLeakDb).toBeGreaterThan(-19.5);
    expect(report.echoLeakDb).toBeLessThan(-16.5);
    expect(report.summary).toMatch(/too much/);
  });

  it('a call that fails gives a coded report and still turns the probe off', async () => {
    const signaling = new ScriptedSignaling();
    const engine = new EchoRoomEngine({ rttMs: 200, firstDb: -20, leakDb: -40 });
    const running = new EchoTestCall({ signaling, engine, echoUri: 'sip:echo@example.org', settleMs: 0 }).run();
    await new Promise((r) => setTimeout(r, 10));
    signaling.fail(new Error('no route'));
    const report = await running;
    expect(report).toMatchObject({ ok: false, code: 'E_ECHO_TEST', roundTripMs: null });
    expect(engine.probeEnabled).toBe(false);
  });
});
