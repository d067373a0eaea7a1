import type { UnitRecord, UnitWithState } from './repository.js';

/**
 * The fleet tables, one definition for both adapters: the SQL below is the common subset
 * SQLite and PostgreSQL both accept. Times are ISO 8601 UTC strings (toISOString), which
 * sort and compare as text in both databases.
 */
export const FLEET_SCHEMA_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS units (
    serial TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    site TEXT NOT NULL,
    ward TEXT NOT NULL,
    room TEXT NOT NULL,
    bed TEXT NOT NULL,
    created_at TEXT NOT NULL,
    signing_key TEXT,
    encryption_key TEXT,
    enrolled_at TEXT,
    revoked_at TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS enrollment_tokens (
    token_hash TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES units(serial),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS bundles (
    serial TEXT PRIMARY KEY REFERENCES units(serial),
    version BIGINT NOT NULL,
    json TEXT NOT NULL,
    stored_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS unit_state (
    serial TEXT PRIMARY KEY REFERENCES units(serial),
    sent_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS meetings (
    serial TEXT NOT NULL REFERENCES units(serial),
    id TEXT NOT NULL,
    site TEXT NOT NULL,
    ward TEXT NOT NULL,
    week TEXT NOT NULL,
    duration_seconds INTEGER NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    PRIMARY KEY (serial, id)
  )`,
  'CREATE INDEX IF NOT EXISTS meetings_by_ward_week ON meetings (site, ward, week)',
  `CREATE TABLE IF NOT EXISTS apply_reports (
    serial TEXT NOT NULL REFERENCES units(serial),
    at TEXT NOT NULL,
    version BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    code TEXT,
    message TEXT
  )`,
  'CREATE INDEX IF NOT EXISTS apply_reports_by_unit ON apply_reports (serial, at)',
];

/** Row shapes as both drivers return them (PostgreSQL BIGINT comes back as text). */
export interface UnitRow {
  serial: string; name: string; site: string; ward: string; room: string; bed: string;
  created_at: string; signing_key: string | null; encryption_key: string | null;
  enrolled_at: string | null; revoked_at: string | null; bundle_version: number | string | null;
}

export interface UnitStateRow extends UnitRow {
  received_at: string | null;
  state: string | null;
}

export const UNIT_COLUMNS = `u.serial, u.name, u.site, u.ward, u.room, u.bed, u.created_at, u.signing_key,
  u.encryption_key, u.enrolled_at, u.revoked_at, b.version AS bundle_version`;

export const SELECT_UNIT = `SELECT ${UNIT_COLUMNS} FROM units u LEFT JOIN bundles b ON b.serial = u.serial WHERE u.serial = $1`;

export const SELECT_UNITS_WITH_STATE = `SELECT ${UNIT_COLUMNS}, s.received_at, s.state
  FROM units u LEFT JOIN bundles b ON b.serial = u.serial LEFT JOIN unit_state s ON s.serial = u.serial
  ORDER BY u.site, u.ward, u.room, u.bed, u.serial`;

export const UPSERT_UNIT = `INSERT INTO units (serial, name, site, ward, room, bed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (serial) DO UPDATE SET name = excluded.name, site = excluded.site, ward = excluded.ward,
  room = excluded.room, bed = excluded.bed`;

export const UPSERT_STATE = `INSERT INTO unit_state (serial, sent_at, received_at, state) VALUES ($1, $2, $3, $4)
  ON CONFLICT (serial) DO UPDATE SET sent_at = excluded.sent_at, received_at = excluded.received_at, state = excluded.state
  WHERE excluded.sent_at >= unit_state.sent_at`;

export const MEETINGS_PER_WARD_WEEK = `SELECT site, ward, week, COUNT(*) AS meetings, SUM(duration_seconds) AS total_seconds
  FROM meetings GROUP BY site, ward, week ORDER BY week DESC, site, ward`;


export function unitFromRow(r: UnitRow): UnitRecord {
  return {
    serial: r.serial, name: r.name, site: r.site, ward: r.ward, room: r.room, bed: r.bed, createdAt: r.created_at,
    signingKey: r.signing_key, encryptionKey: r.encryption_key, enrolledAt: r.enrolled_at, revokedAt: r.revoked_at,
    bundleVersion: r.bundle_version === null ? 0 : Number(r.bundle_version),
  };
}

export function unitWithStateFromRow(r: UnitStateRow): UnitWithState {
  return { ...unitFromRow(r), lastSeenAt: r.received_at, state: r.state === null ? null : JSON.parse(r.state) as UnitWithState['state'] };
}
