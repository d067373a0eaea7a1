/** The dominant tone in the loud parts of a recording (a beeping far end is silent between beeps). */
import { goertzelAmplitude, type WavAudio } from '../peers/wav-tone.js';

export interface DominantTone {
  hz: number;
  /** Amplitude at `hz` over the median amplitude across the scanned band, in dB. */
  peakToMedianDb: number;
  loudBlocks: number;
}

export function dominantTone(audio: WavAudio, band: { minHz: number; maxHz: number; stepHz: number } = { minHz: 150, maxHz: 4000, stepHz: 10 }): DominantTone {
  const blockSize = Math.round(audio.sampleRate / 20);
  const blocks: { start: number; rms: number }[] = [];
  for (let start = 0; start + blockSize <= audio.samples.length; start += blockSize) {
    let sum = 0;
    for (let i = start; i < start + blockSize; i++) sum += (audio.samples[i] ?? 0) ** 2;
    blocks.push({ start, rms: Math.sqrt(sum / blockSize) });
  }
  const maxRms = Math.max(0, ...blocks.map((b) => b.rms));
  const loud = blocks.filter((b) => maxRms > 0 && b.rms >= maxRms * 0.5).sort((a, b) => b.rms - a.rms).slice(0, 20);
  if (loud.length === 0) return { hz: 0, peakToMedianDb: -Infinity, loudBlocks: 0 };
  const amps: { hz: number; amp: number }[] = [];
  for (let hz = band.minHz; hz <= band.maxHz; hz += band.stepHz) {
    let total = 0;
    for (const b of loud) total += goertzelAmplitude(audio.samples.subarray(b.start, b.start + blockSize), audio.sampleRate, hz);
    amps.push({ hz, amp: total / loud.length });
  }
  const best = amps.reduce((a, b) => (b.amp > a.amp ? b : a));
  const sorted = amps.map((a) => a.amp).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return { hz: best.hz, peakToMedianDb: 20 * Math.log10(best.amp / Math.max(median, 1e-9)), loudBlocks: loud.length };
}
