/**
 * The touch panel end to end: Debian's Chromium against a real unit (sim hardware, SIP over
 * TLS through kamailio, baresip as the meeting room) serving the built UI from ui/dist.
 * Screenshots of every screen at 800x480 and 1280x800 go to test-artifacts/ui/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { DEFAULT_UI_DIR } from '../../src/server/build.js';
import { eventually } from '../integration/unit-harness.js';
import { CHROMIUM, launchChromium, panelRuleBreaks, screenshotBothSizes, seriousAxeViolations, type Browser } from './browser.js';
import { PanelUnit } from './panel-unit.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/ui/', import.meta.url));
const USERS = [
  { username: 'unit1', password: 'unit1-secret' },
  { username: 'unit2', password: 'unit2-secret' },
  { username: 'unit3', password: 'unit3-secret' },
  { username: 'room', password: 'room-secret' },
  { username: 'slowroom', password: 'slowroom-secret' },
];

let pki: TestPki;
let kamailio: Kamailio;
let room: Baresip;
let slowRoom: Baresip;
let browser: Browser;
const units: PanelUnit[] = [];

beforeAll(async () => {
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
    throw new Error(`The touch UI is not built (${DEFAULT_UI_DIR} is missing). Build it first: npm run build -w ui`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath });
  await kamailio.start();
  room = new Baresip({ username: 'room', password: 'room-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort });
  slowRoom = new Baresip({ name: 'slowroom', username: 'slowroom', password: 'slowroom-secret', domain: kamailio.domain, proxyPort: kamailio.sipPort, mode: 'no-answer', video: false });
  await Promise.all([room.start(), slowRoom.start()]);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const u of units) await u.cleanup();
  await Promise.all([room?.stop(), slowRoom?.stop()]);
  await kamailio?.stop();
  await pki?.cleanup();
});

async function startUnit(user: string, roomUser: string): Promise<{ unit: PanelUnit; url: string }> {
  const u = USERS.find((x) => x.username === user)!;
  const unit = new PanelUnit({ proxyPort: kamailio.tlsPort, caPath: pki.ca.certPath, roomUri: `sip:${roomUser}@${kamailio.domain}`, username: u.username, password: u.password });
  units.push(unit);
  await unit.unit.start();
  await eventually(() => unit.unit.signaling.registrationState() === 'registered', 10_000, `${user} to register`);
  return { unit, url: await unit.servePanel() };
}

/** Records every screen the panel renders, however briefly, into window.__screens. */
async function recordScreens(page: Page): Promise<void> {
  await page.waitForSelector('[data-screen]');
  await page.evaluate(() => {
    const w = window as unknown as { __screens: string[] };
    const root = document.querySelector('bedside-app')!.shadowRoot!;
    const layout = root.querySelector('[data-screen]')!;
    w.__screens = [layout.getAttribute('data-screen')!];
    new MutationObserver(() => {
      const s = layout.getAttribute('data-screen')!;
      if (w.__screens.at(-1) !== s) w.__screens.push(s);
    }).observe(layout, { attributes: true, attributeFilter: ['data-screen'] });
  });
}
const screensSeen = (page: Page) => page.evaluate(() => (window as unknown as { __screens: string[] }).__screens);
const onScreen = (page: Page, screen: string, timeout = 15_000) => page.waitForSelector(`[data-screen="${screen}"]`, { timeout });
const text = (page: Page, test: string) => page.locator(`[data-test="${test}"]`).innerText();

/** axe and the panel's size rules on the screen as it is, then screenshots at both sizes. */
async function checkScreen(page: Page, name: string): Promise<void> {
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
  expect(await panelRuleBreaks(page), `sizes on ${name}`).toEqual([]);
  const shots = await screenshotBothSizes(page, ARTIFACTS, name);
  expect(shots.every((p) => existsSync(p))).toBe(true);
  // At 800x480 the main action must be on screen without scrolling.
  const button = page.locator('main button.big');
  if (await button.count()) {
    const box = await button.boundingBox();
    expect(box && box.y + box.height <= 480, `${name}: main button visible at 800x480`).toBe(true);
  }
}

