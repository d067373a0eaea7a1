/**
 * npm run bench:ui — the touch panel in Debian's Chromium against a real unit in sim mode,
 * in a real call (kamailio + baresip on 127.0.0.1):
 *   js_gzip_kb          the panel's JavaScript, gzipped (ui/dist/assets/*.js)
 *   tap_to_feedback_ms  pointerdown on a control -> first rendered frame showing the change
 *   state_to_screen_ms  a state change in the daemon -> first rendered frame showing it
 * with baselines from the same run: the frame floor (pointerdown -> next frame, nothing to
 * draw) and the bare WebSocket delivery of the same state message. Writes bench-results/ui.json.
 * Figures, not pass/fail (targets: <= 60 KB, < 100 ms, < 100 ms).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { validateConfig } from '../config/validate.js';
import { createLogger } from '../log/logger.js';
import { createUnit } from '../unit.js';
import { Baresip } from '../demo/peers/baresip.js';
import { Kamailio } from '../demo/peers/kamailio.js';
import { createTestPki } from '../demo/peers/pki.js';
import { DEFAULT_UI_DIR } from '../server/build.js';
import { median, percentile, round1 } from './stats.js';
import { PAGE_PROBES } from './ui-page-probes.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const WARMUP = 3;
const CHROMIUM = '/usr/bin/chromium';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The panel's JavaScript as the unit serves it, gzipped at level 9 (KB). */
export function jsGzipKb(uiDir: string): { kb: number; files: string[] } {
  const assets = join(uiDir, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
  return { kb: round1(bytes / 1024), files };
}

async function eventually(fn: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) throw new Error(`the UI is not built (${DEFAULT_UI_DIR}): npm run build -w ui`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const size = jsGzipKb(DEFAULT_UI_DIR);

  const dir = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  const pki = await createTestPki(dir);
  const kamailio = new Kamailio({
    users: [{ username: 'unit1', password: 'bench-unit' }, { username: 'room', password: 'bench-room' }],
    certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  const room = new Baresip({ username: 'room', password: 'bench-room', domain: kamailio.domain, proxyPort: kamailio.sipPort, video: false });
  await room.start();
  const config = validateConfig({
    unit: { id: 'BENCH-UI', name: 'Stue 1 · seng 1', ward: 'Bench', room: '1', bed: '1' },
    rooms: { ownRoomUri: `sip:room@${kamailio.domain}` },
    sip: { proxy: { host: '127.0.0.1', port: kamailio.tlsPort }, tlsServerName: 'localhost', trustedCaFile: pki.ca.certPath, account: { username: 'unit1', password: 'bench-unit', domain: kamailio.domain } },
    media: { video: { enabled: false, display: 'counter' } },
    hardware: { mode: 'sim' }, server: { host: '127.0.0.1', port: 0 }, store: { path: join(dir, 'unit.db') }, log: { level: 'warn' },
  });
  const unit = createUnit(config, createLogger({ level: 'warn' }));
  const profile = mkdtempSync(join(tmpdir(), 'bench-ui-chromium-'));
  const taps: number[] = [];
  const floor: number[] = [];
  const toScreen: number[] = [];
  const toWs: number[] = [];
  try {
    await unit.start();
    await eventually(() => unit.signaling.registrationState() === 'registered', 10_000, 'registration');
    const { port } = unit.address();
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 800, height: 480 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('[data-screen="ready"]');
      await unit.controller.join();
      await page.waitForSelector('[data-screen="in-call"]', { timeout: 15_000 });
      // The probes come in over CDP (the panel's CSP allows no inline script of its own).
      await page.evaluate(PAGE_PROBES);
      const controller = unit.controller;

      const debug = process.env.BENCH_DEBUG ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined;
      for (let i = 0; i < WARMUP + REPEATS; i++) {
        // Tap: alternate the microphone and the volume buttons; wait for the daemon to confirm before the next.
        const target = i % 2 === 0 ? 'mic' : (controller.controls().speakerVolume >= 70 ? 'volume-down' : 'volume-up');
        const before = { ...controller.controls() };
        // What shows the tap: the mic button's own label; for volume, the level next to the buttons.
        const shows = target === 'mic' ? 'mic' : 'volume';
        await page.evaluate((t) => (globalThis as unknown as { __probes: { armTapProbe(t: string): void } }).__probes.armTapProbe(t), shows);
        await page.locator(`[data-test="${target}"]`).click();
        debug(`tap ${target}`);
        const tap = await page.evaluate(() => (globalThis as unknown as { __probes: { probeResult(): Promise<number> } }).__probes.probeResult());
        await eventually(() => JSON.stringify(controller.controls()) !== JSON.stringify(before), 3_000, `${target} to reach the daemon`);
        await sleep(50);

        await page.evaluate(() => (globalThis as unknown as { __probes: { armFrameFloorProbe(): void } }).__probes.armFrameFloorProbe());
        await page.locator('[data-test="elapsed"]').click();
        debug('floor');
        const fl = await page.evaluate(() => (globalThis as unknown as { __probes: { probeResult(): Promise<number> } }).__probes.probeResult());

        // State: the daemon changes the volume (as the bedside pod's buttons will); the panel shows it.
        await page.evaluate((url) => (globalThis as unknown as { __probes: { armStateProbe(u: string): Promise<void> } }).__probes.armStateProbe(url), `ws://127.0.0.1:${port}/ws`);
        const t0 = performance.timeOrigin + performance.now();
        controller.setControl({ type: 'speaker-volume-step', direction: controller.controls().speakerVolume >= 70 ? 'down' : 'up' });
        debug('state');
        const s = await page.evaluate(() => (globalThis as unknown as { __probes: { probeResult(): Promise<{ wsMs: number; screenMs: number }> } }).__probes.probeResult());
        if (i >= WARMUP) {
          taps.push(tap);
          floor.push(fl);
          toScreen.push(s.screenMs - t0);
          toWs.push(s.wsMs - t0);
        }
        await sleep(50);
      }
      await controller.leave();
    } finally {
      await context.close();
    }
  } finally {
    await unit.stop();
    await room.stop();
    await kamailio.stop();
    await pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }

  const result = {
    repeats: REPEATS,
    browser: 'Debian chromium, headless, 800x480',
    setup: 'real unit in sim mode in a call (kamailio TLS + baresip room on 127.0.0.1); taps are CDP pointer events on the mic and volume buttons',
    js_gzip_kb: size.kb,
    js_files: size.files,
    tap_to_feedback_ms: round1(median(taps)),
    tap_frame_floor_ms: round1(median(floor)),
    tap_ratio_vs_frame_floor: Math.round((median(taps) / median(floor)) * 100) / 100,
    state_to_screen_ms: round1(median(toScreen)),
    state_to_ws_message_ms: round1(median(toWs)),
    state_ratio_vs_ws_message: Math.round((median(toScreen) / Math.max(0.1, median(toWs))) * 100) / 100,
    tap_to_feedback_p90_ms: round1(percentile(taps, 90)),
    state_to_screen_p90_ms: round1(percentile(toScreen, 90)),
    samples: { tap_to_feedback_ms: taps.map(round1), tap_frame_floor_ms: floor.map(round1), state_to_screen_ms: toScreen.map(round1), state_to_ws_message_ms: toWs.map(round1) },
  };
  const outDir = resolve(process.env.BENCH_OUT ?? join(process.cwd(), '..', 'bench-results'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'ui.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, med: number | string, p90: number | string, target: string) => `${name.padEnd(40)} ${String(med).padStart(8)} ${String(p90).padStart(8)}   ${target}`;
  process.stdout.write([
    `ui benchmark: ${REPEATS} repeats after ${WARMUP} warm-ups, Chromium against a unit in a call`,
    `${'measure'.padEnd(40)} ${'median'.padStart(8)} ${'p90'.padStart(8)}   target`,
    row('UI JavaScript gzipped (KB)', size.kb, '', '<= 60'),
    row('tap -> feedback on screen (ms)', round1(median(taps)), round1(percentile(taps, 90)), '< 100'),
    row('tap -> next frame, nothing drawn (ms)', round1(median(floor)), round1(percentile(floor, 90)), 'baseline'),
    row('daemon state -> on screen (ms)', round1(median(toScreen)), round1(percentile(toScreen, 90)), '< 100'),
    row('daemon state -> bare ws message (ms)', round1(median(toWs)), round1(percentile(toWs, 90)), 'baseline'),
    `ratios: tap/frame floor ${result.tap_ratio_vs_frame_floor}, screen/ws message ${result.state_ratio_vs_ws_message}`,
    `written: ${join(outDir, 'ui.json')}`,
    '',
  ].join('\n'));
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:ui failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
