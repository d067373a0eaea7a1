/**
 * What the people at the bedside and IT can change during a meeting: microphone mute,
 * camera privacy, speaker volume and mute, the hearing loop and its gain.
 *
 *   control        who            persists   range / step
 *   -------------  -------------  ---------  -------------------------------------------
 *   micMuted       anyone         no         reset when a call ends (never start muted)
 *   cameraPrivate  anyone         no         reset when a call ends
 *   speakerVolume  anyone         yes        0..100, buttons step by VOLUME_STEP
 *   speakerMuted   anyone         no         reset when a call ends
 *   loopEnabled    anyone         yes        on/off, independent of the speaker
 *   loopGainDb     IT only        yes        LOOP_GAIN_MIN_DB..LOOP_GAIN_MAX_DB, calibration
 *
 * Pure: the controller persists the result and hands it to the media engine.
 */
import { ApplianceError } from './errors.js';

export interface Controls {
  readonly micMuted: boolean;
  readonly cameraPrivate: boolean;
  /** 0..100, perceptual (the engine maps it to gain). */
  readonly speakerVolume: number;
  readonly speakerMuted: boolean;
  readonly loopEnabled: boolean;
  /** Gain on top of the loop's calibrated reference level. */
  readonly loopGainDb: number;
}

export type ControlRole = 'bedside' | 'it';

export type ControlAction =
  | { type: 'mic-mute'; muted: boolean }
  | { type: 'camera-private'; private: boolean }
  | { type: 'speaker-volume'; volume: number }
  | { type: 'speaker-volume-step'; direction: 'up' | 'down' }
  | { type: 'speaker-mute'; muted: boolean }
  | { type: 'loop'; enabled: boolean }
  | { type: 'loop-gain'; gainDb: number };

export const VOLUME_STEP = 10;
export const LOOP_GAIN_MIN_DB = -20;
export const LOOP_GAIN_MAX_DB = 12;

export const DEFAULT_CONTROLS: Controls = Object.freeze({
  micMuted: false,
  cameraPrivate: false,
  speakerVolume: 60,
  speakerMuted: false,
  loopEnabled: false,
  loopGainDb: 0,
});

/** The controls kept across restarts and calls (store keys are `controls.<name>`). */
export const PERSISTED_CONTROLS = ['speakerVolume', 'loopEnabled', 'loopGainDb'] as const satisfies readonly (keyof Controls)[];

function invalid(message: string, detail: Record<string, unknown>): ApplianceError {
  return new ApplianceError('E_CONTROL_INVALID', message, detail);
}

function checkVolume(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 100) throw invalid('volume must be an integer 0..100', { field: 'speakerVolume', value: v });
  return v;
}

/** The controls after `action`, or E_CONTROL_INVALID (out of range, or IT-only for a bedside user). */
export function applyControl(current: Controls, action: ControlAction, role: ControlRole): Controls {
  switch (action.type) {
    case 'mic-mute': return Object.freeze({ ...current, micMuted: action.muted });
    case 'camera-private': return Object.freeze({ ...current, cameraPrivate: action.private });
    case 'speaker-volume': return Object.freeze({ ...current, speakerVolume: checkVolume(action.volume), speakerMuted: false });
    case 'speaker-volume-step': {
      const delta = action.direction === 'up' ? VOLUME_STEP : -VOLUME_STEP;
      const volume = Math.min(100, Math.max(0, current.speakerVolume + delta));
      return Object.freeze({ ...current, speakerVolume: volume, speakerMuted: false });
    }
    case 'speaker-mute': return Object.freeze({ ...current, speakerMuted: action.muted });
    case 'loop': return Object.freeze({ ...current, loopEnabled: action.enabled });
    case 'loop-gain': {
      if (role !== 'it') throw invalid('the loop gain is set by IT only', { field: 'loopGainDb', role });
      const g = action.gainDb;
      if (!Number.isFinite(g) || g < LOOP_GAIN_MIN_DB || g > LOOP_GAIN_MAX_DB) {
        throw invalid(`loop gain must be ${LOOP_GAIN_MIN_DB}..${LOOP_GAIN_MAX_DB} dB`, { field: 'loopGainDb', value: g });
      }
      return Object.freeze({ ...current, loopGainDb: Math.round(g * 10) / 10 });
    }
  }
}

/** What a call ending resets: nobody should find the next meeting muted or private. */
export function controlsAfterCall(current: Controls): Controls {
  return Object.freeze({ ...current, micMuted: false, cameraPrivate: false, speakerMuted: false });
}

/** Merges persisted values over the defaults, dropping anything out of range. */
export function restoreControls(saved: Partial<Record<(typeof PERSISTED_CONTROLS)[number], unknown>>): Controls {
  const out: { -readonly [K in keyof Controls]: Controls[K] } = { ...DEFAULT_CONTROLS };
  const v = saved.speakerVolume;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100) out.speakerVolume = v;
  if (typeof saved.loopEnabled === 'boolean') out.loopEnabled = saved.loopEnabled;
  const g = saved.loopGainDb;
  if (typeof g === 'number' && Number.isFinite(g) && g >= LOOP_GAIN_MIN_DB && g <= LOOP_GAIN_MAX_DB) out.loopGainDb = g;
  return Object.freeze(out);
}
