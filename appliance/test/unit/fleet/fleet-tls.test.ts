import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import type { UnitStatus } from '../../../src/app/unit-controller.js';
import { validateConfig } from '../../../src/config/validate.js';
import { createTestPki, type TestPki } from '../../../src/demo/peers/pki.js';
import { generateFleetKeyPair } from '../../../src/fleet/bundle/keys.js';
import { FleetAgent, type FleetAgentEvent } from '../../../src/fleet/fleet-agent.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeFleetServer } from './fleet-fake-server.js';

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'fleet-tls-'));
});
afterAll(async () => {
  await pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Enrolls against an HTTPS fleet server with the given certificate; returns the agent's events. */
async function enrollOver(cert: { keyPem: string; certPem: string }, name: string): Promise<{ ok: boolean; events: FleetAgentEvent[] }> {
  const server = new FakeFleetServer(generateFleetKeyPair().publicKeyPem, { key: cert.keyPem, cert: cert.certPem });
  await server.start();
  const token = randomBytes(16).toString('hex');
  server.tokens.set(token, 'BVU-1');
  const store = new SqliteStore(':memory:');
  await store.start();
  const config = validateConfig({
    unit: { id: 'BVU-1', name: 'Bed 1' }, rooms: { ownRoomUri: 'sip:a@b.example' }, sip: { proxy: { host: 'sip.example' } },
    fleet: { serverUrl: server.url, trustedCaFile: pki.ca.certPath, stateDir: join(dir, name), enrollmentToken: token, requestTimeoutSeconds: 3 },
  });
  const agent = new FleetAgent({
    config, store, logger: createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } })), softwareVersion: 't',
    status: () => ({}) as UnitStatus, hotApply: () => undefined, requestRestart: () => undefined,
  });
  const events: FleetAgentEvent[] = [];
  agent.onEvent((e) => events.push(e));
  try {
    await agent.start({ timers: false });
    return { ok: await agent.enroll(), events };
  } finally {
    await agent.stop();
    await store.stop();
    await server.stop();
  }
}

describe('fleet agent over HTTPS', () => {
  it('enrolls with a server whose certificate chains to fleet.trustedCaFile', async () => {
    expect((await enrollOver(pki.server, 'trusted')).ok).toBe(true);
  });
  it('refuses a server signed by another CA or naming another host (E_FLEET_UNTRUSTED)', async () => {
    for (const [cert, name] of [[pki.untrustedServer, 'other-ca'], [pki.wrongNameServer, 'wrong-name']] as const) {
      const r = await enrollOver(cert, name);
      expect(r.ok).toBe(false);
      expect(r.events.at(-1)).toMatchObject({ type: 'error', code: 'E_FLEET_UNTRUSTED' });
    }
  });
});
