/** PipelineRunner against real GStreamer (test sources, 127.0.0.1 only). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApplianceError, type ApplianceError } from '../../../src/core/errors.js';
import { loadGstBinding } from '../../../src/adapters/gstreamer/gst-binding.js';
import { heartbeat } from '../../../src/adapters/gstreamer/media-fragments.js';
import { PipelineRunner, type RunnerSpec } from '../../../src/adapters/gstreamer/pipeline-runner.js';
import { buildReceivePipeline, buildSendPipeline } from '../../../src/adapters/gstreamer/pipeline-builders.js';
import { OPUS } from '../../../src/adapters/gstreamer/local-codecs.js';
import { reservePortPair } from '../../../src/adapters/gstreamer/udp-port-pairs.js';
import { parseWav } from '../../peers/wav-tone.js';

const gst = loadGstBinding();
const runners: PipelineRunner[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-'));
});

afterAll(async () => {
  for (const r of runners) await r.stop();
  await rm(dir, { recursive: true, force: true });
});

function runner(launch: string, extra: Partial<RunnerSpec> = {}): PipelineRunner {
  const r = new PipelineRunner({ id: 'audio-send', launch, deviceElements: [], finalizeWithEos: false, ...extra }, gst, { quietMs: 500 });
  runners.push(r);
  return r;
}

async function startError(r: PipelineRunner): Promise<ApplianceError> {
  const e = await r.start().then(() => undefined, (err: unknown) => err);
  if (!isApplianceError(e)) throw new Error(`expected an ApplianceError, got ${String(e)}`);
  return e;
}

const TONE = 'audiotestsrc name=mic is-live=true freq=1000 volume=0.3 ! audioconvert ! level name=mic_level interval=50000000 post-messages=true ! fakesink sync=false async=false';

/** Resolves when fs work gets a threadpool thread: proof that no bus poll is stuck for good. */
async function threadpoolResponsive(): Promise<true> {
  await readFile(new URL(import.meta.url));
  return true;
}

