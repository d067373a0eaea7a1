import { afterAll, beforeAll } from 'vitest';
import { postgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../../src/bench/private-postgres.js';
import type { FleetRepository } from '../../src/server/repository.js';
import { SqliteFleetRepository } from '../../src/server/sqlite-repository.js';
import { PostgresFleetRepository } from '../../src/server/postgres-repository.js';

/**
 * The two storage adapters, for suites that run the same tests against both. PostgreSQL is
 * a private cluster started once per test file and stopped after it; each repository gets
 * its own fresh database.
 */
export interface AdapterUnderTest {
  name: 'sqlite' | 'postgres';
  open(): Promise<FleetRepository>;
}

let cluster: PrivatePostgres | undefined;
let dbCount = 0;

export function useAdapters(): AdapterUnderTest[] {
  const opened: FleetRepository[] = [];
  beforeAll(async () => {
    if (!postgresAvailable()) throw new Error('PostgreSQL 15 is not installed: run scripts/install-debian-packages.sh');
    cluster = await startPrivatePostgres({ settings: { fsync: 'off' } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((r) => r.close()));
    await cluster?.stop();
    cluster = undefined;
  }, 30_000);
  const track = async (r: FleetRepository): Promise<FleetRepository> => {
    opened.push(r);
    await r.migrate();
    return r;
  };
  return [
    { name: 'sqlite', open: () => track(new SqliteFleetRepository(':memory:')) },
    {
      name: 'postgres',
      open: async () => {
        if (!cluster) throw new Error('PostgreSQL cluster not started');
        const url = await cluster.createDatabase(`fleet_test_${process.pid}_${++dbCount}`);
        return track(new PostgresFleetRepository({ connectionString: url, max: 4 }));
      },
    },
  ];
}
