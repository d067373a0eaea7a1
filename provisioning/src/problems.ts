/**
 * Stable codes for everything provisioning refuses. Scripts and tests key on these
 * strings, so a code is never renamed or reused for another meaning.
 */
export const PROBLEM_CODES = {
  E_INVENTORY_SYNTAX: 'The inventory file is not well-formed CSV or YAML',
  E_INVENTORY_HEADER: 'The inventory has an unknown, duplicate or missing column',
  E_INVENTORY_FIELD: 'An inventory field is missing or has a bad value',
  E_INVENTORY_DUPLICATE: 'Two inventory rows claim the same unit, bed or SIP account',
  E_INVENTORY_CONFIG: "The unit config a row produces is refused by the appliance's config schema",
  E_INVENTORY_EMPTY: 'The inventory lists no units',
  E_FLEET_INVALID: 'The fleet defaults file is invalid',
  E_SECRETS_INVALID: 'The secrets file is invalid',
  E_SECRETS_MISSING: 'A SIP account reference has no password in the secrets file',
  E_UNIT_KEY_MISSING: 'The unit has not registered a public key yet',
  E_UNIT_KEY_INVALID: "The unit's public key file is not an X25519 public key",
  E_BUNDLE_PREVIOUS: "The unit's previous bundle cannot be read, so its next version is unknown",
  E_FILE_UNREADABLE: 'A file cannot be read',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  line: number;
  /** 1-based, in characters. */
  col: number;
  code: ProblemCode;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.code} ${p.message}`;
}

/** Sorted by file, then position, so output is stable and reads top to bottom. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}
