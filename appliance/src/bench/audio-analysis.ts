/**
 * Measurements on PCM audio for the audio benchmark and tests: WAV parsing, frame powers,
 * echo return loss enhancement (ERLE), convergence, tone levels. Pure.
 */
export interface Pcm {
  rate: number;
  /** First channel, -1..1. */
  samples: Float32Array;
}

/** 16-bit PCM WAV (any channel count; the first channel is kept). */
export function parseWav16(buf: Buffer): Pcm {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let rate = 0;
  let channels = 1;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      if (buf.readUInt16LE(body + 14) !== 16) throw new Error('only 16-bit PCM WAV');
    } else if (id === 'data') {
      // A stream cut short (or a header written before the end) says 0 or too much: take what is there.
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      const frames = Math.floor(size / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * channels) / 32768;
      return { rate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

export function toDb(power: number): number {
  return 10 * Math.log10(Math.max(power, 1e-20));
}

/** Mean square per frame of `frameS` seconds. */
export function framePowers(pcm: Pcm, frameS: number): Float64Array {
  const n = Math.max(1, Math.round(pcm.rate * frameS));
  const frames = Math.floor(pcm.samples.length / n);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * n; i < (f + 1) * n; i++) sum += pcm.samples[i]! ** 2;
    out[f] = sum / n;
  }
  return out;
}

/** RMS level (dBFS) of [startS, startS + lenS). */
export function rmsDb(pcm: Pcm, startS: number, lenS: number): number {
  const a = Math.max(0, Math.floor(startS * pcm.rate));
  const b = Math.min(pcm.samples.length, Math.floor((startS + lenS) * pcm.rate));
  let sum = 0;
  for (let i = a; i < b; i++) sum += pcm.samples[i]! ** 2;
  return toDb(b > a ? sum / (b - a) : 0);
}

/** Level (dBFS, as the RMS of a sine) of one frequency in [startS, startS + lenS), by Goertzel. */
export function toneDb(pcm: Pcm, freqHz: number, startS: number, lenS: number): number {
  const a = Math.max(0, Math.floor(startS * pcm.rate));
  const n = Math.min(pcm.samples.length, Math.floor((startS + lenS) * pcm.rate)) - a;
  if (n <= 0) return -Infinity;
  const w = (2 * Math.PI * freqHz) / pcm.rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    // Hann window against leakage from neighbouring steps.
    const x = pcm.samples[a + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const magnitude = Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2));
  // Hann window coherent gain 0.5; amplitude = 2|X|/(0.5 n); RMS = amplitude / sqrt 2.
  const amplitude = (2 * magnitude) / (0.5 * n);
  return 20 * Math.log10(Math.max(amplitude / Math.SQRT2, 1e-10));
}

export interface ErlePoint {
  /** Window start, seconds. */
  t: number;
  erleDb: number;
}

/**
 * ERLE over sliding windows: power into the canceller (microphone) over power out, counted
 * only in frames where the echo alone is active (its frame power above `activeDb`).
 */
export function erleSeries(mic: Float64Array, out: Float64Array, echo: Float64Array, frameS: number, windowFrames: number, activeDb: number): ErlePoint[] {
  const n = Math.min(mic.length, out.length, echo.length);
  const points: ErlePoint[] = [];
  for (let start = 0; start + windowFrames <= n; start++) {
    let pin = 0;
    let pout = 0;
    let active = 0;
    for (let f = start; f < start + windowFrames; f++) {
      if (toDb(echo[f]!) < activeDb) continue;
      pin += mic[f]!;
      pout += out[f]!;
      active++;
    }
    if (active >= windowFrames / 2) points.push({ t: start * frameS, erleDb: toDb(pin) - toDb(pout) });
  }
  return points;
}

/** ERLE over every echo-active frame from `fromS` on. */
export function meanErleDb(mic: Float64Array, out: Float64Array, echo: Float64Array, frameS: number, fromS: number, activeDb: number): number {
  let pin = 0;
  let pout = 0;
  const n = Math.min(mic.length, out.length, echo.length);
  for (let f = Math.ceil(fromS / frameS); f < n; f++) {
    if (toDb(echo[f]!) < activeDb) continue;
    pin += mic[f]!;
    pout += out[f]!;
  }
  return toDb(pin) - toDb(pout);
}

/** First time from which ERLE stays at or above `thresholdDb` for `holdS`; null when it never does. */
export function convergenceS(series: readonly ErlePoint[], thresholdDb: number, holdS: number): number | null {
  for (let i = 0; i < series.length; i++) {
    const start = series[i]!.t;
    let ok = true;
    let reached = false;
    for (let j = i; j < series.length && series[j]!.t <= start + holdS; j++) {
      if (series[j]!.erleDb < thresholdDb) {
        ok = false;
        break;
      }
      if (series[j]!.t >= start + holdS * 0.9) reached = true;
    }
    if (ok && reached) return start;
  }
  return null;
}

/** Ratio (dB) of the power of `a` over `b` in the frames where `mask` is active. */
export function maskedRatioDb(a: Float64Array, b: Float64Array, mask: Float64Array, activeDb: number): number {
  let pa = 0;
  let pb = 0;
  const n = Math.min(a.length, b.length, mask.length);
  for (let f = 0; f < n; f++) {
    if (toDb(mask[f]!) < activeDb) continue;
    pa += a[f]!;
    pb += b[f]!;
  }
  return toDb(pa) - toDb(pb);
}
