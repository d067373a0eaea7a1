import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, LOOP_GAIN_MAX_DB, applyControl, controlsAfterCall, restoreControls } from '../../../src/core/controls.js';

describe('controls', () => {
  it('volume steps clamp at 0 and 100 and unmute the speaker', () => {
    let c = applyControl(DEFAULT_CONTROLS, { type: 'speaker-mute', muted: true }, 'bedside');
    for (let i = 0; i < 8; i++) c = applyControl(c, { type: 'speaker-volume-step', direction: 'up' }, 'bedside');
    expect(c).toMatchObject({ speakerVolume: 100, speakerMuted: false });
    for (let i = 0; i < 15; i++) c = applyControl(c, { type: 'speaker-volume-step', direction: 'down' }, 'bedside');
    expect(c.speakerVolume).toBe(0);
  });

  it('refuses out-of-range values and IT-only changes with E_CONTROL_INVALID, leaving the input unchanged', () => {
    for (const volume of [-1, 101, 50.5, Number.NaN]) {
      expect(() => applyControl(DEFAULT_CONTROLS, { type: 'speaker-volume', volume }, 'it')).toThrow(expect.objectContaining({ code: 'E_CONTROL_INVALID' }));
    }
    expect(() => applyControl(DEFAULT_CONTROLS, { type: 'loop-gain', gainDb: 2 }, 'bedside')).toThrow(expect.objectContaining({ code: 'E_CONTROL_INVALID' }));
    expect(() => applyControl(DEFAULT_CONTROLS, { type: 'loop-gain', gainDb: LOOP_GAIN_MAX_DB + 1 }, 'it')).toThrow(expect.objectContaining({ code: 'E_CONTROL_INVALID' }));
    expect(DEFAULT_CONTROLS.loopGainDb).toBe(0);
    expect(Object.isFrozen(applyControl(DEFAULT_CONTROLS, { type: 'loop', enabled: true }, 'bedside'))).toBe(true);
  });

  it('a finished call clears mute and privacy but keeps volume and loop', () => {
    const inCall = { ...DEFAULT_CONTROLS, micMuted: true, cameraPrivate: true, speakerMuted: true, speakerVolume: 80, loopEnabled: true };
    expect(controlsAfterCall(inCall)).toEqual({ ...inCall, micMuted: false, cameraPrivate: false, speakerMuted: false });
  });

  it('restores persisted values and drops corrupt ones', () => {
    expect(restoreControls({ speakerVolume: 30, loopEnabled: true, loopGainDb: -6 })).toMatchObject({ speakerVolume: 30, loopEnabled: true, loopGainDb: -6 });
    expect(restoreControls({ speakerVolume: 'loud', loopEnabled: 1, loopGainDb: 99 })).toEqual(DEFAULT_CONTROLS);
  });
});
