/**
 * MediaEngine on GStreamer: one runner per (stream kind, direction) pipeline, rebuilt only when
 * its launch line changes (a re-INVITE that changes nothing leaves media untouched).
 */
import { createSocket } from 'node:dgram';
import { DEFAULT_CONTROLS, type Controls } from '../../core/controls.js';
import { ApplianceError, toApplianceError, type ErrorCode } from '../../core/errors.js';
import { TypedEmitter } from '../../lib/typed-emitter.js';
import type { LocalMediaCapabilities, MediaKind, NegotiatedSession } from '../../core/media-types.js';
import type { MediaEngine, MediaEngineEvents, MediaLevels, MediaStats } from '../../ports/media-engine.js';
import { ECHO_TEST_PROBE_VOLUME } from './audio-chains.js';
import { controlProperties } from './audio-controls.js';
import { SilentOutputWatch } from './silent-output-watch.js';
import { nextJitterBufferMs } from './jitter-target.js';
import { DEFAULT_JITTER_BUFFER_MS } from './media-settings.js';
import { loadGstBinding, type GstBinding } from './gst-binding.js';
import { audioCodecs, newSrtpParams, videoCodecs } from './local-codecs.js';
import { EL, FAR_LEVEL_ECHO_TEST_NS, LEVEL_SLOW_NS } from './media-fragments.js';
import type { MediaDeviceSettings } from './media-settings.js';
import { buildSessionPipelines, type AudioDevice, type AudioOutput, type BuildOptions, type PipelineId, type PipelineSpec } from './pipeline-builders.js';
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
  /** Receive audio: the jitter buffer size now set (ms) and when it was last adapted. */
  jitterBufferMs?: number;
  adaptedAt?: number;
  /** The launch line built with default controls and a fixed probe name: what decides a restart. */
  key: string;
  runner: PipelineRunner;
  jitterBuffer?: JitterBufferLocator;
}

const SILENT: MediaLevels = Object.freeze({ micDb: -Infinity, farEndDb: -Infinity, speakerDb: -Infinity, loopDb: -Infinity });
const ADAPT_INTERVAL_MS = 5000;
const MIN_PACKETS_TO_ADAPT = 250;
const OUTPUT_ELEMENT: Record<string, AudioOutput> = { [EL.speaker]: 'speaker', [EL.loop]: 'loop' };
/** Attempts to start a call's media when audio devices fail one after the other (speaker, loop, microphone). */
const MAX_OUTPUT_RETRIES = 3;

/** webrtcdsp finds its probe by name among all probes in the process: one fresh name per send pipeline. */
let probeSerial = 0;
function nextProbeName(): string {
  probeSerial += 1;
  return `echo_probe_${process.pid}_${probeSerial}`;
}

export class GstreamerMediaEngine extends TypedEmitter<MediaEngineEvents> implements MediaEngine {
  private readonly options: GstreamerMediaEngineOptions;
  private binding: GstBinding | undefined;
  private readonly running = new Map<PipelineId, Running>();
  private reserved: Partial<Record<MediaKind, ReservedPortPair>> = {};
  private levels: MediaLevels = { ...SILENT };
  private firstAudioSeen = false;
  private controls: Controls = DEFAULT_CONTROLS;
  private session: NegotiatedSession | null = null;
  private probeName = nextProbeName();
  /** Audio devices that failed in this call; cleared when the call ends, so the next call tries them again. */
  private readonly missingOutputs = new Set<AudioDevice>();
  /** Sources with a fault raised through 'fault' and not yet cleared. */
  private readonly faulted = new Set<string>();
  private readonly silentWatch: Record<AudioOutput, SilentOutputWatch> = { speaker: new SilentOutputWatch(), loop: new SilentOutputWatch() };
  private echoTestProbe = false;
  /** Loopback port carrying the speaker's signal to the canceller's probe, per call. */
  private echoReferencePort: number | undefined;
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
      this.echoReferencePort = await freeLoopbackUdpPort();
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

  /** Written into the running elements at once; later pipelines start with them (see pipeline-builders). */
  setControls(controls: Controls): void {
    this.controls = controls;
    const props = controlProperties(controls);
    for (const entry of this.running.values()) {
      for (const [name, values] of Object.entries(props)) {
        const element = entry.runner.element(name);
        if (element === undefined) continue;
        for (const [prop, value] of Object.entries(values)) element[prop] = value;
      }
    }
  }

  /**
   * Echo test calls: the next session mixes a probe tone into the microphone (silent until
   * setProbeTone(true)) and keeps the far-end meter at its fast rate for timing.
   */
  setEchoProbe(enabled: boolean): void {
    this.echoTestProbe = enabled;
  }

  /** Turns the echo test probe tone on or off; false when no probe is running. */
  setProbeTone(on: boolean): boolean {
    const probe = this.running.get('audio-send')?.runner.element(EL.echoTestProbe);
    if (probe === undefined) return false;
    probe['volume'] = on ? ECHO_TEST_PROBE_VOLUME : 0;
    return true;
  }

