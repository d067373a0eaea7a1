import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBundle } from '../../../appliance/src/fleet/bundle/sign.js';
import { generateFleetKeyPair } from '../../../appliance/src/fleet/bundle/keys.js';
import { decryptSecrets, verifyBundle } from '../../../appliance/src/fleet/bundle/verify.js';
import type { Bundle } from '../../../appliance/src/fleet/bundle/types.js';
import { build } from '../../src/server/app.js';
import { SqliteFleetRepository } from '../../src/server/sqlite-repository.js';
import { newUnitIdentity, signRequest, type UnitIdentity } from '../../src/sim/unit-identity.js';
import { FleetAppHarness } from '../support/fleet-app.js';
import { FLEET, IT_TOKEN, heartbeat, meeting } from '../support/fixtures.js';
import { useAdapters } from '../support/repositories.js';

const adapters = useAdapters();

const code = (r: { json(): unknown }) => (r.json() as { code: string }).code;

function bundleFor(id: UnitIdentity, version: number, o: { key?: string; unit?: string } = {}): Bundle {
  const unit = o.unit ?? id.serial;
  return createBundle({
    unit, version, issuedAt: new Date('2025-03-04T09:00:00Z'),
    config: { unit: { id: unit, name: 'Ward 4 bed 1' }, sip: { account: { password: '$secret:sip.account.password' } } },
    audio: { speakerVolumePercent: 70, loop: { enabled: true, gainDb: 0 } },
    secrets: { 'sip.account.password': `pw-${version}` },
  }, o.key ?? FLEET.privateKeyPem, id.encryptionPublicPem);
}

