/**
 * Issue 6 end to end: the built daemon (`node appliance/dist/main.js`, sim mode) and the
 * real fleet server (`provision serve`, SQLite), both as processes, driven only through
 * the `provision` CLI and HTTP, as IT would. This test plays systemd: a daemon that exits
 * 75 is started again (RestartForceExitStatus=75).
 *
 *   inventory CSV -> enroll-token -> the daemon enrolls with its token file -> publish
 *   (SIP account + password encrypted to the unit) -> exit 75, restart, registers with
 *   kamailio, confirms -> online on /api/units and /fleet -> a real call to a baresip
 *   echo room -> the meeting counted in /api/meetings.csv -> a publish with a wrong proxy
 *   -> restart, no registration, rolled back, restart on the good one, the server holds
 *   the rolled-back apply report -> revoke -> E_UNIT_REVOKED, the unit keeps its last
 *   good config and stays registered.
 *
 * On failure the end of the daemon's log is printed; FLEET_E2E_LOG=/path keeps all of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Baresip } from '../../src/demo/peers/baresip.js';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { freePort } from '../../src/demo/peers/ports.js';

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'appliance/dist/main.js');
const PROVISION = join(ROOT, 'provisioning/dist/provisioning/src/cli/provision.js');
const SERIAL = 'BVU-9001';

let dir = '';
let pki: TestPki | undefined;
let kamailio: Kamailio | undefined;
let room: Baresip | undefined;
let server: ChildProcess | undefined;
let serverUrl = '';
let itToken = '';
let unit: Supervisor | undefined;

async function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `provision ...` as a process: exit code and output. */
function provision(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [PROVISION, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { err += String(d); });
    child.on('exit', (code) => done({ code, out, err }));
  });
}

/** Plays systemd for the daemon: Restart=on-failure with RestartForceExitStatus=75. */
class Supervisor {
  readonly exits: (number | null)[] = [];
  boots = 0;
  private child: ChildProcess | null = null;
  private output = '';
  private stopped = false;
  constructor(private readonly configPath: string) {}

