/**
 * WebRTC failure paths against a scriptable werift far end over WSS: malformed and unusable
 * ICE candidates are ignored (the call still connects), a call whose ICE cannot connect ends
 * with E_ICE_FAILED within the configured time, and a tampered DTLS fingerprint is refused
 * with E_DTLS_FAILED. Each failure leaves a calls row and the unit back in idle. A far end that
 * goes silent mid-call gets an ICE restart (re-INVITE) and the call carries on when it is back;
 * one that stays silent ends the call with E_ICE_FAILED.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { freePort } from '../../src/demo/peers/ports.js';
import { createTestUnit, eventually, sleep, type TestUnit } from '../integration/unit-harness.js';
import { deadCandidates, tamperFingerprint, WeriftFarEnd, withBadCandidates } from './werift-far-end.js';

const CONNECT_TIMEOUT_S = 3;
const GRACE_S = 1;
const USERS = [{ username: 'unit1', password: 'unit1-secret' }, { username: 'room', password: 'room-secret' }];
let pki: TestPki;
let kamailio: Kamailio;
let farEnd: WeriftFarEnd;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true });
  await kamailio.start();
  farEnd = new WeriftFarEnd({ host: '127.0.0.1', port: kamailio.wssPort, ca: readFileSync(pki.ca.certPath, 'utf8'), aor: `sip:room@${kamailio.domain}`, username: 'room', password: 'room-secret' });
  await farEnd.start();
  t = createTestUnit({
    transport: 'wss', proxyPort: kamailio.wssPort, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`,
    username: 'unit1', password: 'unit1-secret', video: false,
    webrtc: { additionalHostAddresses: ['127.0.0.1'], connectTimeoutSeconds: CONNECT_TIMEOUT_S, disconnectGraceSeconds: GRACE_S },
  });
  await t.unit.start();
  await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'unit registration over WSS');
}, 60_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(t.logs.filter((l) => /webrtc|WebRTC|warn|error/i.test(l)).join('').slice(-5000));
  farEnd.rewrite = undefined;
  if (t.unit.controller.machine.snapshot().state !== 'idle') {
    await t.unit.controller.leave().catch(() => undefined);
    await t.waitForState('idle', 10_000).catch(() => undefined);
  }
});

afterAll(async () => {
  await t?.cleanup();
  await farEnd?.stop();
  await kamailio?.stop();
  await pki?.cleanup();
});

async function expectJoinFailure(code: ErrorCode): Promise<number> {
  const started = Date.now();
  // The controller's join (what a press does); taps in quick succession would meet the double-press guard.
  const joined = t.unit.controller.join();
  await t.waitForState('joining', 2_000);
  await joined;
  await t.waitForState('failed', (CONNECT_TIMEOUT_S + 10) * 1000);
  const elapsed = Date.now() - started;
  expect(t.unit.controller.machine.snapshot().failure?.code).toBe(code);
  await t.waitForState('idle', 3_000);
  const [call] = t.unit.store.recentCalls(1);
  expect(call).toMatchObject({ endReason: 'failed', errorCode: code, establishedAt: null });
  return elapsed;
}

describe('WebRTC failure paths', () => {
  it('ignores malformed and unusable far-end candidates and still connects on the good ones', async () => {
    farEnd.rewrite = (sdp) => withBadCandidates(sdp);
    void t.unit.controller.join();
    await t.waitForState('in-call', 10_000);
    const warning = t.logs.find((l) => l.includes('ignored unusable ICE candidates'));
    expect(warning).toBeDefined();
    const logged = JSON.parse(warning!) as { dropped: { reason: string }[]; kept: number };
    expect(logged.dropped.length).toBe(8);
    expect(logged.kept).toBeGreaterThan(0);
    expect(new Set(logged.dropped.map((d) => d.reason))).toEqual(new Set([
      'too few fields', 'bad priority', 'not an IP address', 'bad port', 'bad candidate type', 'not UDP', 'dangling extension attribute',
    ]));
    await sleep(500);
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');
  });

  it('ends a call whose ICE cannot connect with E_ICE_FAILED within the configured time', async () => {
    const deadPort = await freePort({ udp: true });
    farEnd.rewrite = (sdp, pc) => {
      setImmediate(() => void pc.close()); // the far end goes silent: no checks, no answers
      return deadCandidates(deadPort)(sdp, pc);
    };
    const elapsed = await expectJoinFailure('E_ICE_FAILED');
    expect(elapsed).toBeLessThan((CONNECT_TIMEOUT_S + 4) * 1000);
  }, 30_000);

  it('restarts ICE with a re-INVITE when the far end goes silent, and carries on when it is back', async () => {
    void t.unit.controller.join();
    await t.waitForState('in-call', 10_000);
    const far = farEnd.sessions.at(-1)!;
    await eventually(() => (t.unit.engine.stats().audio?.packetsReceived ?? 0) > 20, 5_000, 'far-end RTP at the unit');
    const logMark = t.logs.length;
    far.outage = true;
    await eventually(() => far.offers.length >= 2, (GRACE_S + 3) * 1000, 'the ICE restart re-INVITE');
    far.outage = false;
    const ufrag = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
    expect(ufrag(far.offers[1]!)).toBeDefined();
    expect(ufrag(far.offers[1]!)).not.toBe(ufrag(far.offers[0]!));
    await eventually(() => t.logs.slice(logMark).some((l) => l.includes('webrtc media recovered')), 5_000, 'media to recover');
    const before = t.unit.engine.stats().audio?.packetsReceived ?? 0;
    await sleep(1_000);
    expect(t.unit.engine.stats().audio?.packetsReceived ?? 0).toBeGreaterThan(before + 20);
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');
  }, 30_000);

  it('ends the call with E_ICE_FAILED when the far end stays silent after the ICE restart', async () => {
    void t.unit.controller.join();
    await t.waitForState('in-call', 10_000);
    const far = farEnd.sessions.at(-1)!;
    await eventually(() => (t.unit.engine.stats().audio?.packetsReceived ?? 0) > 20, 5_000, 'far-end RTP at the unit');
    const silentFrom = Date.now();
    far.outage = true;
    await t.waitForState('failed', (GRACE_S + CONNECT_TIMEOUT_S + 5) * 1000);
    expect(Date.now() - silentFrom).toBeLessThan((GRACE_S + CONNECT_TIMEOUT_S + 3) * 1000);
    expect(t.unit.controller.machine.snapshot().failure?.code).toBe('E_ICE_FAILED');
    await t.waitForState('idle', 3_000);
    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ errorCode: 'E_ICE_FAILED' });
    expect(call!.establishedAt).not.toBeNull();
  }, 30_000);

  it('refuses a far end whose DTLS certificate does not match its fingerprint with E_DTLS_FAILED', async () => {
    farEnd.rewrite = (sdp) => tamperFingerprint(sdp);
    await expectJoinFailure('E_DTLS_FAILED');
    const advice = t.unit.controller.machine.snapshot();
    expect(advice.state).toBe('idle');
  }, 30_000);
});