describe.each(adapters)('fleet server: $name', (adapter) => {
  const harness = async () => new FleetAppHarness(await adapter.open());

  it('enrolls a unit once with its one-time token; reuse, another unit and expiry are refused', async () => {
    const h = await harness();
    const token = await h.addUnit('BVU-1');
    const otherToken = await h.addUnit('BVU-2');
    const id = newUnitIdentity('BVU-1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const wrongUnit = await h.enroll(id, otherToken);
    expect([wrongUnit.statusCode, code(wrongUnit)]).toEqual([401, 'E_ENROLL_TOKEN']);
    const ok = await h.enroll(id, token);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ serial: 'BVU-1', fleetPublicKey: FLEET.publicKeyPem, heartbeatIntervalSeconds: 30, pollIntervalSeconds: 300 });
    const reused = await h.enroll(newUnitIdentity('BVU-1'), token);
    expect([reused.statusCode, code(reused)]).toEqual([401, 'E_ENROLL_TOKEN']);
    // The reused token changed nothing: the first key still signs.
    expect((await h.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(200);

    h.advance(7 * 24 * 3600 + 1);
    const expired = await h.enroll(newUnitIdentity('BVU-2'), otherToken);
    expect([expired.statusCode, code(expired)]).toEqual([401, 'E_ENROLL_TOKEN']);
  });

  it('refuses malformed enrollments with E_REQUEST_MALFORMED', async () => {
    const h = await harness();
    const token = await h.addUnit('BVU-1');
    const id = newUnitIdentity('BVU-1');
    const other = newUnitIdentity('X');
    const cases = [
      await h.app.inject({ method: 'POST', url: '/v1/enroll', headers: { 'content-type': 'application/json' }, payload: '{"serial":' }),
      await h.app.inject({ method: 'POST', url: '/v1/enroll' }),
      await h.enroll(id, token, { softwareVersion: undefined }),
      await h.enroll(id, token, { extra: 1 }),
      await h.enroll(id, token, { signingKey: other.encryptionPublicPem }), // X25519 where Ed25519 belongs
      await h.enroll(id, token, { encryptionKey: `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(60)}\n-----END PUBLIC KEY-----\n` }),
    ];
    expect(cases.map((r) => [r.statusCode, code(r)])).toEqual(Array(6).fill([400, 'E_REQUEST_MALFORMED']));
    // None of them used up the token.
    expect((await h.enroll(id, token)).statusCode).toBe(201);
  });

  it('accepts heartbeats signed by the enrolled key and refuses every other request, coded', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const notEnrolled = newUnitIdentity('BVU-2');
    await h.addUnit('BVU-2');
    const hb = heartbeat();
    const refusals = {
      otherKey: await h.unit(id, 'POST', '/v1/heartbeat', hb, { signer: newUnitIdentity('BVU-1') }),
      tamperedBody: await h.unit(id, 'POST', '/v1/heartbeat', hb, { tamper: (s) => s.replace('"uptimeSeconds":120', '"uptimeSeconds":121') }),
      otherPath: await h.app.inject({ method: 'POST', url: '/v1/apply-report', headers: { ...(await signed(h, id, '/v1/heartbeat', hb)), 'content-type': 'application/json' }, payload: JSON.stringify(hb) }),
      unsigned: await h.app.inject({ method: 'POST', url: '/v1/heartbeat', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(hb) }),
      badDate: await h.unit(id, 'POST', '/v1/heartbeat', hb, { headers: { 'x-unit-date': 'yesterday' } }),
      stale: await h.unit(id, 'POST', '/v1/heartbeat', hb, { date: new Date(h.now.getTime() - 301_000) }),
      future: await h.unit(id, 'POST', '/v1/heartbeat', hb, { date: new Date(h.now.getTime() + 301_000) }),
      unknownUnit: await h.unit(newUnitIdentity('GHOST'), 'POST', '/v1/heartbeat', hb),
      notEnrolled: await h.unit(notEnrolled, 'POST', '/v1/heartbeat', hb),
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([k, r]) => [k, `${r.statusCode} ${code(r)}`]))).toEqual({
      otherKey: '401 E_FLEET_AUTH', tamperedBody: '401 E_FLEET_AUTH', otherPath: '401 E_FLEET_AUTH', unsigned: '401 E_FLEET_AUTH',
      badDate: '401 E_FLEET_AUTH', stale: '401 E_FLEET_CLOCK_SKEW', future: '401 E_FLEET_CLOCK_SKEW',
      unknownUnit: '401 E_UNIT_UNKNOWN', notEnrolled: '401 E_FLEET_AUTH',
    });
    expect((refusals.stale.json() as { serverTime: string }).serverTime).toBe(h.now.toISOString());
    expect((await h.repo.listUnits()).every((u) => u.state === null)).toBe(true); // nothing stored

    // Within the allowed skew it is accepted.
    const ok = await h.unit(id, 'POST', '/v1/heartbeat', hb, { date: new Date(h.now.getTime() - 299_000) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ acceptedMeetings: [], bundleVersion: 0 });
  });

  it('refuses malformed heartbeats with E_HEARTBEAT_MALFORMED and keeps the last good state', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    expect((await h.unit(id, 'POST', '/v1/heartbeat', heartbeat({ uptimeSeconds: 50 }))).statusCode).toBe(200);
    const bad: Array<[string, unknown]> = [
      ['not JSON', '{"v":1,'],
      ['empty', ''],
      ['wrong protocol version', heartbeat({ v: 2 as 1 })],
      ['patient data', { ...heartbeat(), patientName: 'Jens Jensen' }],
      ['unknown device status', heartbeat({ devices: { ...heartbeat().devices, camera: 'broken' as 'ok' } })],
      ['negative uptime', heartbeat({ uptimeSeconds: -1 })],
      ['fault that is not a code', heartbeat({ faults: ['camera is broken'] })],
      ['meeting date not a date', heartbeat({ meetings: [meeting('m1', 'last tuesday')] })],
      ['meeting with a room URI', heartbeat({ meetings: [{ ...meeting('m1', '2025-03-04T09:00:00Z'), roomUri: 'sip:x@y' } as never] })],
      ['the same meeting twice', heartbeat({ meetings: [meeting('m1', '2025-03-04T09:00:00Z'), meeting('m1', '2025-03-04T09:00:00Z')] })],
    ];
    for (const [what, body] of bad) {
      h.advance(1);
      const r = body === '' ? await h.unit(id, 'POST', '/v1/heartbeat') : await h.unit(id, 'POST', '/v1/heartbeat', body);
      expect({ what, status: r.statusCode, code: code(r) }).toEqual({ what, status: 400, code: 'E_HEARTBEAT_MALFORMED' });
    }
    const [u] = await h.repo.listUnits();
    expect(u?.state?.uptimeSeconds).toBe(50);
    expect(await h.repo.meetingsPerWardWeek()).toEqual([]);
  });

  it('acknowledges meetings, stores each once, and counts them per ward per week', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const m1 = meeting('m-1', '2025-03-03T09:00:00Z', 1800);
    const r1 = await h.unit(id, 'POST', '/v1/heartbeat', heartbeat({ meetings: [m1] }));
    expect(r1.json()).toEqual({ acceptedMeetings: ['m-1'], bundleVersion: 0 });
    h.advance(30);
    const r2 = await h.unit(id, 'POST', '/v1/heartbeat', heartbeat({ meetings: [m1, meeting('m-2', '2025-03-04T09:30:00Z', 600)] }));
    expect((r2.json() as { acceptedMeetings: string[] }).acceptedMeetings).toEqual(['m-1', 'm-2']);
    expect(await h.repo.meetingsPerWardWeek()).toEqual([{ site: 'St Mary', ward: 'Ward 4', week: '2025-W10', meetings: 2, totalSeconds: 2400 }]);
    const csv = await h.it('GET', '/api/meetings.csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe('site,ward,week,meetings,total_minutes\r\nSt Mary,Ward 4,2025-W10,2,40\r\n');
  });

  it('serves the bundle IT uploaded, with ETag and 304, and refuses bad uploads without losing the stored one', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const other = await h.enrolledUnit('BVU-2');
    const none = await h.unit(id, 'GET', '/v1/bundle');
    expect(none.statusCode).toBe(404);

    expect((await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 1))).statusCode).toBe(204);
    const got = await h.unit(id, 'GET', '/v1/bundle');
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    const verified = verifyBundle(got.body, { fleetPublicKey: FLEET.publicKeyPem, unitSerial: 'BVU-1', lastAppliedVersion: 0 });
    expect(verified.ok).toBe(true);
    if (verified.ok) expect(decryptSecrets(verified.bundle, id.encryptionKey)).toEqual({ 'sip.account.password': 'pw-1' });
    const notModified = await h.unit(id, 'GET', '/v1/bundle', undefined, { headers: { 'if-none-match': '"1"' } });
    expect([notModified.statusCode, notModified.body]).toEqual([304, '']);
    expect((await h.unit(id, 'GET', '/v1/bundle', undefined, { headers: { 'if-none-match': '"0"' } })).statusCode).toBe(200);

    const tampered = bundleFor(id, 2);
    tampered.audio.speakerVolumePercent = 100;
    const refusals = {
      tampered: await h.it('PUT', '/api/units/BVU-1/bundle', tampered),
      otherKey: await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 2, { key: generateFleetKeyPair().privateKeyPem })),
      sameVersion: await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 1)),
      otherUnit: await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(other, 2)),
      malformed: await h.it('PUT', '/api/units/BVU-1/bundle', { format: 1, unit: 'BVU-1' }),
      notJson: await h.it('PUT', '/api/units/BVU-1/bundle', 'not json'),
      noToken: await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 2), 'x'.repeat(40)),
      unknownUnit: await h.it('PUT', '/api/units/GHOST/bundle', bundleFor(id, 2)),
    };
    const summary = (r: { statusCode: number; json(): unknown }) => {
      const b = r.json() as { code: string; reason?: string };
      return `${r.statusCode} ${b.code}${b.reason ? ` ${b.reason}` : ''}`;
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([k, r]) => [k, summary(r)]))).toEqual({
      tampered: '422 E_BUNDLE_REFUSED E_BUNDLE_SIGNATURE', otherKey: '422 E_BUNDLE_REFUSED E_BUNDLE_SIGNATURE',
      sameVersion: '409 E_BUNDLE_REFUSED E_BUNDLE_REPLAY', otherUnit: '422 E_BUNDLE_REFUSED E_BUNDLE_UNIT',
      malformed: '400 E_BUNDLE_REFUSED E_BUNDLE_FORMAT', notJson: '400 E_REQUEST_MALFORMED',
      noToken: '401 E_FLEET_AUTH', unknownUnit: '404 E_UNIT_UNKNOWN',
    });
    expect((await h.unit(id, 'GET', '/v1/bundle')).headers.etag).toBe('"1"'); // nothing lost

    expect((await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 3))).statusCode).toBe(204);
    expect((await h.it('PUT', '/api/units/BVU-1/bundle', bundleFor(id, 2))).statusCode).toBe(409); // older than stored
    const hb = await h.unit(id, 'POST', '/v1/heartbeat', heartbeat({ bundleVersion: 1 }));
    expect(hb.json()).toEqual({ acceptedMeetings: [], bundleVersion: 3 });
    const changed = await h.unit(id, 'GET', '/v1/bundle', undefined, { headers: { 'if-none-match': '"1"' } });
    expect([changed.statusCode, changed.headers.etag]).toEqual([200, '"3"']);
  });

  it('revokes a unit: its requests, a new enrollment and new tokens are refused', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const spare = await h.addUnit('BVU-1'); // a second token issued before the revocation
    expect((await h.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(200); // the unit is now cached
    expect((await h.it('POST', '/api/units/BVU-1/revoke')).statusCode).toBe(204);
    const r = await h.unit(id, 'POST', '/v1/heartbeat', heartbeat());
    expect([r.statusCode, code(r)]).toEqual([403, 'E_UNIT_REVOKED']);
    expect(code(await h.unit(id, 'GET', '/v1/bundle'))).toBe('E_UNIT_REVOKED');
    const again = await h.enroll(newUnitIdentity('BVU-1'), spare);
    expect([again.statusCode, code(again)]).toEqual([403, 'E_UNIT_REVOKED']);
    const newToken = await h.it('POST', '/api/units', { serial: 'BVU-1', name: 'n', site: 's', ward: 'w', room: 'r' });
    expect([newToken.statusCode, code(newToken)]).toEqual([409, 'E_UNIT_REVOKED']);
    const ghost = await h.it('POST', '/api/units/GHOST/revoke');
    expect([ghost.statusCode, code(ghost)]).toEqual([404, 'E_UNIT_UNKNOWN']);
    const units = (await h.it('GET', '/api/units')).json() as { units: Array<{ status: string; encryptionKey: string | null }> };
    expect(units.units).toMatchObject([{ status: 'revoked', encryptionKey: null }]);
  });

  it('another server process on the same database sees a revocation within the unit cache time (at once with 0)', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const other = new FleetAppHarness(h.repo);
    const uncached = new FleetAppHarness(h.repo, { unitCacheTtlMs: 0 });
    for (const x of [other, uncached]) expect((await x.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(200);
    expect((await h.it('POST', '/api/units/BVU-1/revoke')).statusCode).toBe(204);
    expect((await uncached.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(403);
    other.advance(119);
    expect((await other.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(200); // cached for 120 s
    other.advance(2);
    expect((await other.unit(id, 'POST', '/v1/heartbeat', heartbeat())).statusCode).toBe(403);
  });

  it('stores apply reports and refuses malformed ones', async () => {
    const h = await harness();
    const id = await h.enrolledUnit('BVU-1');
    const ok = await h.unit(id, 'POST', '/v1/apply-report', { version: 2, outcome: 'rolled-back', code: 'E_CONFIG_INVALID', message: 'sip.proxy.port: must be integer' });
    expect(ok.statusCode).toBe(204);
    const bad = await h.unit(id, 'POST', '/v1/apply-report', { version: 0, outcome: 'exploded' });
    expect([bad.statusCode, code(bad)]).toEqual([400, 'E_REQUEST_MALFORMED']);
    const reports = (await h.it('GET', '/api/units/BVU-1/apply-reports')).json() as { reports: Array<{ version: number; outcome: string; code: string }> };
    expect(reports.reports).toMatchObject([{ version: 2, outcome: 'rolled-back', code: 'E_CONFIG_INVALID' }]);
  });
});

const signed = async (h: FleetAppHarness, id: UnitIdentity, url: string, body: unknown): Promise<Record<string, string>> =>
  signRequest(id, 'POST', url, JSON.stringify(body), h.now);

describe('IT access and the fleet page (sqlite)', () => {
  const harness = () => new FleetAppHarness(new SqliteFleetRepository(':memory:'));

  it('refuses a missing, wrong or partial IT token with E_FLEET_AUTH, and never logs it', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const repo = new SqliteFleetRepository(':memory:');
    await repo.migrate();
    const h = new FleetAppHarness(repo, { logger: { level: 'trace', stream } });
    for (const token of ['', 'wrong', IT_TOKEN.slice(0, -1), `${IT_TOKEN}x`]) {
      const r = await h.it('GET', '/api/units', undefined, token);
      expect([r.statusCode, code(r)]).toEqual([401, 'E_FLEET_AUTH']);
    }
    expect((await h.app.inject({ method: 'GET', url: '/api/units' })).statusCode).toBe(401);
    expect((await h.it('GET', '/api/units')).statusCode).toBe(200);
    await h.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${IT_TOKEN}` });
    const log = lines.join('');
    expect(log).toMatch(/"url":"\/api\/units"/); // requests are logged...
    expect(log).not.toContain(IT_TOKEN); // ...the token never
    expect(log).not.toContain(IT_TOKEN.slice(0, 20));
    await repo.close();
  });

  it('will not start with a short IT token or a fleet key that is not Ed25519', () => {
    const repo = new SqliteFleetRepository(':memory:');
    expect(() => build({ repo, fleetPublicKey: FLEET.publicKeyPem, itToken: 'secret' })).toThrow(/at least 32/);
    expect(() => build({ repo, fleetPublicKey: newUnitIdentity('x').encryptionPublicPem, itToken: IT_TOKEN })).toThrow(/Ed25519/);
    void repo.close();
  });

  it('shows units online and offline by heartbeat age, their faults, versions and meetings per ward per week', async () => {
    const h = harness();
    await h.repo.migrate();
    const a = await h.enrolledUnit('BVU-A', 'Ward 4');
    const b = await h.enrolledUnit('BVU-B', 'Ward <7>');
    await h.addUnit('BVU-C', 'Ward 4');
    await h.unit(b, 'POST', '/v1/heartbeat', heartbeat({ softwareVersion: '0.2.9' }));
    h.advance(120);
    await h.unit(a, 'POST', '/v1/heartbeat', heartbeat({
      softwareVersion: '0.3.0', faults: ['E_LOOP_OPEN_CIRCUIT'], devices: { ...heartbeat().devices, camera: 'fault' },
      lastSelfTest: { at: '2025-03-04T06:00:00Z', passed: false, failed: ['speaker'] },
      meetings: [meeting('m-1', '2025-03-04T09:00:00Z', 1500)],
    }));
    const units = ((await h.it('GET', '/api/units')).json() as { units: Array<{ serial: string; status: string; heartbeatAgeSeconds: number | null; problems: string[] }> }).units;
    expect(units.map((u) => [u.serial, u.status, u.heartbeatAgeSeconds])).toEqual([
      ['BVU-A', 'online', 0], ['BVU-C', 'not-enrolled', null], ['BVU-B', 'offline', 120],
    ]);
    expect(units[0]?.problems).toEqual(['E_LOOP_OPEN_CIRCUIT', 'camera: fault', 'self-test failed: speaker']);

    const page = await h.it('GET', '/fleet');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const html = page.body;
    expect(html).not.toMatch(/<script|<link|@import|src=|https?:\/\//i);
    expect(html).toContain('Ward &lt;7&gt;');
    expect(html).not.toContain('Ward <7>');
    expect(html).toMatch(/1 online<\/span>.*1 offline<\/span>/);
    expect(html).toContain('<code>E_LOOP_OPEN_CIRCUIT</code>');
    expect(html).toContain('0.2.9 (1)');
    expect(html).toMatch(/<td>St Mary<\/td><td>Ward 4<\/td><td>2025-W10<\/td><td>1<\/td><td>25<\/td>/);
    const attention = html.slice(html.indexOf('Needs attention'), html.indexOf('All units'));
    expect(attention).toContain('BVU-A'); // faults
    expect(attention).toContain('BVU-B'); // offline
    expect(attention).not.toContain('BVU-C'); // waiting to enroll is not a problem

    const csv = await h.it('GET', '/api/units.csv');
    expect(csv.body.split('\r\n')[0]).toBe('site,ward,room,bed,unit_serial,unit_name,status,last_seen,software_version,applied_bundle_version,server_bundle_version,registration,problems');
    expect(csv.body).toContain('St Mary,Ward 4,12,1,BVU-A,Ward 4 bed BVU-A,online,2025-03-04T10:02:00.000Z,0.3.0,0,0,registered,E_LOOP_OPEN_CIRCUIT; camera: fault; self-test failed: speaker\r\n');
    await h.repo.close();
  });

  it('lets a browser sign in with the IT token (session cookie for reading only)', async () => {
    const h = harness();
    await h.repo.migrate();
    const anon = await h.app.inject({ method: 'GET', url: '/fleet', headers: { accept: 'text/html' } });
    expect([anon.statusCode, anon.headers.location]).toEqual([303, '/login']);
    const login = (token: string) => h.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token }).toString() });
    expect((await login('wrong')).statusCode).toBe(401);
    const ok = await login(IT_TOKEN);
    expect(ok.statusCode).toBe(303);
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^fleet_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(IT_TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await h.app.inject({ method: 'GET', url: '/fleet', headers: { cookie: session } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/meetings.csv', headers: { cookie: session } })).statusCode).toBe(200);
    const write = await h.app.inject({ method: 'POST', url: '/api/units', headers: { cookie: session, 'content-type': 'application/json' }, payload: '{}' });
    expect([write.statusCode, code(write)]).toEqual([401, 'E_FLEET_AUTH']);
    expect((await h.app.inject({ method: 'GET', url: '/fleet', headers: { cookie: 'fleet_session=forged' } })).statusCode).toBe(401);
    await h.repo.close();
  });

  it('answers a storage failure with E_FLEET_INTERNAL and keeps the details in the log', async () => {
    const repo = new SqliteFleetRepository(':memory:');
    await repo.migrate();
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const h = new FleetAppHarness(repo, { logger: { level: 'error', stream } });
    const id = await h.enrolledUnit('BVU-1');
    repo.recordHeartbeat = () => Promise.reject(new Error('disk I/O error'));
    const r = await h.unit(id, 'POST', '/v1/heartbeat', heartbeat());
    expect([r.statusCode, r.json()]).toEqual([500, { code: 'E_FLEET_INTERNAL', message: 'the fleet server failed' }]);
    expect(lines.join('')).toContain('disk I/O error');
    await repo.close();
  });

  it('answers unknown endpoints and bad IT input with coded errors', async () => {
    const h = harness();
    await h.repo.migrate();
    const nope = await h.app.inject({ method: 'GET', url: '/v2/whatever' });
    expect([nope.statusCode, code(nope)]).toEqual([404, 'E_REQUEST_MALFORMED']);
    const huge = await h.app.inject({ method: 'POST', url: '/v1/heartbeat', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(300 * 1024) });
    expect([huge.statusCode, code(huge)]).toEqual([413, 'E_REQUEST_MALFORMED']);
    const bad = await h.it('POST', '/api/units', { serial: 'has space', name: 'n', site: 's', ward: 'w', room: 'r' });
    expect([bad.statusCode, code(bad)]).toEqual([400, 'E_REQUEST_MALFORMED']);
    expect((bad.json() as { problems: string[] }).problems[0]).toMatch(/\/serial must match pattern/);
    await h.repo.close();
  });
});

describe('enrollment tokens at rest (sqlite file)', () => {
  it('stores only a hash of the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-db-'));
    try {
      const repo = new SqliteFleetRepository(join(dir, 'fleet.db'));
      await repo.migrate();
      const h = new FleetAppHarness(repo);
      const token = await h.addUnit('BVU-1');
      await repo.close();
      const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
      expect(bytes).toContain('BVU-1');
      expect(bytes).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite checkpoints off the event loop', () => {
  it('a worker thread moves committed data from the WAL into the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-wal-'));
    try {
      const repo = new SqliteFleetRepository(join(dir, 'fleet.db'), { checkpointIntervalMs: 100 });
      await repo.migrate();
      await repo.upsertUnit({ serial: 'CHECKPOINTED-UNIT-7', name: 'n', site: 's', ward: 'w', room: 'r', bed: '' }, new Date());
      const inMainFile = () => readFileSync(join(dir, 'fleet.db')).toString('latin1').includes('CHECKPOINTED-UNIT-7');
      const deadline = Date.now() + 5000;
      while (!inMainFile() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(inMainFile()).toBe(true);
      await repo.close();
      await repo.close(); // twice is safe
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
