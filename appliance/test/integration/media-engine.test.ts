/**
 * Two GstreamerMediaEngine instances on 127.0.0.1 wired to each other with swapped SRTP keys
 * (A's tx key is B's rx key). A sends a 1000 Hz tone, B a 700 Hz tone; each records what it
 * decodes to a WAV file, which is checked with a Goertzel filter, and counts decoded frames.
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodecName, LocalMediaCapabilities, NegotiatedSession, NegotiatedStream, SrtpParams } from '../../src/core/media-types.js';
import { GstreamerMediaEngine } from '../../src/adapters/gstreamer/gstreamer-media-engine.js';
import type { MediaDeviceSettings } from '../../src/adapters/gstreamer/media-settings.js';
import { parseWav, toneAmplitude } from '../peers/wav-tone.js';

const HOST = '127.0.0.1';
const RUN_MS = 3000;

let dir: string;
const engines: GstreamerMediaEngine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-engine-'));
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  await rm(dir, { recursive: true, force: true });
});

function settings(name: string, freqHz: number): MediaDeviceSettings {
  return {
    mode: 'sim',
    audioSource: { kind: 'test-tone', freqHz },
    videoSource: { kind: 'test-pattern' },
    audioSink: { kind: 'file', path: join(dir, `${name}.wav`) },
    videoSink: { kind: 'counter', snapshotPath: join(dir, `${name}.jpg`) },
  };
}

async function engine(name: string, freqHz: number, plainRtp = false): Promise<GstreamerMediaEngine> {
  const e = new GstreamerMediaEngine({ settings: settings(name, freqHz), address: HOST, plainRtp });
  engines.push(e);
  e.on('error', (err) => {
    throw err;
  });
  await e.start();
  return e;
}

interface SessionOptions {
  videoCodec?: CodecName | null;
  /** Replaces the rx key of every stream (to simulate a wrong key). */
  rxKeyOverride?: SrtpParams;
}

function sessionFor(local: LocalMediaCapabilities, remote: LocalMediaCapabilities, opts: SessionOptions = {}): NegotiatedSession {
  const stream = (kind: 'audio' | 'video'): NegotiatedStream => {
    const l = kind === 'audio' ? local.audio : local.video;
    const r = kind === 'audio' ? remote.audio : remote.video;
    if (!l || !r) throw new Error('no video offered');
    const name = kind === 'audio' ? 'opus' : opts.videoCodec;
    const codec = l.codecs.find((c) => c.name === name);
    if (!codec) throw new Error(`codec ${name} not offered`);
    const tx = local.srtp?.[kind];
    const rx = opts.rxKeyOverride ?? remote.srtp?.[kind];
    return {
      kind,
      codec,
      direction: 'sendrecv',
      local: { address: local.address, rtpPort: l.rtpPort, rtcpPort: l.rtcpPort },
      remote: { address: remote.address, rtpPort: r.rtpPort, rtcpPort: r.rtcpPort },
      srtp: tx && rx ? { tx, rx } : null,
    };
  };
  const streams = [stream('audio')];
  if (opts.videoCodec) streams.push(stream('video'));
  return { streams };
}

interface CallResult {
  toneAtA: { f1000: number; f700: number };
  toneAtB: { f1000: number; f700: number };
  framesAtA: number;
  framesAtB: number;
  firstAudioMs: { a: number | null; b: number | null };
  packetsAtB: number;
  srtpAtB: { received: number; dropped: number } | null;
  /** Process CPU time (all GStreamer threads of both engines) over wall time, during the call. */
  cpuPercent: number;
}

async function tones(path: string): Promise<{ f1000: number; f700: number }> {
  const size = await stat(path).then((s) => s.size, () => 0);
  // wavenc writes its header with the first buffer: nothing decoded leaves an empty file.
  if (size <= 44) return { f1000: 0, f700: 0 };
  const pcm = parseWav(await readFile(path));
  return { f1000: toneAmplitude(pcm, 1000), f700: toneAmplitude(pcm, 700) };
}

/** Runs one call between A and B for RUN_MS and returns what each side decoded. */
async function call(
  a: GstreamerMediaEngine,
  b: GstreamerMediaEngine,
  opts: { videoCodec?: CodecName | null; wrongKeyAtB?: boolean; runMs?: number },
): Promise<CallResult> {
  const capsA = await a.allocate();
  const capsB = await b.allocate();
  const wrongKey: SrtpParams = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(9) };
  const t0 = performance.now();
  const first: { a: number | null; b: number | null } = { a: null, b: null };
  a.once('first-audio', () => (first.a = performance.now() - t0));
  b.once('first-audio', () => (first.b = performance.now() - t0));
  await Promise.all([
    a.apply(sessionFor(capsA, capsB, { videoCodec: opts.videoCodec })),
    b.apply(sessionFor(capsB, capsA, { videoCodec: opts.videoCodec, rxKeyOverride: opts.wrongKeyAtB ? wrongKey : undefined })),
  ]);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.runMs ?? RUN_MS));
  const cpu = process.cpuUsage(cpu0);
  const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100);
  const statsA = a.stats();
  const statsB = b.stats();
  const srtpAtB = b.srtpStats().audio;
  a.removeAllListeners('first-audio');
  b.removeAllListeners('first-audio');
  await Promise.all([a.release(), b.release()]);
  const result: CallResult = {
    toneAtA: await tones(join(dir, 'a.wav')),
    toneAtB: await tones(join(dir, 'b.wav')),
    framesAtA: statsA.video?.framesDecoded ?? 0,
    framesAtB: statsB.video?.framesDecoded ?? 0,
    firstAudioMs: first,
    packetsAtB: statsB.audio?.packetsReceived ?? 0,
    srtpAtB,
    cpuPercent,
  };
  console.log(JSON.stringify(result));
  return result;
}

