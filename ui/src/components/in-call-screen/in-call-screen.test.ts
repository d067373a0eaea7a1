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

describe('<in-call-screen> people, controls and V4M', () => {
  it('names the far end as the room tells it, notes mute and privacy, and opens the V4M prompts', async () => {
    const controls = { micMuted: true, cameraPrivate: true, speakerVolume: 60, speakerMuted: false, loopEnabled: true, loopGainDb: 0 };
    await c.mount('in-call-screen', { lang: 'da', since: Date.now(), skewMs: 0, controls, participants: { farEnd: { displayName: 'Kommunen, hjemmeplejen', uri: 'sip:vuk@x' }, support: false } });
    expect(await c.page.locator('[data-test="far-end"]').innerText()).toBe('Kommunen, hjemmeplejen');
    expect(await c.page.locator('[data-test="state-note"]').innerText()).toBe('Mikrofon og kamera er slukket. De andre kan hverken høre eller se jer.');
    await c.page.locator('[data-test="v4m"]').click();
    expect(await c.page.locator('[data-test="v4m-card"] li').allInnerTexts()).toEqual([
      'Hvad er vigtigst for dig lige nu?', 'Hvad bekymrer dig?', 'Hvad forventer du og dine pårørende af indlæggelsen og udskrivelsen?',
    ]);
    await c.mount('in-call-screen', { lang: 'en', since: Date.now(), skewMs: 0, participants: { farEnd: { displayName: null, uri: 'sip:room@localhost' }, support: false } });
    expect(await c.page.locator('[data-test="far-end"]').innerText()).toBe('The meeting room (room@localhost)');
  });
});
