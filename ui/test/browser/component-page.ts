/// <reference types="node" />
/** Component tests in a real browser: the components bundled by vite, mounted in Debian's Chromium. */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Rollup } from 'vite';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ENTRY = fileURLToPath(new URL('../../src/components/bedside-app/component.ts', import.meta.url));

async function bundle(): Promise<string> {
  const out = await build({
    configFile: false, logLevel: 'silent',
    build: { write: false, minify: false, target: 'es2022', lib: { entry: ENTRY, formats: ['es'], fileName: 'components' } },
  }) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const chunk = (Array.isArray(out) ? out[0]! : out).output.find((o): o is Rollup.OutputChunk => o.type === 'chunk');
  if (!chunk) throw new Error('vite produced no chunk');
  return chunk.code;
}

export interface ComponentPage {
  page: Page;
  /** Creates `<tag>` with `props`, appends it to a fresh body, waits for its first render. */
  mount(tag: string, props: Record<string, unknown>): Promise<void>;
  /** Events of `type` that reached document, in order. */
  events(type: string): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function openComponentPage(): Promise<ComponentPage> {
  const code = await bundle();
  const profile = mkdtempSync(join(tmpdir(), 'chromium-ui-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 800, height: 480 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.setContent('<!doctype html><html lang="da"><head><title>components</title></head><body></body></html>');
  await page.addScriptTag({ content: code, type: 'module' });
  await page.waitForFunction(() => customElements.get('bedside-app') !== undefined);
  await page.evaluate(() => {
    const w = window as unknown as { __events: Array<{ type: string; detail: unknown }> };
    w.__events = [];
    for (const type of ['ui-action', 'lang-change']) document.addEventListener(type, (e) => w.__events.push({ type, detail: (e as CustomEvent).detail }));
  });
  return {
    page,
    async mount(tag, props) {
      await page.evaluate(async ({ tag, props }) => {
        document.body.replaceChildren();
        (window as unknown as { __events: unknown[] }).__events.length = 0;
        const el = Object.assign(document.createElement(tag), props) as unknown as HTMLElement & { updateComplete: Promise<boolean> };
        document.body.append(el);
        await el.updateComplete;
      }, { tag, props });
    },
    events(type) {
      return page.evaluate((type) => (window as unknown as { __events: Array<{ type: string; detail: unknown }> }).__events.filter((e) => e.type === type).map((e) => e.detail), type);
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function stateFixture(call: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    call: { seq: 1, state: 'idle', since: Date.now(), roomUri: null, meetingId: null, failure: null, lastEnd: null, ...call },
    registration: 'registered', led: null, nextMeeting: null,
    unit: { id: 'U1', name: 'Stue 4 · seng 2', ward: 'M1', room: '4', bed: '2', ownRoomUri: 'sip:ward4@meet.example.org' },
    joinTarget: { kind: 'own-room', uri: 'sip:ward4@meet.example.org', title: null },
    serverTime: Date.now(),
    ...extra,
  };
}