describe('touch panel against a real unit', () => {
  it('Ready -> Start -> Joining -> In the meeting -> Leave -> Ready, in Danish, with an English switch', async () => {
    const { unit, url } = await startUnit('unit1', 'room');
    const page = browser.page;
    await page.goto(url);
    await onScreen(page, 'ready');
    await recordScreens(page);
    expect(await text(page, 'unit-name')).toBe('Stue 12 · seng 3');
    expect(await text(page, 'unit-where')).toBe('Afsnit G2 Geriatri · Stue 12 · Seng 3');
    expect(await text(page, 'room')).toContain('room@localhost');
    expect(await text(page, 'registration')).toBe('Forbundet til videoserveren');
    expect(await text(page, 'start')).toBe('Start møde');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('da');
    await checkScreen(page, 'ready-da');

    await page.locator('[data-test="lang"]').click();
    expect(await text(page, 'start')).toBe('Start meeting');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await checkScreen(page, 'ready-en');
    await page.locator('[data-test="lang"]').click();
    expect(await text(page, 'start')).toBe('Start møde');

    await page.locator('[data-test="start"]').click();
    await onScreen(page, 'in-call');
    await unit.waitForState('in-call', 1_000);
    expect(await text(page, 'elapsed')).toMatch(/^0:0\d$/);
    await checkScreen(page, 'in-call');

    await page.locator('[data-test="leave"]').click();
    await onScreen(page, 'ready');
    expect(unit.unit.controller.machine.snapshot().state).toBe('idle');
    expect(await screensSeen(page)).toEqual(['ready', 'joining', 'in-call', 'leaving', 'ready']);
  }, 90_000);

  it('shows "reconnecting" while the daemon is away and recovers by itself', async () => {
    const [unit] = units;
    const page = browser.page;
    const port = unit!.port;
    await unit!.stopPanel();
    await page.waitForSelector('[data-test="reconnecting"]');
    expect(await text(page, 'reconnecting')).toContain('Forbinder igen');
    await checkScreen(page, 'reconnecting');
    await unit!.servePanel(port);
    await page.waitForSelector('[data-connection="open"]', { timeout: 10_000 });
    expect(await page.locator('[data-test="reconnecting"]').count()).toBe(0);
    await onScreen(page, 'ready');
    await units.shift()!.cleanup();
  }, 60_000);

  it('Joining shows progress, and Cancel goes back to Ready', async () => {
    const { unit, url } = await startUnit('unit2', 'slowroom');
    const page = browser.page;
    await page.goto(url);
    await onScreen(page, 'ready');
    await page.locator('[data-test="start"]').click();
    await onScreen(page, 'joining');
    await slowRoom.waitForEvent('CALL_INCOMING', { timeoutMs: 5_000 });
    await checkScreen(page, 'joining');
    await page.locator('[data-test="cancel"]').click();
    await onScreen(page, 'ready');
    await unit.waitForState('idle', 8_000);
    await units.shift()!.cleanup();
  }, 60_000);

  it('a wrong room shows the plain-language failure screen with what to do', async () => {
    const { unit, url } = await startUnit('unit3', 'nobody-here');
    const page = browser.page;
    await page.goto(url);
    await onScreen(page, 'ready');
    await page.locator('[data-test="start"]').click();
    await onScreen(page, 'failed');
    expect(unit.unit.controller.machine.snapshot().failure?.code).toBe('E_ROOM_NOT_FOUND');
    expect(await text(page, 'what')).toBe('Mødelokalet findes ikke.');
    expect(await text(page, 'advice')).toBe('Ring til IT-support. Det hjælper ikke at prøve igen.');
    expect(await text(page, 'code')).toBe('Fejlkode: E_ROOM_NOT_FOUND');
    await checkScreen(page, 'failed-da');
    await page.locator('[data-test="lang"]').click();
    expect(await text(page, 'what')).toBe('The meeting room does not exist.');
    await checkScreen(page, 'failed-en');
    await page.locator('[data-test="lang"]').click();
  }, 60_000);
});
