/**
 * The audio chains in a running call: two GstreamerMediaEngine instances on 127.0.0.1 with
 * SRTP; B's microphone tone plays at A's speaker and hearing loop (WAV files in sim). Each
 * control is changed on its own and its effect read from the level meters right in front of
 * each output (after volume, gain, mute, limiter), while the other output keeps playing.
 * Missing output devices cost that output only: a coded fault, and the call goes on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, type Controls } from '../../src/core/controls.js';
import type { LocalMediaCapabilities, NegotiatedSession } from '../../src/core/media-types.js';
import { GstreamerMediaEngine } from '../../src/adapters/gstreamer/gstreamer-media-engine.js';
import type { AudioSinkSetting, MediaDeviceSettings } from '../../src/adapters/gstreamer/media-settings.js';
import type { MediaFault, MediaLevels } from '../../src/ports/media-engine.js';

const HOST = '127.0.0.1';
const SILENT_DB = -90;
let dir: string;
const engines: GstreamerMediaEngine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audio-controls-'));
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  await rm(dir, { recursive: true, force: true });
});

function settings(freqHz: number, speaker: AudioSinkSetting, loop: AudioSinkSetting | null): MediaDeviceSettings {
  return {
    mode: 'sim',
    audioSource: { kind: 'test-tone', freqHz },
    videoSource: null,
    audioSink: speaker,
    videoSink: { kind: 'counter' },
    loop: loop ? { sink: loop, referenceLevelDbfs: -18, maxBoostDb: 30 } : null,
    // This suite measures the outputs' controls. Noise suppression keeps eating into a steady
    // test tone for seconds, which would move the far-end level between measurements.
    audioProcessing: { echoCancel: false, noiseSuppression: false, gainControl: false, highPassFilter: true, echoSuppression: 'low' },
  };
}

function engine(s: MediaDeviceSettings): GstreamerMediaEngine {
  const e = new GstreamerMediaEngine({ settings: s, address: HOST, video: false });
  engines.push(e);
  e.on('error', (err) => {
    throw err;
  });
  return e;
}

function sessionFor(local: LocalMediaCapabilities, remote: LocalMediaCapabilities): NegotiatedSession {
  const codec = local.audio.codecs.find((c) => c.name === 'opus')!;
  const tx = local.srtp!.audio;
  const rx = remote.srtp!.audio;
  return {
    streams: [{
      kind: 'audio',
      codec,
      direction: 'sendrecv',
      local: { address: local.address, rtpPort: local.audio.rtpPort, rtcpPort: local.audio.rtcpPort },
      remote: { address: remote.address, rtpPort: remote.audio.rtpPort, rtcpPort: remote.audio.rtcpPort },
      srtp: { tx, rx },
    }],
  };
}

async function connect(a: GstreamerMediaEngine, b: GstreamerMediaEngine): Promise<void> {
  await Promise.all([a.start(), b.start()]);
  const [capsA, capsB] = [await a.allocate(), await b.allocate()];
  await Promise.all([a.apply(sessionFor(capsA, capsB)), b.apply(sessionFor(capsB, capsA))]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median of each level over `ms`, after letting `settleMs` pass (level meters post at 4 Hz). */
async function measure(e: GstreamerMediaEngine, ms = 1000, settleMs = 400): Promise<Required<MediaLevels>> {
  await sleep(settleMs);
  const seen: MediaLevels[] = [];
  const on = (l: MediaLevels) => seen.push(l);
  e.on('levels', on);
  await sleep(ms);
  e.off('levels', on);
  const med = (k: keyof MediaLevels) => {
    const v = seen.map((l) => l[k] ?? -Infinity).sort((x, y) => x - y);
    return v.length ? v[Math.floor(v.length / 2)]! : -Infinity;
  };
  return { micDb: med('micDb'), farEndDb: med('farEndDb'), speakerDb: med('speakerDb'), loopDb: med('loopDb') };
}

