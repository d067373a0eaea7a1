/**
 * Call control against a real far end: the room puts the unit on hold and resumes it
 * (re-INVITEs answered by the unit's session description handler), the unit cancels a join
 * that is still ringing with a 2 s hold, and the daemon refuses a config with a coded error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import type { SipSignaling } from '../../src/adapters/sip/sip-signaling.js';
import { createTestUnit, eventually, sleep, type TestUnit } from './unit-harness.js';

let pki: TestPki;
let kamailio: Kamailio;
let room: Baresip;
let silent: Baresip;
let current: TestUnit | null = null;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({
    users: [{ username: 'unit1', password: 'unit1-secret' }, { username: 'room', password: 'room-secret' }, { username: 'silent', password: 'silent-secret' }],
    certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  room = new Baresip({ username: 'room', password: 'room-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort, video: false });
  silent = new Baresip({ username: 'silent', password: 'silent-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort, mode: 'no-answer', video: false });
  await Promise.all([room.start(), silent.start()]);
}, 60_000);

afterEach(async () => {
  await current?.cleanup();
  current = null;
});

afterAll(async () => {
  await Promise.all([room?.stop(), silent?.stop()]);
  await kamailio?.stop();
  await pki?.cleanup();
});

function unitFor(user: string): TestUnit {
  current = createTestUnit({ proxyPort: kamailio.tlsPort, caPath: pki.ca.certPath, roomUri: `sip:${user}@${kamailio.domain}`, username: 'unit1', password: 'unit1-secret', video: false });
  return current;
}

const audioDirection = (t: TestUnit) => (t.unit.signaling as SipSignaling).currentMedia()?.streams.find((s) => s.kind === 'audio')?.direction;

describe('call control with a real far end', () => {
  it('answers the room putting it on hold and resuming (re-INVITE), staying in the call', async () => {
    const t = unitFor('room');
    await t.unit.start();
    const since = room.events().length;
    await t.unit.controller.join();
    await t.waitForState('in-call', 10_000);
    await room.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 5_000 });
    expect(audioDirection(t)).toBe('sendrecv');

    const hold = await room.command('hold');
    expect(hold.ok).toBe(true);
    // baresip's hold offers a=sendonly; the unit answers recvonly and keeps receiving.
    await eventually(() => audioDirection(t) === 'recvonly', 5_000, 'the unit to take the hold offer');
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');

    const resume = await room.command('resume');
    expect(resume.ok).toBe(true);
    await eventually(() => audioDirection(t) === 'sendrecv', 5_000, 'the unit to take the resume offer');
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');

    await t.unit.controller.leave();
    await t.waitForState('idle', 8_000);
    expect(t.unit.store.recentCalls(1)[0]).toMatchObject({ endReason: 'local-hangup', errorCode: null });
  }, 40_000);

  it('holding the button while the room is still ringing cancels the join (CANCEL)', async () => {
    const t = unitFor('silent');
    await t.unit.start();
    const since = silent.events().length;
    await t.unit.simButton.tap(150);
    await t.waitForState('joining', 2_000);
    await silent.waitForEvent('CALL_INCOMING', { since, timeoutMs: 5_000 });
    // A short press while joining is ignored.
    await t.unit.simButton.tap(150);
    await sleep(300);
    expect(t.unit.controller.machine.snapshot().state).toBe('joining');
    await t.unit.simButton.tap(2_200);
    await t.waitForState('idle', 8_000);
    await silent.waitForEvent('CALL_CLOSED', { since, timeoutMs: 5_000 });
    expect(t.unit.store.recentCalls(1)[0]).toMatchObject({ endReason: 'cancelled', establishedAt: null });
    const states = t.unit.store.recentEvents(20).filter((e) => e.type === 'state').map((e) => `${e.data.from}->${e.data.to}`);
    expect(states.slice(0, 3)).toEqual(['leaving->idle', 'joining->leaving', 'idle->joining']);
  }, 30_000);
});
