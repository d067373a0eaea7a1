/**
 * Parsing of the string forms the binding hands over: GValueArray fields of bus messages
 * (`'< -4.9, -5.1 >'`) and GstStructure properties such as a jitter buffer's `stats`
 * (`'application/x-rtp-jitterbuffer-stats, num-lost=(guint64)0, avg-jitter=(guint64)290228;'`).
 */

/** The numbers of a serialized array, `-inf` as -Infinity; [] when the value is not an array string. */
export function parseNumberArray(value: unknown): number[] {
  if (typeof value !== 'string') return [];
  const inner = value.trim().replace(/^<|>$/g, '').trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const text = part.trim().replace(/^\(\w+\)/, '');
    if (text === '-inf') return -Infinity;
    if (text === 'inf') return Infinity;
    return Number(text);
  }).filter((n) => !Number.isNaN(n));
}

/** Loudest channel of a `level` message's `rms` field, in dBFS; -Infinity for silence or garbage. */
export function levelRmsDb(rms: unknown): number {
  const values = parseNumberArray(rms);
  return values.length === 0 ? -Infinity : Math.max(...values);
}

/**
 * Top-level numeric fields of a serialized GstStructure. Nested structures and arrays
 * (quoted or in `< >`) are skipped, so their inner fields never shadow top-level ones.
 */
export function parseStructureNumbers(text: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof text !== 'string') return out;
  for (const field of splitTopLevel(text)) {
    const m = /^\s*([A-Za-z][\w-]*)=\((u?int|g?u?int64|guint|gint|double|float)\)(-?[\d.eE+]+)\s*;?\s*$/.exec(field);
    if (m && m[1] !== undefined && m[3] !== undefined) out[m[1]] = Number(m[3]);
  }
  return out;
}

/** Splits at commas that are outside quotes and outside < > / { } / [ ] nesting. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '<' || c === '{' || c === '[')) depth++;
    else if (!quoted && (c === '>' || c === '}' || c === ']')) depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
