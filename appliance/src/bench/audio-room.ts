/**
 * Test signals made on the machine: speech from espeak-ng (several voices) and a simulated
 * bedside room from sox (delay, reverberation, a little loudspeaker distortion, background
 * noise). Every file is 48 kHz mono 16-bit, the format of the unit's audio chains.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const FORMAT = ['-r', '48000', '-c', '1', '-b', '16'];

function sox(args: string[]): void {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** espeak-ng speech, resampled to 48 kHz and normalised to `rmsDbfs` (roughly; sox norm sets the peak). */
export function speech(dir: string, name: string, voice: string, text: string, peakDbfs = -3): string {
  const raw = join(dir, `${name}-raw.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', raw, text], { stdio: ['ignore', 'ignore', 'pipe'] });
  sox([raw, ...FORMAT, out, 'norm', String(peakDbfs)]);
  return out;
}

/** `input` padded with `beforeS` of silence and cut or padded to `totalS`. */
export function place(dir: string, name: string, input: string, beforeS: number, totalS: number): string {
  const out = join(dir, `${name}.wav`);
  sox([input, ...FORMAT, out, 'pad', String(beforeS), String(totalS), 'trim', '0', String(totalS)]);
  return out;
}

export function concat(dir: string, name: string, inputs: string[]): string {
  const out = join(dir, `${name}.wav`);
  sox([...inputs, ...FORMAT, out]);
  return out;
}

export function silence(dir: string, name: string, seconds: number): string {
  const out = join(dir, `${name}.wav`);
  sox(['-n', ...FORMAT, out, 'trim', '0', String(seconds)]);
  return out;
}

export function gain(dir: string, name: string, input: string, db: number): string {
  const out = join(dir, `${name}.wav`);
  sox([input, ...FORMAT, out, 'gain', String(db)]);
  return out;
}

export interface RoomOptions {
  /** Loudspeaker to microphone, plus the devices' buffers: what the canceller must find (s). */
  delayS: number;
  /** Echo path gain (dB): the speaker is close to the microphone. */
  echoGainDb: number;
  /** Background noise (pink), dBFS RMS. */
  noiseDbfs: number;
}

export const DEFAULT_ROOM: RoomOptions = { delayS: 0.06, echoGainDb: -8, noiseDbfs: -62 };

/** What the microphone hears of `played` through the room (no noise), same length as `played`. */
export function echoOf(dir: string, name: string, played: string, seconds: number, room: RoomOptions = DEFAULT_ROOM): string {
  const out = join(dir, `${name}.wav`);
  // Overdrive: a small loudspeaker driven hard; reverb: a small furnished room.
  sox([played, ...FORMAT, out, 'overdrive', '4', '10', 'gain', '-3', 'reverb', '25', '50', '30', 'delay', String(room.delayS), 'gain', String(room.echoGainDb), 'trim', '0', String(seconds)]);
  return out;
}

export function noise(dir: string, name: string, seconds: number, dbfs: number): string {
  const out = join(dir, `${name}.wav`);
  // Pink noise at full scale has about -11 dBFS RMS after sox's default 'vol'; scaled from there.
  sox(['-n', ...FORMAT, out, 'synth', String(seconds), 'pinknoise', 'gain', String(dbfs + 11)]);
  return out;
}

export function mix(dir: string, name: string, inputs: string[]): string {
  const out = join(dir, `${name}.wav`);
  if (inputs.length === 1) sox([inputs[0]!, ...FORMAT, out]);
  else sox(['-m', ...inputs, ...FORMAT, out]);
  return out;
}

/** Stepped sine sweep: each frequency for `stepS` at `dbfs` RMS; returns the file and the step plan. */
export function steppedSweep(dir: string, name: string, freqs: number[], stepS: number, dbfs: number): string {
  const amp = 10 ** (dbfs / 20) * Math.SQRT2;
  const parts = freqs.map((f, i) => {
    const part = join(dir, `${name}-${i}.wav`);
    sox(['-n', ...FORMAT, part, 'synth', String(stepS), 'sine', String(f), 'vol', amp.toFixed(6)]);
    return part;
  });
  return concat(dir, name, parts);
}
