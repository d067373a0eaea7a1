import type { FleetRepository } from './repository.js';
import { SqliteFleetRepository } from './sqlite-repository.js';
import { PostgresFleetRepository } from './postgres-repository.js';

export type StorageConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; connectionString: string; poolSize?: number };

/** SQLite unless a PostgreSQL connection string is configured; tables created if missing. */
export async function openRepository(storage: StorageConfig): Promise<FleetRepository> {
  const repo = storage.kind === 'postgres'
    ? new PostgresFleetRepository({ connectionString: storage.connectionString, ...(storage.poolSize ? { max: storage.poolSize } : {}) })
    : new SqliteFleetRepository(storage.path);
  try {
    await repo.migrate();
  } catch (e) {
    await repo.close().catch(() => undefined);
    throw e;
  }
  return repo;
}
