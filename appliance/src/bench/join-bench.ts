/**
 * npm run bench:join — press -> 200 OK and press -> first far-end audio for the unit, and
 * baresip's own dial -> established to the same room in the same run, over TLS on loopback.
 * Prints a table and writes bench-results/join.json. Figures, not pass/fail.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../config/validate.js';
import { createLogger } from '../log/logger.js';
import { createUnit, type Unit } from '../unit.js';
import { Baresip } from '../demo/peers/baresip.js';
import { Kamailio } from '../demo/peers/kamailio.js';
import { createTestPki } from '../demo/peers/pki.js';
import { median, percentile, round1 } from './stats.js';
import { webrtcPressToAudio } from './webrtc-join.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 10);
const TAP_MS = 80;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor<T>(subscribe: (done: (v: T) => void) => () => void, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    const off = subscribe((v) => { clearTimeout(timer); off(); resolvePromise(v); });
  });
}

async function unitCall(unit: Unit): Promise<{ toOk: number; toAudio: number }> {
  let okAt = 0;
  let audioAt = 0;
  const established = waitFor<void>((done) => {
    const l = () => { okAt = performance.now(); done(); };
    unit.signaling.on('established', l);
    return () => unit.signaling.off('established', l);
  }, 10_000, 'established');
  const audio = waitFor<void>((done) => {
    const l = () => { audioAt = performance.now(); done(); };
    unit.engine.on('first-audio', l);
    return () => unit.engine.off('first-audio', l);
  }, 10_000, 'first far-end audio');
  // A press is recognised when the button is released (a hold means something else), so the
  // clock starts at the release edge of an 80 ms tap.
  unit.simButton.set(true);
  await sleep(TAP_MS);
  const pressedAt = performance.now();
  unit.simButton.set(false);
  await Promise.all([established, audio]);
  await sleep(300);
  const idle = waitFor<void>((done) => unit.controller.machine.onTransition((t) => { if (t.to === 'idle') done(); }), 10_000, 'idle');
  await unit.controller.leave();
  await idle;
  return { toOk: okAt - pressedAt, toAudio: audioAt - pressedAt };
}

async function baresipCall(caller: Baresip, target: string): Promise<number> {
  const since = caller.events().length;
  const t0 = performance.now();
  await caller.dial(target);
  await caller.waitForEvent('CALL_ESTABLISHED', { since, timeoutMs: 10_000 });
  const setup = performance.now() - t0;
  await sleep(300);
  const closedFrom = caller.events().length;
  await caller.hangup();
  await caller.waitForEvent('CALL_CLOSED', { since: closedFrom, timeoutMs: 10_000 });
  return setup;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-join-'));
  const pki = await createTestPki(dir);
  const kamailio = new Kamailio({
    users: [{ username: 'unit1', password: 'bench-unit' }, { username: 'room', password: 'bench-room' }, { username: 'caller', password: 'bench-caller' }],
    certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  const room = new Baresip({ username: 'room', password: 'bench-room', domain: kamailio.domain, proxyPort: kamailio.sipPort });
  const caller = new Baresip({ username: 'caller', password: 'bench-caller', domain: kamailio.domain, proxyPort: kamailio.sipPort, toneHz: 500 });
  await Promise.all([room.start(), caller.start()]);
  const config = validateConfig({
    unit: { id: 'BENCH-1', name: 'Bench' },
    rooms: { ownRoomUri: `sip:room@${kamailio.domain}` },
    sip: { proxy: { host: '127.0.0.1', port: kamailio.tlsPort }, tlsServerName: 'localhost', trustedCaFile: pki.ca.certPath, account: { username: 'unit1', password: 'bench-unit', domain: kamailio.domain } },
    media: { video: { display: 'counter', width: 320, height: 240, framerate: 15 } },
    hardware: { mode: 'sim' }, lab: {}, server: { host: '127.0.0.1', port: 0 }, store: { path: join(dir, 'unit.db') }, log: { level: 'warn' }, ui: {},
  });
  const unit = createUnit(config, createLogger({ level: 'warn' }));
  await unit.start();
  const unitOk: number[] = [];
  const unitAudio: number[] = [];
  const bare: number[] = [];
  let webrtc: number[] = [];
  let webrtcError: string | null = null;
  try {
    // One warm-up call each, not counted (first use loads codecs and TLS session state).
    await unitCall(unit);
    await baresipCall(caller, `sip:room@${kamailio.domain}`);
    for (let i = 0; i < CALLS; i++) {
      const u = await unitCall(unit);
      unitOk.push(u.toOk);
      unitAudio.push(u.toAudio);
      bare.push(await baresipCall(caller, `sip:room@${kamailio.domain}`));
    }
    await unit.stop();
    if (process.env.BENCH_WEBRTC !== '0') {
      webrtc = await webrtcPressToAudio(CALLS, pki, dir).catch((e: unknown) => {
        webrtcError = e instanceof Error ? e.message : String(e);
        return [];
      });
    }
  } finally {
    await unit.stop();
    await Promise.all([room.stop(), caller.stop()]);
    await kamailio.stop();
    await pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    calls: CALLS,
    measured_from: 'button release (end of the press gesture)',
    button_tap_ms: TAP_MS,
    press_to_200ok_ms: round1(median(unitOk)),
    press_to_audio_ms: round1(median(unitAudio)),
    baresip_setup_ms: round1(median(bare)),
    ratio_vs_baresip: Math.round((median(unitOk) / median(bare)) * 100) / 100,
    press_to_200ok_p90_ms: round1(percentile(unitOk, 90)),
    press_to_audio_p90_ms: round1(percentile(unitAudio, 90)),
    baresip_setup_p90_ms: round1(percentile(bare, 90)),
    webrtc_press_to_audio_ms: webrtc.length > 0 ? round1(median(webrtc)) : null,
    webrtc_press_to_audio_p90_ms: webrtc.length > 0 ? round1(percentile(webrtc, 90)) : null,
    webrtc_far_end: 'Chromium (SIP.js over WSS, ICE + DTLS-SRTP, continuous tone)',
    ...(webrtcError ? { webrtc_error: webrtcError } : {}),
    samples: { press_to_200ok_ms: unitOk.map(round1), press_to_audio_ms: unitAudio.map(round1), baresip_setup_ms: bare.map(round1), webrtc_press_to_audio_ms: webrtc.map(round1) },
  };
  const outDir = resolve(process.env.BENCH_OUT ?? join(process.cwd(), '..', 'bench-results'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'join.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, med: number, p90: number, target: string) => `${name.padEnd(34)} ${String(round1(med)).padStart(8)} ${String(round1(p90)).padStart(8)}   ${target}`;
  process.stdout.write([
    `join benchmark: ${CALLS} calls each, TLS on 127.0.0.1, SRTP opus + VP8`,
    `${'measure'.padEnd(34)} ${'median'.padStart(8)} ${'p90'.padStart(8)}   target`,
    row('unit press -> 200 OK (ms)', median(unitOk), percentile(unitOk, 90), `<= 2x baresip`),
    row('unit press -> far-end audio (ms)', median(unitAudio), percentile(unitAudio, 90), '< 500'),
    row('baresip dial -> established (ms)', median(bare), percentile(bare, 90), 'reference'),
    webrtc.length > 0
      ? row('WebRTC press -> far-end audio (ms)', median(webrtc), percentile(webrtc, 90), '< 1000 (Chromium over WSS)')
      : `WebRTC press -> far-end audio: not measured${webrtcError ? ` (${webrtcError})` : ''}`,
    `ratio press->200 OK / baresip setup: ${result.ratio_vs_baresip}`,
    `written: ${join(outDir, 'join.json')}`,
    '',
  ].join('\n'));
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:join failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
