/**
 * The self-test a nurse or IT starts from the panel: camera, microphone, speaker, hearing
 * loop, network and registration, each pass / fail / not available with a code. Checks that
 * need hardware this unit does not report on (no probe, no echo tester) say "not available"
 * rather than pass. Runs only while the unit is idle and stops if a call starts.
 */
import { ApplianceError, type ErrorCode } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import type { EchoTester, EchoTestReport } from '../ports/echo-test.js';
import type { UnitController } from './unit-controller.js';

export const SELF_TEST_ITEMS = ['camera', 'microphone', 'speaker', 'loop', 'network', 'registration'] as const;
export type SelfTestItem = (typeof SELF_TEST_ITEMS)[number];

export type CheckOutcome = 'pass' | 'fail' | 'not-available';

export interface CheckResult {
  outcome: CheckOutcome;
  /** Why it failed (or why it cannot run); the panel turns it into what to do. */
  code?: ErrorCode;
  /** One short technical line (a figure, a device): never a secret. */
  detail?: string;
}

export interface SelfTestCheck {
  item: SelfTestItem;
  outcome: CheckOutcome | 'running' | 'pending';
  code?: ErrorCode;
  detail?: string;
}

export interface SelfTestReport {
  state: 'never-run' | 'running' | 'done' | 'aborted';
  startedAt: number | null;
  finishedAt: number | null;
  checks: readonly SelfTestCheck[];
  /** Whether an echo tester is wired in (otherwise microphone and speaker are "not available"). */
  echoTestAvailable: boolean;
}

export type CheckFn = (signal: AbortSignal) => Promise<CheckResult>;

export interface SelfTestDeps {
  controller: Pick<UnitController, 'status' | 'machine'>;
  clock: Clock;
  /** The audio engineer's echo test call (ports/echo-test.ts); optional. */
  echoTester?: EchoTester;
  /** Network reachability of the SIP proxy (self-test-network.ts). */
  network?: CheckFn;
  /** Hardware probes a real unit adds (camera frames, loop current). */
  probes?: Partial<Record<'camera' | 'loop', CheckFn>>;
  /** The whole run is aborted after this long. Default 30 s. */
  timeoutMs?: number;
}

const FAULT_SOURCES: Record<'camera' | 'microphone' | 'speaker' | 'loop', readonly string[]> = {
  camera: ['camera'],
  microphone: ['microphone'],
  speaker: ['speaker'],
  loop: ['loop'],
};

