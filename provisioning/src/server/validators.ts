import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type Static } from '@sinclair/typebox';
import { ApplyReportSchema, EnrollRequestSchema, HeartbeatSchema, type ApplyReport, type EnrollRequest, type Heartbeat } from '../../../appliance/src/fleet/protocol.js';

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, removeAdditional: false });
// RFC 3339 date-time with a zone, and a real calendar instant.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => DATE_TIME.test(s) && Number.isFinite(Date.parse(s)) });

const Text = (max: number) => Type.String({ maxLength: max });
/** What IT sends to add a unit (the inventory's placement columns). */
export const NewUnitSchema = Type.Object({
  serial: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  name: Type.String({ minLength: 1, maxLength: 80 }),
  site: Type.String({ minLength: 1, maxLength: 80 }),
  ward: Type.String({ minLength: 1, maxLength: 80 }),
  room: Type.String({ minLength: 1, maxLength: 40 }),
  bed: Type.Optional(Text(40)),
}, { additionalProperties: false });
export type NewUnit = Static<typeof NewUnitSchema>;

export const validateEnroll: ValidateFunction<EnrollRequest> = ajv.compile<EnrollRequest>(EnrollRequestSchema);
export const validateHeartbeat: ValidateFunction<Heartbeat> = ajv.compile<Heartbeat>(HeartbeatSchema);
export const validateApplyReport: ValidateFunction<ApplyReport> = ajv.compile<ApplyReport>(ApplyReportSchema);
export const validateNewUnit: ValidateFunction<NewUnit> = ajv.compile<NewUnit>(NewUnitSchema);

/** Every schema problem, one per line: "/devices/camera must be equal to one of the allowed values". */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || '(root)';
    if (e.keyword === 'additionalProperties') return `${where} has unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
}
