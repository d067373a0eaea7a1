import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { parseCsv } from './csv.js';
import { COLUMNS, COLUMN_SPECS, columnByHeader, type ColumnName } from './columns.js';
import type { Problem } from '../problems.js';

/**
 * Both inventory formats reduced to the same thing: rows of untyped cells, each with
 * the line and column it came from. Syntax and column-name problems are found here.
 */

export interface Position {
  line: number;
  col: number;
}

export interface RawCell extends Position {
  text: string;
}

export interface RawRow extends Position {
  cells: Partial<Record<ColumnName, RawCell>>;
  /** Columns already reported as absent (a short CSV row, a missing header). */
  absenceReported: ReadonlySet<ColumnName>;
}

export interface RawInventory {
  rows: RawRow[];
  problems: Problem[];
}

export function rawRowsFromCsv(text: string, file: string): RawInventory {
  const { records, errors } = parseCsv(text);
  const problems: Problem[] = errors.map((e) => ({ file, line: e.line, col: e.col, code: 'E_INVENTORY_SYNTAX', message: e.message }));
  const [header, ...body] = records;
  if (!header) return { rows: [], problems };

  const columnAt: (ColumnName | undefined)[] = [];
  const seen = new Map<ColumnName, number>();
  for (const f of header.fields) {
    const column = columnByHeader(f.value);
    if (!column) {
      problems.push({ file, line: f.line, col: f.col, code: 'E_INVENTORY_HEADER', message: `unknown column "${f.value.trim()}" (known: ${COLUMNS.join(', ')})` });
    } else if (seen.has(column)) {
      problems.push({ file, line: f.line, col: f.col, code: 'E_INVENTORY_HEADER', message: `column "${column}" appears twice (first in column ${seen.get(column)! + 1})` });
      columnAt.push(undefined);
      continue;
    } else {
      seen.set(column, columnAt.length);
    }
    columnAt.push(column);
  }
  const missing = new Set<ColumnName>();
  for (const c of COLUMNS) {
    if (COLUMN_SPECS[c].required && !seen.has(c)) {
      missing.add(c);
      problems.push({ file, line: header.line, col: 1, code: 'E_INVENTORY_HEADER', message: `required column "${c}" is missing` });
    }
  }

  const rows = body.map((record): RawRow => {
    const cells: Partial<Record<ColumnName, RawCell>> = {};
    const absent = new Set(missing);
    record.fields.forEach((f, index) => {
      if (index >= columnAt.length) return;
      const column = columnAt[index];
      if (column) cells[column] = { text: f.value, line: f.line, col: f.col };
    });
    if (record.fields.length !== header.fields.length) {
      const extra = record.fields[header.fields.length];
      const last = record.fields[record.fields.length - 1]!;
      const at = extra ?? last;
      problems.push({
        file, line: at.line, col: at.col, code: 'E_INVENTORY_SYNTAX',
        message: `row has ${record.fields.length} fields; the header has ${header.fields.length}`,
      });
      for (const c of COLUMNS) if (!(c in cells)) absent.add(c);
    }
    return { line: record.line, col: 1, cells, absenceReported: absent };
  });
  return { rows, problems };
}

/** A YAML inventory is a list of units, either the whole document or under `units:`. */
export function rawRowsFromYaml(text: string, file: string): RawInventory {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays the text as written (serial 00123 is not the number 123),
  // so YAML cells are typed by the same column rules as CSV cells.
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const nodePos = (node: YamlNode | null | undefined, fallback: Position): Position => (node?.range ? pos(node.range[0]) : fallback);

  for (const e of doc.errors) {
    const at = e.linePos?.[0] ?? pos(e.pos[0]);
    problems.push({ file, line: at.line, col: at.col, code: 'E_INVENTORY_SYNTAX', message: e.message.split('\n')[0]! });
  }
  if (doc.errors.length > 0) return { rows: [], problems };

  let list: unknown = doc.contents;
  if (isMap(list)) {
    const units = list.items.find((p) => isScalar(p.key) && p.key.value === 'units');
    for (const p of list.items) {
      if (p !== units) {
        const at = nodePos(p.key as YamlNode, { line: 1, col: 1 });
        problems.push({ file, ...at, code: 'E_INVENTORY_SYNTAX', message: `unexpected top-level key (the inventory is a list under "units:")` });
      }
    }
    list = units?.value;
  }
  if (!isSeq(list)) {
    const at = nodePos(doc.contents, { line: 1, col: 1 });
    problems.push({ file, ...at, code: 'E_INVENTORY_SYNTAX', message: 'expected a list of units (or a "units:" list)' });
    return { rows: [], problems };
  }

  const rows: RawRow[] = [];
  for (const item of list.items) {
    const at = nodePos(item as YamlNode, { line: 1, col: 1 });
    if (!isMap(item)) {
      problems.push({ file, ...at, code: 'E_INVENTORY_SYNTAX', message: 'each unit must be a mapping of column: value' });
      continue;
    }
    const cells: Partial<Record<ColumnName, RawCell>> = {};
    const absent = new Set<ColumnName>();
    for (const pair of item.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyAt = nodePos(keyNode, at);
      const name = isScalar(keyNode) ? String(keyNode.value) : '';
      const column = columnByHeader(name);
      if (!column) {
        problems.push({ file, ...keyAt, code: 'E_INVENTORY_HEADER', message: `unknown column "${name}" (known: ${COLUMNS.join(', ')})` });
        continue;
      }
      if (column in cells || absent.has(column)) {
        problems.push({ file, ...keyAt, code: 'E_INVENTORY_HEADER', message: `column "${column}" appears twice in this unit` });
        continue;
      }
      const valueNode = pair.value as YamlNode | null;
      if (valueNode !== null && !isScalar(valueNode)) {
        problems.push({ file, ...nodePos(valueNode, keyAt), code: 'E_INVENTORY_FIELD', message: `${column} must be a single value, not a list or mapping` });
        absent.add(column);
        continue;
      }
      const valueAt = valueNode?.range && valueNode.range[0] < valueNode.range[1] ? pos(valueNode.range[0]) : keyAt;
      cells[column] = { text: valueNode === null ? '' : String(valueNode.value), ...valueAt };
    }
    rows.push({ ...at, cells, absenceReported: absent });
  }
  return { rows, problems };
}
