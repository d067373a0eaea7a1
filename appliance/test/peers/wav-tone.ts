/**
 * WAV reading and tone detection (Goertzel) for checking what a peer sent or received.
 *
 * Reads 16-bit PCM WAV at any rate and channel count (channels are mixed to mono). Tolerates
 * headers whose RIFF/data sizes are 0 or 0xFFFFFFFF or larger than the file, as left behind by
 * a writer that was killed before it could patch them: the data then runs to the end of file.
 *
 * The level of a tone in a window is the share of the window's energy that a sine at that
 * frequency explains: 1 for a pure tone, about 0 for silence, noise or another tone.
 * It is estimated with the Goertzel algorithm over Hann-windowed blocks.
 */
import { readFile } from 'node:fs/promises';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Mono mix, scaled to -1..1. */
  samples: Float32Array;
  durationSeconds: number;
}

export function parseWav(buf: Buffer): WavAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | null = null;
  let data: Buffer | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const declared = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && declared >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE sub-format
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      // A killed writer leaves 0 (or a placeholder) here: take everything up to the end of file.
      const truncated = declared === 0 || declared === 0xffffffff || body + declared > buf.length;
      data = buf.subarray(body, truncated ? buf.length : body + declared);
      break;
    }
    if (declared === 0 || declared === 0xffffffff) break;
    offset = body + declared + (declared % 2);
  }
  if (!fmt) throw new Error('WAV file has no fmt chunk');
  if (!data) throw new Error('WAV file has no data chunk');
  if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`only 16-bit PCM WAV is supported (format ${fmt.format}, ${fmt.bits} bits)`);
  if (fmt.channels < 1 || fmt.sampleRate < 1) throw new Error('WAV file has a broken fmt chunk');
  const frameBytes = 2 * fmt.channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < fmt.channels; c++) sum += data.readInt16LE(i * frameBytes + c * 2);
    samples[i] = sum / fmt.channels / 32768;
  }
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples, durationSeconds: frames / fmt.sampleRate };
}

export async function readWav(file: string): Promise<WavAudio> {
  return parseWav(await readFile(file));
}

export interface ToneWindow {
  startSeconds: number;
  /** Share of the window's energy explained by the tone, 0..1 (0 for near-silent windows). */
  toneRatio: number;
  /** Window RMS in dBFS (-Infinity for digital silence). */
  rmsDbfs: number;
}

export interface ToneAnalysisOptions {
  /** Window length in seconds (default 0.05; frequency resolution about 2 / window). */
  windowSeconds?: number;
  /** Windows quieter than this are never a tone (default -50 dBFS). */
  minRmsDbfs?: number;
  /** A window holds the tone when its toneRatio is at least this (default 0.5). */
  minRatio?: number;
}

export interface ToneAnalysis {
  windows: ToneWindow[];
  /** Total duration of the windows holding the tone. */
  toneSeconds: number;
  /** Longest run of consecutive windows holding the tone. */
  longestRunSeconds: number;
  maxRatio: number;
  durationSeconds: number;
}

/** Tone level of `hz` in consecutive windows of the audio. */
export function analyzeTone(audio: WavAudio, hz: number, options: ToneAnalysisOptions = {}): ToneAnalysis {
  const windowSeconds = options.windowSeconds ?? 0.05;
  const minRmsDbfs = options.minRmsDbfs ?? -50;
  const minRatio = options.minRatio ?? 0.5;
  const n = Math.max(16, Math.round(windowSeconds * audio.sampleRate));
  const hann = new Float32Array(n);
  let hannSum = 0;
  for (let i = 0; i < n; i++) {
    hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    hannSum += hann[i]!;
  }
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / audio.sampleRate);
  const windows: ToneWindow[] = [];
  let toneWindows = 0;
  let run = 0;
  let longestRun = 0;
  let maxRatio = 0;
  for (let start = 0; start + n <= audio.samples.length; start += n) {
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const x = audio.samples[start + i]!;
      energy += x * x;
      const s0 = x * hann[i]! + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2; // |X(hz)|^2
    const rms = Math.sqrt(energy / n);
    const rmsDbfs = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
    let toneRatio = 0;
    if (rmsDbfs >= minRmsDbfs) {
      // Amplitude of the sine that would produce this bin value, and that sine's energy.
      const amplitude = (2 * Math.sqrt(Math.max(0, power))) / hannSum;
      toneRatio = Math.min(1, (amplitude * amplitude * n) / 2 / energy);
    }
    maxRatio = Math.max(maxRatio, toneRatio);
    if (toneRatio >= minRatio) {
      toneWindows++;
      run++;
      longestRun = Math.max(longestRun, run);
    } else {
      run = 0;
    }
    windows.push({ startSeconds: start / audio.sampleRate, toneRatio, rmsDbfs });
  }
  const seconds = n / audio.sampleRate;
  return {
    windows,
    toneSeconds: toneWindows * seconds,
    longestRunSeconds: longestRun * seconds,
    maxRatio,
    durationSeconds: audio.durationSeconds,
  };
}

export interface HasToneOptions extends ToneAnalysisOptions {
  /** Minimum total duration of the tone (default 1 s). */
  minSeconds?: number;
}

/** True when the WAV file holds the tone `hz` for at least `minSeconds` in total. */
export async function hasTone(file: string, hz: number, options: HasToneOptions = {}): Promise<boolean> {
  const analysis = analyzeTone(await readWav(file), hz, options);
  return analysis.toneSeconds >= (options.minSeconds ?? 1);
}

/** Amplitude (0..1) of a sine at `freqHz` in one block of samples (plain Goertzel, no window). */
export function goertzelAmplitude(block: ArrayLike<number>, sampleRate: number, freqHz: number): number {
  const n = block.length;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (block[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(power, 0))) / n;
}

/** Median tone amplitude over 100 ms blocks (robust to dropouts and packet-loss concealment). */
export function toneAmplitude(audio: WavAudio, freqHz: number): number {
  const blockSize = Math.round(audio.sampleRate / 10);
  const amps: number[] = [];
  for (let start = 0; start + blockSize <= audio.samples.length; start += blockSize) {
    amps.push(goertzelAmplitude(audio.samples.subarray(start, start + blockSize), audio.sampleRate, freqHz));
  }
  if (amps.length === 0) return 0;
  amps.sort((a, b) => a - b);
  return amps[Math.floor(amps.length / 2)] ?? 0;
}
