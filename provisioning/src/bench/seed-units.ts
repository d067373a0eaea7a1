import Database from 'better-sqlite3';
import pg from 'pg';
import { openRepository, type StorageConfig } from '../server/open-repository.js';

/**
 * Puts N already-enrolled units straight into a fleet store, in one transaction, for the
 * benchmark (enrolling 10,000 units over the API, one commit each, would take minutes
 * with PostgreSQL's synchronous commits and measures nothing the benchmark is about).
 */
export interface SeedUnit { serial: string; ward: string; signingKeyPem: string }

/** The state a running unit left with its last heartbeat, so the benchmark measures steady-state updates. */
const STATE = JSON.stringify({
  v: 1, softwareVersion: '0.3.0', bundleVersion: 1, uptimeSeconds: 60, callState: 'idle',
  devices: { camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'ok', ioBoard: 'ok' },
  registration: 'registered', faults: [], lastSelfTest: null,
});

const COLUMNS = ['serial', 'name', 'site', 'ward', 'room', 'bed', 'created_at', 'signing_key', 'encryption_key', 'enrolled_at'];

function row(u: SeedUnit, encryptionKey: string, now: string): unknown[] {
  return [u.serial, `${u.ward} ${u.serial}`, 'Bench Hospital', u.ward, '1', '1', now, u.signingKeyPem, encryptionKey, now];
}

export async function seedEnrolledUnits(storage: StorageConfig, units: readonly SeedUnit[], encryptionKey: string): Promise<void> {
  await (await openRepository(storage)).close(); // creates the tables
  const now = new Date().toISOString();
  if (storage.kind === 'sqlite') {
    const db = new Database(storage.path);
    try {
      const insert = db.prepare(`INSERT INTO units (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
      const state = db.prepare('INSERT INTO unit_state (serial, sent_at, received_at, state) VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        for (const u of units) {
          insert.run(...row(u, encryptionKey, now));
          state.run(u.serial, now, now, STATE);
        }
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: storage.connectionString });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < units.length; i += 500) {
      const batch = units.slice(i, i + 500);
      const values = batch.map((_, r) => `(${COLUMNS.map((_c, k) => `$${r * COLUMNS.length + k + 1}`).join(', ')})`).join(', ');
      await client.query(`INSERT INTO units (${COLUMNS.join(', ')}) VALUES ${values}`, batch.flatMap((u) => row(u, encryptionKey, now)));
      const stateParam = `$${batch.length + 2}`;
      await client.query(`INSERT INTO unit_state (serial, sent_at, received_at, state) VALUES ${batch.map((_, r) => `($${r + 1}, $${batch.length + 1}, $${batch.length + 1}, ${stateParam})`).join(', ')}`,
        [...batch.map((u) => u.serial), now, STATE]);
    }
    await client.query('COMMIT');
    // Start from a steady state: statistics current, dead tuples gone, dirty pages written.
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