  start(): void {
    this.boots++;
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, APPLIANCE_CONFIG: this.configPath, APPLIANCE_HW: 'sim', UV_THREADPOOL_SIZE: '16' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => { this.output += String(d); });
    child.stderr!.on('data', (d) => { this.output += String(d); });
    child.on('exit', (code) => {
      this.exits.push(code);
      if (code === 75 && !this.stopped) this.start();
    });
  }

  /** Log lines (pino JSON) of every boot so far, parsed. */
  lines(): Record<string, unknown>[] {
    return this.output.split('\n').filter((l) => l.startsWith('{')).map((l) => {
      try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; }
    });
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<number | null> {
    this.stopped = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

interface UnitRow { serial: string; status: string; appliedBundleVersion: number | null; serverBundleVersion: number; registration: string | null; problems: string[] }

async function it_get(path: string): Promise<Response> {
  return fetch(`${serverUrl}${path}`, { headers: { authorization: `Bearer ${itToken}` } });
}
async function fleetUnit(): Promise<UnitRow | undefined> {
  const body = await (await it_get('/api/units')).json() as { units: UnitRow[] };
  return body.units.find((u) => u.serial === SERIAL);
}
async function applyReports(): Promise<{ version: number; outcome: string; code: string | null }[]> {
  return ((await (await it_get(`/api/units/${SERIAL}/apply-reports`)).json()) as { reports: { version: number; outcome: string; code: string | null }[] }).reports;
}

let panel = '';
interface PanelStatus { registration: string; call: { state: string }; controls: Record<string, unknown> }
async function unitStatus(): Promise<PanelStatus> {
  return (await fetch(`${panel}/status`)).json() as Promise<PanelStatus>;
}

function fleetYaml(proxyPort: number, panelPort: number): string {
  return [
    'registrarDomain: localhost',
    'defaults:',
    '  sip:',
    '    transport: tls',
    `    proxy: { host: 127.0.0.1, port: ${proxyPort} }`,
    `    trustedCaFile: ${pki!.ca.certPath}`,
    '    tlsServerName: localhost',
    '    connectTimeoutSeconds: 2',
    '  hardware: { mode: sim }',
    '  media:',
    '    video: { display: counter, width: 320, height: 240, framerate: 15 }',
    `    simOutputDir: ${join(dir, 'media')}`,
    `  server: { host: 127.0.0.1, port: ${panelPort} }`,
    `  store: { path: ${join(dir, 'unit.db')} }`,
    '  ui: { failureDisplaySeconds: 1 }',
    '',
  ].join('\n');
}

beforeAll(async () => {
  for (const f of [MAIN, PROVISION]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npx tsc -b\` first`);
  dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-'));
  const unitPassword = randomBytes(12).toString('base64url');
  const roomPassword = randomBytes(12).toString('base64url');
  mkdirSync(join(dir, 'media'));
  pki = await createTestPki(dir);
  kamailio = new Kamailio({
    users: [{ username: 'w4-1', password: unitPassword }, { username: 'room', password: roomPassword }],
    certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  room = new Baresip({ username: 'room', password: roomPassword, domain: kamailio.domain, proxyPort: kamailio.sipPort, mode: 'echo' });
  await room.start();

  expect((await provision('keygen', '--out', 'fleet.key')).code).toBe(0);
  expect((await provision('it-token', '--out', 'it.token')).code).toBe(0);
  itToken = readFileSync(join(dir, 'it.token'), 'utf8').trim();
  writeFileSync(join(dir, 'inventory.csv'), [
    'site,ward,room,bed,unit_serial,unit_name,room_uri,sip_account_ref,support_uri,speaker_volume,loop_enabled,loop_gain_db',
    `St Mary,Ward 4,12,1,${SERIAL},Ward 4 bed 1,${kamailio.aor('room')},w4-1,,70,yes,0`,
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'secrets.yaml'), `sipAccounts:\n  w4-1:\n    password: ${unitPassword}\n`, { mode: 0o600 });

  server = spawn(process.execPath, [PROVISION, 'serve', '--fleet-pub', 'fleet.pub', '--it-token-file', 'it.token', '--db', 'fleet.db',
    '--port', '0', '--heartbeat-interval', '1', '--poll-interval', '2'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let serverErr = '';
  server.stderr!.on('data', (d) => { serverErr += String(d); });
  server.stdout!.resume();
  serverUrl = await until('provision serve', () => /listening on (http:\/\/\S+) /.exec(serverErr)?.[1], 10_000);
}, 60_000);

afterAll(async () => {
  if (process.env.FLEET_E2E_LOG) writeFileSync(process.env.FLEET_E2E_LOG, unit?.log ?? '');
  await unit?.stop();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await room?.stop();
  await kamailio?.stop();
  await pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the real daemon and the real fleet server (issue 6 end to end)', () => {
  it('enrolls, applies, calls, reports, rolls a broken SIP config back, and keeps its config when revoked', async () => {
    onTestFailed(() => { console.error(`daemon log (end):\n${unit?.log.slice(-6000) ?? ''}`); });
    const panelPort = await freePort();
    const placeholderProxy = await freePort();
    panel = `http://127.0.0.1:${panelPort}`;
    const it = ['--server', serverUrl, '--it-token-file', 'it.token'];

    // IT registers the inventory's unit and gets its one-time token (Ansible would place it).
    const tokens = await provision('enroll-token', ...it, '--inventory', 'inventory.csv', '--out', 'tokens');
    expect(tokens.code, tokens.err).toBe(0);
    const tokenFile = join(dir, 'tokens', `${SERIAL}.token`);
    expect((await fleetUnit())?.status).toBe('not-enrolled');

    // The unit's own file: identity, placeholders until the first bundle, and the fleet server.
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({
      unit: { id: SERIAL, name: 'Ward 4 bed 1' },
      rooms: { ownRoomUri: 'sip:placeholder@localhost' },
      sip: { proxy: { host: '127.0.0.1', port: placeholderProxy }, connectTimeoutSeconds: 1 },
      media: { video: { display: 'counter' } },
      // A pod configured on a tty that is not there: the heartbeat must report the board's fault.
      hardware: { ioBoard: { enabled: true, path: '/dev/bedside-e2e-missing-tty', reconnectInitialMs: 1000 } },
      server: { port: panelPort },
      store: { path: join(dir, 'unit.db') },
      fleet: { serverUrl, stateDir: join(dir, 'fleet'), enrollmentTokenFile: tokenFile, registrationCheckSeconds: 8 },
    }));
    unit = new Supervisor(configPath);
    unit.start();
    const enrolled = await until('the unit online on the fleet server', async () => {
      const u = await fleetUnit();
      return u?.status === 'online' ? u : null;
    });
    expect(enrolled.appliedBundleVersion).toBe(0);
    expect(existsSync(tokenFile)).toBe(false);
    expect(enrolled.problems).toEqual(expect.arrayContaining(['E_IOBOARD_UNREACHABLE', 'ioBoard: fault']));

    // IT publishes: the SIP account, its password encrypted to this unit's key.
    const first = await provision('publish', ...it, '--inventory', 'inventory.csv', '--fleet', writeFleet('fleet.yaml', kamailio!.tlsPort, panelPort),
      '--secrets', 'secrets.yaml', '--key', 'fleet.key', '--out', 'bundles');
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain(`published ${SERIAL} version 1`);

    // SIP changed: exit 75, "systemd" starts it again on bundle 1, it registers and confirms.
    await until('the applied report for version 1', async () => (await applyReports()).find((r) => r.version === 1 && r.outcome === 'applied'), 30_000);
    expect(unit.exits).toEqual([75]);
    expect(unit.log).toContain('"config":"fleet","bundleVersion":1');
    expect(unit.log).not.toContain(readFileSync(join(dir, 'secrets.yaml'), 'utf8').split('password: ')[1]!.trim());
    await until('registered with kamailio', async () => (await unitStatus()).registration === 'registered');
    const onV1 = await until('applied version 1 on the fleet page data', async () => {
      const u = await fleetUnit();
      return u?.appliedBundleVersion === 1 ? u : null;
    });
    // Bundle 1 has no pod: nothing is wrong any more.
    expect(onV1.problems).toEqual([]);
    // The inventory's speaker volume and hearing loop reached the controls across the restart.
    expect((await unitStatus()).controls).toMatchObject({ speakerVolume: 70, loopEnabled: true, loopGainDb: 0 });

    // A real meeting: the start button joins the own room (baresip echo), then leave.
    await fetch(`${panel}/sim/button`, { method: 'POST' });
    await until('in-call', async () => (await unitStatus()).call.state === 'in-call', 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    await fetch(`${panel}/call/leave`, { method: 'POST' });
    await until('idle again', async () => (await unitStatus()).call.state === 'idle', 10_000);
    const csv = await until('the meeting counted on the server', async () => {
      const text = await (await it_get('/api/meetings.csv')).text();
      return /St Mary,Ward 4,\d{4}-W\d{2},1,/.test(text) ? text : null;
    });
    expect(csv.split('\n')[0]).toMatch(/site,ward,week/);
    const page = await (await it_get('/fleet')).text();
    expect(page).toContain(SERIAL);
    expect(page).toMatch(/online/);

    // A second publish with a proxy nobody listens on: restart, no registration, rolled back.
    const deadProxy = await freePort();
    const second = await provision('publish', ...it, '--inventory', 'inventory.csv', '--fleet', writeFleet('fleet-bad.yaml', deadProxy, panelPort),
      '--secrets', 'secrets.yaml', '--key', 'fleet.key', '--out', 'bundles');
    expect(second.code, second.out + second.err).toBe(0);
    expect(second.out).toContain(`published ${SERIAL} version 2`);
    const rolledBack = await until('the rolled-back report for version 2', async () => (await applyReports()).find((r) => r.version === 2 && r.outcome === 'rolled-back'), 40_000);
    expect(rolledBack.code).toBe('E_REGISTRATION_FAILED');
    await until('the third boot', () => unit!.boots >= 4 && unit!.running, 20_000);
    expect(unit.exits).toEqual([75, 75, 75]);
    await until('registered again on version 1', async () => (await unitStatus()).registration === 'registered', 15_000);
    const afterRollback = await until('the unit back on version 1, server holding 2', async () => {
      const u = await fleetUnit();
      return u?.appliedBundleVersion === 1 && u.status === 'online' ? u : null;
    });
    expect(afterRollback.serverBundleVersion).toBe(2);
    // It does not try version 2 again: one rollback, no restart loop.
    await new Promise((r) => setTimeout(r, 2500));
    expect(unit.exits).toEqual([75, 75, 75]);

    // Revoked: the agent hears E_UNIT_REVOKED, keeps bundle 1 and its registration, keeps running.
    const revoked = await provision('revoke', SERIAL, ...it);
    expect(revoked.code, revoked.err).toBe(0);
    await until('the agent stopping on E_UNIT_REVOKED', () => unit!.lines().some((l) => l.fleetCode === 'E_UNIT_REVOKED' && String(l.msg).includes('revoked by IT')), 10_000);
    // Revocation is final: one refusal, then no more requests (heartbeats were every second).
    await new Promise((r) => setTimeout(r, 2500));
    expect(unit.lines().filter((l) => l.fleetCode === 'E_UNIT_REVOKED' && l.code === 'E_FLEET_REFUSED' && String(l.msg).startsWith('fleet: '))).toHaveLength(1);
    expect((await fleetUnit())?.status).toBe('revoked');
    expect((await unitStatus()).registration).toBe('registered');
    const current = JSON.parse(readFileSync(join(dir, 'fleet', 'current.json'), 'utf8')) as { version: number };
    expect(current.version).toBe(1);
    expect(unit.running).toBe(true);
    expect(await unit.stop()).toBe(0);
  }, 120_000);
});

function writeFleet(name: string, proxyPort: number, panelPort: number): string {
  writeFileSync(join(dir, name), fleetYaml(proxyPort, panelPort));
  return name;
}