describe('PipelineRunner', () => {
  it('starts, reports levels of named level elements (not the heartbeat), and stops twice safely', async () => {
    const r = runner(`${TONE} ${heartbeat()}`);
    const levels: Array<[string, number]> = [];
    r.on('level', (el, db) => levels.push([el, db]));
    await r.start();
    expect(r.running).toBe(true);
    await new Promise((res) => setTimeout(res, 400));
    await r.stop();
    await r.stop();
    expect(r.running).toBe(false);
    expect(levels.length).toBeGreaterThan(2);
    expect(levels.every(([el]) => el === 'mic_level')).toBe(true);
    expect(levels.at(-1)?.[1]).toBeGreaterThan(-20);
    expect(levels.at(-1)?.[1]).toBeLessThan(0);
  });

  it('a level interval can be changed while running (number -> guint64 through the binding)', async () => {
    const r = runner(TONE);
    let count = 0;
    r.on('level', () => count++);
    await r.start();
    await new Promise((res) => setTimeout(res, 500));
    const fast = count;
    const level = r.element('mic_level');
    if (!level) throw new Error('level not found');
    level['interval'] = 250_000_000;
    expect(level['interval']).toBe('250000000');
    count = 0;
    await new Promise((res) => setTimeout(res, 1000));
    await r.stop();
    // 50 ms for 0.5 s, then 250 ms for 1 s: twice the time, far fewer messages.
    expect(fast).toBeGreaterThan(2);
    expect(count).toBeLessThan(fast);
  });

  it('stop() before start() is a no-op and the runner cannot start afterwards', async () => {
    const r = runner(TONE);
    await r.stop();
    expect((await startError(r)).code).toBe('E_MEDIA_PIPELINE');
  });

  it('a launch line that does not parse is E_MEDIA_PIPELINE', async () => {
    const e = await startError(runner('audiotestsrc ! no_such_element_here ! fakesink'));
    expect(e.code).toBe('E_MEDIA_PIPELINE');
    expect(e.message).toContain('no_such_element_here');
  });

  it('a source device that cannot be opened is E_MEDIA_DEVICE, found behind earlier state messages', async () => {
    const r = runner('alsasrc name=mic device="hw:99" ! queue ! audioconvert ! fakesink', { deviceElements: ['mic'] });
    const e = await startError(r);
    expect(e.code).toBe('E_MEDIA_DEVICE');
    expect(e.detail['element']).toBe('mic');
  });

  it('a sink device that fails first is E_MEDIA_DEVICE too', async () => {
    const r = runner('audiotestsrc is-live=true ! audioconvert ! alsasink name=speaker device="hw:99"', { deviceElements: ['speaker'] });
    const e = await startError(r);
    expect(e.code).toBe('E_MEDIA_DEVICE');
    expect(e.detail['element']).toBe('speaker');
  });

  it('a socket that cannot be bound is E_MEDIA_PIPELINE (not a device)', async () => {
    const r = runner('udpsrc name=rtp_in address="192.0.2.1" port=5004 ! fakesink', { deviceElements: ['mic'] });
    const e = await startError(r);
    expect(e.code).toBe('E_MEDIA_PIPELINE');
    expect(e.detail['element']).toBe('rtp_in');
  });

  it('an error while running is emitted as failed and stops the pipeline', async () => {
    const r = runner(`audiotestsrc name=mic is-live=true ! audioconvert ! capsfilter name=cf caps="audio/x-raw" ! fakesink ${heartbeat()}`);
    await r.start();
    const failed = new Promise<ApplianceError>((res) => r.once('failed', res));
    const cf = r.element('cf');
    if (!cf) throw new Error('capsfilter not found');
    cf['caps'] = 'video/x-raw';
    const e = await failed;
    expect(e.code).toBe('E_MEDIA_PIPELINE');
    expect(r.running).toBe(false);
    await r.stop();
  });

  it('reports EOS', async () => {
    const r = runner('audiotestsrc num-buffers=5 ! fakesink');
    const eos = new Promise<void>((res) => r.once('eos', res));
    await r.start();
    await eos;
    await r.stop();
  });

  it('finalises a WAV file with EOS before stopping', async () => {
    const path = join(dir, 'final.wav');
    const r = runner(`audiotestsrc is-live=true ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! wavenc ! filesink location="${path}"`, { finalizeWithEos: true });
    await r.start();
    await new Promise((res) => setTimeout(res, 300));
    await r.stop();
    const file = await readFile(path);
    // wavenc rewrites the RIFF and data sizes on EOS (and appends an empty LIST/INFO chunk).
    const dataSize = file.readUInt32LE(40);
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(dataSize).toBeGreaterThan(0);
    expect(parseWav(file).samples.length).toBe(dataSize / 2);
  });

  it('keeps the libuv threadpool usable with more idle receive pipelines than pool threads', async () => {
    // Four default threads; six pipelines that receive nothing would block all of them without the heartbeat.
    const idle: PipelineRunner[] = [];
    for (let i = 0; i < 6; i++) {
      const ports = await reservePortPair('127.0.0.1');
      await ports.release();
      idle.push(runner(`udpsrc name=rtp_in address="127.0.0.1" port=${ports.rtpPort} ! fakesink ${heartbeat()}`));
    }
    await Promise.all(idle.map((r) => r.start()));
    expect(await threadpoolResponsive()).toBe(true);
    for (const r of idle) await r.stop();
    expect(await threadpoolResponsive()).toBe(true);
  });

  it('survives 50 start/stop cycles of a call-sized pipeline pair and failed starts without stuck threads (RSS reported)', async () => {
    const audio = await reservePortPair('127.0.0.1');
    await audio.release();
    const key = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, keySalt: new Uint8Array(30).fill(3) };
    const stream = {
      kind: 'audio' as const,
      codec: OPUS,
      direction: 'sendrecv' as const,
      local: { address: '127.0.0.1', rtpPort: audio.rtpPort, rtcpPort: audio.rtcpPort },
      remote: { address: '127.0.0.1', rtpPort: audio.rtpPort, rtcpPort: audio.rtcpPort },
      srtp: { tx: key, rx: key },
    };
    const settings = { mode: 'sim' as const, audioSource: { kind: 'test-tone' as const, freqHz: 1000 }, videoSource: null, audioSink: { kind: 'meter' as const }, videoSink: { kind: 'counter' as const } };
    const recvSpec = buildReceivePipeline(stream, settings, { bindAddress: '127.0.0.1', heartbeat: true });
    const sendSpec = buildSendPipeline(stream, settings, { heartbeat: true });
    const cycle = async () => {
      const recv = new PipelineRunner(recvSpec, gst);
      const send = new PipelineRunner(sendSpec, gst);
      let heard = false;
      recv.on('level', (_el, db) => (heard ||= db > -40));
      await recv.start();
      await send.start();
      await new Promise((res) => setTimeout(res, 300));
      await send.stop();
      await recv.stop();
      return heard;
    };
    for (let i = 0; i < 5; i++) await cycle(); // warm up allocators and plugin state
    global.gc?.();
    const before = process.memoryUsage().rss;
    let heardCount = 0;
    for (let i = 0; i < 50; i++) if (await cycle()) heardCount++;
    global.gc?.();
    const after = process.memoryUsage().rss;
    for (let i = 0; i < 10; i++) {
      const r = new PipelineRunner({ id: 'audio-send', launch: 'alsasrc name=mic device="hw:99" ! queue ! fakesink', deviceElements: ['mic'], finalizeWithEos: false }, gst, { quietMs: 300 });
      expect((await startError(r)).code).toBe('E_MEDIA_DEVICE');
    }
    console.log(
      `50 send+receive start/stop cycles: RSS ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB ` +
        `(+${((after - before) / 2 ** 20 / 50).toFixed(2)} MiB/cycle); cycles that decoded audio: ${heardCount}/50`,
    );
    expect(await threadpoolResponsive()).toBe(true);
  }, 120_000);
});
