import { describe, expect, it } from 'vitest';
import { convergenceS, erleSeries, framePowers, meanErleDb, parseWav16, rmsDb, toneDb, type Pcm } from '../../../src/bench/audio-analysis.js';

function sine(freq: number, amp: number, seconds: number, rate = 48000): Pcm {
  const samples = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return { rate, samples };
}

function wav(samples: number[], rate = 48000): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.round(s * 32767), i * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

describe('audio measurements', () => {
  it('reads 16-bit WAV, including a data chunk whose size was never written', () => {
    const pcm = parseWav16(wav([0, 0.5, -0.5]));
    expect(pcm.rate).toBe(48000);
    expect([...pcm.samples].map((x) => Math.round(x * 100) / 100)).toEqual([0, 0.5, -0.5]);
    const unsized = wav([0.25, 0.25]);
    unsized.writeUInt32LE(0, 40);
    expect(parseWav16(unsized).samples.length).toBe(2);
    expect(() => parseWav16(Buffer.from('not a wav file at all, really'))).toThrow(/WAV/);
  });

  it('measures a sine: RMS and Goertzel agree, a missing frequency reads far lower', () => {
    const pcm = sine(1000, 0.5, 1);
    const expected = 20 * Math.log10(0.5 / Math.SQRT2);
    expect(rmsDb(pcm, 0, 1)).toBeCloseTo(expected, 1);
    expect(toneDb(pcm, 1000, 0.1, 0.5)).toBeCloseTo(expected, 0);
    expect(toneDb(pcm, 3000, 0.1, 0.5)).toBeLessThan(expected - 40);
  });

  it('computes ERLE over echo-active frames and the convergence time', () => {
    const frames = 200;
    const echo = new Float64Array(frames).fill(1e-3);
    const mic = new Float64Array(echo);
    // Output: 5 dB of cancellation for the first second, then 30 dB.
    const out = mic.map((p, i) => (i < 50 ? p / 10 ** 0.5 : p / 1000));
    expect(meanErleDb(mic, out, echo, 0.02, 2, -55)).toBeCloseTo(30, 5);
    const series = erleSeries(mic, out, echo, 0.02, 25, -55);
    // The first 0.5 s window with at most 2 of its 25 frames still at 5 dB starts at frame 48.
    expect(convergenceS(series, 15, 1)).toBeCloseTo(0.96, 2);
    expect(convergenceS(series, 40, 1)).toBeNull();
    // Silent echo frames are not counted.
    const quietEcho = echo.map((p, i) => (i >= 100 ? 0 : p));
    expect(meanErleDb(mic, out.map((p, i) => (i >= 100 ? 1 : p)), quietEcho, 0.02, 1, -55)).toBeCloseTo(30, 5);
  });

  it('splits audio into frame powers', () => {
    expect([...framePowers({ rate: 4, samples: Float32Array.from([1, 1, 0, 0, 0.5, 0.5, 0.5, 0.5]) }, 0.5)]).toEqual([1, 0, 0.25, 0.25]);
  });
});
