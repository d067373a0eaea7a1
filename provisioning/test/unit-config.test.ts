import { describe, expect, it } from 'vitest';
import { parseInventory } from '../src/inventory/inventory.js';
import { parseFleetFile, type FleetDefaults } from '../src/fleet/fleet-file.js';
import { parseSecretsFile, type FleetSecrets } from '../src/fleet/secrets-file.js';
import { planUnits, PLACEHOLDER_FLEET } from '../src/build/unit-config.js';
import { validateConfig } from '../src/appliance-config.js';
import { HEADER, where } from './helpers.js';

const FLEET = [
  'registrarDomain: meet.example.org', // 1
  'defaults:',
  '  sip:',
  '    proxy:',
  '      host: sip.example.org', //      5
  '      port: 5061',
  '    trustedCaFile: /etc/ca.pem',
  '  hardware: { mode: pi }',
].join('\n');

const fleetOf = (text: string): FleetDefaults => {
  const r = parseFleetFile(text, 'fleet.yaml');
  expect(r.problems).toEqual([]);
  return r.fleet!;
};
const secretsOf = (text: string): FleetSecrets => {
  const r = parseSecretsFile(text, 'secrets.yaml');
  expect(r.problems).toEqual([]);
  return r.secrets!;
};
const SECRETS = 'sipAccounts:\n  acct1: { password: "pw-one" }\n  acct2: { password: "pw-two", authUsername: auth2 }\n';

describe('unit configs from inventory rows', () => {
  it('builds a config the appliance accepts, with the SIP password only as a reference', () => {
    const inv = parseInventory(`${HEADER}\nSt Mary,Ward 4,12,1,BVU-1,Bed 1,sips:a@x.org,acct2,sips:help@x.org,80,yes,2\n`, 'inv.csv');
    const plan = planUnits(inv, fleetOf(FLEET), secretsOf(SECRETS));
    expect(plan.problems).toEqual([]);
    const [unit] = plan.units;
    expect(unit!.config.unit).toEqual({ id: 'BVU-1', name: 'Bed 1', site: 'St Mary', ward: 'Ward 4', room: '12', bed: '1' });
    expect(unit!.config.sip.account).toEqual({ username: 'acct2', authUsername: 'auth2', password: '$secret:sip.account.password', domain: 'meet.example.org', displayName: 'Bed 1' });
    expect(unit!.config.sip.proxy).toEqual({ host: 'sip.example.org', port: 5061 });
    expect(unit!.config.sip.supportUri).toBe('sips:help@x.org');
    expect(unit!.config.hardware.mode).toBe('pi');
    expect(JSON.stringify(unit!.config)).not.toContain('pw-two');
    expect(unit!.secrets).toEqual({ 'sip.account.password': 'pw-two' });
    expect(unit!.audio).toEqual({ speakerVolumePercent: 80, loop: { enabled: true, gainDb: 2 } });
    // The very validator the unit runs accepts what was built.
    expect(() => validateConfig(unit!.config)).not.toThrow();
  });

  it("maps the appliance schema's problems back to the inventory cells", () => {
    const inv = parseInventory([
      HEADER,
      'St Mary,Ward 4,12,1,BVU-1,Bed 1,not-a-uri,acct1,,70,no,0',
      'St Mary,Ward 4,12,2,BVU-2,Bed 2,sips:b@x.org,acct1x,sip:no-at-sign,70,no,0',
    ].join('\n'), 'inv.csv');
    const plan = planUnits(inv, fleetOf(FLEET), secretsOf(SECRETS));
    expect(where(plan.problems)).toEqual(['2:33 E_INVENTORY_CONFIG', '3:46 E_SECRETS_MISSING', '3:53 E_INVENTORY_CONFIG']);
    expect(plan.problems[0]!.message).toMatch(/^room_uri \(rooms\.ownRoomUri\): must match pattern/);
    expect(plan.problems[2]!.message).toMatch(/^support_uri \(sip\.supportUri\)/);
    expect(plan.units).toEqual([]);
  });

  it('reports a fleet.yaml problem once, at its line in fleet.yaml, however many rows it spoils', () => {
    const fleet = fleetOf(FLEET.replace('port: 5061', 'port: 70000').replace('trustedCaFile: /etc/ca.pem', 'trustedCaFile: /etc/ca.pem\n    colour: red'));
    const inv = parseInventory([
      HEADER,
      'St Mary,Ward 4,12,1,BVU-1,Bed 1,sips:a@x.org,,,70,no,0',
      'St Mary,Ward 4,12,2,BVU-2,Bed 2,sips:b@x.org,,,70,no,0',
    ].join('\n'), 'inv.csv');
    const plan = planUnits(inv, fleet, undefined);
    expect(plan.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.code}`).sort()).toEqual([
      'fleet.yaml:6:13 E_FLEET_INVALID', // the port value
      'fleet.yaml:8:5 E_FLEET_INVALID', // the unknown key itself
    ].sort());
  });

  it('points at registrarDomain when units have SIP accounts but the fleet names no domain', () => {
    const fleet = fleetOf(FLEET.replace('registrarDomain: meet.example.org', '# no domain'));
    const inv = parseInventory(`${HEADER}\nSt Mary,Ward 4,12,1,BVU-1,Bed 1,sips:a@x.org,acct1,,70,no,0\n`, 'inv.csv');
    const plan = planUnits(inv, fleet, secretsOf(SECRETS));
    expect(plan.problems.map((p) => `${p.file} ${p.code} ${p.message}`)).toEqual([
      'fleet.yaml E_FLEET_INVALID registrarDomain: is required (first seen for unit BVU-1)',
    ]);
  });

  it("checks a row's own fields without a fleet file, using a placeholder fleet", () => {
    const inv = parseInventory(`${HEADER}\nSt Mary,Ward 4,12,1,BVU-1,Bed 1,sips:a@x.org,acct9,,70,no,0\n`, 'inv.csv');
    expect(planUnits(inv, PLACEHOLDER_FLEET, undefined).problems).toEqual([]);
  });
});

describe('fleet and secrets files', () => {
  it('reports unknown top-level keys and bad shapes with positions', () => {
    const r = parseFleetFile('registrarDomain: [a]\ndefaults: 3\nextra: 1\n', 'fleet.yaml');
    expect(where(r.problems)).toEqual(['3:1 E_FLEET_INVALID', '1:18 E_FLEET_INVALID', '2:11 E_FLEET_INVALID']);
  });

  it('never echoes a password in a problem message', () => {
    const r = parseSecretsFile('sipAccounts:\n  a: { password: "", colour: hunter2 }\n  b: hunter2\n', 'secrets.yaml');
    expect(r.problems.map((p) => p.code)).toEqual(['E_SECRETS_INVALID', 'E_SECRETS_INVALID', 'E_SECRETS_INVALID']);
    expect(r.problems.map((p) => p.message).join(' ')).not.toContain('hunter2');
  });
});
