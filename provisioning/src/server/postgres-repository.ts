import pg from 'pg';
import {
  FLEET_SCHEMA_STATEMENTS, MEETINGS_PER_WARD_WEEK, SELECT_UNIT, SELECT_UNITS_WITH_STATE, UPSERT_STATE, UPSERT_UNIT,
  unitFromRow, unitWithStateFromRow, type UnitRow, type UnitStateRow,
} from './schema-sql.js';
import {
  meetingRow, stateOf,
  type ApplyReportRecord, type EnrollInput, type EnrollOutcome, type FleetRepository, type HeartbeatInput,
  type StoredBundle, type UnitPlacement, type UnitRecord, type UnitWithState, type WardWeek,
} from './repository.js';

export interface PostgresOptions {
  connectionString: string;
  /** Pool size; 10 by default. */
  max?: number;
}

/** PostgreSQL, when a connection string is configured (larger fleets, a shared server). */
export class PostgresFleetRepository implements FleetRepository {
  private readonly pool: pg.Pool;
  /**
   * Reads, and the latest-state upsert of a heartbeat without meetings: synchronous_commit
   * off, so that upsert does not wait for the WAL flush. Losing the last moments of such
   * upserts in a database crash loses nothing (the next heartbeat carries the same state,
   * and the data stays consistent). Everything the server acknowledges to someone
   * (meetings, enrollments, bundles, revocations) is written through the durable pool. Two
   * pools also keep reads from queueing behind commits that wait for a slow disk.
   */
  private readonly statePool: pg.Pool;
  private closed = false;

