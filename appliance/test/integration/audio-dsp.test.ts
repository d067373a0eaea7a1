/**
 * The unit's audio chains (the production launch fragments) run on signals made here with
 * espeak-ng and sox, paced in real time, and measured: echo reduced by the canceller, the
 * hearing loop's band edges, and its compressor pulling talkers of different loudness together.
 * Short versions of what bench:audio measures in full.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIO_PROCESSING } from '../../src/adapters/gstreamer/media-settings.js';
import { framePowers, meanErleDb, parseWav16, toneDb, type Pcm } from '../../src/bench/audio-analysis.js';
import { concat, echoOf, gain, mix, noise, place, speech, steppedSweep } from '../../src/bench/audio-room.js';
import { runEcho, runFarEnd } from '../../src/bench/audio-scenarios.js';

const SCENE_S = 6;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audio-dsp-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** RMS of the frames within 30 dB of the loudest in a slice: the speech, not its pauses. */
function speechDb(pcm: Pcm, startS: number, lenS: number): number {
  const slice = { rate: pcm.rate, samples: pcm.samples.subarray(Math.floor(startS * pcm.rate), Math.floor((startS + lenS) * pcm.rate)) };
  const p = [...framePowers(slice, 0.02)];
  const peak = Math.max(...p);
  const active = p.filter((x) => x >= peak / 1000);
  return 10 * Math.log10(active.reduce((a, b) => a + b, 0) / active.length);
}

describe('audio chains on generated signals', () => {
  it('the canceller removes the speaker echo: clearly more than with echo cancellation off', async () => {
    const far = place(dir, 'far', speech(dir, 'far-raw', 'da', 'Goddag, det er hjemmeplejen. Vi vil gerne tale om, hvornår du kommer hjem.'), 0.3, SCENE_S);
    const echo = echoOf(dir, 'echo', far, SCENE_S);
    const mic = mix(dir, 'mic', [echo, noise(dir, 'noise', SCENE_S, -65)]);
    const processing = { ...DEFAULT_AUDIO_PROCESSING, gainControl: false };
    const [on, off] = await Promise.all([
      runEcho(far, mic, join(dir, 'on.wav'), processing),
      runEcho(far, mic, join(dir, 'off.wav'), { ...processing, echoCancel: false }),
    ]);
    const echoP = framePowers(parseWav16(readFileSync(echo)), 0.02);
    const micP = framePowers(parseWav16(readFileSync(mic)), 0.02);
    const erleOn = meanErleDb(micP, framePowers(on.pcm, 0.02), echoP, 0.02, 2, -55);
    const erleOff = meanErleDb(micP, framePowers(off.pcm, 0.02), echoP, 0.02, 2, -55);
    console.log(JSON.stringify({ erleOn, erleOff }));
    expect(erleOn).toBeGreaterThan(12);
    expect(erleOn - erleOff).toBeGreaterThan(10);
  });

  it('the hearing loop passes 100 Hz..5 kHz within 3 dB of 1 kHz and cuts outside the band', async () => {
    const freqs = [1000, 40, 100, 1000, 5000, 12000];
    const step = 0.5;
    const sweep = steppedSweep(dir, 'sweep', freqs, step, -24);
    const { loop } = await runFarEnd(sweep, { loop: join(dir, 'loop-sweep.wav') });
    const level = (i: number) => toneDb(loop!, freqs[i]!, i * step + 0.1, step - 0.2);
    const ref = level(3);
    const rel = freqs.map((_, i) => level(i) - ref);
    console.log(JSON.stringify(Object.fromEntries(freqs.map((f, i) => [`${i}:${f}`, Math.round(rel[i]! * 10) / 10]))));
    expect(Math.abs(rel[2]!)).toBeLessThan(3);
    expect(Math.abs(rel[4]!)).toBeLessThan(3);
    expect(rel[1]!).toBeLessThan(-10);
    expect(rel[5]!).toBeLessThan(-10);
  });

  it('the loop compressor brings a quiet and a loud talker closer together than they came in', async () => {
    const clip = speech(dir, 'talker', 'en-gb+m3', 'Hvornår kommer sygeplejersken, og hvem skal jeg ringe til?');
    const inDb = speechDb(parseWav16(readFileSync(clip)), 0, 10);
    const seg = 6;
    const quiet = place(dir, 'quiet', gain(dir, 'quiet-g', clip, -42 - inDb), 0.2, seg);
    const loud = place(dir, 'loud', gain(dir, 'loud-g', clip, -18 - inDb), 0.2, seg);
    const input = concat(dir, 'talkers', [quiet, loud]);
    const { loop } = await runFarEnd(input, { loop: join(dir, 'loop-talkers.wav') });
    const inQuiet = speechDb(parseWav16(readFileSync(input)), seg / 2, seg / 2);
    const inLoud = speechDb(parseWav16(readFileSync(input)), seg + seg / 2, seg / 2);
    const outQuiet = speechDb(loop!, seg / 2, seg / 2);
    const outLoud = speechDb(loop!, seg + seg / 2, seg / 2);
    console.log(JSON.stringify({ inQuiet, inLoud, outQuiet, outLoud }));
    expect(inLoud - inQuiet).toBeGreaterThan(20);
    expect(outLoud - outQuiet).toBeLessThan((inLoud - inQuiet) / 2);
    // Nothing is clipped: the limiter keeps the loop's peaks under full scale.
    expect(loop!.samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThan(1);
  }, 60_000);
});
