/**
 * MediaEngine on GStreamer: one runner per (stream kind, direction) pipeline, rebuilt only when
 * its launch line changes (a re-INVITE that changes nothing leaves media untouched).
 */
import { DEFAULT_CONTROLS, type Controls } from '../../core/controls.js';
import { ApplianceError, toApplianceError } from '../../core/errors.js';
import { TypedEmitter } from '../../lib/typed-emitter.js';
import type { LocalMediaCapabilities, MediaKind, NegotiatedSession } from '../../core/media-types.js';
import type { MediaEngine, MediaEngineEvents, MediaLevels, MediaStats } from '../../ports/media-engine.js';
import { loadGstBinding, type GstBinding } from './gst-binding.js';
import { audioCodecs, newSrtpParams, videoCodecs } from './local-codecs.js';
import { EL, LEVEL_SLOW_NS } from './media-fragments.js';
import type { MediaDeviceSettings } from './media-settings.js';
import { buildSessionPipelines, type PipelineId, type PipelineSpec } from './pipeline-builders.js';
import { PipelineRunner, type PipelineRunnerOptions } from './pipeline-runner.js';
import { JitterBufferLocator, audioReceiveStats, framesRendered, srtpReceiveCounts, type SrtpReceiveCounts } from './receive-stats.js';
import { DEFAULT_RTP_PORT_RANGE, reservePortPair, type PortRange, type ReservedPortPair } from './udp-port-pairs.js';
import { RECOMMENDED_THREADPOOL_SIZE, libuvThreadpoolSize } from './threadpool.js';
import { warmUp } from './warm-up.js';

export interface GstreamerMediaEngineOptions {
  settings: MediaDeviceSettings;
  /** The address offered in SDP. */
  address: string;
  /** Where sockets bind (default: `address`; '0.0.0.0' to receive on every interface). */
  bindAddress?: string;
  /** Lab only: offer and run plain RTP. */
  plainRtp?: boolean;
  /** Offer video (default true). */
  video?: boolean;
  rtpPortRange?: PortRange;
  /** Far-end level above which the first audio counts as heard (dBFS, default -50). */
  firstAudioThresholdDb?: number;
  runner?: PipelineRunnerOptions;
  /** Heartbeat branches in quiet pipelines; default: only when the libuv threadpool is small (threadpool.ts). */
  heartbeat?: boolean;
  /** For tests; loaded on first use otherwise. */
  binding?: GstBinding;
}

interface Running {
  spec: PipelineSpec;
  runner: PipelineRunner;
  jitterBuffer?: JitterBufferLocator;
}

const SILENT: MediaLevels = Object.freeze({ micDb: -Infinity, farEndDb: -Infinity });

export class GstreamerMediaEngine extends TypedEmitter<MediaEngineEvents> implements MediaEngine {
  private readonly options: GstreamerMediaEngineOptions;
  private binding: GstBinding | undefined;
  private readonly running = new Map<PipelineId, Running>();
  private reserved: Partial<Record<MediaKind, ReservedPortPair>> = {};
  private levels: MediaLevels = { ...SILENT };
  private firstAudioSeen = false;
  private controls: Controls = DEFAULT_CONTROLS;
  private stopped = false;
  /** apply/release/allocate run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: GstreamerMediaEngineOptions) {
    super();
    this.options = options;
  }

  async start(): Promise<void> {
    this.stopped = false;
    warmUp(this.gst(), this.options.settings);
  }

  async stop(): Promise<void> {
    await this.release();
    this.stopped = true;
  }

  allocate(): Promise<LocalMediaCapabilities> {
    return this.serial(async () => {
      await this.releaseNow();
      const bind = this.bindAddress();
      const range = this.options.rtpPortRange ?? DEFAULT_RTP_PORT_RANGE;
      const audio = await reservePortPair(bind, range);
      this.reserved.audio = audio;
      const withVideo = this.options.video !== false;
      const video = withVideo ? await reservePortPair(bind, range) : undefined;
      if (video) this.reserved.video = video;
      return {
        address: this.options.address,
        audio: { rtpPort: audio.rtpPort, rtcpPort: audio.rtcpPort, codecs: audioCodecs() },
        video: video ? { rtpPort: video.rtpPort, rtcpPort: video.rtcpPort, codecs: videoCodecs() } : null,
        srtp: this.options.plainRtp ? null : { audio: newSrtpParams(), video: newSrtpParams() },
      };
    });
  }

  apply(session: NegotiatedSession): Promise<void> {
    return this.serial(() => this.applyNow(session));
  }

  release(): Promise<void> {
    return this.serial(() => this.releaseNow());
  }

  /** Stored for the next session; the audio chains apply them (issue 3 work in progress). */
  setControls(controls: Controls): void {
    this.controls = controls;
  }

