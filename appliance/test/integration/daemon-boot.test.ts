/**
 * The daemon as a process (dist/main.js, built by `make test` before the tests): an invalid
 * config stops it at once with a coded error naming the field; a valid one boots in sim mode,
 * serves /status and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/peers/ports.js';

const MAIN = resolve(__dirname, '../../dist/main.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx tsc -b\` (make test does) before this suite`);
  dir = mkdtempSync(join(tmpdir(), 'daemon-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(configPath: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, APPLIANCE_CONFIG: configPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('daemon boot', () => {
  it('stops with E_CONFIG_INVALID naming every bad field, and never echoes the password', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, [
      'unit: { id: BVU-1, name: Bed 1 }',
      'rooms: { ownRoomUri: "not a uri" }',
      'sip: { proxy: { host: sip.example.org, port: 99999 }, account: { username: u, password: s3cret-pw, domain: d }, colour: blue }',
    ].join('\n'));
    const p = run(path);
    expect(await p.exited).toBe(2);
    const line = JSON.parse(p.err().trim().split('\n').at(-1)!) as { code: string; problems: { field: string }[] };
    expect(line.code).toBe('E_CONFIG_INVALID');
    expect(line.problems.map((x) => x.field).sort()).toEqual(['rooms.ownRoomUri', 'sip.colour', 'sip.proxy.port']);
    expect(p.err() + p.out()).not.toContain('s3cret-pw');
  });

  it('stops with E_CONFIG_UNREADABLE when the file is missing', async () => {
    const p = run(join(dir, 'missing.yaml'));
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('"code":"E_CONFIG_UNREADABLE"');
  });

  it('boots in sim mode, serves /status, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proxyPort = await freePort();
    const path = join(dir, 'good.yaml');
    writeFileSync(path, [
      'unit: { id: BVU-2, name: Bed 2 }',
      'rooms: { ownRoomUri: "sip:room@localhost" }',
      `sip: { proxy: { host: 127.0.0.1, port: ${proxyPort} }, connectTimeoutSeconds: 1 }`,
      `server: { port: ${port} }`,
      `store: { path: ${join(dir, 'unit.db')} }`,
      'media: { video: { display: counter } }',
    ].join('\n'));
    const p = run(path, { APPLIANCE_HW: 'sim' });
    let status: { call: { state: string }; led: { name: string } } | null = null;
    for (let i = 0; i < 100 && !status; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.json() as Promise<typeof status>).catch(() => null);
    }
    expect(status?.call.state).toBe('idle');
    expect(status?.led.name).toBe('ready');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('unit ready');
  }, 20_000);
});
