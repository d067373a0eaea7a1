import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../../../src/fleet/fleet-client.js';

/** What GET /v1/bundle answers, per test. */
let answer: { status: number; type?: string; body: string } = { status: 404, body: '' };
let server: Server;
let client: FleetClient;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new FleetClient({
    serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serial: 'BVU-1', timeoutMs: 2000,
    signingKey: generateKeyPairSync('ed25519').privateKey,
  });
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function failure(): Promise<{ code: string; detail: Record<string, unknown> }> {
  try {
    await client.fetchBundle(null);
  } catch (e) {
    return e as { code: string; detail: Record<string, unknown> };
  }
  throw new Error('expected fetchBundle to fail');
}

describe('fleet client: the 404s of GET /v1/bundle', () => {
  it('an empty 404 is "no bundle yet", as the fleet server answers it', async () => {
    answer = { status: 404, body: '' };
    expect(await client.fetchBundle(null)).toEqual({ kind: 'none' });
  });

  it('a coded 404 (no such endpoint) is a refusal with the server\'s code', async () => {
    answer = { status: 404, type: 'application/json', body: JSON.stringify({ code: 'E_REQUEST_MALFORMED', message: 'no endpoint GET /v1/bundle' }) };
    expect(await failure()).toMatchObject({ code: 'E_FLEET_REFUSED', detail: { status: 404, fleetCode: 'E_REQUEST_MALFORMED' } });
  });

  it('a proxy\'s 404 page (a wrong path prefix) is E_FLEET_RESPONSE, not "nothing published"', async () => {
    answer = { status: 404, type: 'text/html', body: '<html><body>404 Not Found</body></html>' };
    expect(await failure()).toMatchObject({ code: 'E_FLEET_RESPONSE', detail: { status: 404 } });
  });
});
