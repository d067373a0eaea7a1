import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.js';
import { parseConfigText } from '../../../src/config/load.js';
import { ApplianceError } from '../../../src/core/errors.js';

const minimal = () => ({
  unit: { id: 'BVU-0001', name: 'Ward 4 bed 2' },
  rooms: { ownRoomUri: 'sip:ward4-bed2@meet.example.org' },
  sip: { proxy: { host: 'sip.example.org' } },
  media: {}, hardware: {}, lab: {}, server: {}, store: {}, log: {}, ui: {},
});

function codeAndField(fn: () => unknown): { code: string; field: unknown; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApplianceError);
    const err = e as ApplianceError;
    return { code: err.code, field: err.detail.field, message: err.message };
  }
  throw new Error('expected a throw');
}

describe('validateConfig', () => {
  it('fills defaults and freezes the result deeply', () => {
    const c = validateConfig(minimal());
    expect(c.sip.transport).toBe('tls');
    expect(c.lab.allowPlainRtp).toBe(false);
    expect(c.sip.allowInboundFrom).toEqual([]);
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.rooms.joinWindow.minutesBefore).toBe(15);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.sip.proxy)).toBe(true);
    expect(() => { (c.sip as { transport: string }).transport = 'tcp'; }).toThrow(TypeError);
  });

  it('does not mutate its input', () => {
    const raw = minimal();
    validateConfig(raw);
    expect(raw.sip).toEqual({ proxy: { host: 'sip.example.org' } });
  });

  it('names an unknown field', () => {
    const raw = { ...minimal(), sip: { proxy: { host: 'h' }, pasword: 'x' } };
    const r = codeAndField(() => validateConfig(raw));
    expect(r.code).toBe('E_CONFIG_INVALID');
    expect(r.field).toBe('sip.pasword');
  });

  it('names a missing required field', () => {
    const raw = minimal() as Record<string, unknown>;
    delete raw.rooms;
    const r = codeAndField(() => validateConfig(raw));
    expect(r.field).toBe('rooms');
  });

  it('names a wrongly typed nested field', () => {
    const raw = { ...minimal(), sip: { proxy: { host: 'h', port: 'five' } } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('sip.proxy.port');
  });

  it('rejects a room that is not a SIP URI', () => {
    const raw = { ...minimal(), rooms: { ownRoomUri: 'https://example.org/room' } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('rooms.ownRoomUri');
  });

  it('rejects a meeting with an impossible date', () => {
    const raw = { ...minimal(), rooms: { ownRoomUri: 'sip:a@b', meetings: [{ id: 'm1', roomUri: 'sip:r@b', startsAt: '2026-13-45T10:00:00Z' }] } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('rooms.meetings.0.startsAt');
  });

  it('refuses plain TCP signalling without the lab flag, accepts it with', () => {
    const raw = { ...minimal(), sip: { transport: 'tcp', proxy: { host: 'h' } } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('sip.transport');
    expect(validateConfig({ ...raw, lab: { allowInsecureSignaling: true } }).sip.transport).toBe('tcp');
  });

  it('rejects unsafe device names that would reach a pipeline string', () => {
    const raw = { ...minimal(), media: { audio: { captureDevice: 'hw:0 ! filesink location=/etc/x' } } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('media.audio.captureDevice');
  });

  it('reports every problem, not just the first', () => {
    const raw = { ...minimal(), unit: { id: '', name: '' }, server: { port: -1 } };
    const r = codeAndField(() => validateConfig(raw));
    expect(r.message).toContain('unit.id');
    expect(r.message).toContain('unit.name');
    expect(r.message).toContain('server.port');
  });

  it('rejects duplicate meeting ids', () => {
    const m = { id: 'm1', roomUri: 'sip:r@b', startsAt: '2026-11-23T10:00:00Z' };
    const raw = { ...minimal(), rooms: { ownRoomUri: 'sip:a@b', meetings: [m, m] } };
    expect(codeAndField(() => validateConfig(raw)).field).toBe('rooms.meetings.1.id');
  });

  it('never puts the password in the error message', () => {
    const raw = { ...minimal(), sip: { proxy: { host: 'h' }, account: { username: 'u', password: 'hunter2-secret', domain: 'd', extra: 1 } } };
    const r = codeAndField(() => validateConfig(raw));
    expect(r.field).toBe('sip.account.extra');
    expect(r.message).not.toContain('hunter2');
  });
});

describe('parseConfigText', () => {
  it('reads YAML and JSON', () => {
    expect(parseConfigText('unit:\n  id: x\n', 'a.yaml')).toEqual({ unit: { id: 'x' } });
    expect(parseConfigText('{"unit":{"id":"x"}}', 'a.json')).toEqual({ unit: { id: 'x' } });
  });
  it('turns a syntax error into E_CONFIG_INVALID', () => {
    expect(codeAndField(() => parseConfigText('{"unit":', 'a.json')).code).toBe('E_CONFIG_INVALID');
    expect(codeAndField(() => parseConfigText('unit: [1,\n', 'a.yaml')).code).toBe('E_CONFIG_INVALID');
  });
});
