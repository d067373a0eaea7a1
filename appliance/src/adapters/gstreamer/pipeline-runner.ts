/**
 * Owns one GStreamer pipeline: play, bus polling, errors, EOS, level messages and teardown.
 *
 * How a start is confirmed or refused, given the binding's bus loop (gst-binding.ts):
 * the loop stops re-polling as soon as it sees the pipeline in NULL. When play() fails in
 * NULL->READY (a device or socket cannot be opened) the pipeline stays in NULL, so the loop
 * delivers one message and stops, usually a child's state change, with the error still queued.
 * The runner notices the silence, stops the pipeline (which posts READY->NULL for every child
 * that had opened, so the bus is never empty) and pops one message at a time until the error
 * or the first READY->NULL. It never polls a bus that could be empty: that pop would block a
 * threadpool thread for good.
 */
import { EventEmitter } from 'node:events';
import { ApplianceError, type ErrorCode } from '../../core/errors.js';
import type { GstBinding, GstBusMessage, GstElementHandle, GstPipelineHandle } from './gst-binding.js';
import { levelRmsDb } from './gst-values.js';
import { EL } from './media-fragments.js';
import type { PipelineSpec } from './pipeline-builders.js';

export type RunnerSpec = Pick<PipelineSpec, 'id' | 'launch' | 'deviceElements' | 'finalizeWithEos'>;

export interface PipelineRunnerOptions {
  /** Give up when the pipeline has not reached PAUSED by then (ms). */
  startTimeoutMs?: number;
  /**
   * Silence after the first message that means the bus loop ended (ms). A live start posts a
   * burst of state messages; with a crowded libuv threadpool they trickle in at heartbeat pace,
   * so this stays well above the heartbeat interval.
   */
  quietMs?: number;
  /** Longest wait for EOS when a file sink must be finalised (ms). */
  eosTimeoutMs?: number;
}

export interface PipelineRunnerEvents {
  /** A level element (not the heartbeat) measured `rmsDb` (loudest channel, dBFS). */
  level: [element: string, rmsDb: number];
  /** The pipeline failed while running; it has been stopped. (Not 'error': no throw without a listener.) */
  failed: [error: ApplianceError];
  eos: [];
}

type RunnerState = 'idle' | 'starting' | 'draining' | 'running' | 'stopped' | 'failed';

const PIPELINE_NAME = /^pipeline\d+$/;
const MAX_DRAIN_MESSAGES = 256;

export class PipelineRunner extends EventEmitter<PipelineRunnerEvents> {
  readonly id: string;
  private readonly spec: RunnerSpec;
  private readonly binding: GstBinding;
  private readonly startTimeoutMs: number;
  private readonly quietMs: number;
  private readonly eosTimeoutMs: number;
  private pipeline: GstPipelineHandle | undefined;
  private state: RunnerState = 'idle';
  private readonly elements = new Map<string, GstElementHandle>();
  private firstMessage: GstBusMessage | undefined;
  private drained = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private settleStart: ((error?: ApplianceError) => void) | undefined;
  private onEos: (() => void) | undefined;

