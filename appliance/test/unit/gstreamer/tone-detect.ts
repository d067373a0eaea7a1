/** Test helpers: read 16-bit PCM WAV files and measure a tone with the Goertzel algorithm. */

export interface Pcm {
  sampleRate: number;
  channels: number;
  /** Interleaved samples scaled to [-1, 1). */
  samples: Float32Array;
}

/** Parses RIFF/WAVE with 16-bit PCM; a `data` size of 0 or beyond the file (header not finalised) means "to the end". */
export function parseWav(file: Buffer): Pcm {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (file.readUInt16LE(body) !== 1 || file.readUInt16LE(body + 14) !== 16) throw new Error('not 16-bit PCM');
      channels = file.readUInt16LE(body + 2);
      sampleRate = file.readUInt32LE(body + 4);
    } else if (id === 'data') {
      const end = size === 0 || body + size > file.length ? file.length : body + size;
      const count = Math.floor((end - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = file.readInt16LE(body + 2 * i) / 32768;
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

/** Amplitude (0..1) of a sine at `freqHz` in one block of mono samples. */
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

/** Median tone amplitude over 100 ms blocks of the first channel (robust to dropouts and PLC). */
export function toneAmplitude(pcm: Pcm, freqHz: number): number {
  const mono = pcm.channels > 1 ? pcm.samples.filter((_, i) => i % pcm.channels === 0) : pcm.samples;
  const blockSize = Math.round(pcm.sampleRate / 10);
  const amps: number[] = [];
  for (let start = 0; start + blockSize <= mono.length; start += blockSize) {
    amps.push(goertzelAmplitude(mono.subarray(start, start + blockSize), pcm.sampleRate, freqHz));
  }
  if (amps.length === 0) return 0;
  amps.sort((a, b) => a - b);
  return amps[Math.floor(amps.length / 2)] ?? 0;
}
