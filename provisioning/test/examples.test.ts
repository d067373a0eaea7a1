import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../src/inventory/inventory.js';
import { EXAMPLES } from './helpers.js';

describe('example inventories', () => {
  it('say the same thing in CSV and YAML', () => {
    const csv = parseInventory(readFileSync(`${EXAMPLES}inventory.csv`, 'utf8'), 'inventory.csv');
    const yaml = parseInventory(readFileSync(`${EXAMPLES}inventory.yaml`, 'utf8'), 'inventory.yaml');
    expect(csv.problems).toEqual([]);
    expect(yaml.problems).toEqual([]);
    expect(yaml.rows.map((r) => r.values)).toEqual(csv.rows.map((r) => r.values));
    expect(csv.rows).toHaveLength(3);
  });
});
