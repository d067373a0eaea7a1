import type { Heartbeat, MeetingReport } from '../../../appliance/src/fleet/protocol.js';

/**
 * Everything the fleet server stores, behind one interface with two adapters: SQLite
 * (embedded default) and PostgreSQL. Both run the same test suite. Nothing here holds a
 * secret in the clear: enrollment tokens are stored as SHA-256 hashes, bundles carry their
 * secrets encrypted to the unit, heartbeats carry no patient data.
 */

/** Where a unit stands and what staff call it. */
export interface UnitPlacement {
  serial: string;
  name: string;
  site: string;
  ward: string;
  room: string;
  bed: string;
}

export interface UnitRecord extends UnitPlacement {
  createdAt: string;
  /** Ed25519 SPKI PEM the unit signs requests with; null until it enrolls. */
  signingKey: string | null;
  /** X25519 SPKI PEM the bundles' secrets are encrypted to; null until it enrolls. */
  encryptionKey: string | null;
  enrolledAt: string | null;
  revokedAt: string | null;
  /** Highest bundle version stored for the unit (0 = none). */
  bundleVersion: number;
}

/** The latest heartbeat of a unit, meetings left out (they go to their own table). */
export type UnitState = Omit<Heartbeat, 'meetings'>;

export interface UnitWithState extends UnitRecord {
  /** When the server received the latest heartbeat; null if it never sent one. */
  lastSeenAt: string | null;
  state: UnitState | null;
}

export interface StoredBundle {
  serial: string;
  version: number;
  /** The bundle exactly as IT uploaded it (its signature covers the canonical form). */
  json: string;
}

export type EnrollOutcome = 'enrolled' | 'token-refused' | 'revoked';

export interface EnrollInput {
  serial: string;
  tokenHash: string;
  signingKey: string;
  encryptionKey: string;
  now: Date;
}

export interface HeartbeatInput {
  /** The unit as stored when the request was authenticated: its meetings count for its ward. */
  unit: UnitPlacement;
  /** The signed request date: a replayed older heartbeat never overwrites a newer state. */
  sentAt: Date;
  receivedAt: Date;
  heartbeat: Heartbeat;
}

export interface WardWeek {
  site: string;
  ward: string;
  /** ISO 8601 week, e.g. 2025-W07. */
  week: string;
  meetings: number;
  totalSeconds: number;
}

export interface ApplyReportRecord {
  serial: string;
  version: number;
  outcome: string;
  code: string | null;
  message: string | null;
  at: Date;
}

export interface FleetRepository {
  /** Creates the tables when missing. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Adds a unit, or updates the placement of an existing one (keys untouched). */
  upsertUnit(unit: UnitPlacement, now: Date): Promise<void>;
  getUnit(serial: string): Promise<UnitRecord | undefined>;
  listUnits(): Promise<UnitWithState[]>;
  /** Stores a one-time token (its hash) for a unit, valid until expiresAt. */
  addEnrollmentToken(serial: string, tokenHash: string, expiresAt: Date, now: Date): Promise<void>;
  /**
   * In one transaction: the token must belong to this serial, be unused and unexpired; it
   * is then marked used and the keys registered (a re-enrollment replaces the keys).
   */
  enroll(input: EnrollInput): Promise<EnrollOutcome>;
  /** false when there is no such unit. */
  revoke(serial: string, now: Date): Promise<boolean>;
  getBundle(serial: string): Promise<StoredBundle | undefined>;
  /** Stores the bundle only when its version is above the stored one; 'not-newer' otherwise. */
  putBundle(bundle: StoredBundle, now: Date): Promise<'stored' | 'not-newer'>;
  /**
   * Keeps the newest state per unit and inserts the meetings, deduplicated by (unit,
   * meeting id). Returns the ids of the heartbeat's meetings that are now stored (new or
   * already there), so the unit can drop them from its outbox.
   */
  recordHeartbeat(input: HeartbeatInput): Promise<string[]>;
  recordApplyReport(report: ApplyReportRecord): Promise<void>;
  latestApplyReports(serial: string, limit: number): Promise<ApplyReportRecord[]>;
  meetingsPerWardWeek(): Promise<WardWeek[]>;
}

/** ISO 8601 week of a date (UTC): the week with the year's first Thursday is week 1. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The columns a meeting row gets: the unit's placement at the time, and its ISO week. */
export function meetingRow(unit: UnitPlacement, m: MeetingReport): [string, string, string, string, string, number, string, string] {
  return [unit.serial, m.id, unit.site, unit.ward, isoWeek(new Date(m.startedAt)), m.durationSeconds, m.source, new Date(m.startedAt).toISOString()];
}

export function stateOf(heartbeat: Heartbeat): UnitState {
  const { meetings: _meetings, ...state } = heartbeat;
  return state;
}