  constructor(options: PostgresOptions) {
    const max = options.max ?? 10;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max });
    this.statePool = new pg.Pool({ connectionString: options.connectionString, max, options: '-c synchronous_commit=off' });
    // An idle client losing its connection must not crash the server; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.statePool.on('error', () => undefined);
  }

  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      // Two servers starting at once must not race on CREATE TABLE IF NOT EXISTS.
      await c.query('SELECT pg_advisory_xact_lock(7406201)');
      for (const sql of FLEET_SCHEMA_STATEMENTS) await c.query(sql);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.statePool.end()]);
  }

  async upsertUnit(u: UnitPlacement, now: Date): Promise<void> {
    await this.pool.query(UPSERT_UNIT, [u.serial, u.name, u.site, u.ward, u.room, u.bed, now.toISOString()]);
  }

  async getUnit(serial: string): Promise<UnitRecord | undefined> {
    const r = await this.statePool.query<UnitRow>({ name: 'fleet-get-unit', text: SELECT_UNIT, values: [serial] });
    const row = r.rows[0];
    return row ? unitFromRow(row) : undefined;
  }

  async listUnits(): Promise<UnitWithState[]> {
    return (await this.statePool.query<UnitStateRow>(SELECT_UNITS_WITH_STATE)).rows.map(unitWithStateFromRow);
  }

  async addEnrollmentToken(serial: string, tokenHash: string, expiresAt: Date, now: Date): Promise<void> {
    await this.pool.query('INSERT INTO enrollment_tokens (token_hash, serial, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [tokenHash, serial, now.toISOString(), expiresAt.toISOString()]);
  }

  async enroll(i: EnrollInput): Promise<EnrollOutcome> {
    const now = i.now.toISOString();
    return this.tx(async (c): Promise<EnrollOutcome> => {
      const t = (await c.query<{ serial: string; expires_at: string; used_at: string | null }>(
        'SELECT serial, expires_at, used_at FROM enrollment_tokens WHERE token_hash = $1 FOR UPDATE', [i.tokenHash])).rows[0];
      if (!t || t.serial !== i.serial || t.used_at !== null || t.expires_at <= now) return 'token-refused';
      const unit = (await c.query<{ revoked_at: string | null }>('SELECT revoked_at FROM units WHERE serial = $1 FOR UPDATE', [i.serial])).rows[0];
      if (!unit) return 'token-refused';
      if (unit.revoked_at !== null) return 'revoked';
      await c.query('UPDATE enrollment_tokens SET used_at = $1 WHERE token_hash = $2', [now, i.tokenHash]);
      await c.query('UPDATE units SET signing_key = $1, encryption_key = $2, enrolled_at = $3 WHERE serial = $4',
        [i.signingKey, i.encryptionKey, now, i.serial]);
      return 'enrolled';
    });
  }

  async revoke(serial: string, now: Date): Promise<boolean> {
    const r = await this.pool.query('UPDATE units SET revoked_at = COALESCE(revoked_at, $1) WHERE serial = $2', [now.toISOString(), serial]);
    return (r.rowCount ?? 0) > 0;
  }

  async getBundle(serial: string): Promise<StoredBundle | undefined> {
    const row = (await this.statePool.query<{ serial: string; version: string; json: string }>(
      { name: 'fleet-get-bundle', text: 'SELECT serial, version, json FROM bundles WHERE serial = $1', values: [serial] })).rows[0];
    return row ? { serial: row.serial, version: Number(row.version), json: row.json } : undefined;
  }

  async putBundle(b: StoredBundle, now: Date): Promise<'stored' | 'not-newer'> {
    const r = await this.pool.query(`INSERT INTO bundles (serial, version, json, stored_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (serial) DO UPDATE SET version = excluded.version, json = excluded.json, stored_at = excluded.stored_at
      WHERE excluded.version > bundles.version`, [b.serial, b.version, b.json, now.toISOString()]);
    return (r.rowCount ?? 0) > 0 ? 'stored' : 'not-newer';
  }

  async recordHeartbeat(i: HeartbeatInput): Promise<string[]> {
    const stateValues = [i.unit.serial, i.sentAt.toISOString(), i.receivedAt.toISOString(), JSON.stringify(stateOf(i.heartbeat))];
    if (i.heartbeat.meetings.length === 0) {
      // The common case: one statement, no explicit transaction, no wait for the WAL flush.
      await this.statePool.query({ name: 'fleet-upsert-state', text: UPSERT_STATE, values: stateValues });
      return [];
    }
    await this.tx(async (c) => {
      await c.query({ name: 'fleet-upsert-state', text: UPSERT_STATE, values: stateValues });
      const rows = i.heartbeat.meetings.map((m) => meetingRow(i.unit, m));
      const placeholders = rows.map((_, r) => `(${Array.from({ length: 8 }, (_x, k) => `$${r * 8 + k + 1}`).join(', ')})`).join(', ');
      await c.query(`INSERT INTO meetings (serial, id, site, ward, week, duration_seconds, source, started_at)
        VALUES ${placeholders} ON CONFLICT (serial, id) DO NOTHING`, rows.flat());
    });
    return i.heartbeat.meetings.map((m) => m.id);
  }

  async recordApplyReport(r: ApplyReportRecord): Promise<void> {
    await this.pool.query('INSERT INTO apply_reports (serial, at, version, outcome, code, message) VALUES ($1, $2, $3, $4, $5, $6)',
      [r.serial, r.at.toISOString(), r.version, r.outcome, r.code, r.message]);
  }

  async latestApplyReports(serial: string, limit: number): Promise<ApplyReportRecord[]> {
    const rows = (await this.statePool.query<{ serial: string; at: string; version: string; outcome: string; code: string | null; message: string | null }>(
      'SELECT serial, at, version, outcome, code, message FROM apply_reports WHERE serial = $1 ORDER BY at DESC, version DESC LIMIT $2',
      [serial, limit])).rows;
    return rows.map((r) => ({ ...r, version: Number(r.version), at: new Date(r.at) }));
  }

  async meetingsPerWardWeek(): Promise<WardWeek[]> {
    const rows = (await this.statePool.query<{ site: string; ward: string; week: string; meetings: string; total_seconds: string }>(MEETINGS_PER_WARD_WEEK)).rows;
    return rows.map((r) => ({ site: r.site, ward: r.ward, week: r.week, meetings: Number(r.meetings), totalSeconds: Number(r.total_seconds) }));
  }
}