describe('audio controls in a running call', () => {
  it('speaker volume and mute act on the speaker only; loop on/off and gain on the loop only', async () => {
    const a = engine(settings(700, { kind: 'file', path: join(dir, 'a-speaker.wav') }, { kind: 'file', path: join(dir, 'a-loop.wav') }));
    const b = engine(settings(1000, { kind: 'meter' }, null));
    let controls: Controls = { ...DEFAULT_CONTROLS, loopEnabled: true };
    a.setControls(controls);
    await connect(a, b);
    const set = (over: Partial<Controls>) => {
      controls = { ...controls, ...over };
      a.setControls(controls);
    };

    const both = await measure(a, 1000, 1200);
    expect(both.speakerDb).toBeGreaterThan(-40);
    expect(both.loopDb).toBeGreaterThan(-40);

    set({ loopEnabled: false });
    const loopOff = await measure(a);
    expect(loopOff.loopDb).toBeLessThan(SILENT_DB);
    expect(Math.abs(loopOff.speakerDb - both.speakerDb)).toBeLessThan(3);

    set({ loopEnabled: true, speakerMuted: true });
    const speakerMuted = await measure(a);
    expect(speakerMuted.speakerDb).toBeLessThan(SILENT_DB);
    expect(speakerMuted.loopDb).toBeGreaterThan(-40);

    // Volume 60 -> 100 is +14.4 dB on the speaker (audio-controls.ts); the loop does not move.
    set({ speakerMuted: false, speakerVolume: 100 });
    const louder = await measure(a);
    expect(louder.speakerDb - both.speakerDb).toBeGreaterThan(10);
    expect(louder.speakerDb - both.speakerDb).toBeLessThan(18);
    expect(Math.abs(louder.loopDb - speakerMuted.loopDb)).toBeLessThan(3);

    set({ loopGainDb: -10 });
    const quieterLoop = await measure(a);
    expect(louder.loopDb - quieterLoop.loopDb).toBeGreaterThan(7);
    expect(louder.loopDb - quieterLoop.loopDb).toBeLessThan(13);
    expect(Math.abs(quieterLoop.speakerDb - louder.speakerDb)).toBeLessThan(3);

    // Microphone mute: B hears silence while packets keep arriving (the stream is kept).
    const packetsBefore = b.stats().audio?.packetsReceived ?? 0;
    const heardAtB = await measure(b, 600, 0);
    set({ micMuted: true });
    const mutedAtB = await measure(b);
    expect(heardAtB.farEndDb).toBeGreaterThan(-40);
    expect(mutedAtB.farEndDb).toBeLessThan(SILENT_DB);
    expect(b.stats().audio?.packetsReceived ?? 0).toBeGreaterThan(packetsBefore + 40);
    await Promise.all([a.release(), b.release()]);
  }, 60_000);

  it('a missing loop amplifier is a coded fault and the call goes on with the speaker', async () => {
    const a = engine(settings(700, { kind: 'file', path: join(dir, 'b-speaker.wav') }, { kind: 'alsa', device: 'hw:CARD=NoSuchLoopAmp,DEV=0' }));
    const b = engine(settings(1000, { kind: 'meter' }, null));
    const faults: MediaFault[] = [];
    a.on('fault', (f) => faults.push(f));
    a.setControls({ ...DEFAULT_CONTROLS, loopEnabled: true });
    await connect(a, b);
    expect(faults.map((f) => [f.code, f.source])).toEqual([['E_MEDIA_DEVICE', 'loop']]);
    expect(a.missingAudioOutputs()).toEqual(['loop']);
    const levels = await measure(a, 800, 1000);
    expect(levels.speakerDb).toBeGreaterThan(-40);
    // The microphone still reaches the far end, echo cancelled against the speaker.
    expect((await measure(b, 600, 0)).farEndDb).toBeGreaterThan(-40);
    await Promise.all([a.release(), b.release()]);
  });

  it('a missing speaker is a coded fault and the call goes on with the loop', async () => {
    const a = engine(settings(700, { kind: 'alsa', device: 'hw:CARD=NoSuchSpeaker,DEV=0' }, { kind: 'file', path: join(dir, 'c-loop.wav') }));
    const b = engine(settings(1000, { kind: 'meter' }, null));
    const faults: MediaFault[] = [];
    a.on('fault', (f) => faults.push(f));
    a.setControls({ ...DEFAULT_CONTROLS, loopEnabled: true });
    await connect(a, b);
    expect(faults.map((f) => [f.code, f.source])).toEqual([['E_MEDIA_DEVICE', 'speaker']]);
    const levels = await measure(a, 800, 1000);
    expect(levels.loopDb).toBeGreaterThan(-40);
    expect(levels.speakerDb).toBe(-Infinity);
    expect((await measure(b, 600, 0)).farEndDb).toBeGreaterThan(-40);
    await Promise.all([a.release(), b.release()]);
  });
});
