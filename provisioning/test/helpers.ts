import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../src/problems.js';

export const HEADER = 'site,ward,room,bed,unit_serial,unit_name,room_uri,sip_account_ref,support_uri,speaker_volume,loop_enabled,loop_gain_db';

/** Problems as "line:col CODE" for compact, exact assertions. */
export const where = (problems: readonly Problem[]): string[] => problems.map((p) => `${p.line}:${p.col} ${p.code}`);

export function tempDir(): { dir: string; path: (...p: string[]) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-test-'));
  return { dir, path: (...p) => join(dir, ...p), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const EXAMPLES = new URL('../examples/', import.meta.url).pathname;
