/**
 * Every way a join can fail ends with its coded error on the state machine, a calls row,
 * and the unit back in idle once the failure screen times out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { freePort } from '../../src/demo/peers/ports.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { createTestUnit, eventually, type TestUnit, type TestUnitOptions } from './unit-harness.js';

const USERS = [
  { username: 'unit1', password: 'unit1-secret' },
  { username: 'busyroom', password: 'busy-secret' },
  { username: 'silent', password: 'silent-secret' },
  { username: 'plainroom', password: 'plain-secret' },
];
let pki: TestPki;
let kamailio: Kamailio;
let untrusted: Kamailio;
const peers: Baresip[] = [];
let current: TestUnit | null = null;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath });
  untrusted = new Kamailio({ users: USERS, certificatePath: pki.untrustedServer.certPath, privateKeyPath: pki.untrustedServer.keyPath });
  await Promise.all([kamailio.start(), untrusted.start()]);
  const common = { domain: kamailio.domain, proxyPort: kamailio.sipPort, video: false };
  peers.push(new Baresip({ ...common, username: 'busyroom', password: 'busy-secret', mode: 'busy' }));
  peers.push(new Baresip({ ...common, username: 'silent', password: 'silent-secret', mode: 'no-answer' }));
  peers.push(new Baresip({ ...common, username: 'plainroom', password: 'plain-secret', mediaEncryption: 'none' }));
  await Promise.all(peers.map((p) => p.start()));
}, 60_000);

afterEach(async () => {
  await current?.cleanup();
  current = null;
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await Promise.all([kamailio?.stop(), untrusted?.stop()]);
  await pki?.cleanup();
});

function unitFor(room: string, extra: Partial<TestUnitOptions> = {}): TestUnit {
  current = createTestUnit({
    proxyPort: kamailio.tlsPort, caPath: pki.ca.certPath, roomUri: `sip:${room}@${kamailio.domain}`,
    username: 'unit1', password: 'unit1-secret', video: false, ...extra,
  });
  return current;
}

/** Press the button; the join must fail with `code`, leave a calls row, and return to idle. */
async function expectJoinFailure(t: TestUnit, code: ErrorCode, timeoutMs = 10_000): Promise<void> {
  await t.unit.simButton.tap(150);
  await t.waitForState('joining', 2_000);
  await t.waitForState('failed', timeoutMs);
  const snap = t.unit.controller.machine.snapshot();
  expect(snap.failure?.code).toBe(code);
  expect(snap.failure?.advice.hint.length).toBeGreaterThan(10);
  await t.waitForState('idle', 3_000);
  const [call] = t.unit.store.recentCalls(1);
  expect(call).toMatchObject({ endReason: 'failed', errorCode: code, establishedAt: null });
}

describe('join failures, each with its coded error', () => {
  it('wrong password: registration and the call fail with E_SIP_AUTH', async () => {
    const t = unitFor('busyroom', { password: 'not-the-password' });
    await t.unit.start();
    await eventually(() => t.unit.signaling.registrationState() === 'failed', 10_000, 'registration to fail');
    const events = t.unit.store.recentEvents(20).filter((e) => e.type === 'registration');
    expect(events.some((e) => e.data.code === 'E_SIP_AUTH')).toBe(true);
    await expectJoinFailure(t, 'E_SIP_AUTH');
    expect(t.logs.join('')).not.toContain('not-the-password');
  });

  it('unknown room (404): E_ROOM_NOT_FOUND', async () => {
    const t = unitFor('nobody-here');
    await t.unit.start();
    await expectJoinFailure(t, 'E_ROOM_NOT_FOUND');
  });

  it('room busy (486 from a real endpoint): E_ROOM_BUSY', async () => {
    const t = unitFor('busyroom');
    await t.unit.start();
    await expectJoinFailure(t, 'E_ROOM_BUSY');
  });

  it('no answer: the unit cancels after its timeout, E_NO_ANSWER', async () => {
    const silent = peers[1]!;
    const since = silent.events().length;
    const t = unitFor('silent', { noAnswerTimeoutSeconds: 5 });
    await t.unit.start();
    await expectJoinFailure(t, 'E_NO_ANSWER', 12_000);
    // The room saw the call ring and then the CANCEL.
    await silent.waitForEvent('CALL_CLOSED', { since, timeoutMs: 5_000 });
  }, 30_000);

  it('far end refusing SRTP: E_SRTP_REFUSED', async () => {
    const t = unitFor('plainroom');
    await t.unit.start();
    await expectJoinFailure(t, 'E_SRTP_REFUSED');
  });

  it('registrar unreachable: E_SERVER_UNREACHABLE', async () => {
    const closedPort = await freePort();
    const t = unitFor('busyroom', { proxyPort: closedPort });
    await t.unit.start();
    expect(t.unit.signaling.registrationState()).toBe('failed');
    await expectJoinFailure(t, 'E_SERVER_UNREACHABLE');
  });

  it('untrusted TLS certificate: E_TLS_UNTRUSTED, nothing sent to that server', async () => {
    const t = unitFor('busyroom', { proxyPort: untrusted.tlsPort });
    await t.unit.start();
    expect(t.unit.signaling.registrationState()).toBe('failed');
    await expectJoinFailure(t, 'E_TLS_UNTRUSTED');
    expect(untrusted.log()).not.toMatch(/REGISTER|INVITE sip/);
  });
});
