import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '../../../appliance/src/fleet/bundle/sign.js';
import { privateKeyOf, publicKeyOf } from '../../../appliance/src/fleet/bundle/keys.js';
import { loadInputs } from './load-inputs.js';
import type { UnitPlan } from './unit-config.js';
import { sortProblems, type Problem } from '../problems.js';
import type { KeyObject } from 'node:crypto';

export interface BuildOptions {
  inventory: string;
  fleet: string;
  secrets: string;
  /** The fleet's Ed25519 private key (PEM file). */
  key: string;
  /** Holds <serial>.pub, each unit's X25519 public key (PEM). */
  unitsDir: string;
  /** Bundles are written here as <serial>.json, with versions.ledger as the version ledger. */
  outDir: string;
  now?: Date;
  /** Per unit, a version the next one must exceed (e.g. what the fleet server already holds). */
  minVersions?: Readonly<Record<string, number>>;
  /** Build only these serials (others in the inventory are still validated). */
  only?: ReadonlySet<string>;
}

export interface BuiltBundle {
  serial: string;
  version: number;
  path: string;
}

export interface BuildReport {
  built: BuiltBundle[];
  /** Input problems (nothing built), or per-unit problems (that unit not built). */
  problems: Problem[];
}

/** Highest version ever issued per unit. Kept so a deleted bundle file never lets a version be reused. */
const LEDGER = 'versions.ledger'; // never ends in .json, so no unit serial can collide with it

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as unknown;
}

const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

async function readLedger(outDir: string): Promise<{ ledger: Record<string, number>; problem?: Problem }> {
  const path = join(outDir, LEDGER);
  try {
    const v = await readJsonIfPresent(path);
    if (v === undefined) return { ledger: {} };
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isVersion)) {
      return { ledger: { ...(v as Record<string, number>) } };
    }
    throw new Error('not a map of unit serial to version');
  } catch (e) {
    return { ledger: {}, problem: { file: path, line: 0, col: 0, code: 'E_BUNDLE_PREVIOUS', message: `version ledger unusable: ${(e as Error).message}` } };
  }
}

/** The version after the highest this unit was ever given (its bundle file or the ledger). */
async function nextVersion(outDir: string, serial: string, ledger: Record<string, number>, floor = 0): Promise<number | Problem> {
  const path = join(outDir, `${serial}.json`);
  let previous = 0;
  try {
    const bundle = await readJsonIfPresent(path);
    if (bundle !== undefined) {
      const v = (bundle as { version?: unknown } | null)?.version;
      if (!isVersion(v)) throw new Error('it has no valid version');
      previous = v;
    }
  } catch (e) {
    return { file: path, line: 0, col: 0, code: 'E_BUNDLE_PREVIOUS', message: `previous bundle unreadable (${(e as Error).message}); move it aside only if you know its version was never issued` };
  }
  return Math.max(previous, ledger[serial] ?? 0, floor) + 1;
}

async function unitKey(unitsDir: string, unit: UnitPlan, inventoryFile: string): Promise<KeyObject | Problem> {
  const path = join(unitsDir, `${unit.serial}.pub`);
  const at = { file: inventoryFile, ...(unit.row.cells.unit_serial ?? unit.row.at) };
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ...at, code: 'E_UNIT_KEY_MISSING', message: `unit ${unit.serial} has no public key yet (${path}); not built until it enrolls` };
    }
    return { ...at, code: 'E_UNIT_KEY_INVALID', message: `cannot read ${path}: ${(e as Error).message}` };
  }
  try {
    return publicKeyOf(pem, 'x25519');
  } catch (e) {
    return { ...at, code: 'E_UNIT_KEY_INVALID', message: `${path}: ${(e as Error).message}` };
  }
}

/**
 * Validates all inputs and, only if they are all clean, writes one signed bundle per unit
 * that has a public key. Units without one are reported, never silently skipped.
 */
export async function buildBundles(o: BuildOptions): Promise<BuildReport> {
  const inputs = await loadInputs({ inventory: o.inventory, fleet: o.fleet, secrets: o.secrets });
  const problems = [...inputs.problems];
  let fleetKey: KeyObject | undefined;
  try {
    fleetKey = privateKeyOf(await readFile(o.key, 'utf8'), 'ed25519');
  } catch (e) {
    problems.push({ file: o.key, line: 0, col: 0, code: 'E_FILE_UNREADABLE', message: `fleet signing key: ${(e as Error).message}` });
  }
  await mkdir(o.outDir, { recursive: true });
  const { ledger, problem: ledgerProblem } = await readLedger(o.outDir);
  if (ledgerProblem) problems.push(ledgerProblem);
  if (problems.length > 0 || !fleetKey) return { built: [], problems: sortProblems(problems) };

  const issuedAt = o.now ?? new Date();
  const built: BuiltBundle[] = [];
  for (const unit of inputs.units) {
    if (o.only && !o.only.has(unit.serial)) continue;
    const key = await unitKey(o.unitsDir, unit, o.inventory);
    if ('code' in key) {
      problems.push(key);
      continue;
    }
    const version = await nextVersion(o.outDir, unit.serial, ledger, o.minVersions?.[unit.serial] ?? 0);
    if (typeof version !== 'number') {
      problems.push(version);
      continue;
    }
    const bundle = createBundle({
      unit: unit.serial, version, issuedAt, config: unit.config as unknown as Record<string, unknown>, audio: unit.audio, secrets: unit.secrets,
    }, fleetKey, key);
    const path = join(o.outDir, `${unit.serial}.json`);
    await writeAtomically(path, `${JSON.stringify(bundle, null, 2)}\n`);
    ledger[unit.serial] = version;
    built.push({ serial: unit.serial, version, path });
  }
  await writeAtomically(join(o.outDir, LEDGER), `${JSON.stringify(ledger, null, 2)}\n`);
  return { built, problems: sortProblems(problems) };
}
