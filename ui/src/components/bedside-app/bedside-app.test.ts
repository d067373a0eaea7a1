import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, stateFixture, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });

const view = (call: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ connection: 'open', status: stateFixture(call), skewMs: 0, pending: null, refused: null, ...extra });

describe('<bedside-app> in Chromium', () => {
  it('picks the screen for the call state and shows who the unit is', async () => {
    for (const [state, screen] of [['idle', 'ready-screen'], ['joining', 'joining-screen'], ['in-call', 'in-call-screen'], ['leaving', 'joining-screen']] as const) {
      await c.mount('bedside-app', { lang: 'da', view: view({ state }) });
      expect(await c.page.locator(screen).count(), state).toBe(1);
    }
    await c.mount('bedside-app', { lang: 'da', view: view({ state: 'failed', failure: { code: 'E_ROOM_BUSY', advice: { action: 'retry', hint: '' } } }) });
    expect(await c.page.locator('[data-test="what"]').innerText()).toBe('Mødelokalet er optaget.');
    expect(await c.page.locator('[data-test="unit-name"]').innerText()).toBe('Stue 4 · seng 2');
    expect(await c.page.locator('[data-test="unit-where"]').innerText()).toBe('Afsnit M1 · Stue 4 · Seng 2');
  });

  it('shows "reconnecting" over the last known screen and takes no taps meanwhile', async () => {
    await c.mount('bedside-app', { lang: 'da', view: view({ state: 'in-call' }, { connection: 'reconnecting' }) });
    expect(await c.page.locator('[data-test="reconnecting"]').innerText()).toContain('Forbinder igen');
    expect(await c.page.locator('main').getAttribute('inert')).not.toBeNull();
  });

  it('switches language (this page has no storage: it still works) and hands actions to onAction', async () => {
    await c.mount('bedside-app', { lang: 'da', view: view({ state: 'idle' }) });
    await c.page.locator('[data-test="lang"]').click();
    expect(await c.page.locator('[data-test="start"]').innerText()).toBe('Start meeting');
    expect(await c.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await c.page.evaluate(() => {
      const app = document.querySelector('bedside-app') as unknown as { onAction: (a: string) => void };
      app.onAction = (a) => { (window as unknown as { __acted: string }).__acted = a; };
    });
    await c.page.locator('[data-test="start"]').click();
    expect(await c.page.evaluate(() => (window as unknown as { __acted?: unknown }).__acted)).toEqual({ action: 'join' });
  });

  it('opens the self-test from Ready and goes back; a call closes it', async () => {
    const selfTest = { state: 'never-run', startedAt: null, finishedAt: null, checks: [], echoTestAvailable: false };
    await c.mount('bedside-app', { lang: 'da', view: view({ state: 'idle' }, {}) });
    await c.page.evaluate((st) => { const app = document.querySelector('bedside-app') as unknown as { view: { status: Record<string, unknown> } }; app.view = { ...app.view, status: { ...app.view.status, selfTest: st } }; }, selfTest);
    await c.page.locator('[data-test="open-self-test"]').click();
    expect(await c.page.locator('[data-screen]').getAttribute('data-screen')).toBe('self-test');
    expect(await c.page.locator('[data-test="self-test-summary"]').innerText()).toBe('Enheden tester kamera, lyd, teleslynge og forbindelse.');
    await c.page.locator('[data-test="back"]').click();
    expect(await c.page.locator('[data-screen]').getAttribute('data-screen')).toBe('ready');
    await c.page.locator('[data-test="open-self-test"]').click();
    await c.page.evaluate(() => { const app = document.querySelector('bedside-app') as unknown as { view: { status: { call: Record<string, unknown> } } }; app.view = { ...app.view, status: { ...app.view.status, call: { ...app.view.status.call, seq: 5, state: 'joining' } } }; });
    expect(await c.page.locator('[data-screen]').getAttribute('data-screen')).toBe('joining');
  });

  it('shows hardware faults in plain words and why an action was refused', async () => {
    await c.mount('bedside-app', { lang: 'da', view: view({ state: 'idle' }, { refused: { code: 'E_SUPPORT_NOT_CONFIGURED', action: 'call-support' } }) });
    await c.page.evaluate(() => { const app = document.querySelector('bedside-app') as unknown as { view: { status: Record<string, unknown> } }; app.view = { ...app.view, status: { ...app.view.status, faults: [{ code: 'E_LOOP_OPEN_CIRCUIT', source: 'loop', since: 1 }] } }; });
    expect(await c.page.locator('[data-test="faults"]').innerText()).toBe('Teleslyngen er ikke forbundet. Tjek kablet til slyngen.');
    expect(await c.page.locator('[data-test="refused"]').innerText()).toContain('IT-support-nummer');
  });
});
