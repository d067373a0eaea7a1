/**
 * The WebRTC part of bench:join: press -> first far-end audio with Chromium as the room,
 * over WSS (kamailio's websocket module) with ICE + DTLS-SRTP, on loopback. The page sends a
 * continuous tone (the fake microphone only beeps, which would measure the beep phase).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../config/validate.js';
import { createLogger } from '../log/logger.js';
import { createUnit, type Unit } from '../unit.js';
import { launchBrowserFarEnd } from '../demo/peers/browser-far-end.js';
import { Kamailio } from '../demo/peers/kamailio.js';
import type { TestPki } from '../demo/peers/pki.js';

const TAP_MS = 80;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor(subscribe: (done: () => void) => () => void, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    const off = subscribe(() => { clearTimeout(timer); off(); resolve(); });
  });
}

async function pressToAudio(unit: Unit): Promise<number> {
  let audioAt = 0;
  const audio = waitFor((done) => {
    const l = () => { audioAt = performance.now(); done(); };
    unit.engine.on('first-audio', l);
    return () => unit.engine.off('first-audio', l);
  }, 15_000, 'first far-end audio over WebRTC');
  unit.simButton.set(true);
  await sleep(TAP_MS);
  const pressedAt = performance.now();
  unit.simButton.set(false);
  await audio;
  await sleep(300);
  const idle = waitFor((done) => unit.controller.machine.onTransition((t) => { if (t.to === 'idle') done(); }), 10_000, 'idle');
  await unit.controller.leave();
  await idle;
  // Past the double-press guard before the next tap.
  await sleep(1_000);
  return audioAt - pressedAt;
}

/** `calls` timed calls after one warm-up call; returns the samples in ms. */
export async function webrtcPressToAudio(calls: number, pki: TestPki, dir: string): Promise<number[]> {
  const kamailio = new Kamailio({
    users: [{ username: 'unit1', password: 'bench-unit' }, { username: 'webroom', password: 'bench-webroom' }],
    certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true,
  });
  await kamailio.start();
  const browser = await launchBrowserFarEnd().catch(async (e: unknown) => { await kamailio.stop(); throw e; });
  let unit: Unit | null = null;
  try {
    await browser.start({ server: `wss://127.0.0.1:${kamailio.wssPort}`, aor: `sip:webroom@${kamailio.domain}`, username: 'webroom', password: 'bench-webroom', toneHz: 1000, toneOutHz: 600 });
    const config = validateConfig({
      unit: { id: 'BENCH-2', name: 'Bench WebRTC' },
      rooms: { ownRoomUri: `sip:webroom@${kamailio.domain}` },
      sip: { transport: 'wss', proxy: { host: '127.0.0.1', port: kamailio.wssPort }, tlsServerName: 'localhost', trustedCaFile: pki.ca.certPath, account: { username: 'unit1', password: 'bench-unit', domain: kamailio.domain } },
      media: { video: { display: 'counter', width: 320, height: 240, framerate: 15 }, webrtc: { additionalHostAddresses: ['127.0.0.1'] } },
      hardware: { mode: 'sim' }, lab: {}, server: { host: '127.0.0.1', port: 0 }, store: { path: join(dir, 'unit-webrtc.db') }, log: { level: 'warn' }, ui: {},
    });
    unit = createUnit(config, createLogger({ level: 'warn' }));
    await unit.start();
    const u = unit;
    await waitFor((done) => {
      const check = () => { if (u.signaling.registrationState() === 'registered') done(); };
      const timer = setInterval(check, 50);
      return () => clearInterval(timer);
    }, 10_000, 'registration over WSS');
    await pressToAudio(unit);
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) samples.push(await pressToAudio(unit));
    return samples;
  } finally {
    await unit?.stop();
    await browser.close();
    await kamailio.stop();
  }
}
