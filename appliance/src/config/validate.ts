import { Ajv, type ErrorObject } from 'ajv';
import { ConfigSchema, type AppConfig, type Config } from './schema.js';
import { ApplianceError } from '../core/errors.js';
import { parseMeetingStart } from '../core/room-choice.js';

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: true, coerceTypes: false });
// The same parser the room chooser uses, so both accept exactly the same meeting times.
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => parseMeetingStart(s) !== null });
const validateSchema = ajv.compile<Config>(ConfigSchema);

export interface ConfigProblem {
  /** Dotted path of the offending field, e.g. "sip.proxy.port". */
  field: string;
  message: string;
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty
    : e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : '';
  return [base, extra].filter(Boolean).join('.') || '(root)';
}

function problemsOf(errors: readonly ErrorObject[]): ConfigProblem[] {
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const e of errors) {
    // A union mismatch produces one error per branch; keep the first per field.
    const field = fieldOf(e);
    const message = e.keyword === 'additionalProperties' ? 'unknown field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    const key = `${field}:${e.keyword === 'const' || e.keyword === 'anyOf' ? 'union' : message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/** Rules that span fields, which JSON Schema alone cannot say clearly. */
function crossFieldProblems(c: Config): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (c.sip.transport === 'tcp' && !c.lab.allowInsecureSignaling) {
    out.push({ field: 'sip.transport', message: 'tcp is unencrypted; set lab.allowInsecureSignaling to use it in a lab' });
  }
  if (c.media.rtpPortRange.min >= c.media.rtpPortRange.max) {
    out.push({ field: 'media.rtpPortRange', message: 'min must be below max' });
  }
  const ids = new Set<string>();
  c.rooms.meetings.forEach((m, i) => {
    if (ids.has(m.id)) out.push({ field: `rooms.meetings.${i}.id`, message: `duplicate meeting id "${m.id}"` });
    ids.add(m.id);
  });
  if (c.hardware.mode === 'pi' && c.media.video.display === 'counter') {
    out.push({ field: 'media.video.display', message: 'counter is a simulation sink; use kms, wayland or auto on a unit' });
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/**
 * Validates raw config (already parsed from JSON/YAML), fills defaults and returns a
 * deeply frozen copy. Throws E_CONFIG_INVALID naming every bad field.
 */
export function validateConfig(raw: unknown): AppConfig {
  const copy: unknown = raw === undefined ? undefined : structuredClone(raw);
  if (!validateSchema(copy)) {
    const problems = problemsOf(validateSchema.errors ?? []);
    throw configError(problems);
  }
  const cross = crossFieldProblems(copy);
  if (cross.length > 0) throw configError(cross);
  return deepFreeze(copy) as AppConfig;
}

function configError(problems: ConfigProblem[]): ApplianceError {
  const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new ApplianceError('E_CONFIG_INVALID', `Invalid configuration: ${summary}`, { problems, field: problems[0]?.field });
}
