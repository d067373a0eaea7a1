/** The engine's own logic (allocation, rebuilds, events, stats) over a fake binding. */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalMediaCapabilities, NegotiatedSession, NegotiatedStream } from '../../../src/core/media-types.js';
import type { MediaFault, MediaLevels } from '../../../src/ports/media-engine.js';
import { DEFAULT_CONTROLS } from '../../../src/core/controls.js';
import { speakerGain } from '../../../src/adapters/gstreamer/audio-controls.js';
import { isApplianceError } from '../../../src/core/errors.js';
import { GstreamerMediaEngine } from '../../../src/adapters/gstreamer/gstreamer-media-engine.js';
import type { GstBinding, GstBusMessage, GstElementHandle } from '../../../src/adapters/gstreamer/gst-binding.js';
import type { MediaDeviceSettings } from '../../../src/adapters/gstreamer/media-settings.js';

class FakePipeline {
  static all: FakePipeline[] = [];
  static failOn: ((launch: string) => GstBusMessage | undefined) | undefined;
  readonly children = new Map<string, GstElementHandle>();
  'auto-flush-bus' = true;
  state: 'null' | 'playing' = 'null';
  private bus: ((m: GstBusMessage) => void) | undefined;

  constructor(readonly launch: string) {
    FakePipeline.all.push(this);
    if (launch.includes('name=far_level')) this.children.set('far_level', { interval: 100_000_000 });
    // Every named audio control element, so property writes can be read back.
    for (const m of launch.matchAll(/name=((?:speaker|loop|mic|camera)_\w+)/g)) this.children.set(m[1]!, {});
  }

  play(): void {
    const failure = FakePipeline.failOn?.(this.launch);
    if (!failure) this.state = 'playing';
    setImmediate(() => this.post(failure ?? { type: 'state-changed', _src_element_name: 'pipeline9', 'old-state': 'GST_STATE_READY', 'new-state': 'GST_STATE_PAUSED' }));
  }
  pause(): void {}
  stop(): void {
    this.state = 'null';
  }
  sendEOS(): void {
    setImmediate(() => this.post({ type: 'eos' }));
  }
  findChild(name: string): GstElementHandle | undefined {
    return this.children.get(name);
  }
  pollBus(cb: (m: GstBusMessage) => void): void {
    this.bus = cb;
  }
  post(m: GstBusMessage): void {
    this.bus?.(m);
  }
  level(element: string, db: number): void {
    this.post({ type: 'element', name: 'level', _src_element_name: element, rms: `< ${db} >` });
  }
}

const fakeBinding = { Pipeline: FakePipeline } as unknown as GstBinding;

const SIM: MediaDeviceSettings = {
  mode: 'sim',
  audioSource: { kind: 'test-tone', freqHz: 1000 },
  videoSource: { kind: 'test-pattern' },
  audioSink: { kind: 'meter' },
  videoSink: { kind: 'counter' },
};

const engines: GstreamerMediaEngine[] = [];

function engine(extra: Partial<ConstructorParameters<typeof GstreamerMediaEngine>[0]> = {}): GstreamerMediaEngine {
  const e = new GstreamerMediaEngine({ settings: SIM, address: '127.0.0.1', binding: fakeBinding, ...extra });
  engines.push(e);
  return e;
}

afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
  FakePipeline.all = [];
  FakePipeline.failOn = undefined;
});

function session(caps: LocalMediaCapabilities, over: { audio?: Partial<NegotiatedStream>; video?: Partial<NegotiatedStream> | null } = {}): NegotiatedSession {
  const video = caps.video;
  const streams: NegotiatedStream[] = [
    {
      kind: 'audio',
      codec: caps.audio.codecs[0]!,
      direction: 'sendrecv',
      local: { address: caps.address, rtpPort: caps.audio.rtpPort, rtcpPort: caps.audio.rtcpPort },
      remote: { address: '127.0.0.1', rtpPort: 40000, rtcpPort: 40001 },
      srtp: caps.srtp ? { tx: caps.srtp.audio, rx: caps.srtp.audio } : null,
      ...over.audio,
    },
  ];
  if (video && over.video !== null) {
    streams.push({
      kind: 'video',
      codec: video.codecs[0]!,
      direction: 'sendrecv',
      local: { address: caps.address, rtpPort: video.rtpPort, rtcpPort: video.rtcpPort },
      remote: { address: '127.0.0.1', rtpPort: 40002, rtcpPort: 40003 },
      srtp: caps.srtp ? { tx: caps.srtp.video, rx: caps.srtp.video } : null,
      ...over.video,
    });
  }
  return { streams };
}

