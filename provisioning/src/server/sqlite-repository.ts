import Database from 'better-sqlite3';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import {
  FLEET_SCHEMA_STATEMENTS, MEETINGS_PER_WARD_WEEK, SELECT_UNIT, SELECT_UNITS_WITH_STATE, UPSERT_STATE, UPSERT_UNIT,
  unitFromRow, unitWithStateFromRow, type UnitRow, type UnitStateRow,
} from './schema-sql.js';
import {
  meetingRow, stateOf,
  type ApplyReportRecord, type EnrollInput, type EnrollOutcome, type FleetRepository, type HeartbeatInput,
  type StoredBundle, type UnitPlacement, type UnitRecord, type UnitWithState, type WardWeek,
} from './repository.js';

/** The shared SQL numbers its parameters $1, $2...; SQLite binds those by name. */
const params = (...values: unknown[]): Record<string, unknown> => Object.fromEntries(values.map((v, i) => [String(i + 1), v]));

/** The embedded default: one SQLite file (WAL), or ':memory:' for tests. */
export class SqliteFleetRepository implements FleetRepository {
  private readonly db: Database.Database;
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly checkpointer: SqliteCheckpointer | undefined;

  constructor(path: string, options: { checkpointIntervalMs?: number } = {}) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a power cut can lose the last heartbeats, never corrupt the file.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    if (path !== ':memory:' && path !== '') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new SqliteCheckpointer(path, options.checkpointIntervalMs);
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<void> {
    this.db.transaction(() => {
      for (const sql of FLEET_SCHEMA_STATEMENTS) this.db.exec(sql);
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.checkpointer?.stop();
    this.db.close();
  }

  async upsertUnit(u: UnitPlacement, now: Date): Promise<void> {
    this.stmt(UPSERT_UNIT).run(params(u.serial, u.name, u.site, u.ward, u.room, u.bed, now.toISOString()));
  }

  async getUnit(serial: string): Promise<UnitRecord | undefined> {
    const row = this.stmt(SELECT_UNIT).get(params(serial)) as UnitRow | undefined;
    return row ? unitFromRow(row) : undefined;
  }

  async listUnits(): Promise<UnitWithState[]> {
    return (this.stmt(SELECT_UNITS_WITH_STATE).all() as UnitStateRow[]).map(unitWithStateFromRow);
  }

  async addEnrollmentToken(serial: string, tokenHash: string, expiresAt: Date, now: Date): Promise<void> {
    this.stmt('INSERT INTO enrollment_tokens (token_hash, serial, created_at, expires_at) VALUES ($1, $2, $3, $4)')
      .run(params(tokenHash, serial, now.toISOString(), expiresAt.toISOString()));
  }

  async enroll(i: EnrollInput): Promise<EnrollOutcome> {
    const now = i.now.toISOString();
    return this.db.transaction((): EnrollOutcome => {
      const token = this.stmt('SELECT serial, expires_at, used_at FROM enrollment_tokens WHERE token_hash = $1')
        .get(params(i.tokenHash)) as { serial: string; expires_at: string; used_at: string | null } | undefined;
      if (!token || token.serial !== i.serial || token.used_at !== null || token.expires_at <= now) return 'token-refused';
      const unit = this.stmt('SELECT revoked_at FROM units WHERE serial = $1').get(params(i.serial)) as { revoked_at: string | null } | undefined;
      if (!unit) return 'token-refused';
      if (unit.revoked_at !== null) return 'revoked';
      this.stmt('UPDATE enrollment_tokens SET used_at = $1 WHERE token_hash = $2').run(params(now, i.tokenHash));
      this.stmt('UPDATE units SET signing_key = $1, encryption_key = $2, enrolled_at = $3 WHERE serial = $4')
        .run(params(i.signingKey, i.encryptionKey, now, i.serial));
      return 'enrolled';
    }).immediate();
  }

  async revoke(serial: string, now: Date): Promise<boolean> {
    const r = this.stmt('UPDATE units SET revoked_at = COALESCE(revoked_at, $1) WHERE serial = $2').run(params(now.toISOString(), serial));
    return r.changes > 0;
  }

  async getBundle(serial: string): Promise<StoredBundle | undefined> {
    const row = this.stmt('SELECT serial, version, json FROM bundles WHERE serial = $1').get(params(serial)) as
      { serial: string; version: number; json: string } | undefined;
    return row ? { serial: row.serial, version: Number(row.version), json: row.json } : undefined;
  }

  async putBundle(b: StoredBundle, now: Date): Promise<'stored' | 'not-newer'> {
    const r = this.stmt(`INSERT INTO bundles (serial, version, json, stored_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (serial) DO UPDATE SET version = excluded.version, json = excluded.json, stored_at = excluded.stored_at
      WHERE excluded.version > bundles.version`).run(params(b.serial, b.version, b.json, now.toISOString()));
    return r.changes > 0 ? 'stored' : 'not-newer';
  }

  async recordHeartbeat(i: HeartbeatInput): Promise<string[]> {
    const state = JSON.stringify(stateOf(i.heartbeat));
    const upsert = this.stmt(UPSERT_STATE);
    const insertMeeting = this.stmt(`INSERT INTO meetings (serial, id, site, ward, week, duration_seconds, source, started_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (serial, id) DO NOTHING`);
    this.db.transaction(() => {
      upsert.run(params(i.unit.serial, i.sentAt.toISOString(), i.receivedAt.toISOString(), state));
      for (const m of i.heartbeat.meetings) insertMeeting.run(params(...meetingRow(i.unit, m)));
    })();
    return i.heartbeat.meetings.map((m) => m.id);
  }

  async recordApplyReport(r: ApplyReportRecord): Promise<void> {
    this.stmt('INSERT INTO apply_reports (serial, at, version, outcome, code, message) VALUES ($1, $2, $3, $4, $5, $6)')
      .run(params(r.serial, r.at.toISOString(), r.version, r.outcome, r.code, r.message));
  }

  async latestApplyReports(serial: string, limit: number): Promise<ApplyReportRecord[]> {
    const rows = this.stmt('SELECT serial, at, version, outcome, code, message FROM apply_reports WHERE serial = $1 ORDER BY at DESC, version DESC LIMIT $2')
      .all(params(serial, limit)) as Array<{ serial: string; at: string; version: number; outcome: string; code: string | null; message: string | null }>;
    return rows.map((r) => ({ ...r, version: Number(r.version), at: new Date(r.at) }));
  }

  async meetingsPerWardWeek(): Promise<WardWeek[]> {
    const rows = this.stmt(MEETINGS_PER_WARD_WEEK).all() as Array<{ site: string; ward: string; week: string; meetings: number; total_seconds: number }>;
    return rows.map((r) => ({ site: r.site, ward: r.ward, week: r.week, meetings: Number(r.meetings), totalSeconds: Number(r.total_seconds) }));
  }
}
