/// <reference lib="dom" />
/** Debian's Chromium driven by playwright-core, with axe-core and the panel's own size rules. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const SIZES = [{ width: 800, height: 480 }, { width: 1280, height: 800 }] as const;

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: SIZES[0],
    // axe is injected as an inline script, which the panel's CSP would (rightly) block.
    bypassCSP: true,
    locale: 'da-DK',
    timezoneId: 'Europe/Copenhagen',
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context, page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: number }

/** axe-core on the page as it is now; only serious and critical violations are returned. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
}

/** Buttons smaller than 48x48 px and visible text under 18 px, through every shadow root. */
export async function panelRuleBreaks(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el.shadowRoot) walk(el.shadowRoot);
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (el.tagName === 'BUTTON' && (box.width < 48 || box.height < 48)) out.push(`button "${el.textContent?.trim()}" is ${box.width}x${box.height}`);
        const ownText = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (ownText && size < 18) out.push(`"${el.textContent?.trim().slice(0, 40)}" is ${size}px`);
      }
    };
    walk(document);
    return out;
  });
}

/** Screenshots at both panel sizes into <dir>/<name>-<w>x<h>.png; leaves the first size set. */
export async function screenshotBothSizes(page: Page, dir: string, name: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const size of [...SIZES].reverse()) {
    await page.setViewportSize(size);
    const path = join(dir, `${name}-${size.width}x${size.height}.png`);
    await page.screenshot({ path });
    paths.push(path);
  }
  return paths;
}