export class SelfTest {
  private current: SelfTestReport;
  private abortController: AbortController | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: SelfTestDeps) {
    this.current = { state: 'never-run', startedAt: null, finishedAt: null, checks: SELF_TEST_ITEMS.map((item) => ({ item, outcome: 'pending' })), echoTestAvailable: Boolean(deps.echoTester) };
  }

  report(): SelfTestReport {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Starts a run (E_STATE_TRANSITION unless the unit is idle or failed and no run is going); resolves when it ends. */
  start(): { report: SelfTestReport; done: Promise<SelfTestReport> } {
    const state = this.deps.controller.machine.snapshot().state;
    if (state !== 'idle' && state !== 'failed') throw new ApplianceError('E_STATE_TRANSITION', `cannot run the self-test while ${state}`, { state });
    if (this.current.state === 'running') throw new ApplianceError('E_STATE_TRANSITION', 'a self-test is already running', { state: 'self-test' });
    const ac = new AbortController();
    this.abortController = ac;
    this.current = { state: 'running', startedAt: this.deps.clock.now(), finishedAt: null, checks: SELF_TEST_ITEMS.map((item) => ({ item, outcome: 'running' })), echoTestAvailable: Boolean(this.deps.echoTester) };
    this.notify();
    // A call has priority: the echo test would compete with it for the SIP session and the audio devices.
    const offTransition = this.deps.controller.machine.onTransition((t) => { if (t.to === 'joining') ac.abort(); });
    const timer = this.deps.clock.setTimeout(() => ac.abort(), this.deps.timeoutMs ?? 30_000);
    const done = this.runAll(ac.signal).finally(() => {
      offTransition();
      timer.cancel();
      if (this.abortController === ac) this.abortController = null;
    });
    return { report: this.current, done };
  }

  /** Stops a running self-test (unanswered checks are marked not available). */
  abort(): void {
    this.abortController?.abort();
  }

  private async runAll(signal: AbortSignal): Promise<SelfTestReport> {
    const echo = this.deps.echoTester ? this.runEcho(this.deps.echoTester, signal) : null;
    const jobs: Array<Promise<void>> = [
      this.runCheck('registration', signal, async () => this.registration()),
      this.runCheck('network', signal, this.deps.network ?? (async () => ({ outcome: 'not-available' }))),
      this.runCheck('camera', signal, this.probeOrFault('camera')),
      this.runCheck('loop', signal, this.probeOrFault('loop')),
      this.runCheck('microphone', signal, async () => this.fault('microphone') ?? (echo ? echoResult(await echo) : { outcome: 'not-available', detail: 'no echo test on this unit' })),
      this.runCheck('speaker', signal, async () => this.fault('speaker') ?? (echo ? echoResult(await echo) : { outcome: 'not-available', detail: 'no echo test on this unit' })),
    ];
    await Promise.all(jobs);
    this.current = { ...this.current, state: signal.aborted ? 'aborted' : 'done', finishedAt: this.deps.clock.now() };
    this.notify();
    return this.current;
  }

  private async runEcho(tester: EchoTester, signal: AbortSignal): Promise<EchoTestReport> {
    try {
      return await tester.run({ signal });
    } catch (e) {
      const code = e instanceof ApplianceError ? e.code : 'E_MEDIA_PIPELINE';
      return { ok: false, roundTripMs: null, echoLeakDb: null, code, summary: 'the echo test could not run' };
    }
  }

  private registration(): CheckResult {
    const reg = this.deps.controller.status().registration;
    if (reg === 'registered') return { outcome: 'pass' };
    if (reg === 'not-configured') return { outcome: 'pass', detail: 'no SIP account: rooms are called directly' };
    return { outcome: 'fail', code: 'E_REGISTRATION_FAILED', detail: `registration ${reg}` };
  }

  /** An active fault of that part fails the check at once. */
  private fault(item: keyof typeof FAULT_SOURCES): CheckResult | null {
    const f = this.deps.controller.status().faults.find((x) => FAULT_SOURCES[item].includes(x.source));
    return f ? { outcome: 'fail', code: f.code } : null;
  }

  private probeOrFault(item: 'camera' | 'loop'): CheckFn {
    return async (signal) => this.fault(item) ?? (await this.deps.probes?.[item]?.(signal)) ?? { outcome: 'not-available', detail: `no ${item} probe on this unit` };
  }

  private async runCheck(item: SelfTestItem, signal: AbortSignal, fn: CheckFn): Promise<void> {
    let result: CheckResult;
    try {
      result = await abortable(fn(signal), signal);
    } catch (e) {
      result = signal.aborted
        ? { outcome: 'not-available', detail: 'stopped before it finished' }
        : { outcome: 'fail', code: e instanceof ApplianceError ? e.code : 'E_MEDIA_PIPELINE', detail: e instanceof Error ? e.message.slice(0, 120) : 'check failed' };
    }
    this.current = { ...this.current, checks: this.current.checks.map((c) => (c.item === item ? { item, ...result } : c)) };
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) {
      try { l(); } catch { /* a listener's failure is its own */ }
    }
  }
}

function echoResult(r: EchoTestReport): CheckResult {
  if (r.ok) return { outcome: 'pass', detail: r.summary.slice(0, 120) };
  return { outcome: 'fail', code: r.code ?? 'E_MEDIA_DEVICE', detail: r.summary.slice(0, 120) };
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); }, (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}
