import { isApplianceError, validateConfig, type Config, type ConfigProblem } from '../appliance-config.js';
import type { ColumnName } from '../inventory/columns.js';
import type { Inventory, InventoryRow } from '../inventory/inventory.js';
import type { FleetDefaults } from '../fleet/fleet-file.js';
import type { FleetSecrets } from '../fleet/secrets-file.js';
import type { Problem } from '../problems.js';
import { SECRET_REF_PREFIX } from '../../../appliance/src/fleet/bundle/secret-refs.js';
import type { UnitAudio } from '../../../appliance/src/fleet/bundle/types.js';

/**
 * Turns inventory rows into full unit configs (fleet defaults + the row's own fields),
 * validates each with the appliance's validateConfig, and maps every problem back to the
 * inventory cell, or to the fleet.yaml line, it came from.
 */

export const SIP_PASSWORD_PATH = 'sip.account.password';

export interface UnitPlan {
  row: InventoryRow;
  serial: string;
  /** Validated by the appliance, defaults filled; secrets only as references. */
  config: Config;
  /** Dotted config path -> secret value; encrypted to the unit, never stored in the clear. */
  secrets: Record<string, string>;
  /**
   * Speaker and hearing-loop settings. The appliance config schema has no fields for
   * them yet, so they travel beside the config in the (signed) bundle.
   */
  audio: UnitAudio;
}

/** Config paths that come from an inventory column; everything else comes from fleet.yaml. */
const FIELD_TO_COLUMN: ReadonlyArray<readonly [string, ColumnName]> = [
  ['unit.id', 'unit_serial'],
  ['unit.name', 'unit_name'],
  ['unit.site', 'site'],
  ['unit.ward', 'ward'],
  ['unit.room', 'room'],
  ['unit.bed', 'bed'],
  ['rooms.ownRoomUri', 'room_uri'],
  ['sip.account.username', 'sip_account_ref'],
  ['sip.account.displayName', 'unit_name'],
  ['sip.supportUri', 'support_uri'],
];

/** Used by `validate` without --fleet: lets the row's own fields be checked on their own. */
export const PLACEHOLDER_FLEET: FleetDefaults = {
  file: '(built-in placeholder fleet)',
  registrarDomain: 'registrar.invalid',
  defaults: { sip: { proxy: { host: 'proxy.invalid' } } },
  locate: () => ({ line: 0, col: 0 }),
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function rawUnitConfig(row: InventoryRow, fleet: FleetDefaults, secret: { authUsername?: string } | undefined): Record<string, unknown> {
  const v = row.values;
  const sip: Record<string, unknown> = {};
  if (v.sip_account_ref) {
    sip.account = {
      username: v.sip_account_ref,
      ...(secret?.authUsername ? { authUsername: secret.authUsername } : {}),
      password: `${SECRET_REF_PREFIX}${SIP_PASSWORD_PATH}`,
      domain: fleet.registrarDomain,
      displayName: v.unit_name,
    };
  }
  if (v.support_uri) sip.supportUri = v.support_uri;
  const own = {
    unit: { id: v.unit_serial, name: v.unit_name, site: v.site, ward: v.ward, room: v.room, bed: v.bed },
    rooms: { ownRoomUri: v.room_uri },
    sip,
  };
  return deepMerge(structuredClone(fleet.defaults), own);
}

function columnOf(field: string): ColumnName | undefined {
  for (const [path, column] of FIELD_TO_COLUMN) {
    if (field === path || field.startsWith(`${path}.`)) return column;
  }
  return field === 'sip.account' ? 'sip_account_ref' : undefined;
}

export interface PlanResult {
  units: UnitPlan[];
  problems: Problem[];
}

/**
 * `secrets` undefined skips the password check (validating an inventory on its own).
 * A problem in fleet.yaml is reported once, however many rows it spoils.
 */
export function planUnits(inventory: Inventory, fleet: FleetDefaults, secrets: FleetSecrets | undefined): PlanResult {
  const problems: Problem[] = [];
  const fleetProblemKeys = new Set<string>();
  const units: UnitPlan[] = [];
  for (const row of inventory.rows) {
    const v = row.values;
    const cellAt = (column: ColumnName): { line: number; col: number } => row.cells[column] ?? row.at;
    const secret = v.sip_account_ref ? secrets?.sipAccounts.get(v.sip_account_ref.toLowerCase()) : undefined;
    let rowOk = true;
    if (secrets && v.sip_account_ref && !secret) {
      rowOk = false;
      problems.push({
        file: inventory.file, ...cellAt('sip_account_ref'), code: 'E_SECRETS_MISSING',
        message: `sip_account_ref "${v.sip_account_ref}" has no password under sipAccounts in ${secrets.file}`,
      });
    }
    let config: Config;
    try {
      config = validateConfig(rawUnitConfig(row, fleet, secret)) as Config;
    } catch (e) {
      const list = isApplianceError(e) ? (e.detail.problems as ConfigProblem[] | undefined) : undefined;
      if (!list) throw e;
      for (const p of list) {
        const column = columnOf(p.field);
        if (column) {
          problems.push({ file: inventory.file, ...cellAt(column), code: 'E_INVENTORY_CONFIG', message: `${column} (${p.field}): ${p.message}` });
          continue;
        }
        const path = p.field === 'sip.account.domain' ? ['registrarDomain'] : ['defaults', ...p.field.split('.')];
        const at = fleet.locate(path, { key: p.message === 'unknown field' });
        const key = `${at.line}:${at.col}:${p.field}:${p.message}`;
        if (fleetProblemKeys.has(key)) continue;
        fleetProblemKeys.add(key);
        problems.push({ file: fleet.file, ...at, code: 'E_FLEET_INVALID', message: `${path.join('.')}: ${p.message} (first seen for unit ${v.unit_serial})` });
      }
      continue;
    }
    if (!rowOk) continue;
    units.push({
      row,
      serial: v.unit_serial,
      config,
      secrets: secret ? { [SIP_PASSWORD_PATH]: secret.password } : {},
      audio: { speakerVolumePercent: v.speaker_volume, loop: { enabled: v.loop_enabled, gainDb: v.loop_gain_db } },
    });
  }
  return { units, problems };
}
