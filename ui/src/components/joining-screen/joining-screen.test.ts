import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });

describe('<joining-screen> in Chromium', () => {
  it('shows progress and the room, and emits cancel', async () => {
    await c.mount('joining-screen', { lang: 'da', mode: 'joining', roomUri: 'sip:ward4@meet.example.org' });
    expect(await c.page.locator('h1').innerText()).toBe('Forbinder til mødet…');
    expect(await c.page.locator('[role="progressbar"]').count()).toBe(1);
    expect(await c.page.locator('.room').innerText()).toBe('ward4@meet.example.org');
    await c.page.locator('[data-test="cancel"]').click();
    expect(await c.events('ui-action')).toEqual([{ action: 'cancel' }]);
  });

  it('offers no action while leaving', async () => {
    await c.mount('joining-screen', { lang: 'en', mode: 'leaving', roomUri: null });
    expect(await c.page.locator('h1').innerText()).toBe('Leaving the meeting…');
    expect(await c.page.locator('button').count()).toBe(0);
  });

  it('says when it is calling IT support rather than a meeting', async () => {
    await c.mount('joining-screen', { lang: 'da', mode: 'joining', roomUri: 'sip:it@example.org', support: true });
    expect(await c.page.locator('h1').innerText()).toBe('Ringer til IT-support…');
    expect(await c.page.locator('[data-test="cancel"]').count()).toBe(1);
  });
});
