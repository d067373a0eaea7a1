import { describe, expect, it } from 'vitest';
import { isoWeek } from '../../src/server/repository.js';
import { heartbeat, meeting, placement } from '../support/fixtures.js';
import { useAdapters } from '../support/repositories.js';

const T0 = new Date('2025-03-04T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const adapters = useAdapters();

describe('isoWeek', () => {
  it('follows ISO 8601 at year boundaries', () => {
    expect(isoWeek(new Date('2025-03-04T10:00:00Z'))).toBe('2025-W10');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2021-01-03T23:59:59Z'))).toBe('2020-W53');
    expect(isoWeek(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01');
  });
});

describe.each(adapters)('fleet repository: $name', (adapter) => {
  it('adds a unit, updates its placement, and keeps its keys', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('U1'), T0);
    await repo.addEnrollmentToken('U1', 'hash-1', at(3600), T0);
    expect(await repo.enroll({ serial: 'U1', tokenHash: 'hash-1', signingKey: 'SIG', encryptionKey: 'ENC', now: at(1) })).toBe('enrolled');
    await repo.upsertUnit({ ...placement('U1', 'Ward 7'), name: 'moved' }, at(2));
    const u = await repo.getUnit('U1');
    expect(u).toMatchObject({ serial: 'U1', ward: 'Ward 7', name: 'moved', signingKey: 'SIG', encryptionKey: 'ENC', revokedAt: null, bundleVersion: 0 });
    expect(u?.createdAt).toBe(T0.toISOString());
    expect(u?.enrolledAt).toBe(at(1).toISOString());
    expect(await repo.getUnit('nope')).toBeUndefined();
  });

  it('enrollment tokens are one-time, expiring and bound to their unit', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('U1'), T0);
    await repo.upsertUnit(placement('U2'), T0);
    await repo.addEnrollmentToken('U1', 'h1', at(60), T0);
    await repo.addEnrollmentToken('U1', 'h1b', at(60), T0);
    const e = (serial: string, tokenHash: string, now: Date) => repo.enroll({ serial, tokenHash, signingKey: 'S', encryptionKey: 'E', now });
    expect(await e('U2', 'h1', at(1))).toBe('token-refused'); // another unit's token
    expect(await e('U1', 'unknown', at(1))).toBe('token-refused');
    expect(await e('U1', 'h1b', at(60))).toBe('token-refused'); // expired (at its expiry instant)
    expect(await e('U1', 'h1', at(2))).toBe('enrolled');
    expect(await e('U1', 'h1', at(3))).toBe('token-refused'); // reused
  });

  it('a revoked unit cannot enroll again, and revoke reports unknown units', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('U1'), T0);
    await repo.addEnrollmentToken('U1', 'h1', at(600), T0);
    expect(await repo.revoke('U1', at(1))).toBe(true);
    expect(await repo.revoke('U1', at(5))).toBe(true);
    expect((await repo.getUnit('U1'))?.revokedAt).toBe(at(1).toISOString()); // first revocation kept
    expect(await repo.enroll({ serial: 'U1', tokenHash: 'h1', signingKey: 'S', encryptionKey: 'E', now: at(2) })).toBe('revoked');
    expect(await repo.revoke('ghost', at(1))).toBe(false);
  });

  it('stores bundles only when newer', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('U1'), T0);
    expect(await repo.getBundle('U1')).toBeUndefined();
    expect(await repo.putBundle({ serial: 'U1', version: 2, json: '{"v":2}' }, T0)).toBe('stored');
    expect(await repo.putBundle({ serial: 'U1', version: 2, json: '{"v":"2b"}' }, T0)).toBe('not-newer');
    expect(await repo.putBundle({ serial: 'U1', version: 1, json: '{"v":1}' }, T0)).toBe('not-newer');
    expect(await repo.getBundle('U1')).toEqual({ serial: 'U1', version: 2, json: '{"v":2}' });
    expect(await repo.putBundle({ serial: 'U1', version: 3, json: '{"v":3}' }, T0)).toBe('stored');
    expect((await repo.getUnit('U1'))?.bundleVersion).toBe(3);
  });

  it('keeps the newest heartbeat per unit; an older (replayed) one never overwrites it', async () => {
    const repo = await adapter.open();
    const unit = placement('U1');
    await repo.upsertUnit(unit, T0);
    await repo.recordHeartbeat({ unit, sentAt: at(30), receivedAt: at(30), heartbeat: heartbeat({ uptimeSeconds: 30, faults: ['E_LOOP_OPEN_CIRCUIT'] }) });
    await repo.recordHeartbeat({ unit, sentAt: at(10), receivedAt: at(40), heartbeat: heartbeat({ uptimeSeconds: 10 }) });
    const [u] = await repo.listUnits();
    expect(u?.lastSeenAt).toBe(at(30).toISOString());
    expect(u?.state).toMatchObject({ uptimeSeconds: 30, faults: ['E_LOOP_OPEN_CIRCUIT'] });
    expect(u?.state).not.toHaveProperty('meetings');
    await repo.recordHeartbeat({ unit, sentAt: at(60), receivedAt: at(61), heartbeat: heartbeat({ uptimeSeconds: 60 }) });
    expect((await repo.listUnits())[0]?.state?.uptimeSeconds).toBe(60);
  });

  it('deduplicates meetings by unit and meeting id and counts them per ward per week', async () => {
    const repo = await adapter.open();
    const u1 = placement('U1', 'Ward 4');
    const u2 = placement('U2', 'Ward 7');
    await repo.upsertUnit(u1, T0);
    await repo.upsertUnit(u2, T0);
    const m1 = meeting('m-1', '2025-03-04T09:00:00Z', 1200);
    const m2 = meeting('m-2', '2025-03-05T09:00:00Z', 600);
    const m3 = meeting('m-3', '2025-03-11T09:00:00Z', 900); // next week
    expect(await repo.recordHeartbeat({ unit: u1, sentAt: at(1), receivedAt: at(1), heartbeat: heartbeat({ meetings: [m1, m2] }) })).toEqual(['m-1', 'm-2']);
    // The unit did not get the answer and sends them again, with a new one: stored once.
    expect(await repo.recordHeartbeat({ unit: u1, sentAt: at(2), receivedAt: at(2), heartbeat: heartbeat({ meetings: [m2, m1, m3] }) })).toEqual(['m-2', 'm-1', 'm-3']);
    // Another unit may use the same id: it is a different meeting.
    await repo.recordHeartbeat({ unit: u2, sentAt: at(3), receivedAt: at(3), heartbeat: heartbeat({ meetings: [m1] }) });
    expect(await repo.meetingsPerWardWeek()).toEqual([
      { site: 'St Mary', ward: 'Ward 4', week: '2025-W11', meetings: 1, totalSeconds: 900 },
      { site: 'St Mary', ward: 'Ward 4', week: '2025-W10', meetings: 2, totalSeconds: 1800 },
      { site: 'St Mary', ward: 'Ward 7', week: '2025-W10', meetings: 1, totalSeconds: 1200 },
    ]);
  });

  it('keeps apply reports, newest first', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('U1'), T0);
    await repo.recordApplyReport({ serial: 'U1', version: 1, outcome: 'applied', code: null, message: null, at: at(1) });
    await repo.recordApplyReport({ serial: 'U1', version: 2, outcome: 'rolled-back', code: 'E_CONFIG_INVALID', message: 'sip.proxy.port: must be integer', at: at(2) });
    const reports = await repo.latestApplyReports('U1', 10);
    expect(reports.map((r) => [r.version, r.outcome, r.code])).toEqual([[2, 'rolled-back', 'E_CONFIG_INVALID'], [1, 'applied', null]]);
    expect(reports[0]?.at.toISOString()).toBe(at(2).toISOString());
  });

  it('lists units with their state, in site/ward/room order', async () => {
    const repo = await adapter.open();
    await repo.upsertUnit(placement('B', 'Ward 7'), T0);
    await repo.upsertUnit(placement('A', 'Ward 4'), T0);
    await repo.putBundle({ serial: 'A', version: 5, json: '{}' }, T0);
    await repo.recordHeartbeat({ unit: placement('A', 'Ward 4'), sentAt: at(1), receivedAt: at(1), heartbeat: heartbeat({ bundleVersion: 4 }) });
    const list = await repo.listUnits();
    expect(list.map((u) => [u.serial, u.bundleVersion, u.state?.bundleVersion ?? null, u.lastSeenAt])).toEqual([
      ['A', 5, 4, at(1).toISOString()],
      ['B', 0, null, null],
    ]);
  });
});