const running = () => FakePipeline.all.filter((p) => p.state === 'playing');
const find = (part: string) => running().find((p) => p.launch.includes(part));

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('start()', () => {
  it('does no I/O in the constructor and reports a missing plugin at start as E_MEDIA_PIPELINE', async () => {
    let built = 0;
    const broken = {
      Pipeline: class {
        constructor() {
          built++;
          throw new Error('no element "x264enc"');
        }
      },
    } as unknown as GstBinding;
    const e = new GstreamerMediaEngine({ settings: SIM, address: '127.0.0.1', binding: broken });
    engines.push(e);
    expect(built).toBe(0);
    const err = await e.start().then(() => undefined, (x: unknown) => x);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_PIPELINE');
    expect(isApplianceError(err) && err.message).toContain('x264enc');
  });
});

describe('allocate()', () => {
  it('reserves even RTP ports with RTCP = RTP + 1, offers opus/H264/VP8 and fresh 30-byte keys', async () => {
    const e = engine();
    const caps = await e.allocate();
    expect(caps.address).toBe('127.0.0.1');
    expect(caps.audio.rtpPort % 2).toBe(0);
    expect(caps.audio.rtcpPort).toBe(caps.audio.rtpPort + 1);
    expect(caps.video?.rtcpPort).toBe((caps.video?.rtpPort ?? 0) + 1);
    expect(caps.video?.rtpPort).not.toBe(caps.audio.rtpPort);
    expect(caps.audio.codecs).toEqual([{ name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: { useinbandfec: '1' } }]);
    expect(caps.video?.codecs.map((c) => [c.name, c.payloadType, c.fmtp])).toEqual([
      ['H264', 96, { 'packetization-mode': '1', 'profile-level-id': '42e01f' }],
      ['VP8', 97, {}],
    ]);
    expect(caps.srtp?.audio.keySalt).toHaveLength(30);
    expect(caps.srtp?.audio.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(Buffer.from(caps.srtp!.audio.keySalt).equals(Buffer.from(caps.srtp!.video.keySalt))).toBe(false);
    // The ports stay held until a pipeline binds them.
    expect(await canBind(caps.audio.rtpPort)).toBe(false);
    const again = await e.allocate();
    expect(Buffer.from(again.srtp!.audio.keySalt).equals(Buffer.from(caps.srtp!.audio.keySalt))).toBe(false);
    // A new allocation ends the previous call's reservation.
    expect(await canBind(caps.audio.rtpPort)).toBe(true);
  });

  it('without SRTP (lab flag) and without video', async () => {
    const caps = await engine({ plainRtp: true, video: false }).allocate();
    expect(caps.srtp).toBeNull();
    expect(caps.video).toBeNull();
  });
});

describe('apply()', () => {
  it('runs send and receive pipelines per stream and hands the reserved ports to them', async () => {
    const e = engine();
    const caps = await e.allocate();
    await e.apply(session(caps));
    expect(running()).toHaveLength(4);
    expect(running().every((p) => p['auto-flush-bus'] === false)).toBe(true);
    expect(await canBind(caps.audio.rtpPort)).toBe(true);
    expect(await canBind(caps.video!.rtcpPort)).toBe(true);
  });

  it('leaves unchanged pipelines alone on re-apply and rebuilds only what changed', async () => {
    const e = engine();
    const caps = await e.allocate();
    await e.apply(session(caps));
    const before = [...running()];
    await e.apply(session(caps));
    expect(FakePipeline.all).toHaveLength(4);
    const vp8 = caps.video!.codecs.find((c) => c.name === 'VP8')!;
    await e.apply(session(caps, { video: { codec: vp8 } }));
    expect(FakePipeline.all).toHaveLength(6);
    expect(running().filter((p) => before.includes(p)).every((p) => p.launch.includes('opus'))).toBe(true);
    expect(running().filter((p) => p.launch.includes('vp8'))).toHaveLength(2);
  });

  it('follows direction changes: hold (sendonly) drops the receive pipelines', async () => {
    const e = engine();
    const caps = await e.allocate();
    await e.apply(session(caps));
    await e.apply(session(caps, { audio: { direction: 'sendonly' }, video: { direction: 'inactive' } }));
    expect(running()).toHaveLength(1);
    expect(running()[0]?.launch).toContain('opusenc');
    expect(e.stats()).toEqual({ audio: null, video: null });
  });

  it('fails with the pipeline error code and leaves nothing running', async () => {
    const e = engine({ settings: { ...SIM, videoSource: { kind: 'v4l2', device: '/dev/video7' } } });
    FakePipeline.failOn = (launch) =>
      launch.includes('v4l2src') ? { type: 'error', _src_element_name: 'camera', message: 'Cannot identify device' } : undefined;
    const caps = await e.allocate();
    const err = await e.apply(session(caps)).then(() => undefined, (x: unknown) => x);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_DEVICE');
    expect(running()).toHaveLength(0);
  });

  it('a missing microphone is a fault: the call goes on hearing the far end', async () => {
    const e = engine({ settings: { ...SIM, audioSource: { kind: 'alsa', device: 'hw:7' } } });
    const faults: string[] = [];
    e.on('fault', (f) => faults.push(`${f.code}:${f.source}`));
    FakePipeline.failOn = (launch) =>
      launch.includes('alsasrc') ? { type: 'error', _src_element_name: 'mic', message: 'Could not open audio device for recording.' } : undefined;
    await e.apply(session(await e.allocate()));
    expect(faults).toEqual(['E_MEDIA_DEVICE:microphone']);
    expect(find('far_tee')).toBeDefined();
    expect(find('alsasrc')).toBeUndefined();
    expect(e.missingAudioOutputs()).toEqual(['microphone']);
  });

  it('rejects unsafe far-end values before building anything', async () => {
    const e = engine();
    const caps = await e.allocate();
    const err = await e.apply(session(caps, { audio: { remote: { address: 'evil" ! filesink', rtpPort: 1, rtcpPort: 2 } } })).then(() => undefined, (x: unknown) => x);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_PIPELINE');
    expect(FakePipeline.all).toHaveLength(0);
  });

  it('refuses to apply after stop()', async () => {
    const e = engine();
    const caps = await e.allocate();
    await e.stop();
    await e.stop();
    const err = await e.apply(session(caps)).then(() => undefined, (x: unknown) => x);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_PIPELINE');
  });
});

describe('events and stats', () => {
  it('emits first-audio once per call when the far end is above silence, and levels throughout', async () => {
    const e = engine();
    const levels: MediaLevels[] = [];
    let firstAudio = 0;
    e.on('levels', (l) => levels.push(l));
    e.on('first-audio', () => firstAudio++);
    await e.apply(session(await e.allocate()));
    const recv = find('far_level')!;
    const send = find('mic_level')!;
    recv.level('heartbeat', -3);
    send.level('mic_level', -12);
    recv.level('far_level', -90);
    expect(firstAudio).toBe(0);
    recv.level('far_level', -20);
    recv.level('far_level', -18);
    expect(firstAudio).toBe(1);
    // After the first audio the far-end meter slows down to UI rate.
    expect(recv.children.get('far_level')?.['interval']).toBe(250_000_000);
    expect(levels.at(-1)).toEqual({ micDb: -12, farEndDb: -18, speakerDb: -Infinity, loopDb: -Infinity });
    expect(levels).toHaveLength(4);
    await e.release();
    expect(levels.at(-1)).toEqual({ micDb: -Infinity, farEndDb: -Infinity, speakerDb: -Infinity, loopDb: -Infinity });
    await e.apply(session(await e.allocate()));
    find('far_level')!.level('far_level', -20);
    expect(firstAudio).toBe(2);
  });

  it('reports a failure while running as an error event with its code', async () => {
    const e = engine({ settings: { ...SIM, videoSource: { kind: 'v4l2', device: '/dev/video7' } } });
    const errors: unknown[] = [];
    e.on('error', (x) => errors.push(x));
    const caps = await e.allocate();
    await e.apply(session(caps));
    find('v4l2src')!.post({ type: 'error', _src_element_name: 'camera', message: 'Device disconnected' });
    find('far_level')!.post({ type: 'error', _src_element_name: 'rtp_in', message: 'socket error' });
    expect(errors.map((x) => isApplianceError(x) && x.code)).toEqual(['E_MEDIA_DEVICE', 'E_MEDIA_PIPELINE']);
    // The dead audio receive pipeline is forgotten: no stats from it, and a re-apply starts a new one.
    expect(e.stats().audio).toBeNull();
    const built = FakePipeline.all.length;
    await e.apply(session(caps));
    expect(FakePipeline.all.length).toBe(built + 2);
    expect(e.stats().audio).not.toBeNull();
  });

  it('adds heartbeat branches only when asked to', async () => {
    const quiet = engine({ heartbeat: false });
    await quiet.apply(session(await quiet.allocate()));
    expect(running().some((p) => p.launch.includes('heartbeat'))).toBe(false);
    await quiet.release();
    const safe = engine({ heartbeat: true });
    await safe.apply(session(await safe.allocate()));
    expect(running().filter((p) => p.launch.includes('name=heartbeat'))).toHaveLength(3);
  });

  it('reads jitter buffer and video sink stats', async () => {
    const e = engine();
    await e.apply(session(await e.allocate()));
    expect(e.stats()).toEqual({ audio: { packetsReceived: 0, packetsLost: 0, jitterMs: 0, jitterBufferMs: 80 }, video: { framesDecoded: 0 } });
    find('far_level')!.children.set('rtpjitterbuffer3', { stats: 'application/x-rtp-jitterbuffer-stats, num-pushed=(guint64)250, num-lost=(guint64)2, avg-jitter=(guint64)1500000;' });
    find('video_out')!.children.set('video_out', { stats: 'application/x-gst-base-sink-stats, average-rate=(double)15, dropped=(guint64)0, rendered=(guint64)42;' });
    expect(e.stats()).toEqual({ audio: { packetsReceived: 250, packetsLost: 2, jitterMs: 1.5, jitterBufferMs: 80 }, video: { framesDecoded: 42 } });
  });

  it('finalises file sinks with EOS on release', async () => {
    const e = engine({ settings: { ...SIM, audioSink: { kind: 'file', path: '/tmp/never-written.wav' } } });
    await e.apply(session(await e.allocate(), { video: null }));
    const recv = find('wavenc')!;
    let eosSent = false;
    const original = recv.sendEOS.bind(recv);
    recv.sendEOS = () => {
      eosSent = true;
      original();
    };
    await e.release();
    expect(eosSent).toBe(true);
    expect(running()).toHaveLength(0);
  });
});

describe('audio controls, outputs and faults', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('writes controls into the running elements without rebuilding, and starts later pipelines with them', async () => {
    const e = engine();
    const caps = await e.allocate();
    await e.apply(session(caps));
    const built = FakePipeline.all.length;
    e.setControls({ ...DEFAULT_CONTROLS, micMuted: true, cameraPrivate: true, speakerVolume: 100, loopGainDb: -6 });
    expect(find('mic_mute')!.children.get('mic_mute')).toEqual({ mute: true });
    expect(find('speaker_volume')!.children.get('speaker_volume')).toEqual({ volume: speakerGain(100), mute: false });
    expect(find('camera_privacy')!.children.get('camera_privacy')).toEqual({ contrast: 0, brightness: -1, saturation: 0 });
    await e.apply(session(caps));
    expect(FakePipeline.all.length).toBe(built);
    await e.release();
    await e.apply(session(await e.allocate()));
    expect(find('mic_mute')!.launch).toContain('volume name=mic_mute mute=true');
    expect(find('camera_privacy')!.launch).toContain('videobalance name=camera_privacy contrast=0 brightness=-1 saturation=0');
    expect(find('speaker_volume')!.launch).toContain(`volume name=speaker_volume volume=${speakerGain(100).toFixed(6)} mute=false`);
  });

  it('gives the canceller a fresh probe name with every send pipeline, fed from the speaker over loopback', async () => {
    const e = engine();
    await e.apply(session(await e.allocate()));
    const probe = /webrtcechoprobe name=(\S+)/.exec(find('webrtcechoprobe')!.launch)?.[1];
    expect(find('webrtcdsp name=aec')!.launch).toContain(`probe=${probe} echo-cancel=true`);
    const port = /udpsrc name=echo_ref_in address=127.0.0.1 port=(\d+)/.exec(find('webrtcechoprobe')!.launch)?.[1];
    expect(find('far_tee')!.launch).toContain(`udpsink name=echo_ref_out host=127.0.0.1 port=${port} sync=true`);
    await e.release();
    await e.apply(session(await e.allocate()));
    const next = /webrtcechoprobe name=(\S+)/.exec(find('webrtcechoprobe')!.launch)?.[1];
    expect(next).not.toBe(probe);
    expect(find('webrtcdsp name=aec')!.launch).toContain(`probe=${next} `);
  });

  it('an output unplugged mid-call is a fault, not an error: the call goes on with the loop, without echo cancellation', async () => {
    const e = engine({ settings: { ...SIM, audioSink: { kind: 'alsa', device: 'hw:1,0' }, loop: { sink: { kind: 'alsa', device: 'hw:2,0' }, referenceLevelDbfs: -18, maxBoostDb: 30 } } });
    const faults: MediaFault[] = [];
    const errors: unknown[] = [];
    e.on('fault', (f) => faults.push(f));
    e.on('error', (x) => errors.push(x));
    await e.apply(session(await e.allocate(), { video: null }));
    find('alsasink name=speaker')!.post({ type: 'error', _src_element_name: 'speaker', message: 'Device unplugged' });
    for (let i = 0; i < 20 && !find('far_tee'); i++) await tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([]);
    expect(faults.map((f) => [f.code, f.source])).toEqual([['E_MEDIA_DEVICE', 'speaker']]);
    const recv = find('far_tee')!;
    expect(recv.launch).not.toContain('name=speaker');
    expect(recv.launch).toContain('alsasink name=loop');
    expect(find('webrtcdsp name=aec')!.launch).toContain('echo-cancel=false');
    expect(e.missingAudioOutputs()).toEqual(['speaker']);
    // The next call tries the speaker again.
    await e.release();
    expect(e.missingAudioOutputs()).toEqual([]);
  });

  it('raises and clears "far end talking, loop silent" from the output meters', async () => {
    const e = engine({ settings: { ...SIM, loop: { sink: { kind: 'meter' }, referenceLevelDbfs: -18, maxBoostDb: 30 } } });
    e.setControls({ ...DEFAULT_CONTROLS, loopEnabled: true });
    const faults: string[] = [];
    const cleared: string[] = [];
    e.on('fault', (f) => faults.push(`${f.code}:${f.source}`));
    e.on('fault-cleared', (s) => cleared.push(s));
    await e.apply(session(await e.allocate(), { video: null }));
    const recv = find('far_tee')!;
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      for (let i = 0; i <= 16; i++, now += 250) {
        recv.level('far_level', -20);
        recv.level('loop_level', -Infinity);
        recv.level('speaker_level', -25);
      }
      expect(faults).toEqual(['E_AUDIO_OUTPUT_SILENT:loop-silent']);
      recv.level('loop_level', -22);
      expect(cleared).toEqual(['loop-silent']);
    } finally {
      Date.now = realNow;
    }
  });

  it('sizes the jitter buffer to the measured jitter once enough packets arrived, and reports it', async () => {
    const e = engine();
    await e.apply(session(await e.allocate(), { video: null }));
    const recv = find('far_level')!;
    const jb: Record<string, unknown> = { stats: 'application/x-rtp-jitterbuffer-stats, num-pushed=(guint64)100, num-lost=(guint64)0, avg-jitter=(guint64)30000000;' };
    recv.children.set('rtpjitterbuffer300', jb);
    recv.level('far_level', -20);
    expect(jb['latency']).toBeUndefined();
    jb['stats'] = 'application/x-rtp-jitterbuffer-stats, num-pushed=(guint64)400, num-lost=(guint64)0, avg-jitter=(guint64)30000000;';
    recv.level('far_level', -20);
    expect(jb['latency']).toBe(160);
    expect(e.stats().audio?.jitterBufferMs).toBe(160);
  });
});
