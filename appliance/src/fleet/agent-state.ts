import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ApplianceError } from '../core/errors.js';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import { ApplyReportSchema } from './protocol.js';

/** What the agent remembers across restarts (state.json in the state dir; no secrets in it). */
export const AgentStateSchema = Type.Object({
  enrollment: Type.Union([Type.Null(), Type.Object({
    serial: Type.String(),
    /** Pinned at enrollment: every bundle must verify against it. */
    fleetPublicKey: Type.String(),
    enrolledAt: Type.String(),
    heartbeatIntervalSeconds: Type.Integer({ minimum: 1 }),
    pollIntervalSeconds: Type.Integer({ minimum: 1 }),
  }, { additionalProperties: false })]),
  appliedVersion: Type.Integer({ minimum: 0 }),
  /** The ETag sent as If-None-Match: the last bundle seen, applied or refused. */
  etag: Type.Union([Type.String(), Type.Null()]),
  /** A version refused or rolled back: not tried again (a fixed bundle gets a new version). */
  refusedVersion: Type.Integer({ minimum: 0 }),
  /** Applied but not yet confirmed by its checks (set before a restart onto it). */
  pending: Type.Union([Type.Null(), Type.Object({
    version: Type.Integer({ minimum: 1 }),
    previousVersion: Type.Integer({ minimum: 0 }),
    /** Boots attempted on it; too many means it does not start: roll back before booting. */
    boots: Type.Integer({ minimum: 0 }),
  }, { additionalProperties: false })]),
  /** Apply reports not yet delivered. */
  reports: Type.Array(ApplyReportSchema, { maxItems: 50 }),
  /** When the server answered E_UNIT_REVOKED: revocation is final, so the agent stops asking. */
  revokedAt: Type.Optional(Type.String()),
}, { additionalProperties: false });
export type AgentState = Static<typeof AgentStateSchema>;

const check = new Ajv({ strict: true }).compile<AgentState>(AgentStateSchema);

export const INITIAL_STATE: AgentState = Object.freeze({ enrollment: null, appliedVersion: 0, etag: null, refusedVersion: 0, pending: null, reports: [] }) as AgentState;

export function statePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

export function loadAgentState(stateDir: string): AgentState {
  let raw: unknown;
  try {
    raw = readJsonFile(statePath(stateDir));
  } catch (e) {
    throw new ApplianceError('E_FLEET_STATE', `cannot read ${statePath(stateDir)}: ${(e as Error).message}`, {}, { cause: e });
  }
  if (raw === undefined) return structuredClone(INITIAL_STATE);
  if (!check(raw)) throw new ApplianceError('E_FLEET_STATE', `${statePath(stateDir)} is malformed`);
  return raw;
}

export function saveAgentState(stateDir: string, state: AgentState): void {
  try {
    writeFileAtomic(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  } catch (e) {
    throw new ApplianceError('E_FLEET_STATE', `cannot write ${statePath(stateDir)}: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** Queues a report, keeping the newest when the queue is full. */
export function queueReport(state: AgentState, report: Static<typeof ApplyReportSchema>): void {
  state.reports.push(report);
  if (state.reports.length > 50) state.reports.splice(0, state.reports.length - 50);
}
