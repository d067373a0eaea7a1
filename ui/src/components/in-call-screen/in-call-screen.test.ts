import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });
const MIN = 60_000;

describe('<in-call-screen> in Chromium', () => {
  it('shows the elapsed time against 30 minutes with no warning early on, and emits leave', async () => {
    await c.mount('in-call-screen', { lang: 'da', since: Date.now() - (3 * MIN + 5_000), skewMs: 0 });
    expect(await c.page.locator('[data-test="elapsed"]').innerText()).toMatch(/^3:0[5-6]$/);
    expect(await c.page.locator('[data-test="time-notice"]').count()).toBe(0);
    await c.page.locator('[data-test="leave"]').click();
    expect(await c.events('ui-action')).toEqual([{ action: 'leave' }]);
  });

  it('warns gently at 25 minutes and says when the 30 are over', async () => {
    await c.mount('in-call-screen', { lang: 'da', since: Date.now() - 26 * MIN, skewMs: 0 });
    expect(await c.page.locator('[data-test="time-notice"]').innerText()).toBe('Der er 5 minutter tilbage. Husk at runde mødet af.');
    await c.mount('in-call-screen', { lang: 'en', since: Date.now() - 31 * MIN, skewMs: 0 });
    expect(await c.page.locator('[data-test="time-notice"]').innerText()).toBe('The meeting has run over 30 minutes.');
  });

  it('corrects for the daemon clock being behind the panel', async () => {
    // The panel's clock is 10 minutes ahead: the call started 1 minute ago on the daemon's clock.
    await c.mount('in-call-screen', { lang: 'da', since: Date.now() - 11 * MIN, skewMs: 10 * MIN });
    expect(await c.page.locator('[data-test="elapsed"]').innerText()).toMatch(/^1:0[0-1]$/);
  });
});
