/**
 * A WebRTC room with Chromium as the far end: kamailio serves SIP over WSS, the page (SIP.js in
 * the browser, fake camera and microphone) registers and auto-answers, the unit joins with one
 * press over WSS with ICE + DTLS-SRTP (werift) and GStreamer media on loopback. Both sides
 * must see audio and video: the page reads its WebRTC stats and hears the unit's tone; the
 * unit hears the browser's fake-microphone beeps and decodes its video.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { readWav } from '../peers/wav-tone.js';
import { createTestUnit, eventually, sleep, type TestUnit } from '../integration/unit-harness.js';
import { launchBrowserFarEnd, type BrowserFarEnd } from '../../src/demo/peers/browser-far-end.js';
import { dominantTone } from './spectrum.js';

const UNIT_TONE = 1000;
const USERS = [{ username: 'unit1', password: 'unit1-secret' }, { username: 'room', password: 'room-secret' }];
let pki: TestPki;
let kamailio: Kamailio;
let browser: BrowserFarEnd;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true });
  await kamailio.start();
  browser = await launchBrowserFarEnd();
  await browser.start({ server: `wss://127.0.0.1:${kamailio.wssPort}`, aor: `sip:room@${kamailio.domain}`, username: 'room', password: 'room-secret', toneHz: UNIT_TONE });
  t = createTestUnit({
    transport: 'wss', proxyPort: kamailio.wssPort, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`,
    username: 'unit1', password: 'unit1-secret', toneHz: UNIT_TONE, webrtc: { additionalHostAddresses: ['127.0.0.1'] },
    allowInboundFrom: [`sip:room@${kamailio.domain}`],
  });
  await t.unit.start();
  await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'unit registration over WSS');
}, 60_000);

afterEach(({ task }) => {
  if (task.result?.state !== 'fail') return;
  console.error(`----- browser console -----\n${browser?.console.join('\n').slice(-4000)}`);
  console.error(`----- unit log (webrtc) -----\n${t?.logs.filter((l) => /webrtc|WebRTC|error|warn/i.test(l)).join('').slice(-6000)}`);
});

afterAll(async () => {
  await t?.cleanup();
  await browser?.close();
  await kamailio?.stop();
  await pki?.cleanup();
});

describe('WebRTC room with Chromium as the far end', () => {
  it('one press joins over WSS; audio and video flow both ways; a hold leaves', async () => {
    await t.unit.simButton.tap(150);
    await t.waitForState('joining', 2_000);
    await t.waitForState('in-call', 15_000);

    const seen = await eventually(async () => {
      const s = await browser.stats();
      return s.audioPacketsReceived > 100 && s.videoFramesDecoded > 10 && s.toneToNoiseDb > 30 ? s : null;
    }, 15_000, 'the page to receive the unit\'s audio (with its tone) and video').catch(async (e) => {
      console.error('page stats', await browser.stats());
      throw e;
    });
    if (!seen) throw new Error('unreachable');
    expect(seen.state).toBe('Established');
    expect(seen.audioPacketsSent).toBeGreaterThan(50);
    expect(seen.videoPacketsSent).toBeGreaterThan(10);
    expect(seen.dtlsCipher).toMatch(/AES|AEAD/);
    expect(seen.transports).toBe(1); // audio and video BUNDLEd on one rtcp-muxed transport

    await eventually(() => (t.unit.engine.stats().video?.framesDecoded ?? 0) > 10, 10_000, 'the unit to decode the page\'s video').catch((e) => {
      const sdh = (t.unit.signaling as unknown as { call_: { sdh: { webrtc(): { counters: unknown } } } }).call_?.sdh;
      console.error('engine', JSON.stringify(t.unit.engine.stats()), 'webrtc', JSON.stringify(sdh?.webrtc().counters));
      throw e;
    });
    await sleep(2_000);
    await t.unit.simButton.tap(2_200);
    await t.waitForState('idle', 8_000);
    await eventually(async () => (await browser.stats()).state === 'Terminated', 5_000, 'the page to see the call end');

    // Chromium's fake microphone beeps; the unit must have heard those beeps, not its own tone.
    const heard = dominantTone(await readWav(join(t.dir, 'far-end-audio.wav')));
    expect(heard.peakToMedianDb).toBeGreaterThan(20);
    expect(Math.abs(heard.hz - UNIT_TONE)).toBeGreaterThan(100);
    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ endReason: 'local-hangup', errorCode: null, audioCodec: 'opus', videoCodec: 'VP8' });
  }, 60_000);

  it('answers an allow-listed browser calling in: the far end\'s WebRTC offer picks the WebRTC profile', async () => {
    await t.waitForState('idle', 5_000);
    const before = (await browser.stats()).calls;
    await browser.call(`sip:unit1@${kamailio.domain}`);
    await t.waitForState('in-call', 10_000);
    const seen = await eventually(async () => {
      const s = await browser.stats();
      return s.calls === before + 1 && s.audioPacketsReceived > 100 && s.toneToNoiseDb > 30 ? s : null;
    }, 15_000, 'the calling page to hear the unit');
    expect(seen?.state).toBe('Established');
    await eventually(() => (t.unit.engine.stats().audio?.packetsReceived ?? 0) > 100, 5_000, 'the unit to receive the page\'s audio');
    await browser.hangup();
    await t.waitForState('idle', 8_000);
    const [call] = t.unit.store.recentCalls(1);
    expect(call).toMatchObject({ source: 'inbound', endReason: 'remote-hangup', errorCode: null, audioCodec: 'opus' });
  }, 40_000);

  it('restarts ICE with Chrome through a re-INVITE and media carries on', async () => {
    await t.waitForState('idle', 5_000);
    await t.unit.simButton.tap(150);
    await t.waitForState('in-call', 15_000);
    await eventually(async () => (await browser.stats()).audioPacketsReceived > 50, 10_000, 'media before the restart');
    const before = await browser.stats();
    const logMark = t.logs.length;
    // What the liveness watchdog does after disconnectGraceSeconds of far-end silence.
    const sdh = (t.unit.signaling as unknown as { call_: { sdh: { webrtc(): { emit(e: 'restart-needed'): boolean } } } }).call_.sdh;
    sdh.webrtc().emit('restart-needed');
    const after = await eventually(async () => {
      const s = await browser.stats();
      return s.remoteIceUfrag !== before.remoteIceUfrag && s.iceState === 'connected' ? s : null;
    }, 10_000, 'Chrome to take the ICE restart offer');
    expect(t.logs.slice(logMark).some((l) => l.includes('restarting ICE with a re-INVITE'))).toBe(true);
    // The unit's ICE agent ran fresh checks with the new credentials and reconnected.
    await eventually(() => {
      const states = t.logs.slice(logMark).filter((l) => l.includes('"msg":"webrtc ICE state"')).map((l) => (JSON.parse(l) as { state: string }).state);
      return states.includes('new') && states.lastIndexOf('connected') > states.indexOf('new');
    }, 5_000, 'the unit\'s ICE to reconnect after the restart');
    await sleep(1_500);
    const later = await browser.stats();
    expect(later.audioPacketsReceived).toBeGreaterThan((after?.audioPacketsReceived ?? 0) + 30);
    expect(later.transports).toBe(1);
    expect(t.unit.controller.machine.snapshot().state).toBe('in-call');
    await t.unit.controller.leave();
    await t.waitForState('idle', 8_000);
  }, 40_000);
});
