import { readFile } from 'node:fs/promises';
import { parseInventory } from '../inventory/inventory.js';
import { parseFleetFile } from '../fleet/fleet-file.js';
import { parseSecretsFile, type FleetSecrets } from '../fleet/secrets-file.js';
import { PLACEHOLDER_FLEET, planUnits, type UnitPlan } from './unit-config.js';
import { sortProblems, type Problem } from '../problems.js';

export interface InputPaths {
  inventory: string;
  /** Without it, a placeholder fleet lets the rows' own fields be checked. */
  fleet?: string;
  /** Without it, SIP account references are not checked against passwords. */
  secrets?: string;
}

export interface LoadedInputs {
  units: UnitPlan[];
  /** Every problem in every input file, sorted; units are only usable when this is empty. */
  problems: Problem[];
}

async function readText(path: string, problems: Problem[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    problems.push({ file: path, line: 0, col: 0, code: 'E_FILE_UNREADABLE', message: (e as Error).message });
    return undefined;
  }
}

/** Reads, parses and checks the inventory (and fleet/secrets files when given), reporting all problems. */
export async function loadInputs(paths: InputPaths): Promise<LoadedInputs> {
  const problems: Problem[] = [];
  const [inventoryText, fleetText, secretsText] = await Promise.all([
    readText(paths.inventory, problems),
    paths.fleet === undefined ? undefined : readText(paths.fleet, problems),
    paths.secrets === undefined ? undefined : readText(paths.secrets, problems),
  ]);
  let fleet = paths.fleet === undefined ? PLACEHOLDER_FLEET : undefined;
  if (fleetText !== undefined) {
    const r = parseFleetFile(fleetText, paths.fleet!);
    problems.push(...r.problems);
    fleet = r.fleet;
  }
  let secrets: FleetSecrets | undefined;
  if (secretsText !== undefined) {
    const r = parseSecretsFile(secretsText, paths.secrets!);
    problems.push(...r.problems);
    secrets = r.secrets;
  }
  if (inventoryText === undefined) return { units: [], problems: sortProblems(problems) };
  const inventory = parseInventory(inventoryText, paths.inventory);
  problems.push(...inventory.problems);
  // Rows are checked against the schema even when another file has problems, so one run
  // shows everything: a broken fleet file is stood in for by the placeholder, a broken
  // secrets file skips the password check (its own problems are already listed).
  const plan = planUnits(inventory, fleet ?? PLACEHOLDER_FLEET, secrets);
  problems.push(...plan.problems);
  return { units: plan.units, problems: sortProblems(problems) };
}
