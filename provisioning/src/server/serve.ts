import type { FastifyInstance } from 'fastify';
import { build } from './app.js';
import { openRepository, type StorageConfig } from './open-repository.js';

export interface ServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  fleetPublicKey: string;
  itToken: string;
  storage: StorageConfig;
  /** Units reach the server over HTTPS: give the certificate here, or put a TLS proxy in front. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  heartbeatIntervalSeconds?: number;
  pollIntervalSeconds?: number;
  offlineAfterSeconds?: number;
  enrollTokenTtlHours?: number;
  /** See FleetServerDeps.unitCacheTtlMs. */
  unitCacheTtlMs?: number;
  /** Request log (pino JSON on stdout) at info; secrets are redacted. */
  log?: boolean;
}

export interface RunningFleetServer {
  url: string;
  storage: 'sqlite' | 'postgres';
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Opens the storage (creating tables), builds the app and listens. */
export async function startFleetServer(o: ServeOptions): Promise<RunningFleetServer> {
  const repo = await openRepository(o.storage);
  let app: FastifyInstance;
  try {
    app = build({
      repo, fleetPublicKey: o.fleetPublicKey, itToken: o.itToken, https: o.tls ?? null,
      logger: o.log ? { level: 'info' } : false,
      ...(o.heartbeatIntervalSeconds ? { heartbeatIntervalSeconds: o.heartbeatIntervalSeconds } : {}),
      ...(o.pollIntervalSeconds ? { pollIntervalSeconds: o.pollIntervalSeconds } : {}),
      ...(o.offlineAfterSeconds ? { offlineAfterSeconds: o.offlineAfterSeconds } : {}),
      ...(o.enrollTokenTtlHours ? { enrollTokenTtlHours: o.enrollTokenTtlHours } : {}),
      ...(o.unitCacheTtlMs === undefined ? {} : { unitCacheTtlMs: o.unitCacheTtlMs }),
    });
    await app.listen({ host: o.host, port: o.port });
  } catch (e) {
    await repo.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  let closed = false;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${port}`,
    storage: o.storage.kind,
    app,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await repo.close();
    },
  };
}
