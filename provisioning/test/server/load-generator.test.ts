import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { median, runClosedLoop, runOpenLoop, summarize } from '../../src/bench/load-generator.js';
import { seedEnrolledUnits } from '../../src/bench/seed-units.js';
import { startFleetServer, type RunningFleetServer } from '../../src/server/serve.js';
import { FLEET, IT_TOKEN } from '../support/fixtures.js';
import { newUnitIdentity } from '../../src/sim/unit-identity.js';

describe('summarize', () => {
  it('takes nearest-rank percentiles', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(latencies, 0, 2, {})).toMatchObject({ requests: 100, rps: 50, p50Ms: 50, p99Ms: 99, maxMs: 100 });
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('the benchmark load generator against a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-load-'));
  let server: RunningFleetServer;
  const units = Array.from({ length: 20 }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { serial: `L-${i}`, signingKey: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  });
  beforeAll(async () => {
    const storage = { kind: 'sqlite' as const, path: join(dir, 'fleet.db') };
    await seedEnrolledUnits(storage, units.map((u) => ({ serial: u.serial, ward: 'W', signingKeyPem: u.pem })), newUnitIdentity('x').encryptionPublicPem);
    server = await startFleetServer({ host: '127.0.0.1', port: 0, fleetPublicKey: FLEET.publicKeyPem, itToken: IT_TOKEN, storage });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends correctly signed heartbeats from seeded units, open and closed loop', async () => {
    const open = await runOpenLoop({ url: server.url, units, intervalSeconds: 1, durationSeconds: 1, meetingShare: 0.5 });
    expect(open).toMatchObject({ requests: 20, errors: 0, statusCounts: { 200: 20 } });
    expect(open.windowP99Ms).toHaveLength(1); // 1 s of load: one 5 s window
    const closed = await runClosedLoop(server.url, units, 4, 0.3);
    expect(closed.errors).toBe(0);
    expect(closed.requests).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/api/units`, { headers: { authorization: `Bearer ${IT_TOKEN}` } });
    const listed = ((await res.json()) as { units: Array<{ status: string }> }).units;
    expect(listed.filter((u) => u.status === 'online')).toHaveLength(20);
  });
});