  /** The current measured levels (also emitted as 'levels'). */
  currentLevels(): MediaLevels {
    return { ...this.levels };
  }

  /** Audio devices the running call lost (missing or failed): 'speaker', 'loop', 'microphone'. */
  missingAudioOutputs(): AudioDevice[] {
    return [...this.missingOutputs];
  }

  stats(): MediaStats {
    const audio = this.running.get('audio-receive');
    const video = this.running.get('video-receive');
    const frameSink = video?.spec.frameSink;
    return {
      audio: audio ? { ...audioReceiveStats(audio.jitterBuffer?.element()), ...(audio.jitterBufferMs !== undefined ? { jitterBufferMs: audio.jitterBufferMs } : {}) } : null,
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
    this.session = session;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.startSession(session);
        return;
      } catch (e) {
        const error = toApplianceError(e, 'E_MEDIA_PIPELINE');
        const output = failedOutput(error);
        // A missing speaker or loop device costs that output, not the call.
        if (output !== null && attempt < MAX_OUTPUT_RETRIES && !this.missingOutputs.has(output)) {
          this.loseOutput(output, error);
          continue;
        }
        for (const id of [...this.running.keys()]) await this.stopPipeline(id);
        throw error;
      }
    }
  }

  private async startSession(session: NegotiatedSession): Promise<void> {
    const heartbeat = this.options.heartbeat ?? libuvThreadpoolSize() < RECOMMENDED_THREADPOOL_SIZE;
    const base: BuildOptions = {
      bindAddress: this.bindAddress(),
      heartbeat,
      missingOutputs: this.missingOutputs,
      echoTestProbe: this.echoTestProbe,
      ...(this.echoReferencePort !== undefined ? { echoReferencePort: this.echoReferencePort } : {}),
    };
    const keys = new Map(
      buildSessionPipelines(session, this.options.settings, { ...base, controls: DEFAULT_CONTROLS, echoProbe: 'echo_probe' }).map((s) => [s.id, s.launch]),
    );
    for (const [id, current] of this.running) {
      if (keys.get(id) !== current.key) await this.stopPipeline(id);
    }
    // Each send pipeline gets its own probe name (probes are found by name process-wide, and stopped pipelines are never freed).
    if (keys.has('audio-send') && !this.running.has('audio-send')) this.probeName = nextProbeName();
    const specs = buildSessionPipelines(session, this.options.settings, { ...base, controls: this.controls, echoProbe: this.probeName });
    // Receive first: its sockets should be bound (and its echo probe exist) before the send side starts.
    const order = [...specs].sort((a, b) => Number(a.id.endsWith('send')) - Number(b.id.endsWith('send')));
    for (const spec of order) {
      if (!this.running.has(spec.id)) await this.startPipeline(spec, keys.get(spec.id) ?? spec.launch);
    }
  }

  /** Drops an audio device for the rest of the call and reports it as a fault. */
  private loseOutput(output: AudioDevice, error: ApplianceError): void {
    this.missingOutputs.add(output);
    this.setLevels(output === 'speaker' ? { speakerDb: -Infinity } : output === 'loop' ? { loopDb: -Infinity } : { micDb: -Infinity });
    this.raise(error.code === 'E_MEDIA_DEVICE' ? 'E_MEDIA_DEVICE' : 'E_MEDIA_PIPELINE', output, error.message);
  }

  private raise(code: ErrorCode, source: string, message: string): void {
    this.faulted.add(source);
    if (this.listenerCount('fault') > 0) this.emit('fault', { code, source, message });
  }

  private clear(source: string): void {
    if (!this.faulted.delete(source)) return;
    if (this.listenerCount('fault-cleared') > 0) this.emit('fault-cleared', source);
  }

  private async startPipeline(spec: PipelineSpec, key: string): Promise<void> {
    const runner = new PipelineRunner(spec, this.gst(), this.options.runner);
    const entry: Running = { spec, key, runner };
    if (spec.id === 'audio-receive') {
      entry.jitterBuffer = new JitterBufferLocator(runner);
      entry.jitterBufferMs = this.options.settings.jitterBufferMs ?? DEFAULT_JITTER_BUFFER_MS;
    }
    runner.on('level', (element, db) => this.onLevel(element, db));
    runner.on('failed', (error) => {
      // Forget the dead pipeline, so stats stop reading it and the next apply() starts it afresh.
      if (this.running.get(spec.id) === entry) this.running.delete(spec.id);
      const output = failedOutput(error);
      const session = this.session;
      if (output !== null && session !== null && !this.missingOutputs.has(output)) {
        // An output unplugged mid-call: go on with what remains.
        this.loseOutput(output, error);
        this.serial(() => this.applyNow(session)).catch((e: unknown) => this.emitError(toApplianceError(e, 'E_MEDIA_PIPELINE')));
        return;
      }
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
      if (this.firstAudioSeen) this.setFarLevelRateAfterFirstAudio();
      for (const output of spec.outputs) this.clear(output);
      await this.reserved.audio?.release();
    }
    if (spec.id === 'audio-send') this.clear('microphone');
    if (spec.id === 'video-receive') await this.reserved.video?.release();
  }

  private async stopPipeline(id: PipelineId): Promise<void> {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    this.running.delete(id);
    entry.runner.removeAllListeners();
    await entry.runner.stop();
    if (id === 'audio-send') this.setLevels({ micDb: -Infinity });
    if (id === 'audio-receive') this.setLevels({ farEndDb: -Infinity, speakerDb: -Infinity, loopDb: -Infinity });
  }

  private async releaseNow(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stopPipeline(id);
    await Promise.all(Object.values(this.reserved).map((r) => r.release()));
    this.reserved = {};
    this.firstAudioSeen = false;
    this.session = null;
    this.missingOutputs.clear();
    for (const output of ['speaker', 'loop'] as const) {
      // A silent output is a fact of this call; a missing device stays a fault until a call opens it.
      if (this.silentWatch[output].reset() === 'clear') this.clear(`${output}-silent`);
    }
  }

  private onLevel(element: string, db: number): void {
    if (element === EL.micLevel) this.setLevels({ micDb: db }, true);
    if (element === EL.speakerLevel) this.onOutputLevel('speaker', db);
    if (element === EL.loopLevel) this.onOutputLevel('loop', db);
    if (element !== EL.farLevel) return;
    this.adaptJitterBuffer();
    if (!this.firstAudioSeen && db > (this.options.firstAudioThresholdDb ?? -50)) {
      this.firstAudioSeen = true;
      this.setFarLevelRateAfterFirstAudio();
      this.emit('first-audio');
    }
    this.setLevels({ farEndDb: db }, true);
    this.emit('far-level', db);
  }

  private onOutputLevel(output: AudioOutput, db: number): void {
    this.setLevels(output === 'speaker' ? { speakerDb: db } : { loopDb: db }, true);
    const c = this.controls;
    const shouldPlay = output === 'speaker' ? !c.speakerMuted && c.speakerVolume > 0 : c.loopEnabled;
    const verdict = this.silentWatch[output].update(Date.now(), this.levels.farEndDb, db, shouldPlay);
    const source = `${output}-silent`;
    if (verdict === 'raise') this.raise('E_AUDIO_OUTPUT_SILENT', source, `The far end is talking but the ${output} output is silent`);
    if (verdict === 'clear') this.clear(source);
  }

  /** At most every ADAPT_INTERVAL_MS, sizes the audio jitter buffer to the measured jitter (jitter-target.ts). */
  private adaptJitterBuffer(): void {
    const entry = this.running.get('audio-receive');
    const jb = entry?.jitterBuffer?.element();
    if (entry === undefined || jb === undefined || entry.jitterBufferMs === undefined) return;
    const now = Date.now();
    if (entry.adaptedAt !== undefined && now - entry.adaptedAt < ADAPT_INTERVAL_MS) return;
    const stats = audioReceiveStats(jb);
    // Jitter is only known after a few seconds of packets.
    if (stats.packetsReceived < MIN_PACKETS_TO_ADAPT) return;
    entry.adaptedAt = now;
    const next = nextJitterBufferMs(entry.jitterBufferMs, stats.jitterMs);
    if (next === null) return;
    jb['latency'] = next;
    entry.jitterBufferMs = next;
  }

  /** Updates the levels and emits them (always for a measurement, only on change otherwise). */
  private setLevels(update: Partial<MediaLevels>, measured = false): void {
    const next = { ...this.levels, ...update };
    const changed = (Object.keys(next) as (keyof MediaLevels)[]).some((k) => next[k] !== this.levels[k]);
    this.levels = next;
    if (measured || changed) this.emit('levels', { ...next });
  }

  /** After the first audio the far-end meter only feeds the UI (4 Hz), or times an echo test (100 Hz). */
  private setFarLevelRateAfterFirstAudio(): void {
    const level = this.running.get('audio-receive')?.runner.element(EL.farLevel);
    if (level) level['interval'] = this.echoTestProbe ? FAR_LEVEL_ECHO_TEST_NS : LEVEL_SLOW_NS;
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

/** The audio device that failed, when the error is one (an output of the receive pipeline, or the microphone). */
function failedOutput(error: ApplianceError): AudioDevice | null {
  const element = error.detail['element'];
  if (error.detail['pipeline'] === 'audio-send') return element === EL.mic && error.code === 'E_MEDIA_DEVICE' ? 'microphone' : null;
  if (error.detail['pipeline'] !== 'audio-receive') return null;
  return typeof element === 'string' ? OUTPUT_ELEMENT[element] ?? null : null;
}

/** A free UDP port on 127.0.0.1 (bound and released: the send pipeline binds it a moment later). */
function freeLoopbackUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
