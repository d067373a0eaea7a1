/**
 * The whole path, end to end: the simulated start button, SIP over TLS with digest auth
 * through kamailio, SDES-SRTP media from GStreamer, baresip as the meeting room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { analyzeTone, readWav } from '../peers/wav-tone.js';
import { createTestUnit, eventually, sleep, type TestUnit } from './unit-harness.js';
import { join } from 'node:path';

const UNIT_TONE = 1000;
const ROOM_TONE = 700;
let pki: TestPki;
let kamailio: Kamailio;
let room: Baresip;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({
    users: [{ username: 'unit1', password: 'unit1-secret' }, { username: 'room', password: 'room-secret' }],
    certificatePath: pki.server.certPath,
    privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  room = new Baresip({ username: 'room', password: 'room-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort, toneHz: ROOM_TONE });
  await room.start();
  t = createTestUnit({ proxyPort: kamailio.tlsPort, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`, username: 'unit1', password: 'unit1-secret', toneHz: UNIT_TONE });
  await t.unit.start();
  await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'registration');
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
  await room?.stop();
  await kamailio?.stop();
  await pki?.cleanup();
});

describe('one-button call to a real SIP room', () => {
  it('registers over TLS with digest auth and shows the ready light', () => {
    expect(t.unit.signaling.registrationState()).toBe('registered');
    expect(t.unit.controller.status().led?.name).toBe('ready');
  });

  it('press joins the room with SRTP audio and video both ways; a hold leaves', async () => {
    const farEndWav = join(t.dir, 'far-end-audio.wav');
    const since = room.events().length;
    await t.unit.simButton.tap(150);
    await t.waitForState('joining', 2_000);
    await t.waitForState('in-call', 10_000);
    expect(t.unit.controller.status().led?.name).toBe('in-call');
    const established = await room.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 5_000 });
    expect(established).toBeTruthy();

    // Let media flow, then look at what each side really received.
    const video = await eventually(async () => {
      const v = await room.videoStats();
      return v && v.framesReceived > 10 ? v : null;
    }, 10_000, 'baresip to receive video from the unit');
    expect(video?.secure).toBe(true);
    await sleep(2_500);

    // A bumped button (a short press) never ends a meeting.
    await t.unit.simButton.tap(150);
    await sleep(300);
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');

    await t.unit.simButton.tap(2_200);
    await t.waitForState('idle', 8_000);
    await room.waitForEvent('CALL_CLOSED', { since, timeoutMs: 5_000 });

    const received = (await room.recordings()).received.at(-1);
    expect(received, 'baresip recorded the call').toBeTruthy();
    const unitToneAtRoom = analyzeTone(await readWav(received!), UNIT_TONE);
    expect(unitToneAtRoom.toneSeconds).toBeGreaterThan(1.5);
    const roomToneAtUnit = analyzeTone(await readWav(farEndWav), ROOM_TONE);
    expect(roomToneAtUnit.toneSeconds).toBeGreaterThan(1.5);
    const ownToneAtUnit = analyzeTone(await readWav(farEndWav), UNIT_TONE);
    expect(ownToneAtUnit.toneSeconds).toBeLessThan(0.5);

    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ roomUri: `sip:room@${kamailio.domain}`, source: 'own-room', endReason: 'local-hangup', errorCode: null, audioCodec: 'opus', videoCodec: 'VP8' });
    expect(call!.establishedAt).not.toBeNull();
    expect(call!.endedAt - call!.establishedAt!).toBeGreaterThan(2_000);
  }, 60_000);

  it('the room hanging up returns the unit to idle and records a remote hang-up', async () => {
    const since = room.events().length;
    await t.unit.controller.join();
    await t.waitForState('in-call', 10_000);
    await room.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 5_000 });
    await sleep(500);
    await room.hangup();
    await t.waitForState('idle', 8_000);
    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ endReason: 'remote-hangup', errorCode: null });
    const states = t.unit.store.recentEvents(50).filter((e) => e.type === 'state').map((e) => `${e.data.from}->${e.data.to}`);
    expect(states.slice(0, 3)).toEqual(['in-call->idle', 'joining->in-call', 'idle->joining']);
  }, 40_000);
});
