import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApplianceError } from '../../core/errors.js';
import type { CallRecord, EventRecord, Store } from '../../ports/store.js';
import { MIGRATIONS } from './migrations.js';

type Db = InstanceType<typeof Database>;

/** better-sqlite3 in WAL mode: an append-only event log, a calls table, per-unit settings. */
export class SqliteStore implements Store {
  private db: Db | null = null;

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    if (this.db) return;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      this.db = db;
    } catch (e) {
      throw new ApplianceError('E_STORE', `Cannot open store ${this.path}: ${(e as Error).message}`, { path: this.path }, { cause: e });
    }
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  appendEvent(type: string, data: Record<string, unknown> = {}, at: number = Date.now()): void {
    this.open().prepare('INSERT INTO events (at, type, data) VALUES (?, ?, ?)').run(at, type, JSON.stringify(data));
  }

  recordCall(c: CallRecord): void {
    this.open().prepare(`INSERT INTO calls (id, room_uri, source, meeting_id, started_at, established_at, ended_at,
      duration_ms, end_reason, error_code, audio_codec, video_codec, packets_lost, jitter_ms)
      VALUES (@id, @roomUri, @source, @meetingId, @startedAt, @establishedAt, @endedAt,
      @durationMs, @endReason, @errorCode, @audioCodec, @videoCodec, @packetsLost, @jitterMs)`)
      .run({ ...c, durationMs: c.establishedAt === null ? 0 : c.endedAt - c.establishedAt });
  }

  recentCalls(limit: number): CallRecord[] {
    const rows = this.open().prepare('SELECT * FROM calls ORDER BY ended_at DESC, rowid DESC LIMIT ?').all(limit) as CallRow[];
    return rows.map(rowToCall);
  }

  recentEvents(limit: number): EventRecord[] {
    const rows = this.open().prepare('SELECT at, type, data FROM events ORDER BY id DESC LIMIT ?').all(limit) as { at: number; type: string; data: string }[];
    return rows.map((r) => ({ at: r.at, type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.open().prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.open().prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  private open(): Db {
    if (!this.db) throw new ApplianceError('E_STORE', 'Store is not started');
    return this.db;
  }
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

interface CallRow {
  id: string; room_uri: string; source: CallRecord['source']; meeting_id: string | null;
  started_at: number; established_at: number | null; ended_at: number; end_reason: CallRecord['endReason'];
  error_code: string | null; audio_codec: string | null; video_codec: string | null;
  packets_lost: number | null; jitter_ms: number | null;
}

function rowToCall(r: CallRow): CallRecord {
  return {
    id: r.id, roomUri: r.room_uri, source: r.source, meetingId: r.meeting_id, startedAt: r.started_at,
    establishedAt: r.established_at, endedAt: r.ended_at, endReason: r.end_reason, errorCode: r.error_code,
    audioCodec: r.audio_codec, videoCodec: r.video_codec, packetsLost: r.packets_lost, jitterMs: r.jitter_ms,
  };
}
