import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, stateFixture, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });

describe('<ready-screen> in Chromium', () => {
  it('shows the room a press joins and the next meeting, and emits join from a big Start button', async () => {
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    await c.mount('ready-screen', { lang: 'da', status: stateFixture({}, { nextMeeting: { id: 'm1', title: 'Udskrivningskonference', startsAt, joinable: false } }) });
    expect(await c.page.locator('[data-test="room"]').innerText()).toBe('Enhedens eget mødelokale (ward4@meet.example.org)');
    expect(await c.page.locator('[data-test="next"]').innerText()).toContain('Udskrivningskonference');
    const start = c.page.locator('[data-test="start"]');
    const box = await start.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(96);
    await start.click();
    expect(await c.events('ui-action')).toEqual([{ action: 'join' }]);
  });

  it('names a scheduled meeting in its window as the room, in English on request', async () => {
    await c.mount('ready-screen', { lang: 'en', status: stateFixture({}, { joinTarget: { kind: 'meeting', uri: null, title: 'V4M Hansen' }, registration: 'failed' }) });
    expect(await c.page.locator('[data-test="room"]').innerText()).toBe('V4M Hansen');
    expect(await c.page.locator('[data-test="registration"]').innerText()).toContain('Cannot reach the video server');
  });

  it('disables Start and says "Starter…" while the press is on its way', async () => {
    await c.mount('ready-screen', { lang: 'da', pending: true, status: stateFixture({}) });
    const start = c.page.locator('[data-test="start"]');
    expect(await start.innerText()).toBe('Starter…');
    expect(await start.isDisabled()).toBe(true);
  });
});
