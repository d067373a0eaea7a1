import { generateFleetKeyPair } from '../../../appliance/src/fleet/bundle/keys.js';
import type { Heartbeat } from '../../../appliance/src/fleet/protocol.js';
import type { UnitPlacement } from '../../src/server/repository.js';

export const IT_TOKEN = 'it-token-for-tests-0123456789abcdefghijklmnop';
export const FLEET = generateFleetKeyPair();

export const placement = (serial: string, ward = 'Ward 4'): UnitPlacement =>
  ({ serial, name: `${ward} ${serial}`, site: 'St Mary', ward, room: '12', bed: '1' });

export function heartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1, softwareVersion: '0.3.0', bundleVersion: 0, uptimeSeconds: 120, callState: 'idle',
    devices: { camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'ok', ioBoard: 'absent' },
    registration: 'registered', faults: [], lastSelfTest: null, meetings: [], ...over,
  };
}

export const meeting = (id: string, startedAt: string, durationSeconds = 1500) =>
  ({ id, startedAt, durationSeconds, source: 'scheduled' as const });
