import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.js';
import { ApplianceError } from '../../../src/core/errors.js';

const base = (sip: Record<string, unknown> = {}, media: Record<string, unknown> = {}) => ({
  unit: { id: 'BVU-0001', name: 'Ward 4 bed 2' },
  rooms: { ownRoomUri: 'sip:ward4-bed2@meet.example.org' },
  sip: { proxy: { host: 'sip.example.org' }, ...sip },
  media, hardware: {}, lab: {}, server: {}, store: {}, log: {}, ui: {},
});

function refusal(raw: unknown): { code: string; message: string } {
  try {
    validateConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ApplianceError);
    return { code: (e as ApplianceError).code, message: (e as ApplianceError).message };
  }
  throw new Error('expected the config to be refused');
}

describe('WebRTC configuration', () => {
  it('accepts sip.transport wss without any lab flag and fills the WebRTC defaults', () => {
    const c = validateConfig(base({ transport: 'wss' }));
    expect(c.sip.transport).toBe('wss');
    expect(c.sip.wsPath).toBe('/');
    expect(c.media.webrtc).toEqual({ iceServers: [], additionalHostAddresses: [], connectTimeoutSeconds: 10, disconnectGraceSeconds: 4 });
  });

  it('keeps configs without the new fields valid', () => {
    expect(validateConfig(base()).media.webrtc.iceServers).toEqual([]);
  });

  it('accepts STUN and TURN servers with credentials', () => {
    const c = validateConfig(base({ transport: 'wss', wsPath: '/ws' }, { webrtc: { iceServers: [{ urls: ['stun:stun.example.org:3478'] }, { urls: ['turns:turn.example.org:443?transport=tcp'], username: 'unit', credential: 's3cret' }] } }));
    expect(c.media.webrtc.iceServers).toHaveLength(2);
  });

  it.each([
    ['an ICE server that is not stun/turn', { webrtc: { iceServers: [{ urls: ['http://x'] }] } }, 'media.webrtc.iceServers'],
    ['an unknown webrtc field', { webrtc: { bundle: false } }, 'media.webrtc'],
    ['a connect timeout of 0', { webrtc: { connectTimeoutSeconds: 0 } }, 'media.webrtc.connectTimeoutSeconds'],
    ['an interface address that is not IPv4', { webrtc: { interfaceAddress: 'eth0' } }, 'media.webrtc.interfaceAddress'],
  ])('refuses %s with E_CONFIG_INVALID naming the field', (_name, media, field) => {
    const r = refusal(base({ transport: 'wss' }, media));
    expect(r.code).toBe('E_CONFIG_INVALID');
    expect(r.message).toContain(field);
  });

  it('refuses a WebSocket path without a leading slash', () => {
    const r = refusal(base({ transport: 'wss', wsPath: 'ws' }));
    expect(r.code).toBe('E_CONFIG_INVALID');
    expect(r.message).toContain('sip.wsPath');
  });
});
