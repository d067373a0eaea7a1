/**
 * The daemon as a process under a simulated systemd (a real AF_UNIX NOTIFY_SOCKET) and a
 * fake fleet server: it says READY=1 and pings the watchdog, enrolls with its token file,
 * heartbeats, takes a bundle that changes SIP by exiting 75 for a restart (STOPPING=1), and
 * boots again on the applied bundle, confirming it to the server; a rooms-only change is
 * then applied in place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/peers/ports.js';
import { generateFleetKeyPair } from '../../src/fleet/bundle/keys.js';
import { createBundle } from '../../src/fleet/bundle/sign.js';
import { FakeFleetServer } from '../unit/fleet/fleet-fake-server.js';

const MAIN = resolve(__dirname, '../../dist/main.js');
const SERIAL = 'BVU-7001';
const RECEIVER = [
  'import json, socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  's.bind(sys.argv[1])',
  'print(json.dumps("LISTENING"), flush=True)',
  'while True:',
  '    print(json.dumps(s.recv(4096).decode()), flush=True)',
].join('\n');

let dir = '';
let server: FakeFleetServer;
let receiver: ChildProcess;
const notes: string[] = [];
const fleetKeys = generateFleetKeyPair();
const children: ChildProcess[] = [];

async function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx tsc -b\` first`);
  dir = mkdtempSync(join(tmpdir(), 'fleet-daemon-'));
  server = new FakeFleetServer(fleetKeys.publicKeyPem);
  server.intervals = { heartbeatIntervalSeconds: 1, pollIntervalSeconds: 1 };
  await server.start();
  receiver = spawn('python3', ['-c', RECEIVER, join(dir, 'notify.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  receiver.stdout!.on('data', (d: Buffer) => {
    buf += String(d);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { notes.push(JSON.parse(buf.slice(0, nl)) as string); buf = buf.slice(nl + 1); }
  });
  await until('the notify receiver', () => notes.includes('LISTENING'));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  receiver?.kill();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function daemon(configPath: string) {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, APPLIANCE_CONFIG: configPath, APPLIANCE_HW: 'sim', NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '400000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => out };
}

describe('daemon under systemd notify with a fleet server', () => {
  it('enrolls, heartbeats, restarts onto a SIP change with exit 75, and confirms it after booting on it', async () => {
    const port = await freePort();
    const proxyPort = await freePort();
    const token = randomBytes(16).toString('hex');
    server.tokens.set(token, SERIAL);
    const tokenFile = join(dir, 'enrollment-token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const configFor = (proxy: number, meetings: unknown[] = []) => ({
      unit: { id: SERIAL, name: 'Bed 1' },
      rooms: { ownRoomUri: 'sip:room@localhost', meetings },
      sip: { proxy: { host: '127.0.0.1', port: proxy }, connectTimeoutSeconds: 1 },
      server: { port },
      store: { path: join(dir, 'unit.db') },
      media: { video: { display: 'counter' } },
    });
    const local = join(dir, 'config.json');
    writeFileSync(local, JSON.stringify({ ...configFor(proxyPort), fleet: { serverUrl: server.url, stateDir: join(dir, 'fleet'), enrollmentTokenFile: tokenFile } }));

    const first = daemon(local);
    await until('READY=1', () => notes.some((n) => n.startsWith('READY=1')));
    await until('enrollment', () => server.units.has(SERIAL));
    await until('a heartbeat', () => server.heartbeats.length > 0);
    await until('watchdog pings', () => notes.filter((n) => n === 'WATCHDOG=1').length >= 2);
    expect(existsSync(tokenFile)).toBe(false);
    expect(server.heartbeats[0]).toMatchObject({ callState: 'idle', bundleVersion: 0, devices: { microphone: 'ok', ioBoard: 'absent' }, meetings: [] });

    const otherProxy = await freePort();
    server.serve(SERIAL, createBundle({
      unit: SERIAL, version: 1, issuedAt: new Date(), config: configFor(otherProxy),
      audio: { speakerVolumePercent: 60, loop: { enabled: false, gainDb: 0 } }, secrets: {},
    }, fleetKeys.privateKeyPem, server.units.get(SERIAL)!.encryptionKey));
    expect(await first.exited).toBe(75);
    expect(notes.some((n) => n.startsWith('STOPPING=1'))).toBe(true);
    expect(first.out()).toContain('"restart":["sip"]');

    // systemd restarts it (Restart=on-failure): it boots on the applied bundle and confirms it.
    const readyBefore = notes.filter((n) => n.startsWith('READY=1')).length;
    const second = daemon(local);
    await until('READY=1 again', () => notes.filter((n) => n.startsWith('READY=1')).length > readyBefore);
    await until('the applied report', () => server.reports.find((r) => r.version === 1 && r.outcome === 'applied'));
    expect(second.out()).toContain('"config":"fleet","bundleVersion":1');
    await until('a heartbeat on version 1', () => server.heartbeats.find((h) => h.bundleVersion === 1));

    // A rooms-only change is applied in place: the panel shows the new meeting, no restart.
    const startsAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    server.serve(SERIAL, createBundle({
      unit: SERIAL, version: 2, issuedAt: new Date(), config: configFor(otherProxy, [{ id: 'vuk-1', roomUri: 'sip:vuk@localhost', startsAt }]),
      audio: { speakerVolumePercent: 60, loop: { enabled: false, gainDb: 0 } }, secrets: {},
    }, fleetKeys.privateKeyPem, server.units.get(SERIAL)!.encryptionKey));
    const status = await until('the hot-applied meeting on /status', async () => {
      const s = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.json() as Promise<{ nextMeeting: { id: string } | null }>);
      return s.nextMeeting?.id === 'vuk-1' ? s : null;
    });
    expect(status.nextMeeting?.id).toBe('vuk-1');
    await until('the applied report for version 2', () => server.reports.find((r) => r.version === 2 && r.outcome === 'applied'));
    expect(second.child.exitCode).toBeNull();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 60_000);
});
