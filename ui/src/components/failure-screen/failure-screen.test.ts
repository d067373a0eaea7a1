import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });

describe('<failure-screen> in Chromium', () => {
  it('says what happened and that retrying helps, with Try again as the main action', async () => {
    await c.mount('failure-screen', { lang: 'da', code: 'E_NO_ANSWER', advice: 'retry' });
    expect(await c.page.locator('[role="alert"] h1').innerText()).toBe('Noget gik galt');
    expect(await c.page.locator('[data-test="what"]').innerText()).toBe('Mødelokalet svarede ikke.');
    expect(await c.page.locator('[data-test="advice"]').innerText()).toContain('Prøv igen');
    expect(await c.page.locator('[data-test="retry"]').getAttribute('class')).toContain('primary');
    await c.page.locator('[data-test="retry"]').click();
    expect(await c.events('ui-action')).toEqual([{ action: 'join' }]);
  });

  it('sends staff to IT support when retrying will not help', async () => {
    await c.mount('failure-screen', { lang: 'en', code: 'E_SIP_AUTH', advice: 'call-it-support' });
    expect(await c.page.locator('[data-test="what"]').innerText()).toBe('The unit is not allowed to sign in to the video server.');
    expect(await c.page.locator('[data-test="advice"]').innerText()).toBe('Call IT support. Trying again will not help.');
    expect(await c.page.locator('[data-test="retry"]').getAttribute('class')).toContain('secondary');
    // No support room configured: no button that cannot work, but words on what to do instead.
    expect(await c.page.locator('[data-test="call-it"]').count()).toBe(0);
    expect(await c.page.locator('[data-test="no-support"]').innerText()).toContain('from a phone');
  });

  it('makes "Call IT support" the main action when retrying will not help, and dials it', async () => {
    await c.mount('failure-screen', { lang: 'da', code: 'E_ROOM_NOT_FOUND', advice: 'call-it-support', supportAvailable: true });
    const callIt = c.page.locator('[data-test="call-it"]');
    expect(await callIt.innerText()).toBe('Ring til IT-support');
    expect(await callIt.getAttribute('class')).toContain('primary');
    expect(await c.page.locator('[data-test="retry"]').getAttribute('class')).toContain('secondary');
    expect(await c.page.locator('[data-test="troubleshooting"] li').count()).toBe(3);
    await callIt.click();
    expect(await c.events('ui-action')).toEqual([{ action: 'call-support' }]);
    // Retry advice: Try again leads, IT is still offered.
    await c.mount('failure-screen', { lang: 'da', code: 'E_NO_ANSWER', advice: 'retry', supportAvailable: true });
    expect(await c.page.locator('[data-test="retry"]').getAttribute('class')).toContain('primary');
    expect(await c.page.locator('[data-test="call-it"]').getAttribute('class')).toContain('secondary');
  });
});
