/** The self-test's network check: a TCP connection to the SIP proxy, with a code when it fails. */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpReachCheck } from '../../../src/app/self-test-network.js';
import { freePort } from '../../../src/demo/peers/ports.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});
afterAll(async () => { await new Promise((r) => server.close(r)); });

describe('tcpReachCheck', () => {
  it('passes when the proxy accepts a connection, with the time it took', async () => {
    const r = await tcpReachCheck({ host: '127.0.0.1', port, timeoutMs: 2_000 })(new AbortController().signal);
    expect(r.outcome).toBe('pass');
    expect(r.detail).toMatch(/reached in \d+ ms/);
  });

  it('fails with E_SERVER_UNREACHABLE when nothing listens, and when stopped', async () => {
    const closed = await freePort();
    const r = await tcpReachCheck({ host: '127.0.0.1', port: closed, timeoutMs: 2_000 })(new AbortController().signal);
    expect(r).toMatchObject({ outcome: 'fail', code: 'E_SERVER_UNREACHABLE', detail: 'ECONNREFUSED' });
    const ac = new AbortController();
    ac.abort();
    // 192.0.2.1 (TEST-NET-1) never answers; the abort ends the check at once.
    const stopped = await tcpReachCheck({ host: '192.0.2.1', port: 5061, timeoutMs: 10_000 })(ac.signal);
    expect(stopped).toEqual({ outcome: 'fail', code: 'E_SERVER_UNREACHABLE', detail: 'stopped' });
  });
});