  constructor(spec: RunnerSpec, binding: GstBinding, options: PipelineRunnerOptions = {}) {
    super();
    this.id = spec.id;
    this.spec = spec;
    this.binding = binding;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.quietMs = options.quietMs ?? 2_000;
    this.eosTimeoutMs = options.eosTimeoutMs ?? 1_000;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Resolves once the pipeline reached PAUSED (devices and sockets are open); rejects with an ApplianceError. */
  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new ApplianceError('E_MEDIA_PIPELINE', `Pipeline ${this.id} was already started`));
    let pipeline: GstPipelineHandle;
    try {
      pipeline = new this.binding.Pipeline(this.spec.launch);
    } catch (e) {
      this.state = 'failed';
      const message = e instanceof Error ? e.message : String(e);
      return Promise.reject(new ApplianceError('E_MEDIA_PIPELINE', `Pipeline ${this.id} cannot be built: ${message}`, { pipeline: this.id }, { cause: e }));
    }
    this.pipeline = pipeline;
    // Keep stop()'s own state messages on the bus: a poll still queued then finds one and ends.
    pipeline['auto-flush-bus'] = false;
    this.state = 'starting';
    return new Promise<void>((resolve, reject) => {
      this.settleStart = (error) => {
        this.settleStart = undefined;
        this.clearTimers();
        if (error) reject(error);
        else resolve();
      };
      this.startTimer = setTimeout(() => this.failStart(this.error('E_MEDIA_PIPELINE', 'did not start in time')), this.startTimeoutMs);
      pipeline.play();
      pipeline.pollBus((m) => this.onMessage(m));
    });
  }

  /** Stops the pipeline (after EOS when a file must be finalised). Safe to call at any time, twice. */
  async stop(): Promise<void> {
    const p = this.pipeline;
    if (p === undefined || this.state === 'stopped' || this.state === 'failed' || this.state === 'idle') {
      if (this.state === 'idle') this.state = 'stopped';
      return;
    }
    if (this.state === 'running' && this.spec.finalizeWithEos) await this.waitForEos(p);
    if (this.state === 'starting' || this.state === 'draining') {
      this.settleStart?.(this.error('E_MEDIA_PIPELINE', 'stopped while starting'));
    }
    this.state = 'stopped';
    this.clearTimers();
    p.stop();
  }

  /** An element by name (cached; the binding keeps each wrapper alive anyway). */
  element(name: string): GstElementHandle | undefined {
    const cached = this.elements.get(name);
    if (cached !== undefined || this.pipeline === undefined) return cached;
    const found = this.pipeline.findChild(name);
    if (found !== undefined) this.elements.set(name, found);
    return found;
  }

  /**
   * The first element named `<prefix><n>` for n in [from, from + span): elements that GStreamer
   * names itself (rtpbin's jitter buffer) carry a process-wide counter.
   */
  findAutoNamed(prefix: string, from: number, span: number): { index: number; element: GstElementHandle } | undefined {
    if (this.pipeline === undefined) return undefined;
    for (let i = from; i < from + span; i++) {
      const element = this.element(`${prefix}${i}`);
      if (element !== undefined) return { index: i, element };
    }
    return undefined;
  }

  private onMessage(m: GstBusMessage): void {
    switch (this.state) {
      case 'starting':
        this.onStartMessage(m);
        return;
      case 'draining':
        this.onDrainMessage(m);
        return;
      case 'running':
        this.onRunningMessage(m);
        return;
      default:
        if (m.type === 'eos') this.onEos?.();
    }
  }

  private onStartMessage(m: GstBusMessage): void {
    this.firstMessage ??= m;
    if (m.type === 'error') {
      this.failStart(this.errorFrom(m));
      return;
    }
    if (m.type === 'state-changed' && PIPELINE_NAME.test(m._src_element_name ?? '')) {
      const to = m['new-state'];
      if (to === 'GST_STATE_PAUSED' || to === 'GST_STATE_PLAYING') {
        this.state = 'running';
        this.settleStart?.();
        return;
      }
    }
    this.onRunningMessage(m);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.onQuietDuringStart(), this.quietMs);
  }

  /** No message for a while during start: the bus loop ended because play() left the pipeline in NULL. */
  private onQuietDuringStart(): void {
    const p = this.pipeline;
    if (this.state !== 'starting' || p === undefined) return;
    const first = this.firstMessage;
    const childOpened =
      first?.type === 'state-changed' &&
      !PIPELINE_NAME.test(first._src_element_name ?? '') &&
      first['old-state'] === 'GST_STATE_NULL' &&
      first['new-state'] === 'GST_STATE_READY';
    if (!childOpened) {
      // Nothing guarantees another message on this bus, so it is not polled again.
      this.failStart(this.error('E_MEDIA_PIPELINE', 'failed to start'));
      return;
    }
    this.state = 'draining';
    p.stop();
    p.pollBus((m) => this.onMessage(m));
  }

  private onDrainMessage(m: GstBusMessage): void {
    const p = this.pipeline;
    if (p === undefined) return;
    if (m.type === 'error') {
      this.failStart(this.errorFrom(m));
      return;
    }
    const closing = m.type === 'state-changed' && m['old-state'] === 'GST_STATE_READY' && m['new-state'] === 'GST_STATE_NULL';
    if (closing || ++this.drained >= MAX_DRAIN_MESSAGES) {
      this.failStart(this.error('E_MEDIA_PIPELINE', 'failed to start without an error message'));
      return;
    }
    p.pollBus((next) => this.onMessage(next));
  }

  private onRunningMessage(m: GstBusMessage): void {
    if (m.type === 'element' && m.name === 'level') {
      const src = m._src_element_name ?? '';
      if (src !== EL.heartbeat) this.emit('level', src, levelRmsDb(m['rms']));
    } else if (m.type === 'error') {
      const error = this.errorFrom(m);
      this.state = 'failed';
      this.clearTimers();
      this.pipeline?.stop();
      this.emit('failed', error);
    } else if (m.type === 'eos') {
      this.onEos?.();
      this.emit('eos');
    }
  }

  private failStart(error: ApplianceError): void {
    if (this.state !== 'starting' && this.state !== 'draining') return;
    this.state = 'failed';
    this.pipeline?.stop();
    this.settleStart?.(error);
  }

  private waitForEos(p: GstPipelineHandle): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.eosTimeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.onEos = done;
      p.sendEOS();
    }).finally(() => {
      this.onEos = undefined;
    });
  }

  private errorFrom(m: GstBusMessage): ApplianceError {
    const element = m._src_element_name ?? 'unknown';
    const code: ErrorCode = this.spec.deviceElements.includes(element) ? 'E_MEDIA_DEVICE' : 'E_MEDIA_PIPELINE';
    return new ApplianceError(code, `${this.id}: ${element}: ${m.message ?? 'error'}`, {
      pipeline: this.id,
      element,
      debug: typeof m.debug === 'string' ? m.debug : undefined,
    });
  }

  private error(code: ErrorCode, what: string): ApplianceError {
    return new ApplianceError(code, `Pipeline ${this.id} ${what}`, { pipeline: this.id });
  }

  private clearTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.startTimer) clearTimeout(this.startTimer);
    this.quietTimer = undefined;
    this.startTimer = undefined;
  }
}
