import { describe, expect, it } from 'vitest';
import { goertzelAmplitude, parseWav, toneAmplitude } from './wav-tone.js';

function wav(samples: number[], rate = 48000, dataSize?: number): Buffer {
  const body = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => body.writeInt16LE(Math.round(s * 32767), i * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + body.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataSize ?? body.length, 40);
  return Buffer.concat([h, body]);
}

const sine = (f: number, amp: number, n: number) => Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / 48000));

describe('tone amplitude helpers (used by the media engine integration test)', () => {
  it('measures the amplitude of the tone that is there and not of one that is not', () => {
    const pcm = parseWav(wav(sine(1000, 0.3, 48000)));
    expect(pcm.sampleRate).toBe(48000);
    expect(toneAmplitude(pcm, 1000)).toBeCloseTo(0.3, 2);
    expect(toneAmplitude(pcm, 700)).toBeLessThan(0.01);
  });

  it('reads a WAV whose header was not finalised (data size 0)', () => {
    expect(parseWav(wav(sine(700, 0.5, 4800), 48000, 0)).samples.length).toBe(4800);
  });

  it('is 0 for silence', () => {
    expect(goertzelAmplitude(new Float32Array(4800), 48000, 1000)).toBe(0);
  });
});
