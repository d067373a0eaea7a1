/**
 * baresip as a second WebRTC far end: its `ice` and `dtls_srtp` modules (UDP/TLS/RTP/SAVPF,
 * rtcp-mux, no BUNDLE: one DTLS session per stream). The unit joins over WSS; baresip registers
 * over TCP to the same kamailio. Audio both ways is checked on the recordings (the unit's tone at
 * baresip, baresip's at the unit); video on baresip's frame counter and the unit's decoder.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { analyzeTone, readWav } from '../peers/wav-tone.js';
import { createTestUnit, eventually, sleep, type TestUnit } from '../integration/unit-harness.js';

const UNIT_TONE = 1000;
const ROOM_TONE = 700;
let pki: TestPki;
let kamailio: Kamailio;
let room: Baresip;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: [{ username: 'unit1', password: 'unit1-secret' }, { username: 'room', password: 'room-secret' }], certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true });
  await kamailio.start();
  room = new Baresip({ username: 'room', password: 'room-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort, toneHz: ROOM_TONE, mediaEncryption: 'dtls_srtp' });
  await room.start();
  t = createTestUnit({
    transport: 'wss', proxyPort: kamailio.wssPort, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`,
    username: 'unit1', password: 'unit1-secret', toneHz: UNIT_TONE, webrtc: { additionalHostAddresses: ['127.0.0.1'], interfaceAddress: '127.0.0.1' },
  });
  await t.unit.start();
  await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'unit registration over WSS');
}, 60_000);

afterEach(({ task }) => {
  if (task.result?.state !== 'fail') return;
  console.error(`----- baresip -----\n${room?.log().slice(-5000)}`);
  console.error(`----- unit -----\n${t?.logs.filter((l) => /webrtc|WebRTC|warn|error/i.test(l)).join('').slice(-5000)}`);
});

afterAll(async () => {
  await t?.cleanup();
  await room?.stop();
  await kamailio?.stop();
  await pki?.cleanup();
});

describe('WebRTC media with baresip (ice + dtls_srtp)', () => {
  it('joins with one press; audio and video flow both ways over DTLS-SRTP', async () => {
    const since = room.events().length;
    await t.unit.simButton.tap(150);
    await t.waitForState('in-call', 15_000);
    await room.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 5_000 });
    await eventually(async () => ((await room.videoStats())?.framesReceived ?? 0) > 10, 10_000, 'baresip to receive the unit\'s video');
    await eventually(() => (t.unit.engine.stats().video?.framesDecoded ?? 0) > 5, 10_000, 'the unit to decode baresip\'s video');
    await sleep(2_000);
    await t.unit.simButton.tap(2_200);
    await t.waitForState('idle', 8_000);
    await room.waitForEvent('CALL_CLOSED', { since, timeoutMs: 5_000 });
    const received = (await room.recordings()).received.at(-1);
    expect(received, 'baresip recorded the call').toBeTruthy();
    expect(analyzeTone(await readWav(received!), UNIT_TONE).toneSeconds).toBeGreaterThan(1.5);
    expect(analyzeTone(await readWav(join(t.dir, 'far-end-audio.wav')), ROOM_TONE).toneSeconds).toBeGreaterThan(1.5);
    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ endReason: 'local-hangup', errorCode: null, audioCodec: 'opus', videoCodec: 'VP8' });
  }, 40_000);
});
