/**
 * The unit's own fleet client (appliance/src/fleet/fleet-client.ts) against this server over
 * real HTTP: every answer the server gives a unit is read by the agent as the protocol
 * means it. "No bundle yet" (404, empty body) is nothing to do; 401 E_UNIT_UNKNOWN and
 * 403 E_UNIT_REVOKED are coded refusals the agent can act on; ETags round-trip.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createBundle } from '../../../appliance/src/fleet/bundle/sign.js';
import { FleetClient } from '../../../appliance/src/fleet/fleet-client.js';
import type { Heartbeat } from '../../../appliance/src/fleet/protocol.js';
import { build } from '../../src/server/app.js';
import { SqliteFleetRepository } from '../../src/server/sqlite-repository.js';
import { FLEET, IT_TOKEN, heartbeat } from '../support/fixtures.js';

const SERIAL = 'BVU-0777';
let app: FastifyInstance;
let repo: SqliteFleetRepository;
let url = '';

function unitKeys() {
  const signing = generateKeyPairSync('ed25519');
  const encryption = generateKeyPairSync('x25519');
  return {
    signingKey: signing.privateKey,
    signingPublicPem: signing.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    encryptionPublicPem: encryption.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
const keys = unitKeys();
const client = (serial = SERIAL, k = keys) => new FleetClient({ serverUrl: url, serial, timeoutMs: 5000, signingKey: k.signingKey });
const it_ = (method: 'POST' | 'PUT', path: string, body: unknown) => app.inject({
  method, url: path, headers: { authorization: `Bearer ${IT_TOKEN}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; detail: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; detail: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  repo = new SqliteFleetRepository(':memory:');
  await repo.migrate();
  app = build({ repo, fleetPublicKey: FLEET.publicKeyPem, itToken: IT_TOKEN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  const added = await it_('POST', '/api/units', { serial: SERIAL, name: 'Bed 7', site: 'St Mary', ward: 'Ward 4', room: '12' });
  const { enrollmentToken } = added.json() as { enrollmentToken: string };
  await client().enroll({ serial: SERIAL, token: enrollmentToken, signingKey: keys.signingPublicPem, encryptionKey: keys.encryptionPublicPem, softwareVersion: '0.1.0' });
});

afterAll(async () => {
  await app?.close();
  await repo?.close();
});

describe('the agent reads every answer of the real server as the protocol means it', () => {
  it('no bundle yet: 404 with an empty body is "none", not an error', async () => {
    expect(await client().fetchBundle(null)).toEqual({ kind: 'none' });
  });

  it('a heartbeat is accepted; a published bundle arrives with its ETag and is then unchanged', async () => {
    const hb: Heartbeat = heartbeat({ meetings: [{ id: 'm-1', startedAt: '2026-11-23T10:00:00.000Z', durationSeconds: 600, source: 'own-room' }] });
    expect(await client().heartbeat(hb)).toEqual({ acceptedMeetings: ['m-1'], bundleVersion: 0 });
    const bundle = createBundle({
      unit: SERIAL, version: 1, issuedAt: new Date(), config: { unit: { id: SERIAL } },
      audio: { speakerVolumePercent: 60, loop: { enabled: false, gainDb: 0 } }, secrets: {},
    }, FLEET.privateKeyPem, keys.encryptionPublicPem);
    expect((await it_('PUT', `/api/units/${SERIAL}/bundle`, bundle)).statusCode).toBe(204);
    const fetched = await client().fetchBundle(null);
    expect(fetched).toMatchObject({ kind: 'bundle', etag: '"1"' });
    expect(await client().fetchBundle('"1"')).toEqual({ kind: 'unchanged' });
    expect((await client().heartbeat(heartbeat())).bundleVersion).toBe(1);
  });

  it('an unknown serial: 401 E_UNIT_UNKNOWN as a coded refusal', async () => {
    const stranger = client('BVU-0000', unitKeys());
    for (const call of [() => stranger.heartbeat(heartbeat()), () => stranger.fetchBundle(null), () => stranger.applyReport({ version: 1, outcome: 'applied' })]) {
      const e = await refusal(call());
      expect(e.code).toBe('E_FLEET_REFUSED');
      expect(e.detail).toMatchObject({ status: 401, fleetCode: 'E_UNIT_UNKNOWN' });
    }
  });

  it('a revoked unit: 403 E_UNIT_REVOKED on every request, as a coded refusal', async () => {
    expect((await it_('POST', `/api/units/${SERIAL}/revoke`, {})).statusCode).toBe(204);
    for (const call of [() => client().heartbeat(heartbeat()), () => client().fetchBundle('"1"'), () => client().applyReport({ version: 1, outcome: 'applied' })]) {
      const e = await refusal(call());
      expect(e.code).toBe('E_FLEET_REFUSED');
      expect(e.detail).toMatchObject({ status: 403, fleetCode: 'E_UNIT_REVOKED' });
    }
  });
});
