/**
 * Calls into the unit through kamailio, from real baresip endpoints: no one can call into a
 * patient's room unless IT allow-listed them; an allow-listed caller (IT support) is answered
 * at once, with SRTP audio both ways, and the call is recorded like any other.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { analyzeTone, readWav } from '../peers/wav-tone.js';
import { createTestUnit, sleep, type TestUnit } from './unit-harness.js';

const UNIT_TONE = 1000;
const SUPPORT_TONE = 700;
const USERS = [
  { username: 'unit1', password: 'unit1-secret' },
  { username: 'stranger', password: 'stranger-secret' },
  { username: 'support', password: 'support-secret' },
];

let pki: TestPki;
let kamailio: Kamailio;
let stranger: Baresip;
let support: Baresip;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath });
  await kamailio.start();
  const common = { domain: kamailio.domain, proxyPort: kamailio.sipPort, video: false };
  stranger = new Baresip({ ...common, username: 'stranger', password: 'stranger-secret' });
  support = new Baresip({ ...common, username: 'support', password: 'support-secret', toneHz: SUPPORT_TONE });
  await Promise.all([stranger.start(), support.start()]);
  t = createTestUnit({
    proxyPort: kamailio.tlsPort, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`,
    username: 'unit1', password: 'unit1-secret', video: false, toneHz: UNIT_TONE,
    allowInboundFrom: [`sip:support@${kamailio.domain}`],
  });
  await t.unit.start();
  expect(t.unit.signaling.registrationState()).toBe('registered');
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
  await Promise.all([stranger?.stop(), support?.stop()]);
  await kamailio?.stop();
  await pki?.cleanup();
});

describe('inbound calls through kamailio', () => {
  it('a caller who is not allow-listed is declined (603); the unit stays idle and logs it', async () => {
    const transitions = t.unit.controller.machine.history().length;
    const since = stranger.events().length;
    await stranger.dial(kamailio.aor('unit1'));
    const closed = await stranger.waitForEvent('CALL_CLOSED', { since, timeoutMs: 10_000 });
    expect(closed.param).toMatch(/^603/);
    expect(stranger.events().slice(since).some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);

    expect(t.unit.controller.machine.snapshot().state).toBe('idle');
    expect(t.unit.controller.machine.history()).toHaveLength(transitions);
    const refused = t.unit.store.recentEvents(20).find((e) => e.type === 'inbound-refused');
    expect(refused?.data).toMatchObject({ code: 'E_INBOUND_REFUSED', from: `sip:stranger@${kamailio.domain}` });
  });

  it('allow-listed IT support is answered at once: SRTP audio both ways, then their hang-up returns the unit to idle', async () => {
    const farEndWav = join(t.dir, 'far-end-audio.wav');
    const seenTransitions = t.unit.controller.machine.history().length;
    const since = support.events().length;
    await support.dial(kamailio.aor('unit1'));
    await t.waitForState('in-call', 10_000);
    await support.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 5_000 });
    const path = t.unit.controller.machine.history().slice(seenTransitions).map((r) => `${r.from}->${r.to}`);
    expect(path).toEqual(['idle->joining', 'joining->in-call']);
    expect(t.unit.controller.status().led?.name).toBe('in-call');
    const audio = await support.audioStats();
    expect(audio?.secure).toBe(true);

    await sleep(3_000); // media flows
    await support.hangup();
    await t.waitForState('idle', 8_000);
    await support.waitForEvent('CALL_CLOSED', { since, timeoutMs: 5_000 });

    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ source: 'inbound', roomUri: `sip:support@${kamailio.domain}`, endReason: 'remote-hangup', errorCode: null, audioCodec: 'opus' });
    expect(call!.establishedAt).not.toBeNull();

    const received = (await support.recordings()).received.at(-1);
    expect(received, 'baresip recorded the call').toBeTruthy();
    const unitToneAtSupport = analyzeTone(await readWav(received!), UNIT_TONE);
    expect(unitToneAtSupport.toneSeconds).toBeGreaterThan(1.5);
    const supportToneAtUnit = analyzeTone(await readWav(farEndWav), SUPPORT_TONE);
    expect(supportToneAtUnit.toneSeconds).toBeGreaterThan(1.5);
  }, 40_000);

  it('after an inbound call the unit still joins its own room (the button works as before)', async () => {
    // No room is registered: kamailio answers 404, which proves the press placed a real call.
    await t.unit.simButton.tap(150);
    await t.waitForState('joining', 2_000);
    await t.waitForState('failed', 10_000);
    expect(t.unit.controller.machine.snapshot().failure?.code).toBe('E_ROOM_NOT_FOUND');
    await t.waitForState('idle', 3_000);
  });
});
