import { describe, expect, it } from 'vitest';
import { LED_PATTERNS, ledPatternFor, type LedConditions, type LedPatternName } from '../../../src/core/led-pattern.js';
import { CALL_STATES, type CallState } from '../../../src/core/call-state.js';

describe('ledPatternFor', () => {
  it.each<[CallState, LedPatternName, string, string, number]>([
    ['idle', 'ready', 'green', 'solid', 0],
    ['joining', 'joining', 'green', 'blink', 1000],
    ['in-call', 'in-call', 'blue', 'solid', 0],
    ['leaving', 'leaving', 'blue', 'blink', 500],
    ['failed', 'call-failed', 'red', 'blink', 1000],
  ])('%s with no conditions -> %s (%s %s %d ms)', (state, name, color, mode, periodMs) => {
    expect(ledPatternFor(state)).toEqual({ name, color, mode, periodMs });
    expect(ledPatternFor(state, { micMuted: false, cameraPrivate: false, fault: false, standby: false }).name).toBe(name);
  });

  it('shows a fault in every state, over every other condition', () => {
    const all: LedConditions = { fault: true, micMuted: true, cameraPrivate: true, standby: true };
    for (const state of CALL_STATES) expect(ledPatternFor(state, all)).toBe(LED_PATTERNS.fault);
  });

  it('in a call: muted beats private, private beats plain in-call', () => {
    expect(ledPatternFor('in-call', { micMuted: true, cameraPrivate: true }).name).toBe('muted');
    expect(ledPatternFor('in-call', { micMuted: true }).name).toBe('muted');
    expect(ledPatternFor('in-call', { cameraPrivate: true }).name).toBe('private');
  });

  it('outside a call, muted and private do not change the pattern', () => {
    for (const state of ['idle', 'joining', 'leaving', 'failed'] as const) {
      expect(ledPatternFor(state, { micMuted: true, cameraPrivate: true })).toBe(ledPatternFor(state));
    }
  });

  it('standby darkens only idle', () => {
    expect(ledPatternFor('idle', { standby: true })).toEqual({ name: 'off', color: 'none', mode: 'off', periodMs: 0 });
    for (const state of ['joining', 'in-call', 'leaving', 'failed'] as const) {
      expect(ledPatternFor(state, { standby: true })).toBe(ledPatternFor(state));
    }
  });
});

describe('LED_PATTERNS', () => {
  const patterns = Object.values(LED_PATTERNS);

  it('keys each pattern by its own name and freezes it', () => {
    for (const [key, p] of Object.entries(LED_PATTERNS)) {
      expect(p.name).toBe(key);
      expect(Object.isFrozen(p)).toBe(true);
    }
  });

  it('tells every pattern apart by colour or mode, not by speed alone', () => {
    const looks = patterns.map((p) => `${p.color}/${p.mode}`);
    expect(new Set(looks).size).toBe(patterns.length);
  });

  it('gives a period exactly to blinking and pulsing patterns', () => {
    for (const p of patterns) {
      if (p.mode === 'blink' || p.mode === 'pulse') expect(p.periodMs).toBeGreaterThan(0);
      else expect(p.periodMs).toBe(0);
      expect(p.mode === 'off').toBe(p.color === 'none');
    }
  });

  it('every pattern is reachable from some state and conditions', () => {
    const reached = new Set<string>();
    const flags = [false, true];
    for (const state of CALL_STATES) {
      for (const fault of flags) for (const micMuted of flags) for (const cameraPrivate of flags) for (const standby of flags) {
        reached.add(ledPatternFor(state, { fault, micMuted, cameraPrivate, standby }).name);
      }
    }
    expect([...reached].sort()).toEqual(Object.keys(LED_PATTERNS).sort());
  });
});
