import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../src/cli/provision.js';
import type { Problem } from '../src/problems.js';

export const HEADER = 'site,ward,room,bed,unit_serial,unit_name,room_uri,sip_account_ref,support_uri,speaker_volume,loop_enabled,loop_gain_db';

/** Problems as "line:col CODE" for compact, exact assertions. */
export const where = (problems: readonly Problem[]): string[] => problems.map((p) => `${p.line}:${p.col} ${p.code}`);

export function tempDir(): { dir: string; path: (...p: string[]) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-test-'));
  return { dir, path: (...p) => join(dir, ...p), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

/** Runs the provisioning CLI in-process: its exit code and the lines it wrote. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(argv, io);
  return { code, out, err };
}
