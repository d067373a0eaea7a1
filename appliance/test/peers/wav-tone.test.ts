import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTone, hasTone, parseWav, readWav } from './wav-tone.js';

const run = promisify(execFile);
let dir = '';

/** Writes a 16-bit WAV with sox: `synth` arguments such as ['sine', '700']. */
async function sox(name: string, rate: number, channels: number, seconds: number, synth: string[], extra: string[] = []): Promise<string> {
  const file = path.join(dir, name);
  await run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-b', '16', file, 'synth', String(seconds), ...synth, ...extra]);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wav-tone-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wav-tone', () => {
  it('detects a 700 Hz tone and measures its duration', async () => {
    const file = await sox('tone700.wav', 48000, 1, 2, ['sine', '700'], ['vol', '0.5']);
    const audio = await readWav(file);
    expect(audio.sampleRate).toBe(48000);
    expect(audio.channels).toBe(1);
    expect(audio.durationSeconds).toBeCloseTo(2, 2);
    const a = analyzeTone(audio, 700);
    expect(a.maxRatio).toBeGreaterThan(0.95);
    expect(a.toneSeconds).toBeGreaterThan(1.9);
    expect(await hasTone(file, 700, { minSeconds: 1.5 })).toBe(true);
    expect(await hasTone(file, 700, { minSeconds: 2.5 })).toBe(false);
  });

  it('does not take a 1000 Hz tone for 700 Hz', async () => {
    const file = await sox('tone1000.wav', 48000, 1, 2, ['sine', '1000']);
    expect(analyzeTone(await readWav(file), 700).maxRatio).toBeLessThan(0.05);
    expect(await hasTone(file, 700)).toBe(false);
    expect(await hasTone(file, 1000)).toBe(true);
  });

  it('finds no tone in silence or white noise', async () => {
    const silence = await sox('silence.wav', 48000, 1, 2, ['sine', '700'], ['vol', '0']);
    const noise = await sox('noise.wav', 48000, 1, 2, ['whitenoise'], ['vol', '0.5']);
    expect(analyzeTone(await readWav(silence), 700).maxRatio).toBe(0);
    expect(analyzeTone(await readWav(noise), 700).maxRatio).toBeLessThan(0.1);
    expect(await hasTone(silence, 700, { minSeconds: 0.1 })).toBe(false);
    expect(await hasTone(noise, 700, { minSeconds: 0.1 })).toBe(false);
  });

  it('finds a tone under moderate noise, at other rates and channel counts', async () => {
    const noisy = path.join(dir, 'noisy.wav');
    const tone = await sox('t.wav', 16000, 1, 2, ['sine', '700'], ['vol', '0.5']);
    const noise = await sox('n.wav', 16000, 1, 2, ['whitenoise'], ['vol', '0.05']);
    await run('sox', ['-m', tone, noise, noisy]);
    expect(await hasTone(noisy, 700, { minSeconds: 1.5 })).toBe(true);

    const stereo = await sox('stereo.wav', 44100, 2, 1.5, ['sine', '700']);
    const audio = await readWav(stereo);
    expect(audio.channels).toBe(2);
    expect(audio.sampleRate).toBe(44100);
    expect(analyzeTone(audio, 700).toneSeconds).toBeGreaterThan(1.4);
  });

  it('reads a file whose header sizes were never patched (writer killed)', async () => {
    const file = await sox('killed.wav', 48000, 1, 1, ['sine', '700']);
    const buf = await readFile(file);
    const dataAt = buf.indexOf('data');
    buf.writeUInt32LE(0, 4); // RIFF size
    buf.writeUInt32LE(0, dataAt + 4); // data size
    await writeFile(file, buf);
    const audio = parseWav(buf);
    expect(audio.durationSeconds).toBeCloseTo(1, 2);
    expect(await hasTone(file, 700, { minSeconds: 0.9 })).toBe(true);
  });

  it('rejects files that are not 16-bit PCM WAV', async () => {
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/);
    const float = path.join(dir, 'float.wav');
    await run('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'floating-point', '-b', '32', float, 'synth', '0.1', 'sine', '700']);
    await expect(readWav(float)).rejects.toThrow(/16-bit PCM/);
  });
});
