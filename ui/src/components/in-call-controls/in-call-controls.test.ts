import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });
const controls = { micMuted: false, cameraPrivate: false, speakerVolume: 60, speakerMuted: false, loopEnabled: false, loopGainDb: 0 };

describe('<in-call-controls> in Chromium', () => {
  it('each button says its state and sends the opposite; volume steps up and down', async () => {
    await c.mount('in-call-controls', { lang: 'da', controls });
    expect(await c.page.locator('[data-test="mic"]').innerText()).toBe('Mikrofon tændt');
    expect(await c.page.locator('[data-test="camera"]').innerText()).toBe('Kamera tændt');
    expect(await c.page.locator('[data-test="loop"]').innerText()).toBe('Teleslynge slukket');
    expect(await c.page.locator('[data-test="loop"] svg.loop-symbol').count()).toBe(1);
    expect(await c.page.locator('[data-test="volume"]').innerText()).toBe('60');
    for (const b of ['mic', 'camera', 'volume-up', 'volume-down', 'loop']) await c.page.locator(`[data-test="${b}"]`).click();
    expect(await c.events('ui-action')).toEqual([
      { action: 'control', control: { type: 'mic-mute', muted: true } },
      { action: 'control', control: { type: 'camera-private', private: true } },
      { action: 'control', control: { type: 'speaker-volume-step', direction: 'up' } },
      { action: 'control', control: { type: 'speaker-volume-step', direction: 'down' } },
      { action: 'control', control: { type: 'loop', enabled: true } },
    ]);
  });

  it('shows a tap at once, before the daemon confirms it', async () => {
    await c.mount('in-call-controls', { lang: 'en', controls, pending: { action: 'control', control: { type: 'mic-mute', muted: true } } });
    expect(await c.page.locator('[data-test="mic"]').innerText()).toBe('Microphone off');
    expect(await c.page.locator('[data-test="mic"]').getAttribute('aria-busy')).toBe('true');
    await c.mount('in-call-controls', { lang: 'en', controls: { ...controls, speakerVolume: 100 }, pending: null });
    expect(await c.page.locator('[data-test="volume-up"]').isDisabled()).toBe(true);
  });
});
