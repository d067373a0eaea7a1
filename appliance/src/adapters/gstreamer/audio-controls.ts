/**
 * How the controls of core/controls.ts map onto element properties of the audio and video
 * chains. Pure: the builders put the values in the launch line (so a pipeline starts in the
 * right state) and the engine writes the same values into running elements.
 */
import type { Controls } from '../../core/controls.js';

/** Speaker gain at volume 100 and the span below it: 0..100 maps linearly in dB onto -30..+6 dB. */
export const SPEAKER_MAX_GAIN_DB = 6;
export const SPEAKER_RANGE_DB = 36;

/** Linear gain for the speaker's `volume` element; 0 is silence. */
export function speakerGain(volume: number): number {
  const v = Math.min(100, Math.max(0, volume));
  if (v === 0) return 0;
  const db = SPEAKER_MAX_GAIN_DB - SPEAKER_RANGE_DB * (1 - v / 100);
  return roundGain(10 ** (db / 20));
}

/** Linear gain of the loop's own gain stage (on top of its calibrated reference level). */
export function loopGain(gainDb: number): number {
  return roundGain(10 ** (gainDb / 20));
}

export interface ElementProperties {
  [element: string]: Record<string, number | boolean>;
}

/** videobalance values: contrast 0 and brightness -1 give a black picture; defaults are a passthrough. */
const PRIVATE_PICTURE = { contrast: 0, brightness: -1, saturation: 0 };
const OPEN_PICTURE = { contrast: 1, brightness: 0, saturation: 1 };

/** Every property the controls set, by element name (names from media-fragments EL). */
export function controlProperties(c: Controls): ElementProperties {
  return {
    mic_mute: { mute: c.micMuted },
    speaker_volume: { volume: speakerGain(c.speakerVolume), mute: c.speakerMuted },
    loop_gain: { volume: loopGain(c.loopGainDb), mute: !c.loopEnabled },
    camera_privacy: c.cameraPrivate ? { ...PRIVATE_PICTURE } : { ...OPEN_PICTURE },
  };
}

/** `name=value` pairs for a launch line (booleans as true/false, gains with 6 decimals). */
export function launchProperties(props: Record<string, number | boolean>): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? String(v) : formatNumber(v)}`)
    .join(' ');
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(6);
}

function roundGain(g: number): number {
  return Math.round(g * 1e6) / 1e6;
}
