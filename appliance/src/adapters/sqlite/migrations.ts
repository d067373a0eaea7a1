/** Schema versions, applied in order; user_version records how many ran. Never edit a shipped entry. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL
   );
   -- The event log is append-only: the database refuses edits and deletes.
   CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
   CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
   CREATE TABLE calls (
     id TEXT PRIMARY KEY,
     room_uri TEXT NOT NULL,
     source TEXT NOT NULL,
     meeting_id TEXT,
     started_at INTEGER NOT NULL,
     established_at INTEGER,
     ended_at INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     end_reason TEXT NOT NULL,
     error_code TEXT,
     audio_codec TEXT,
     video_codec TEXT,
     packets_lost INTEGER,
     jitter_ms REAL
   );
   CREATE INDEX calls_ended_at ON calls (ended_at);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];
