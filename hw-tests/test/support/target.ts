/**
 * Which hardware the suites run against: HW_TARGET=sim (default; simulated GPIO and the
 * firmware in simavr) or HW_TARGET=pi (a real unit on the test jig, see README.md).
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../../appliance/src/log/logger.js';
import type { Logger } from '../../../appliance/src/log/logger.js';

export type HwTarget = 'sim' | 'pi';

export function hwTarget(): HwTarget {
  const raw = process.env['HW_TARGET'] ?? 'sim';
  if (raw !== 'sim' && raw !== 'pi') throw new Error(`HW_TARGET must be sim or pi, not ${raw}`);
  return raw;
}

/** An env setting the pi target needs; undefined when unset or empty. */
export function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** A logger that writes nothing unless HW_LOG is set (then pino JSON on stderr at that level). */
export function testLogger(): Logger {
  const level = env('HW_LOG');
  if (level) return createLogger({ level, name: 'hw-tests' }, process.stderr);
  return createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails after timeoutMs. */
export async function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
