import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { EXAMPLES, runCli as run, tempDir } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
  for (const f of ['inventory.csv', 'inventory.yaml', 'fleet.yaml']) copyFileSync(`${EXAMPLES}${f}`, t.path(f));
  copyFileSync(`${EXAMPLES}secrets.example.yaml`, t.path('secrets.yaml'));
});
afterAll(() => t.remove());

describe('provision CLI (main)', () => {
  it('keygen writes an Ed25519 key pair, the private key mode 0600, and never overwrites it', async () => {
    const r = await run('keygen', '--out', t.path('fleet.key'));
    expect(r.code).toBe(0);
    expect(statSync(t.path('fleet.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(t.path('fleet.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(t.path('fleet.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await run('keygen', '--out', t.path('fleet.key'));
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/refusing to overwrite/);
  });

  it('validate passes the examples, CSV and YAML alike', async () => {
    for (const f of ['inventory.csv', 'inventory.yaml']) {
      const r = await run('validate', t.path(f), '--fleet', t.path('fleet.yaml'), '--secrets', t.path('secrets.yaml'));
      expect({ f, code: r.code, out: r.out }).toEqual({ f, code: 0, out: [] });
      expect(r.err).toEqual(['ok: 3 units']);
    }
  });

  it('validate prints every problem as file:line:col CODE message and exits 1', async () => {
    const bad = t.path('bad.csv');
    writeFileSync(bad, 'site,ward,room,unit_serial,unit_name,room_uri,speaker_volume,colour\nA,W,1,S1,N,sip:a@b,loud,red\nA,W,2,S1,N,nope,70,blue\n');
    const r = await run('validate', bad);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      `${bad}:1:62 E_INVENTORY_HEADER unknown column "colour" (known: site, ward, room, bed, unit_serial, unit_name, room_uri, sip_account_ref, support_uri, speaker_volume, loop_enabled, loop_gain_db)`,
      `${bad}:2:20 E_INVENTORY_FIELD speaker_volume: "loud" is not a whole number (0..100)`,
      `${bad}:3:7 E_INVENTORY_DUPLICATE unit_serial already used on line 2`,
      `${bad}:3:12 E_INVENTORY_CONFIG room_uri (rooms.ownRoomUri): must match pattern "^sips?:[^\\s@]+@[^\\s@]+$"`,
    ]);
    expect(r.err).toEqual(['4 problems']);
  });

  it('build, then verify as the unit would, end to end', async () => {
    const keys = t.path('keys');
    expect((await run('unit-keygen', 'BVU-0001', '--units-dir', keys)).code).toBe(0);
    expect((await run('unit-keygen', 'BVU-0002', '--units-dir', keys)).code).toBe(0);
    expect(statSync(t.path('keys', 'BVU-0001.key')).mode & 0o777).toBe(0o600);
    const buildArgs = ['build', '--inventory', t.path('inventory.yaml'), '--fleet', t.path('fleet.yaml'), '--secrets', t.path('secrets.yaml'),
      '--key', t.path('fleet.key'), '--units-dir', keys, '--out', t.path('bundles')];
    const first = await run(...buildArgs);
    expect(first.code).toBe(1); // BVU-0003 has not enrolled yet
    expect(first.out.filter((l) => l.startsWith('built'))).toHaveLength(2);
    expect(first.out.join('\n')).toMatch(/inventory\.yaml:\d+:\d+ E_UNIT_KEY_MISSING unit BVU-0003 has no public key yet/);
    expect(first.err).toEqual(['2 bundles built; 1 unit waiting for a public key']);

    expect((await run('unit-keygen', 'BVU-0003', '--units-dir', keys)).code).toBe(0);
    const second = await run(...buildArgs);
    expect(second.code).toBe(0);
    expect(second.out).toEqual([
      `built ${t.path('bundles', 'BVU-0001.json')} (unit BVU-0001, version 2)`,
      `built ${t.path('bundles', 'BVU-0002.json')} (unit BVU-0002, version 2)`,
      `built ${t.path('bundles', 'BVU-0003.json')} (unit BVU-0003, version 1)`,
    ]);

    const verify = (...extra: string[]) => run('verify', t.path('bundles', 'BVU-0003.json'), '--fleet-pub', t.path('fleet.pub'), ...extra);
    expect((await verify('--unit', 'BVU-0003', '--unit-key', t.path('keys', 'BVU-0003.key'))).out)
      .toEqual(['ok: unit BVU-0003 version 1; 1 secret(s) decrypted: sip.account.password']);
    expect((await verify('--unit', 'BVU-0002')).out[0]).toMatch(/E_BUNDLE_UNIT/);
    expect((await verify('--unit', 'BVU-0003', '--last-version', '1')).out[0]).toMatch(/E_BUNDLE_REPLAY/);
    const wrongKey = await verify('--unit', 'BVU-0003', '--unit-key', t.path('keys', 'BVU-0001.key'));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.out[0]).toMatch(/E_BUNDLE_SECRETS/);
  });

  it('explains usage errors with exit code 2', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    const r = await run('build', '--inventory', 'x.csv');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--fleet is required/);
    expect((await run('validate', '--nope')).code).toBe(2);
  });
});

// The compiled CLI, once, when it has been built (`npx tsc -b` from the repo root).
const DIST_CLI = new URL('../dist/provisioning/src/cli/provision.js', import.meta.url).pathname;
describe.skipIf(!existsSync(DIST_CLI))('provision CLI (compiled)', () => {
  it('runs from dist and validates the example inventory', () => {
    const out = execFileSync(process.execPath, [DIST_CLI, 'validate', `${EXAMPLES}inventory.csv`, '--fleet', `${EXAMPLES}fleet.yaml`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
    let status = 0;
    let stdout = '';
    try {
      execFileSync(process.execPath, [DIST_CLI, 'validate', t.path('bad.csv')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      status = (e as { status: number }).status;
      stdout = (e as { stdout: string }).stdout;
    }
    expect(status).toBe(1);
    expect(stdout).toMatch(/bad\.csv:2:20 E_INVENTORY_FIELD/);
  });
});
