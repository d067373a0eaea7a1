import type { UnitPlacement, UnitWithState } from './repository.js';

export type UnitStatus = 'online' | 'offline' | 'never-seen' | 'not-enrolled' | 'revoked';

/** A unit as IT sees it: derived from what is stored, at one instant. */
export interface UnitView extends UnitPlacement {
  status: UnitStatus;
  enrolledAt: string | null;
  lastSeenAt: string | null;
  /** Seconds since the last heartbeat; null when never seen. */
  heartbeatAgeSeconds: number | null;
  softwareVersion: string | null;
  /** Applied on the unit, as it last reported (null when never seen). */
  appliedBundleVersion: number | null;
  /** Held by the server for the unit (0 = none). */
  serverBundleVersion: number;
  callState: string | null;
  registration: string | null;
  /** Fault codes plus devices, registration and self-test that are not well. */
  problems: string[];
  /** Public keys are public; IT's publish step encrypts secrets to encryptionKey. */
  encryptionKey: string | null;
}

export function viewUnit(u: UnitWithState, now: Date, offlineAfterSeconds: number): UnitView {
  const age = u.lastSeenAt === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(u.lastSeenAt)) / 1000));
  const status: UnitStatus = u.revokedAt !== null ? 'revoked'
    : u.enrolledAt === null ? 'not-enrolled'
      : age === null ? 'never-seen'
        : age <= offlineAfterSeconds ? 'online' : 'offline';
  const s = u.state;
  const problems: string[] = [];
  if (s) {
    problems.push(...s.faults);
    for (const [device, st] of Object.entries(s.devices)) if (st === 'fault') problems.push(`${device}: fault`);
    if (s.registration === 'failed') problems.push('registration: failed');
    if (s.lastSelfTest && !s.lastSelfTest.passed) problems.push(`self-test failed: ${s.lastSelfTest.failed.join(', ') || '?'}`);
  }
  return {
    serial: u.serial, name: u.name, site: u.site, ward: u.ward, room: u.room, bed: u.bed,
    status, enrolledAt: u.enrolledAt, lastSeenAt: u.lastSeenAt, heartbeatAgeSeconds: age,
    softwareVersion: s?.softwareVersion ?? null, appliedBundleVersion: s?.bundleVersion ?? null, serverBundleVersion: u.bundleVersion,
    callState: s?.callState ?? null, registration: s?.registration ?? null, problems,
    encryptionKey: u.revokedAt === null ? u.encryptionKey : null,
  };
}
