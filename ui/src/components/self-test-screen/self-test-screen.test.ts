import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openComponentPage, type ComponentPage } from '../../../test/browser/component-page.js';

let c: ComponentPage;
beforeAll(async () => { c = await openComponentPage(); });
afterAll(async () => { await c?.close(); });

const report = (state: string, checks: Array<Record<string, unknown>>) => ({ state, startedAt: 1, finishedAt: state === 'done' ? 2 : null, checks, echoTestAvailable: false });

describe('<self-test-screen> in Chromium', () => {
  it('lists every part with its outcome and what to do for a fault', async () => {
    await c.mount('self-test-screen', { lang: 'da', supportAvailable: true, report: report('done', [
      { item: 'camera', outcome: 'not-available' }, { item: 'microphone', outcome: 'not-available' }, { item: 'speaker', outcome: 'not-available' },
      { item: 'loop', outcome: 'fail', code: 'E_LOOP_OPEN_CIRCUIT' }, { item: 'network', outcome: 'pass' }, { item: 'registration', outcome: 'pass' },
    ]) });
    expect(await c.page.locator('[data-test="self-test-summary"]').innerText()).toBe('Testen er færdig.');
    expect(await c.page.locator('[data-test="check-network"]').getAttribute('data-outcome')).toBe('pass');
    const loop = await c.page.locator('[data-test="check-loop"]').innerText();
    expect(loop).toContain('Fejl');
    expect(loop).toContain('Tjek kablet til teleslyngen');
    expect(await c.page.locator('[data-test="check-microphone"]').innerText()).toContain('ikke en lydtest');
    await c.page.locator('[data-test="run-self-test"]').click();
    await c.page.locator('[data-test="call-it"]').click();
    expect(await c.events('ui-action')).toEqual([{ action: 'self-test' }, { action: 'call-support' }]);
  });

  it('shows progress while running and cannot be started twice', async () => {
    await c.mount('self-test-screen', { lang: 'en', report: report('running', [{ item: 'network', outcome: 'running' }]) });
    expect(await c.page.locator('[data-test="run-self-test"]').isDisabled()).toBe(true);
    expect(await c.page.locator('[data-test="check-network"]').innerText()).toContain('Testing…');
  });
});
