import { parsePositionedYaml } from '../yaml-file.js';
import type { Problem } from '../problems.js';
import type { Position } from '../inventory/raw-rows.js';

/**
 * fleet.yaml: what every unit shares.
 *   registrarDomain: the SIP domain the units' accounts live in
 *   defaults:        any part of the appliance config (sip.proxy, sip.trustedCaFile, ...),
 *                    under each unit's own inventory fields
 */
export interface FleetDefaults {
  file: string;
  registrarDomain: string | undefined;
  defaults: Record<string, unknown>;
  /** Where a path inside fleet.yaml is, e.g. ['defaults', 'sip', 'proxy', 'host']. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): Position;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseFleetFile(text: string, file: string): { fleet?: FleetDefaults; problems: Problem[] } {
  const y = parsePositionedYaml(text, file, 'E_FLEET_INVALID');
  const problems = [...y.problems];
  if (problems.length > 0) return { problems };
  const bad = (path: (string | number)[], message: string, key = false): void => {
    problems.push({ file, ...y.locate(path, { key }), code: 'E_FLEET_INVALID', message });
  };
  const v = y.value ?? {};
  if (!isRecord(v)) {
    bad([], 'fleet file must be a mapping with registrarDomain and defaults');
    return { problems };
  }
  for (const key of Object.keys(v)) {
    if (key !== 'registrarDomain' && key !== 'defaults') bad([key], `unknown key "${key}" (expected registrarDomain, defaults)`, true);
  }
  if (v.registrarDomain !== undefined && typeof v.registrarDomain !== 'string') bad(['registrarDomain'], 'registrarDomain must be a host name');
  const defaults = v.defaults ?? {};
  if (!isRecord(defaults)) bad(['defaults'], 'defaults must be a mapping (a partial unit config)');
  if (problems.length > 0) return { problems };
  return {
    fleet: {
      file,
      registrarDomain: v.registrarDomain as string | undefined,
      defaults: defaults as Record<string, unknown>,
      locate: y.locate,
    },
    problems,
  };
}
