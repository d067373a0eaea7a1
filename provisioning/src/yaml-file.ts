import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Problem, ProblemCode } from './problems.js';
import type { Position } from './inventory/raw-rows.js';

export interface PositionedYaml {
  /** The plain JS value (undefined when the text is not valid YAML). */
  value: unknown;
  /**
   * Where the value at `path` starts (or, with `key`, the key naming it); when the path
   * does not exist, where its nearest existing ancestor does.
   */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): Position;
  problems: Problem[];
}

/** Parses a YAML settings file, keeping where every node is so problems can point at it. */
export function parsePositionedYaml(text: string, file: string, code: ProblemCode): PositionedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((e) => {
    const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return { file, line: at.line, col: at.col, code, message: e.message.split('\n')[0]! };
  });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const locate = (path: readonly (string | number)[], options: { key?: boolean } = {}): Position => {
    let node: unknown = doc.contents;
    let found: Position = at(doc.contents?.range?.[0] ?? 0);
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return found;
        const keyRange = (pair.key as { range?: [number, number, number] }).range;
        const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
        if (last && options.key && keyRange) return at(keyRange[0]);
        found = valueRange ? at(valueRange[0]) : keyRange ? at(keyRange[0]) : found;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(String(segment))) {
        const item = node.items[Number(segment)] as { range?: [number, number, number] } | undefined;
        if (!item?.range) return found;
        found = at(item.range[0]);
        node = item;
      } else {
        return found;
      }
    }
    return found;
  };
  return { value: problems.length > 0 ? undefined : doc.toJS(), locate, problems };
}
