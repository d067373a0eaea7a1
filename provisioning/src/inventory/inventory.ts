import { COLUMNS, COLUMN_SPECS, type ColumnName, type ColumnValues, type Parsed } from './columns.js';
import { rawRowsFromCsv, rawRowsFromYaml, type Position, type RawRow } from './raw-rows.js';
import type { Problem } from '../problems.js';

export interface InventoryRow {
  values: ColumnValues;
  /** Where the row starts. */
  at: Position;
  /** Where each cell present in the file is; absent cells fall back to `at`. */
  cells: Partial<Record<ColumnName, Position>>;
}

export interface Inventory {
  file: string;
  /** Rows whose cells all parsed (rows with a bad cell are left out, their problems kept). */
  rows: InventoryRow[];
  problems: Problem[];
}

export type InventoryFormat = 'csv' | 'yaml';

export function formatOfPath(path: string): InventoryFormat {
  return /\.ya?ml$/i.test(path) ? 'yaml' : 'csv';
}

/** Parses and checks a whole inventory, collecting every problem in it. */
export function parseInventory(text: string, file: string, format: InventoryFormat = formatOfPath(file)): Inventory {
  const raw = format === 'yaml' ? rawRowsFromYaml(text, file) : rawRowsFromCsv(text, file);
  const problems = [...raw.problems];
  const typed = raw.rows.map((r) => typedRow(r, file, problems));
  // Duplicates are looked for in every row, also those with a bad cell elsewhere.
  problems.push(...duplicateProblems(typed.map((t) => t.row), file));
  const rows = typed.filter((t) => t.ok).map((t) => t.row);
  if (raw.rows.length === 0 && !problems.some((p) => p.code === 'E_INVENTORY_SYNTAX')) {
    problems.push({ file, line: 1, col: 1, code: 'E_INVENTORY_EMPTY', message: 'the inventory lists no units' });
  }
  return { file, rows, problems };
}

function typedRow(r: RawRow, file: string, problems: Problem[]): { row: InventoryRow; ok: boolean } {
  const values: Partial<Record<ColumnName, unknown>> = {};
  const cells: Partial<Record<ColumnName, Position>> = {};
  let ok = true;
  for (const column of COLUMNS) {
    const spec = COLUMN_SPECS[column];
    const cell = r.cells[column];
    const text = cell?.text.trim() ?? '';
    if (cell) cells[column] = { line: cell.line, col: cell.col };
    if (text === '') {
      if (spec.required) {
        ok = false;
        if (!r.absenceReported.has(column)) {
          const at = cell ?? r;
          problems.push({ file, line: at.line, col: at.col, code: 'E_INVENTORY_FIELD', message: `${column} is required` });
        }
      }
      values[column] = spec.empty;
      continue;
    }
    const parsed = spec.parse(text) as Parsed<unknown>;
    if (parsed.ok) {
      values[column] = parsed.value;
    } else {
      ok = false;
      values[column] = spec.empty;
      problems.push({ file, line: cell!.line, col: cell!.col, code: 'E_INVENTORY_FIELD', message: `${column}: ${parsed.message}` });
    }
  }
  return { row: { values: values as ColumnValues, at: { line: r.line, col: r.col }, cells }, ok };
}

/**
 * A serial, a SIP account or a bed claimed twice is always a typing mistake that would
 * make two units fight; the later row is reported, naming the earlier one.
 */
function duplicateProblems(rows: readonly InventoryRow[], file: string): Problem[] {
  const problems: Problem[] = [];
  const check = (what: string, column: ColumnName, keyOf: (v: ColumnValues) => string | null): void => {
    const first = new Map<string, InventoryRow>();
    for (const row of rows) {
      const key = keyOf(row.values);
      if (key === null) continue;
      const earlier = first.get(key);
      if (earlier) {
        const at = row.cells[column] ?? row.at;
        problems.push({ file, ...at, code: 'E_INVENTORY_DUPLICATE', message: `${what} already used on line ${earlier.at.line}` });
      } else {
        first.set(key, row);
      }
    }
  };
  check(`unit_serial`, 'unit_serial', (v) => (v.unit_serial ? v.unit_serial.toLowerCase() : null));
  check(`sip_account_ref`, 'sip_account_ref', (v) => (v.sip_account_ref ? v.sip_account_ref.toLowerCase() : null));
  check(`bed (same site, ward, room and bed)`, 'bed', (v) => (v.bed
    ? JSON.stringify([v.site, v.ward, v.room, v.bed].map((s) => s.toLowerCase()))
    : null));
  return problems;
}
