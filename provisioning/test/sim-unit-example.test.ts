/**
 * The files of the docs/fleet.md walk-through with the real daemon in simulation: the
 * inventory and fleet file build a valid sim config, and the unit's own file agrees with
 * it where a bundle replaces it (store, panel port), so the unit keeps its meetings outbox
 * and its panel across the restart onto its first bundle.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../appliance/src/config/load.js';
import { loadInputs } from '../src/build/load-inputs.js';
import { EXAMPLES } from './helpers.js';

const DIR = `${EXAMPLES}sim-unit/`;

describe('the sim-unit example of the walk-through', () => {
  it('builds one valid sim config, without a SIP account, that keeps the local store and panel port', async () => {
    const { units, problems } = await loadInputs({ inventory: `${DIR}inventory.csv`, fleet: `${DIR}fleet.yaml`, secrets: `${EXAMPLES}secrets.example.yaml` });
    expect(problems).toEqual([]);
    expect(units.map((u) => u.serial)).toEqual(['BVU-0101']);
    const bundled = units[0]!.config;
    const local = await loadConfigFile(`${DIR}unit.yaml`);
    expect(bundled.hardware.mode).toBe('sim');
    expect(bundled.sip.account).toBeUndefined();
    expect(local.unit.id).toBe(bundled.unit.id);
    expect(bundled.store.path).toBe(local.store.path);
    expect(bundled.server.port).toBe(local.server.port);
    expect(local.fleet).toMatchObject({ serverUrl: 'http://127.0.0.1:8443', enrollmentTokenFile: 'fleet-demo/tokens/BVU-0101.token' });
  });
});
