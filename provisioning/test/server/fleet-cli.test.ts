import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOptionsFrom } from '../../src/cli/fleet-commands.js';
import { startFleetServer, type RunningFleetServer } from '../../src/server/serve.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../src/bench/private-postgres.js';
import { EXAMPLES, runCli as run, tempDir } from '../helpers.js';

let t: ReturnType<typeof tempDir>;
let server: RunningFleetServer | undefined;
beforeAll(async () => {
  t = tempDir();
  for (const f of ['inventory.csv', 'fleet.yaml']) copyFileSync(`${EXAMPLES}${f}`, t.path(f));
  copyFileSync(`${EXAMPLES}secrets.example.yaml`, t.path('secrets.yaml'));
  expect((await run('keygen', '--out', t.path('fleet.key'))).code).toBe(0);
  expect((await run('it-token', '--out', t.path('it.token'))).code).toBe(0);
});
afterAll(async () => {
  await server?.close();
  t.remove();
});

describe('from an inventory CSV to an enrolled simulated unit on the fleet page (SQLite)', () => {
  it('it-token writes a 0600 token and never overwrites it', async () => {
    expect(statSync(t.path('it.token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(t.path('it.token'), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await run('it-token', '--out', t.path('it.token'))).code).toBe(1);
  });

  it('serve refuses unsafe or incomplete options', async () => {
    writeFileSync(t.path('short.token'), 'password\n');
    await expect(serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('short.token')], {})).rejects.toThrow(/at least 32/);
    await expect(serveOptionsFrom(['--it-token-file', t.path('it.token')], {})).rejects.toThrow(/--fleet-pub is required/);
    await expect(serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--db', 'x.db'], { FLEET_DATABASE_URL: 'postgres://x' }))
      .rejects.toThrow(/not both/);
    expect((await serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token')], { FLEET_DATABASE_URL: 'postgres://h/db' })).storage)
      .toEqual({ kind: 'postgres', connectionString: 'postgres://h/db' });
    expect((await serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--unit-cache-seconds', '0'], {})).unitCacheTtlMs).toBe(0);
    await expect(serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--unit-cache-seconds', 'soon'], {})).rejects.toThrow(/0 or more/);
  });

  it('registers, enrolls, publishes, applies, reports and shows the unit', async () => {
    const opts = await serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--db', t.path('fleet.db'), '--port', '0'], {});
    server = await startFleetServer({ ...opts, log: false });
    const it = ['--server', server.url, '--it-token-file', t.path('it.token')];

    const tokens = await run('enroll-token', ...it, '--inventory', t.path('inventory.csv'), '--out', t.path('tokens'));
    expect(tokens.code).toBe(0);
    expect(tokens.out.map((l) => l.split(':')[0])).toEqual(['BVU-0001', 'BVU-0002', 'BVU-0003']);
    expect(statSync(t.path('tokens', 'BVU-0001.token')).mode & 0o777).toBe(0o600);

    const sim = (...extra: string[]) => run('sim-unit', '--server', server!.url, '--serial', 'BVU-0001', '--state-dir', t.path('unit-0001'), ...extra);
    const first = await sim('--token-file', t.path('tokens', 'BVU-0001.token'), '--meeting');
    expect(first.code).toBe(0);
    expect(first.out).toEqual([
      'BVU-0001: enrolled (heartbeat every 30 s, bundle poll every 300 s)',
      'BVU-0001: no bundle published yet',
      'BVU-0001: heartbeat accepted (1 meeting(s) stored; server holds bundle version 0)',
    ]);
    expect(statSync(t.path('unit-0001', 'signing.key')).mode & 0o777).toBe(0o600);

    // The same token a second time (another box claiming the serial) is refused.
    const replay = await run('sim-unit', '--server', server.url, '--serial', 'BVU-0001', '--state-dir', t.path('intruder'), '--token-file', t.path('tokens', 'BVU-0001.token'));
    expect(replay.code).toBe(1);
    expect(replay.out[0]).toMatch(/enrollment refused: 401 E_ENROLL_TOKEN/);

    const pub = ['--inventory', t.path('inventory.csv'), '--fleet', t.path('fleet.yaml'), '--secrets', t.path('secrets.yaml'), '--key', t.path('fleet.key'), '--out', t.path('bundles')];
    const published = await run('publish', ...it, ...pub);
    expect(published.code).toBe(0);
    expect(published.out).toEqual([
      'published BVU-0001 version 1',
      'BVU-0002: not enrolled yet (or revoked); no bundle',
      'BVU-0003: not enrolled yet (or revoked); no bundle',
    ]);

    const second = await sim('--heartbeats', '1');
    expect(second.out).toEqual([
      'BVU-0001: applied bundle version 1 (signature ok; secrets decrypted: sip.account.password)',
      'BVU-0001: heartbeat accepted (0 meeting(s) stored; server holds bundle version 1)',
    ]);
    // The server never saw the password in the clear.
    expect(readFileSync(t.path('fleet.db')).toString('latin1')).not.toContain('change-me-1');

    const page = await fetch(`${server.url}/fleet`, { headers: { authorization: `Bearer ${readFileSync(t.path('it.token'), 'utf8').trim()}` } });
    const html = await page.text();
    expect(html).toMatch(/<strong>BVU-0001<\/strong>.*?<td class="online">online<\/td>/s);
    expect(html).toMatch(/<strong>BVU-0002<\/strong>.*?waiting to enroll/s);
    expect(html).toMatch(/<td>St Mary<\/td><td>Ward 4<\/td><td>\d{4}-W\d\d<\/td><td>1<\/td><td>24<\/td>/);

    // A second publish issues a newer version the unit picks up with its ETag poll.
    expect((await run('publish', ...it, ...pub)).out[0]).toBe('published BVU-0001 version 2');
    expect((await sim('--heartbeats', '0')).out).toEqual(['BVU-0001: applied bundle version 2 (signature ok; secrets decrypted: sip.account.password)']);
    expect((await sim('--heartbeats', '0')).out).toEqual(['BVU-0001: bundle unchanged (version 2)']);

    expect((await run('revoke', 'BVU-0001', ...it)).code).toBe(0);
    const revoked = await sim('--heartbeats', '0');
    expect(revoked.code).toBe(1);
    expect(revoked.out[0]).toMatch(/bundle fetch refused: 403 E_UNIT_REVOKED/);
    const badToken = await run('publish', '--server', server.url, '--it-token-file', t.path('tokens', 'BVU-0002.token'), ...pub);
    expect(badToken.code).toBe(1);
    expect(badToken.err[0]).toMatch(/E_FLEET_AUTH/);
  });

  it('serve says why it cannot start, without a stack trace', async () => {
    const r = await run('serve', '--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--db', t.path('no-such-dir', 'fleet.db'), '--port', '0');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^E_FLEET_INTERNAL the fleet server cannot start \(sqlite\): /);
  });

  it('says which server it cannot reach', async () => {
    const r = await run('enroll-token', '--server', 'http://127.0.0.1:9', '--it-token-file', t.path('it.token'), '--inventory', t.path('inventory.csv'), '--out', t.path('tok2'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^E_FLEET_UNREACHABLE http:\/\/127\.0\.0\.1:9/);
  });
});

describe('the same walk-through against PostgreSQL (FLEET_DATABASE_URL)', () => {
  let pg: PrivatePostgres | undefined;
  let pgServer: RunningFleetServer | undefined;
  beforeAll(async () => { pg = await startPrivatePostgres({ settings: { fsync: 'off' } }); }, 60_000);
  afterAll(async () => {
    await pgServer?.close();
    await pg?.stop();
  }, 30_000);

  it('enrolls and shows a simulated unit', async () => {
    const url = await pg!.createDatabase('fleet_cli');
    const opts = await serveOptionsFrom(['--fleet-pub', t.path('fleet.pub'), '--it-token-file', t.path('it.token'), '--port', '0'], { FLEET_DATABASE_URL: url });
    pgServer = await startFleetServer({ ...opts, log: false });
    expect(pgServer.storage).toBe('postgres');
    const it = ['--server', pgServer.url, '--it-token-file', t.path('it.token')];
    expect((await run('enroll-token', ...it, '--inventory', t.path('inventory.csv'), '--unit', 'BVU-0003', '--out', t.path('pg-tokens'))).code).toBe(0);
    const sim = await run('sim-unit', '--server', pgServer.url, '--serial', 'BVU-0003', '--state-dir', t.path('pg-unit'), '--token-file', t.path('pg-tokens', 'BVU-0003.token'), '--meeting');
    expect(sim.out.at(-1)).toBe('BVU-0003: heartbeat accepted (1 meeting(s) stored; server holds bundle version 0)');
    const pub = await run('publish', ...it, '--inventory', t.path('inventory.csv'), '--fleet', t.path('fleet.yaml'), '--secrets', t.path('secrets.yaml'), '--key', t.path('fleet.key'), '--out', t.path('pg-bundles'));
    expect(pub.out[0]).toBe('published BVU-0003 version 1');
    const csv = await (await fetch(`${pgServer.url}/api/meetings.csv`, { headers: { authorization: `Bearer ${readFileSync(t.path('it.token'), 'utf8').trim()}` } })).text();
    expect(csv).toMatch(/^site,ward,week,meetings,total_minutes\r\nSt Mary,"Ward 7, Geriatrics",\d{4}-W\d\d,1,24\r\n$/);
  });
});
