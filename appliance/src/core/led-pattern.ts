/**
 * The start button's status LED: one pattern for the call state and the unit's conditions.
 *
 *   name          color  mode   periodMs  shown when
 *   ------------  -----  -----  --------  ---------------------------------------------------
 *   fault         amber  pulse  2000      any state, a hardware fault (stuck button, loop
 *                                          amplifier, camera gone): wins over everything
 *   muted         red    solid  0         in-call, microphone muted (far end hears nothing)
 *   private       blue   pulse  3000      in-call, camera private (far end sees nothing)
 *   off           none   off    0         idle in standby (night: no light at the bedside)
 *   ready         green  solid  0         idle
 *   joining       green  blink  1000      joining
 *   in-call       blue   solid  0         in-call
 *   leaving       blue   blink  500       leaving
 *   call-failed   red    blink  1000      failed (the screen says whether to press again)
 *
 * Precedence: fault > muted > private > standby > the state's own pattern.
 * muted and private change only the in-call pattern: they warn the people in the room what
 * the far end cannot hear or see, and outside a call nothing is sent. Standby darkens only
 * idle: a call, a failure or a fault is always shown. Every pattern differs from the others
 * in colour or mode, not just in speed, so it reads at a glance; blink periods are on+off.
 */
import type { CallState } from './call-state.js';

export type LedColor = 'none' | 'green' | 'blue' | 'red' | 'amber';
export type LedMode = 'solid' | 'blink' | 'pulse' | 'off';

export interface LedPattern {
  readonly name: LedPatternName;
  readonly color: LedColor;
  readonly mode: LedMode;
  /** Full cycle for blink and pulse; 0 for solid and off. */
  readonly periodMs: number;
}

export type LedPatternName = 'fault' | 'muted' | 'private' | 'off' | 'ready' | 'joining' | 'in-call' | 'leaving' | 'call-failed';

export interface LedConditions {
  micMuted?: boolean;
  cameraPrivate?: boolean;
  fault?: boolean;
  standby?: boolean;
}

function pattern(name: LedPatternName, color: LedColor, mode: LedMode, periodMs: number): LedPattern {
  return Object.freeze({ name, color, mode, periodMs });
}

export const LED_PATTERNS: Readonly<Record<LedPatternName, LedPattern>> = Object.freeze({
  'fault': pattern('fault', 'amber', 'pulse', 2000),
  'muted': pattern('muted', 'red', 'solid', 0),
  'private': pattern('private', 'blue', 'pulse', 3000),
  'off': pattern('off', 'none', 'off', 0),
  'ready': pattern('ready', 'green', 'solid', 0),
  'joining': pattern('joining', 'green', 'blink', 1000),
  'in-call': pattern('in-call', 'blue', 'solid', 0),
  'leaving': pattern('leaving', 'blue', 'blink', 500),
  'call-failed': pattern('call-failed', 'red', 'blink', 1000),
});

const STATE_PATTERN: Readonly<Record<CallState, LedPatternName>> = {
  'idle': 'ready',
  'joining': 'joining',
  'in-call': 'in-call',
  'leaving': 'leaving',
  'failed': 'call-failed',
};

export function ledPatternFor(state: CallState, conditions: LedConditions = {}): LedPattern {
  if (conditions.fault) return LED_PATTERNS['fault'];
  if (state === 'in-call' && conditions.micMuted) return LED_PATTERNS['muted'];
  if (state === 'in-call' && conditions.cameraPrivate) return LED_PATTERNS['private'];
  if (state === 'idle' && conditions.standby) return LED_PATTERNS['off'];
  return LED_PATTERNS[STATE_PATTERN[state]];
}
