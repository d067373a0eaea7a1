import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundles } from '../build/build-bundles.js';
import { loadInputs } from '../build/load-inputs.js';
import { formatProblem } from '../problems.js';
import { startFleetServer, type ServeOptions } from '../server/serve.js';
import { newItToken } from '../server/tokens.js';
import { runSimUnit } from '../sim/sim-unit.js';
import { FleetApiError, ItClient, readItToken } from './it-client.js';
import { UsageError, need, type Io } from './cli-support.js';

/** `provision it-token`, `serve`, `enroll-token`, `publish`, `revoke`, `sim-unit`: the fleet server side of the CLI. */

export async function itToken(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'it.token' } }, strict: true });
  await writeFile(values.out, `${newItToken()}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(values.out, 0o600);
  io.out(`wrote ${values.out} (0600): the IT token for the fleet server and the provision CLI`);
  return 0;
}

const positiveInt = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a whole number above 0`);
  return n;
};

export async function serveOptionsFrom(args: string[], env: NodeJS.ProcessEnv): Promise<ServeOptions> {
  const { values } = parseArgs({
    args,
    options: {
      'fleet-pub': { type: 'string' }, 'it-token-file': { type: 'string' }, db: { type: 'string' }, 'database-url-file': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8443' },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
      'heartbeat-interval': { type: 'string' }, 'poll-interval': { type: 'string' }, 'offline-after': { type: 'string' }, 'token-ttl-hours': { type: 'string' },
      'unit-cache-seconds': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  // A connection string may hold a password: from a file or the environment, never the command line.
  const dbUrl = values['database-url-file'] ? (await readFile(values['database-url-file'], 'utf8')).trim() : env.FLEET_DATABASE_URL;
  if (dbUrl && values.db) throw new UsageError('give either --db (SQLite) or a PostgreSQL connection string, not both');
  const cache = values['unit-cache-seconds'] === undefined ? undefined : Number(values['unit-cache-seconds']);
  if (cache !== undefined && !(Number.isFinite(cache) && cache >= 0)) throw new UsageError('--unit-cache-seconds must be 0 or more');
  return {
    host: values.host, port,
    ...(cache === undefined ? {} : { unitCacheTtlMs: cache * 1000 }),
    fleetPublicKey: await readFile(need(values, 'fleet-pub'), 'utf8'),
    itToken: await readItToken(need(values, 'it-token-file')),
    storage: dbUrl ? { kind: 'postgres', connectionString: dbUrl } : { kind: 'sqlite', path: values.db ?? 'fleet.db' },
    ...(values['tls-cert'] ? { tls: { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']!) } } : {}),
    ...(positiveInt(values['heartbeat-interval'], 'heartbeat-interval') ? { heartbeatIntervalSeconds: positiveInt(values['heartbeat-interval'], 'heartbeat-interval')! } : {}),
    ...(positiveInt(values['poll-interval'], 'poll-interval') ? { pollIntervalSeconds: positiveInt(values['poll-interval'], 'poll-interval')! } : {}),
    ...(positiveInt(values['offline-after'], 'offline-after') ? { offlineAfterSeconds: positiveInt(values['offline-after'], 'offline-after')! } : {}),
    ...(positiveInt(values['token-ttl-hours'], 'token-ttl-hours') ? { enrollTokenTtlHours: positiveInt(values['token-ttl-hours'], 'token-ttl-hours')! } : {}),
    log: true,
  };
}

export async function serve(args: string[], io: Io): Promise<number> {
  const options = await serveOptionsFrom(args, process.env);
  let server: Awaited<ReturnType<typeof startFleetServer>>;
  try {
    server = await startFleetServer(options);
  } catch (e) {
    // Storage that cannot be opened, a port in use, a bad certificate: say which, no stack.
    io.err(`E_FLEET_INTERNAL the fleet server cannot start (${options.storage.kind}): ${(e as Error).message}`);
    return 1;
  }
  io.err(`fleet server listening on ${server.url} (${server.storage}); fleet page: ${server.url}/fleet`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

type ServerArgs = Record<string, string | boolean | string[] | undefined>;
const itClient = async (values: ServerArgs): Promise<ItClient> =>
  new ItClient(need(values, 'server'), await readItToken(need(values, 'it-token-file')));

/** Reports a server refusal as "CODE message" and exits 1; anything else is a bug and rethrown. */
async function orApiError(io: Io, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof FleetApiError)) throw e;
    io.err(`${e.code}${e.reason ? ` (${e.reason})` : ''} ${e.message}`);
    return 1;
  }
}

export async function enrollToken(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { server: { type: 'string' }, 'it-token-file': { type: 'string' }, inventory: { type: 'string' }, unit: { type: 'string', multiple: true }, out: { type: 'string' } },
    strict: true,
  });
  const outDir = need(values, 'out');
  const client = await itClient(values);
  const { units, problems } = await loadInputs({ inventory: need(values, 'inventory') });
  for (const p of problems) io.out(formatProblem(p));
  if (problems.length > 0) return 1;
  const wanted = values.unit ? new Set(values.unit) : undefined;
  const chosen = units.filter((u) => !wanted || wanted.has(u.serial));
  const missing = [...(wanted ?? [])].filter((s) => !units.some((u) => u.serial === s));
  if (missing.length > 0) throw new UsageError(`not in the inventory: ${missing.join(', ')}`);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  return orApiError(io, async () => {
    for (const u of chosen) {
      const v = u.row.values;
      const { enrollmentToken, expiresAt } = await client.addUnit({ serial: u.serial, name: v.unit_name, site: v.site, ward: v.ward, room: v.room, bed: v.bed ?? '' });
      const path = join(outDir, `${u.serial}.token`);
      await writeFile(path, `${enrollmentToken}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
      io.out(`${u.serial}: one-time enrollment token in ${path} (expires ${expiresAt})`);
    }
    return 0;
  });
}

export async function publish(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' }, 'it-token-file': { type: 'string' }, inventory: { type: 'string' }, fleet: { type: 'string' },
      secrets: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' },
    },
    strict: true,
  });
  const client = await itClient(values);
  const inventory = need(values, 'inventory');
  const fleet = need(values, 'fleet');
  const secrets = need(values, 'secrets');
  const key = need(values, 'key');
  const outDir = need(values, 'out');
  return orApiError(io, async () => {
    // The server holds only public keys; secrets are encrypted here, on IT's machine.
    const serverUnits = await client.units();
    const ready = serverUnits.filter((u) => u.status !== 'revoked' && u.status !== 'not-enrolled' && u.encryptionKey);
    const keysDir = await mkdtemp(join(tmpdir(), 'fleet-publish-'));
    try {
      for (const u of ready) await writeFile(join(keysDir, `${u.serial}.pub`), u.encryptionKey!, { mode: 0o644 });
      const report = await buildBundles({
        inventory, fleet, secrets, key, unitsDir: keysDir, outDir,
        only: new Set(ready.map((u) => u.serial)),
        minVersions: Object.fromEntries(serverUnits.map((u) => [u.serial, u.serverBundleVersion])),
      });
      for (const p of report.problems) io.out(formatProblem(p));
      if (report.problems.length > 0) return 1;
      let failed = 0;
      for (const b of report.built) {
        try {
          await client.putBundle(b.serial, await readFile(b.path, 'utf8'));
          io.out(`published ${b.serial} version ${b.version}`);
        } catch (e) {
          if (!(e instanceof FleetApiError) || e.status === 0) throw e;
          failed++;
          io.out(`${b.serial} ${e.code}${e.reason ? ` (${e.reason})` : ''} ${e.message}`);
        }
      }
      const { units } = await loadInputs({ inventory, fleet, secrets });
      const known = new Set(serverUnits.map((u) => u.serial));
      const waiting = units.filter((u) => !ready.some((r) => r.serial === u.serial));
      for (const u of waiting) io.out(`${u.serial}: ${known.has(u.serial) ? 'not enrolled yet (or revoked)' : 'not on the server (run enroll-token)'}; no bundle`);
      io.err(`${report.built.length - failed} bundle(s) published${failed ? `, ${failed} refused` : ''}${waiting.length ? `, ${waiting.length} unit(s) waiting` : ''}`);
      return failed > 0 ? 1 : 0;
    } finally {
      await rm(keysDir, { recursive: true, force: true });
    }
  });
}

export async function revoke(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { server: { type: 'string' }, 'it-token-file': { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('revoke takes one unit serial');
  const client = await itClient(values);
  return orApiError(io, async () => {
    await client.revoke(positionals[0]!);
    io.out(`revoked ${positionals[0]!}: its requests are refused from now on`);
    return 0;
  });
}

export async function simUnit(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' }, serial: { type: 'string' }, 'token-file': { type: 'string' }, 'state-dir': { type: 'string' },
      heartbeats: { type: 'string', default: '1' }, interval: { type: 'string', default: '30' }, meeting: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const heartbeats = Number(values.heartbeats);
  const interval = Number(values.interval);
  if (!Number.isSafeInteger(heartbeats) || heartbeats < 0) throw new UsageError('--heartbeats must be a whole number');
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError('--interval must be seconds above 0');
  const r = await runSimUnit({
    server: need(values, 'server'), serial: need(values, 'serial'), stateDir: need(values, 'state-dir'),
    ...(values['token-file'] ? { tokenFile: values['token-file'] } : {}),
    heartbeats, intervalSeconds: interval, meeting: values.meeting, log: (l) => io.out(l),
  });
  return r.ok ? 0 : 1;
}
