import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateFleetKeyPair, generateUnitKeyPair } from '../../../appliance/src/fleet/bundle/keys.js';
import type { StorageConfig } from '../server/open-repository.js';
import { newItToken } from '../server/tokens.js';
import { seedEnrolledUnits } from './seed-units.js';
import type { ServeOptions } from '../server/serve.js';
import { WINDOW_MS, median, runClosedLoop, runOpenLoop, type LoadResult, type SimulatedUnit } from './load-generator.js';
import { startPrivatePostgres } from './private-postgres.js';

/**
 * npm run bench:fleet — 10,000 simulated units heartbeating every 30 s (about 333 signed
 * requests per second) against the fleet server on loopback, once with SQLite and once
 * with PostgreSQL, in the same run. A baseline (GET /healthz at the same rate: HTTP alone)
 * is measured first so the figures can be read as ratios on whatever machine runs this.
 * Figures only, no pass/fail; writes bench-results/fleet.json.
 *
 * FLEET_BENCH_UNITS (10000), FLEET_BENCH_SECONDS (30: each unit once), BENCH_OUT (dir).
 */
const UNITS = Number(process.env.FLEET_BENCH_UNITS ?? 10_000);
const INTERVAL_SECONDS = 30;
const SECONDS = Number(process.env.FLEET_BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = 3;
const BASELINE_SECONDS = 10;
const CAPACITY_SECONDS = 5;
const CAPACITY_CONCURRENCY = 32;
const MEETING_SHARE = 0.05;

const log = (s: string) => process.stdout.write(`${s}\n`);

interface ServerProcess { url: string; child: ChildProcess; cpuMs(): Promise<number>; stop(): Promise<void> }

async function startServerProcess(options: ServeOptions): Promise<ServerProcess> {
  const child = fork(new URL('./fleet-bench-server.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((ok, fail) => {
    child.once('message', (m: { url?: string; error?: string }) => (m.url ? ok(m.url) : fail(new Error(m.error ?? 'server did not start'))));
    child.once('exit', (code) => fail(new Error(`bench server exited with ${code}`)));
    child.send({ options });
  });
  return {
    url, child,
    cpuMs: () => new Promise<number>((ok) => {
      const onMessage = (m: { cpuMs?: number }) => {
        if (typeof m.cpuMs !== 'number') return;
        child.off('message', onMessage);
        ok(m.cpuMs);
      };
      child.on('message', onMessage);
      child.send('cpu');
    }),
    stop: () => new Promise<void>((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', () => ok());
      child.send('stop');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

async function unitsOnline(url: string, itToken: string): Promise<number> {
  const res = await fetch(`${url}/api/units`, { headers: { authorization: `Bearer ${itToken}` } });
  const { units } = (await res.json()) as { units: Array<{ status: string }> };
  return units.filter((u) => u.status === 'online').length;
}

const fmt = (r: LoadResult) => `${r.rps.toFixed(1)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, errors ${r.errors}`;

async function measure(name: string, storage: StorageConfig, base: Omit<ServeOptions, 'storage'>, units: SimulatedUnit[], itToken: string) {
  const server = await startServerProcess({ ...base, storage });
  try {
    await runOpenLoop({ url: server.url, units, intervalSeconds: INTERVAL_SECONDS, durationSeconds: WARMUP_SECONDS, meetingShare: MEETING_SHARE });
    const cpuBefore = await server.cpuMs();
    const sustained = await runOpenLoop({ url: server.url, units, intervalSeconds: INTERVAL_SECONDS, durationSeconds: SECONDS, meetingShare: MEETING_SHARE });
    const cpuMsPerRequest = Math.round(((await server.cpuMs()) - cpuBefore) / sustained.requests * 1000) / 1000;
    log(`${name.padEnd(10)} sustained: ${fmt(sustained)}; server CPU ${cpuMsPerRequest} ms per heartbeat`);
    log(`${name.padEnd(10)} p99 per ${WINDOW_MS / 1000} s window: ${(sustained.windowP99Ms ?? []).join(', ')} ms`);
    const online = await unitsOnline(server.url, itToken);
    const capacity = await runClosedLoop(server.url, units, CAPACITY_CONCURRENCY, CAPACITY_SECONDS);
    log(`${name.padEnd(10)} capacity (${CAPACITY_CONCURRENCY} in flight): ${fmt(capacity)}; units online after the run: ${online}`);
    return { sustained, capacity, online, cpuMsPerRequest };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  const started = Date.now();
  const loadAtStart = Math.round(loadavg()[0]! * 100) / 100;
  log(`fleet bench: ${UNITS} units, heartbeat every ${INTERVAL_SECONDS} s (${(UNITS / INTERVAL_SECONDS).toFixed(1)} req/s offered), ${SECONDS} s per backend, ${availableParallelism()} CPUs, load average ${loadAtStart}`);
  const units = Array.from({ length: UNITS }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { serial: `BVU-${String(i).padStart(5, '0')}`, signingKey: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  });
  const encryptionKey = generateUnitKeyPair().publicKeyPem;
  const itToken = newItToken();
  const base = { host: '127.0.0.1', port: 0, fleetPublicKey: generateFleetKeyPair().publicKeyPem, itToken, heartbeatIntervalSeconds: INTERVAL_SECONDS };
  const pg = await startPrivatePostgres({ settings: { max_connections: '50', shared_buffers: '128MB' } });
  try {
    const sqlite: StorageConfig = { kind: 'sqlite', path: join(work, 'fleet.db') };
    const postgres: StorageConfig = { kind: 'postgres', connectionString: await pg.createDatabase('fleet_bench'), poolSize: 10 };
    const seed = units.map((u, i) => ({ serial: u.serial, ward: `Ward ${(i % 40) + 1}`, signingKeyPem: u.pem }));
    await seedEnrolledUnits(sqlite, seed, encryptionKey);
    await seedEnrolledUnits(postgres, seed, encryptionKey);
    log(`pre-enrolled ${UNITS} units in each store (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const baselineServer = await startServerProcess({ ...base, storage: { kind: 'sqlite', path: join(work, 'baseline.db') } });
    const baseline = await runOpenLoop({ url: baselineServer.url, units, intervalSeconds: INTERVAL_SECONDS, durationSeconds: BASELINE_SECONDS, meetingShare: 0, baseline: true });
    await baselineServer.stop();
    log(`baseline   GET /healthz at the same rate: ${fmt(baseline)}; p99 per ${WINDOW_MS / 1000} s window: ${(baseline.windowP99Ms ?? []).join(', ')} ms`);

    const s = await measure('sqlite', sqlite, base, units, itToken);
    const p = await measure('postgres', postgres, base, units, itToken);
    const ratio = (x: number) => Math.round((x / baseline.p99Ms) * 100) / 100;
    const result = {
      units: UNITS,
      heartbeat_interval_s: INTERVAL_SECONDS,
      offered_rps: Math.round((UNITS / INTERVAL_SECONDS) * 10) / 10,
      duration_s: SECONDS,
      sqlite_rps: s.sustained.rps, sqlite_p50_ms: s.sustained.p50Ms, sqlite_p99_ms: s.sustained.p99Ms, sqlite_max_ms: s.sustained.maxMs,
      sqlite_errors: s.sustained.errors,
      sqlite_p99_ms_per_5s_window: s.sustained.windowP99Ms, sqlite_p99_ms_median_window: median(s.sustained.windowP99Ms ?? []), sqlite_units_online: s.online, sqlite_capacity_rps: s.capacity.rps, sqlite_server_cpu_ms_per_req: s.cpuMsPerRequest,
      postgres_rps: p.sustained.rps, postgres_p50_ms: p.sustained.p50Ms, postgres_p99_ms: p.sustained.p99Ms, postgres_max_ms: p.sustained.maxMs,
      postgres_errors: p.sustained.errors,
      postgres_p99_ms_per_5s_window: p.sustained.windowP99Ms, postgres_p99_ms_median_window: median(p.sustained.windowP99Ms ?? []), postgres_units_online: p.online, postgres_capacity_rps: p.capacity.rps, postgres_server_cpu_ms_per_req: p.cpuMsPerRequest,
      baseline_p50_ms: baseline.p50Ms, baseline_p99_ms: baseline.p99Ms, baseline_p99_ms_per_5s_window: baseline.windowP99Ms,
      sqlite_p99_vs_baseline: ratio(s.sustained.p99Ms), postgres_p99_vs_baseline: ratio(p.sustained.p99Ms),
      cpus: availableParallelism(),
      loadavg_1m_at_start: loadAtStart,
      notes: 'open loop, latency from when each request was due; requests signed before each phase (the generator shares the CPUs); 5% of heartbeats carry a meeting; server in its own process; '
        + 'SQLite WAL synchronous=NORMAL; PostgreSQL 15 defaults (fsync on), pools of 10 durable connections (writes that are acknowledged) and 10 with synchronous_commit=off (reads, meeting-less state upserts)',
    };
    const outDir = resolve(process.env.BENCH_OUT ?? join(process.cwd(), '..', 'bench-results'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'fleet.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${join(outDir, 'fleet.json')} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  } finally {
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
