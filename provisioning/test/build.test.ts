import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildBundles, type BuildOptions } from '../src/build/build-bundles.js';
import { generateFleetKeyPair, generateUnitKeyPair } from '../../appliance/src/fleet/bundle/keys.js';
import { decryptSecrets, verifyBundle } from '../../appliance/src/fleet/bundle/verify.js';
import type { Bundle } from '../../appliance/src/fleet/bundle/types.js';
import { EXAMPLES, tempDir, where } from './helpers.js';

let t: ReturnType<typeof tempDir>;
let opts: BuildOptions;
const fleet = generateFleetKeyPair();
const unitKeys = new Map(['BVU-0001', 'BVU-0002'].map((s) => [s, generateUnitKeyPair()]));

beforeEach(() => {
  t = tempDir();
  copyFileSync(`${EXAMPLES}inventory.csv`, t.path('inventory.csv'));
  copyFileSync(`${EXAMPLES}fleet.yaml`, t.path('fleet.yaml'));
  copyFileSync(`${EXAMPLES}secrets.example.yaml`, t.path('secrets.yaml'));
  writeFileSync(t.path('fleet.key'), fleet.privateKeyPem);
  for (const [serial, k] of unitKeys) {
    writeFileSync(t.path(`${serial}.pub`), k.publicKeyPem);
  }
  opts = {
    inventory: t.path('inventory.csv'), fleet: t.path('fleet.yaml'), secrets: t.path('secrets.yaml'),
    key: t.path('fleet.key'), unitsDir: t.dir, outDir: t.path('bundles'), now: new Date('2025-03-04T10:00:00Z'),
  };
});
afterEach(() => t.remove());

const readBundle = (serial: string): Bundle => JSON.parse(readFileSync(t.path('bundles', `${serial}.json`), 'utf8')) as Bundle;

describe('buildBundles', () => {
  it('builds signed bundles for units with keys and reports the unit still without one', async () => {
    const report = await buildBundles(opts);
    expect(report.built.map((b) => [b.serial, b.version])).toEqual([['BVU-0001', 1], ['BVU-0002', 1]]);
    expect(report.problems.map((p) => `${p.line}:${p.col} ${p.code}`)).toEqual(['4:33 E_UNIT_KEY_MISSING']);
    expect(report.problems[0]!.message).toMatch(/BVU-0003 has no public key yet/);

    const bundle = readBundle('BVU-0002');
    const text = readFileSync(t.path('bundles', 'BVU-0002.json'), 'utf8');
    expect(text).not.toContain('change-me');
    const r = verifyBundle(text, { fleetPublicKey: fleet.publicKeyPem, unitSerial: 'BVU-0002', lastAppliedVersion: 0 });
    expect(r.ok).toBe(true);
    expect(decryptSecrets(bundle, unitKeys.get('BVU-0002')!.privateKeyPem)).toEqual({ 'sip.account.password': 'change-me-2' });
    expect(bundle.audio).toEqual({ speakerVolumePercent: 85, loop: { enabled: true, gainDb: 3.5 } });
    expect(bundle.issuedAt).toBe('2025-03-04T10:00:00.000Z');
  });

  it('raises every unit version on each build and never reuses one, even if a bundle file is deleted', async () => {
    await buildBundles(opts);
    const second = await buildBundles(opts);
    expect(second.built.map((b) => b.version)).toEqual([2, 2]);
    rmSync(t.path('bundles', 'BVU-0001.json'));
    const third = await buildBundles(opts);
    expect(third.built.map((b) => [b.serial, b.version])).toEqual([['BVU-0001', 3], ['BVU-0002', 3]]);
    // A unit that applied version 2 accepts 3 and refuses 2 again.
    const v3 = readBundle('BVU-0001');
    expect(verifyBundle(v3, { fleetPublicKey: fleet.publicKeyPem, unitSerial: 'BVU-0001', lastAppliedVersion: 2 }).ok).toBe(true);
    expect(verifyBundle(v3, { fleetPublicKey: fleet.publicKeyPem, unitSerial: 'BVU-0001', lastAppliedVersion: 3 })).toMatchObject({ ok: false, code: 'E_BUNDLE_REPLAY' });
  });

  it('refuses to guess a version when the previous bundle is unreadable', async () => {
    await buildBundles(opts);
    writeFileSync(t.path('bundles', 'BVU-0001.json'), '{ truncated');
    const report = await buildBundles(opts);
    expect(report.built.map((b) => [b.serial, b.version])).toEqual([['BVU-0002', 2]]);
    expect(report.problems.map((p) => p.code).sort()).toEqual(['E_BUNDLE_PREVIOUS', 'E_UNIT_KEY_MISSING']);
  });

  it('builds nothing when any input has a problem, and reports them all', async () => {
    writeFileSync(t.path('inventory.csv'), readFileSync(t.path('inventory.csv'), 'utf8').replace('w4-12-2,', 'nobody,').replace(',85,', ',850,'));
    writeFileSync(t.path('fleet.yaml'), readFileSync(t.path('fleet.yaml'), 'utf8').replace('port: 5061', 'port: 0'));
    const report = await buildBundles(opts);
    expect(report.built).toEqual([]);
    expect(report.problems.map((p) => `${p.file.replace(t.dir, '')}:${p.line} ${p.code}`)).toEqual([
      '/fleet.yaml:9 E_FLEET_INVALID',
      '/inventory.csv:3 E_INVENTORY_FIELD',
    ]);
  });

  it('reports each missing input file', async () => {
    const report = await buildBundles({ ...opts, fleet: t.path('nope.yaml'), key: t.path('nope.key') });
    expect(report.problems.map((p) => p.code)).toEqual(['E_FILE_UNREADABLE', 'E_FILE_UNREADABLE']);
    expect(where(report.problems)).toEqual(['0:0 E_FILE_UNREADABLE', '0:0 E_FILE_UNREADABLE']);
  });
});
