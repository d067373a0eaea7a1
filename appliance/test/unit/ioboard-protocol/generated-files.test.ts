import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SPEC_PATH } from './vectors.js';

const run = promisify(execFile);
const GENERATOR = fileURLToPath(new URL('../../../../protocol/generate.mjs', import.meta.url));

async function check(specPath: string): Promise<{ code: number; output: string }> {
  try {
    const r = await run(process.execPath, [GENERATOR, '--check', '--spec', specPath]);
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('generated protocol files', () => {
  it('protocol_gen.h, vectors_gen.h and protocol-gen.ts match protocol/ioboard.json', async () => {
    const r = await check(SPEC_PATH);
    expect(r.output).toContain('up to date');
    expect(r.code).toBe(0);
  });

  it('the check notices a changed spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioboard-spec-'));
    try {
      const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
      spec.timing.hostLostMs += 1;
      const changed = join(dir, 'ioboard.json');
      writeFileSync(changed, JSON.stringify(spec));
      const r = await check(changed);
      expect(r.code).toBe(1);
      expect(r.output).toContain('firmware/src/protocol_gen.h');
      expect(r.output).toContain('protocol-gen.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
