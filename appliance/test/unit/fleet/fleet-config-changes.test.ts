import { describe, expect, it } from 'vitest';
import { classifyChanges } from '../../../src/fleet/config-changes.js';

const audio = { speakerVolumePercent: 60, loop: { enabled: false, gainDb: 0 } };
const base = { unit: { id: 'u' }, rooms: { ownRoomUri: 'sip:a@b', meetings: [] }, sip: { proxy: { host: 'p' } }, log: { level: 'info' } };

describe('classifyChanges', () => {
  it('finds nothing to do for an identical config', () => {
    expect(classifyChanges(base, structuredClone(base), audio, structuredClone(audio))).toEqual({ changed: [], hot: [], restart: [] });
  });
  it('hot-applies rooms and audio', () => {
    const next = { ...base, rooms: { ownRoomUri: 'sip:c@d', meetings: [] } };
    expect(classifyChanges(base, next, audio, { ...audio, speakerVolumePercent: 80 })).toEqual({ changed: ['rooms', 'audio'], hot: ['rooms', 'audio'], restart: [] });
  });
  it('restarts for SIP, log and sections only one side has', () => {
    const next = { ...base, sip: { proxy: { host: 'q' } }, log: { level: 'debug' }, media: {} };
    expect(classifyChanges(base, next, audio, audio)).toEqual({ changed: ['log', 'media', 'sip'], hot: [], restart: ['log', 'media', 'sip'] });
  });
  it('treats the first bundle audio as a change', () => {
    expect(classifyChanges(base, base, null, audio).hot).toEqual(['audio']);
  });
});