/**
 * A tone counts as heard above this amplitude. The 0.3 test tone arrives lower: noise
 * suppression takes 15-20 dB of a steady tone, and the WAV is the speaker output at volume 60
 * (-8.4 dB); the other tone must stay ten times below it.
 */
const HEARD = 0.005;

function expectTones(r: CallResult): void {
  expect(r.toneAtB.f1000).toBeGreaterThan(HEARD);
  expect(r.toneAtB.f700).toBeLessThan(r.toneAtB.f1000 / 10);
  expect(r.toneAtA.f700).toBeGreaterThan(HEARD);
  expect(r.toneAtA.f1000).toBeLessThan(r.toneAtA.f700 / 10);
  expect(r.firstAudioMs.a).not.toBeNull();
  expect(r.firstAudioMs.b).not.toBeNull();
}

describe('GstreamerMediaEngine, two instances on loopback', () => {
  let a: GstreamerMediaEngine;
  let b: GstreamerMediaEngine;

  beforeAll(async () => {
    a = await engine('a', 1000);
    b = await engine('b', 700);
  });

  it('exchanges SRTP audio and H.264 video both ways', async () => {
    const r = await call(a, b, { videoCodec: 'H264' });
    expectTones(r);
    expect(r.framesAtA).toBeGreaterThan(5);
    expect(r.framesAtB).toBeGreaterThan(5);
    expect(r.packetsAtB).toBeGreaterThan(20);
    expect(r.srtpAtB?.dropped).toBe(0);
    expect((await stat(join(dir, 'a.jpg'))).size).toBeGreaterThan(0);
  });

  it('exchanges SRTP audio and VP8 video both ways', async () => {
    const r = await call(a, b, { videoCodec: 'VP8' });
    expectTones(r);
    expect(r.framesAtA).toBeGreaterThan(5);
    expect(r.framesAtB).toBeGreaterThan(5);
  });

  it('decodes nothing with a wrong rx key: SRTP authentication drops every packet', async () => {
    const r = await call(a, b, { videoCodec: null, wrongKeyAtB: true });
    expect(r.firstAudioMs.b).toBeNull();
    expect(r.toneAtB).toEqual({ f1000: 0, f700: 0 });
    expect(r.packetsAtB).toBe(0);
    expect(r.srtpAtB?.received).toBeGreaterThan(20);
    expect(r.srtpAtB?.dropped).toBe(r.srtpAtB?.received);
    // The other direction, with the right key, still works.
    expect(r.toneAtA.f700).toBeGreaterThan(HEARD);
  });

  it('measures apply() to first-audio over several calls (reported, not asserted)', async () => {
    const samples: number[] = [];
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) {
      const r = await call(a, b, { videoCodec: 'H264', runMs: 800 });
      expect(r.firstAudioMs.a).not.toBeNull();
      expect(r.firstAudioMs.b).not.toBeNull();
      samples.push(r.firstAudioMs.a ?? NaN, r.firstAudioMs.b ?? NaN);
    }
    samples.sort((x, y) => x - y);
    const rssPerCall = (process.memoryUsage().rss - rss0) / 5 / 2 ** 20;
    console.log(`RSS growth per call (two engines, audio + H.264 each): ${rssPerCall.toFixed(2)} MiB`);
    console.log(`apply -> first-audio ms: median ${samples[Math.floor(samples.length / 2)]?.toFixed(0)}, all ${samples.map((x) => x.toFixed(0)).join(' ')}`);
  });

  it('stray packets (other SSRCs, garbage, forged RTCP) do not disturb a running call', async () => {
    const capsA = await a.allocate();
    const capsB = await b.allocate();
    const errors: unknown[] = [];
    const onError = (e: Error) => errors.push(e);
    b.on('error', onError);
    await Promise.all([a.apply(sessionFor(capsA, capsB)), b.apply(sessionFor(capsB, capsA))]);
    await new Promise((r) => setTimeout(r, 800));
    const before = b.stats().audio?.packetsReceived ?? 0;
    const sock = createSocket('udp4');
    for (let i = 0; i < 50; i++) {
      const rtp = Buffer.alloc(60);
      rtp[0] = 0x80;
      rtp[1] = 111;
      rtp.writeUInt16BE(i, 2);
      rtp.writeUInt32BE(0xdeadbeef + (i % 3), 8);
      const rtcp = Buffer.alloc(40);
      rtcp[0] = 0x80;
      rtcp[1] = 200;
      rtcp.writeUInt16BE(9, 2);
      rtcp.writeUInt32BE(0xabcdef01, 4);
      sock.send(rtp, capsB.audio.rtpPort, HOST);
      sock.send(rtcp, capsB.audio.rtcpPort, HOST);
      sock.send(Buffer.from('not rtp at all'), capsB.audio.rtpPort, HOST);
    }
    await new Promise((r) => setTimeout(r, 800));
    const after = b.stats().audio?.packetsReceived ?? 0;
    sock.close();
    b.off('error', onError);
    await Promise.all([a.release(), b.release()]);
    expect(errors).toEqual([]);
    expect(after).toBeGreaterThan(before + 20);
  });

  it('one-way media: A sendonly, B recvonly', async () => {
    const capsA = await a.allocate();
    const capsB = await b.allocate();
    const oneWay = (s: NegotiatedSession, direction: 'sendonly' | 'recvonly'): NegotiatedSession => ({
      streams: s.streams.map((st) => ({ ...st, direction })),
    });
    await a.apply(oneWay(sessionFor(capsA, capsB, { videoCodec: 'H264' }), 'sendonly'));
    await b.apply(oneWay(sessionFor(capsB, capsA, { videoCodec: 'H264' }), 'recvonly'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.stats()).toEqual({ audio: null, video: null });
    const atB = b.stats();
    await Promise.all([a.release(), b.release()]);
    expect(atB.audio?.packetsReceived).toBeGreaterThan(20);
    expect(atB.video?.framesDecoded).toBeGreaterThan(3);
    expect((await tones(join(dir, 'b.wav'))).f1000).toBeGreaterThan(HEARD);
  });

  it('re-INVITE: the same session keeps media running; a new video codec rebuilds only video', async () => {
    const capsA = await a.allocate();
    const capsB = await b.allocate();
    const apply = (codec: CodecName) =>
      Promise.all([a.apply(sessionFor(capsA, capsB, { videoCodec: codec })), b.apply(sessionFor(capsB, capsA, { videoCodec: codec }))]);
    await apply('H264');
    await new Promise((r) => setTimeout(r, 2000));
    const before = b.stats();
    await apply('H264');
    await new Promise((r) => setTimeout(r, 500));
    const same = b.stats();
    await apply('VP8');
    await new Promise((r) => setTimeout(r, 1200));
    const switched = b.stats();
    await Promise.all([a.release(), b.release()]);
    // Counters that kept growing: the same audio and video pipelines stayed up.
    expect(same.audio!.packetsReceived).toBeGreaterThan(before.audio!.packetsReceived);
    expect(same.video!.framesDecoded).toBeGreaterThan(before.video!.framesDecoded);
    // After the codec change the audio counter still grows while video counts again, from zero, in a new pipeline.
    expect(switched.audio!.packetsReceived).toBeGreaterThan(same.audio!.packetsReceived);
    expect(switched.video!.framesDecoded).toBeGreaterThan(3);
    expect(switched.video!.framesDecoded).toBeLessThan(same.video!.framesDecoded);
  });
});