  stats(): MediaStats {
    const audio = this.running.get('audio-receive');
    const video = this.running.get('video-receive');
    const frameSink = video?.spec.frameSink;
    return {
      audio: audio ? audioReceiveStats(audio.jitterBuffer?.element()) : null,
      video: video ? { framesDecoded: frameSink ? framesRendered(video.runner.element(frameSink)) : 0 } : null,
    };
  }

  /** SRTP receive counters per stream, for diagnosis (a wrong far-end key shows as drops); null without SRTP. */
  srtpStats(): Record<MediaKind, SrtpReceiveCounts | null> {
    const read = (id: PipelineId) => {
      const entry = this.running.get(id);
      return entry ? srtpReceiveCounts(entry.runner.element(EL.srtpDec)) : null;
    };
    return { audio: read('audio-receive'), video: read('video-receive') };
  }

  private async applyNow(session: NegotiatedSession): Promise<void> {
    if (this.stopped) throw new ApplianceError('E_MEDIA_PIPELINE', 'The media engine is stopped');
    const heartbeat = this.options.heartbeat ?? libuvThreadpoolSize() < RECOMMENDED_THREADPOOL_SIZE;
    const specs = buildSessionPipelines(session, this.options.settings, { bindAddress: this.bindAddress(), heartbeat });
    const wanted = new Map(specs.map((s) => [s.id, s]));
    for (const [id, current] of this.running) {
      if (wanted.get(id)?.launch !== current.spec.launch) await this.stopPipeline(id);
    }
    // Receive first: its sockets should be bound before the far end hears from us.
    const order = [...specs].sort((a, b) => Number(a.id.endsWith('send')) - Number(b.id.endsWith('send')));
    try {
      for (const spec of order) {
        if (!this.running.has(spec.id)) await this.startPipeline(spec);
      }
    } catch (e) {
      for (const id of [...this.running.keys()]) await this.stopPipeline(id);
      throw toApplianceError(e, 'E_MEDIA_PIPELINE');
    }
  }

  private async startPipeline(spec: PipelineSpec): Promise<void> {
    const runner = new PipelineRunner(spec, this.gst(), this.options.runner);
    const entry: Running = { spec, runner };
    if (spec.id === 'audio-receive') entry.jitterBuffer = new JitterBufferLocator(runner);
    runner.on('level', (element, db) => this.onLevel(element, db));
    runner.on('failed', (error) => {
      // Forget the dead pipeline, so stats stop reading it and the next apply() starts it afresh.
      if (this.running.get(spec.id) === entry) this.running.delete(spec.id);
      this.emitError(error);
    });
    this.running.set(spec.id, entry);
    try {
      await runner.start();
    } catch (e) {
      this.running.delete(spec.id);
      throw e;
    }
    // The pipeline's udpsrc now holds the ports; the placeholders can go.
    if (spec.id === 'audio-receive') {
      if (this.firstAudioSeen) this.slowFarLevel();
      await this.reserved.audio?.release();
    }
    if (spec.id === 'video-receive') await this.reserved.video?.release();
  }

  private async stopPipeline(id: PipelineId): Promise<void> {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    this.running.delete(id);
    entry.runner.removeAllListeners();
    await entry.runner.stop();
    if (id === 'audio-send') this.setLevels({ micDb: -Infinity });
    if (id === 'audio-receive') this.setLevels({ farEndDb: -Infinity });
  }

  private async releaseNow(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stopPipeline(id);
    await Promise.all(Object.values(this.reserved).map((r) => r.release()));
    this.reserved = {};
    this.firstAudioSeen = false;
  }

  private onLevel(element: string, db: number): void {
    if (element === EL.micLevel) this.setLevels({ micDb: db }, true);
    if (element !== EL.farLevel) return;
    if (!this.firstAudioSeen && db > (this.options.firstAudioThresholdDb ?? -50)) {
      this.firstAudioSeen = true;
      this.slowFarLevel();
      this.emit('first-audio');
    }
    this.setLevels({ farEndDb: db }, true);
  }

  /** Updates the levels and emits them (always for a measurement, only on change otherwise). */
  private setLevels(update: Partial<MediaLevels>, measured = false): void {
    const next = { ...this.levels, ...update };
    const changed = next.micDb !== this.levels.micDb || next.farEndDb !== this.levels.farEndDb;
    this.levels = next;
    if (measured || changed) this.emit('levels', { ...next });
  }

  /** After the first audio the far-end meter only feeds the UI: 4 Hz is enough. */
  private slowFarLevel(): void {
    const level = this.running.get('audio-receive')?.runner.element(EL.farLevel);
    if (level) level['interval'] = LEVEL_SLOW_NS;
  }

  private emitError(error: ApplianceError): void {
    // EventEmitter throws on an unheard 'error'; a media failure must never crash the daemon.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private bindAddress(): string {
    return this.options.bindAddress ?? this.options.address;
  }

  private gst(): GstBinding {
    this.binding ??= this.options.binding ?? loadGstBinding();
    return this.binding;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
