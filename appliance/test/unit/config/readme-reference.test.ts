/**
 * Keeps README.md true: its configuration reference must name every field of the config
 * schema (and no field that does not exist, with the schema's defaults), and its error-code
 * table must list every code in ERROR_CODES (and no other).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { ERROR_CODES } from '../../../src/core/errors.js';

const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  default?: unknown;
}

/** Every documented path of a schema: leaves, and lists (`a[]`); fields of list entries as `a[].b`. */
function schemaFields(node: SchemaNode, prefix = '', out = new Map<string, SchemaNode>()): Map<string, SchemaNode> {
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties)) schemaFields(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (node.type === 'array' && node.items) {
    out.set(`${prefix}[]`, node);
    if (node.items.type === 'object' || node.items.type === 'array') schemaFields(node.items, `${prefix}[]`, out);
  } else {
    out.set(prefix, node);
  }
  return out;
}

/** The text between a `## heading` and the next `## ` heading. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Table rows whose first cell starts with a backticked name: [first cell, second cell]. */
function tableRows(text: string): Array<[string, string]> {
  return text.split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return [cells[1] ?? '', cells[2] ?? ''];
    });
}

const backticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

/** Field paths of one row: `a.b.c`, `.d` means `a.b.d` (relative to the previous full path). */
function rowPaths(cell: string): string[] {
  const paths: string[] = [];
  let previous = '';
  for (const token of backticked(cell)) {
    const path = token.startsWith('.') ? previous.slice(0, previous.lastIndexOf('.')) + token : token;
    paths.push(path);
    previous = path;
  }
  return paths;
}

/** How a default must appear in the default column, or null when it has no simple form. */
function defaultToken(value: unknown): string | null {
  if (value === '') return '""';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  return null;
}

function checkConfigReference(markdown: string, fields: Map<string, SchemaNode>): { missing: string[]; unknown: string[]; wrongDefault: string[] } {
  const documented = new Set<string>();
  const unknown: string[] = [];
  const wrongDefault: string[] = [];
  for (const [first, second] of tableRows(section(markdown, 'Configuration reference'))) {
    const defaults = backticked(second);
    for (const path of rowPaths(first)) {
      documented.add(path);
      const node = fields.get(path);
      if (!node) { unknown.push(path); continue; }
      const expected = defaultToken(node.default);
      if (expected !== null && !defaults.includes(expected)) wrongDefault.push(`${path} (schema default ${expected})`);
    }
  }
  const missing = [...fields.keys()].filter((p) => !documented.has(p));
  return { missing, unknown, wrongDefault };
}

function checkErrorTable(markdown: string, codes: string[]): { missing: string[]; unknown: string[] } {
  const listed = tableRows(section(markdown, 'Error codes')).flatMap(([first]) => backticked(first));
  return { missing: codes.filter((c) => !listed.includes(c)), unknown: listed.filter((c) => !codes.includes(c)) };
}

const FIELDS = schemaFields(ConfigSchema as unknown as SchemaNode);

describe('README.md configuration reference', () => {
  it('the schema walk finds the nested fields, lists and list entries', () => {
    expect(FIELDS.size).toBeGreaterThan(80);
    for (const p of ['unit.id', 'sip.wsPath', 'sip.account.password', 'rooms.meetings[]', 'rooms.meetings[].startsAt',
      'media.webrtc.iceServers[].urls[]', 'hardware.ioBoard.usb.vendorId', 'hardware.display.cec.timeoutMs', 'fleet.serverUrl']) {
      expect(FIELDS.has(p), p).toBe(true);
    }
    expect(FIELDS.has('sip.account')).toBe(false);
  });

  it('names every schema field, only schema fields, with the schema defaults', () => {
    const result = checkConfigReference(README, FIELDS);
    expect(result.missing, 'schema fields missing from README.md "## Configuration reference"').toEqual([]);
    expect(result.unknown, 'README.md documents fields the schema does not have').toEqual([]);
    expect(result.wrongDefault, 'README.md default column differs from the schema').toEqual([]);
  });

  it('the check notices a missing row, a stale field and a wrong default', () => {
    const broken = README
      .replace(/^\| `sip\.wsPath` .*\n/m, '')
      .replace('| `log.level` | `info` |', '| `log.level` | `debug` |')
      .replace('| `store.path` |', '| `store.path`, `.file` |');
    const result = checkConfigReference(broken, FIELDS);
    expect(result.missing).toEqual(['sip.wsPath']);
    expect(result.unknown).toEqual(['store.file']);
    expect(result.wrongDefault).toEqual(['log.level (schema default info)']);
  });
});

describe('README.md error codes', () => {
  const codes = Object.keys(ERROR_CODES);

  it('lists every code in ERROR_CODES and no other', () => {
    const result = checkErrorTable(README, codes);
    expect(result.missing, 'codes missing from README.md "## Error codes"').toEqual([]);
    expect(result.unknown, 'README.md lists codes that ERROR_CODES does not have').toEqual([]);
  });

  it('the check notices a missing code', () => {
    const broken = README.replace(/^\| `E_DISPLAY_CEC` .*\n/m, '');
    expect(checkErrorTable(broken, codes).missing).toEqual(['E_DISPLAY_CEC']);
    expect(checkErrorTable(README, [...codes, 'E_NEW_CODE']).missing).toEqual(['E_NEW_CODE']);
  });
});
