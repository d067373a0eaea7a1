/**
 * Canonical JSON for signing: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as JSON.stringify writes them (the RFC 8785 rules for the values
 * bundles contain). Anything JSON cannot carry is refused rather than silently dropped,
 * except object members whose value is undefined, which JSON.stringify also omits.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot carry ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => {
      if (v === undefined) throw new TypeError('canonical JSON cannot carry undefined in an array');
      return canonicalJson(v);
    }).join(',')}]`;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new TypeError('canonical JSON takes plain objects only');
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      if (obj[key] === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot carry a ${typeof value}`);
}