describe('GstreamerMediaEngine, plain RTP (lab flag)', () => {
  it('exchanges audio and video without SRTP', async () => {
    const a = await engine('pa', 1000, true);
    const b = await engine('pb', 700, true);
    const capsA = await a.allocate();
    expect(capsA.srtp).toBeNull();
    await a.release();
    const r = await callNamed(a, b, 'pa', 'pb');
    expect(r.f1000AtB).toBeGreaterThan(HEARD);
    expect(r.f700AtA).toBeGreaterThan(HEARD);
    expect(b.srtpStats().audio).toBeNull();
  });
});

/** A shorter call for engines with other file names; returns the tone each side heard. */
async function callNamed(a: GstreamerMediaEngine, b: GstreamerMediaEngine, nameA: string, nameB: string) {
  const capsA = await a.allocate();
  const capsB = await b.allocate();
  await Promise.all([a.apply(sessionFor(capsA, capsB, { videoCodec: 'VP8' })), b.apply(sessionFor(capsB, capsA, { videoCodec: 'VP8' }))]);
  await new Promise((r) => setTimeout(r, 1500));
  const frames = b.stats().video?.framesDecoded ?? 0;
  await Promise.all([a.release(), b.release()]);
  expect(frames).toBeGreaterThan(3);
  return { f1000AtB: (await tones(join(dir, `${nameB}.wav`))).f1000, f700AtA: (await tones(join(dir, `${nameA}.wav`))).f700 };
}
