import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import type { UnitStatus } from '../../../src/app/unit-controller.js';
import type { AppConfig } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/validate.js';
import type { CallSnapshot } from '../../../src/core/call-state.js';
import { DEFAULT_CONTROLS } from '../../../src/core/controls.js';
import { createLogger } from '../../../src/log/logger.js';
import type { RegistrationState } from '../../../src/ports/signaling.js';
import { generateFleetKeyPair } from '../../../src/fleet/bundle/keys.js';
import { createBundle } from '../../../src/fleet/bundle/sign.js';
import type { Bundle, UnitAudio } from '../../../src/fleet/bundle/types.js';
import { resolveBootConfig } from '../../../src/fleet/boot-config.js';
import { FleetAgent, type FleetAgentEvent } from '../../../src/fleet/fleet-agent.js';
import type { ConfigChanges } from '../../../src/fleet/config-changes.js';
import { FakeFleetServer } from './fleet-fake-server.js';

const SERIAL = 'BVU-0042';
const PASSWORD = 'sip-pw-Zq81-secret';
const AUDIO: UnitAudio = { speakerVolumePercent: 70, loop: { enabled: true, gainDb: -3 } };

/** What the provision CLI puts in a bundle: the appliance config with secrets as references. */
function bundleConfig(over: { proxyHost?: string; meetings?: unknown[]; ownRoom?: string; unitId?: string; bad?: boolean } = {}): Record<string, unknown> {
  return {
    unit: { id: over.unitId ?? SERIAL, name: 'Ward 4 bed 2', ward: 'Ward 4' },
    rooms: { ownRoomUri: over.ownRoom ?? 'sip:bed42@meet.example.org', meetings: over.meetings ?? [] },
    sip: {
      proxy: { host: over.proxyHost ?? 'sip.example.org', ...(over.bad ? { port: 70000 } : {}) },
      account: { username: 'bvu42', password: '$secret:sip.account.password', domain: 'sip.example.org' },
    },
  };
}

interface Env {
  dir: string;
  server: FakeFleetServer;
  fleetKeys: ReturnType<typeof generateFleetKeyPair>;
  token: string;
  local: AppConfig;
  store: SqliteStore;
  logs: string[];
  events: FleetAgentEvent[];
  hot: { config: AppConfig; audio: UnitAudio | null; changes: ConfigChanges }[];
  restarts: string[];
  registration: RegistrationState;
  /** Makes the unit's hot apply throw (a unit that cannot take the change). */
  failHot: boolean;
  agent(config?: AppConfig): FleetAgent;
  bundle(version: number, over?: Parameters<typeof bundleConfig>[0], opts?: { audio?: UnitAudio; key?: string; unit?: string; secrets?: Record<string, string> }): Bundle;
}

let env: Env;
const stops: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-agent-'));
  const fleetKeys = generateFleetKeyPair();
  const server = new FakeFleetServer(fleetKeys.publicKeyPem);
  await server.start();
  const token = randomBytes(16).toString('hex');
  server.tokens.set(token, SERIAL);
  writeFileSync(join(dir, 'enrollment-token'), `${token}\n`, { mode: 0o600 });
  const fleet = { serverUrl: server.url, stateDir: join(dir, 'fleet'), enrollmentTokenFile: join(dir, 'enrollment-token'), registrationCheckSeconds: 5, requestTimeoutSeconds: 2 };
  // The unit's running config: the same as the provisioned one (password filled in), plus the local fleet block.
  const localRaw = bundleConfig();
  (localRaw.sip as { account: { password: string } }).account.password = PASSWORD;
  const local = validateConfig({ ...localRaw, fleet });
  const store = new SqliteStore(join(dir, 'unit.db'));
  await store.start();
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } });
  const logger = createLogger({ level: 'debug' }, sink);
  const e: Env = {
    dir, server, fleetKeys, token, local, store, logs, events: [], hot: [], restarts: [], registration: 'registered', failHot: false,
    agent(config = local) {
      const status = (): UnitStatus => ({
        call: { state: 'idle' } as CallSnapshot, registration: e.registration, led: null, controls: DEFAULT_CONTROLS,
        faults: [{ code: 'E_LOOP_OPEN_CIRCUIT', source: 'loop', since: 0 }], nextMeeting: null,
      });
      const agent = new FleetAgent({
        config, store, status, logger, softwareVersion: '0.1.0-test', uptimeSeconds: () => 123,
        hotApply: (c, a, changes) => {
          if (e.failHot) { e.failHot = false; throw new Error('the media engine refused the change'); }
          e.hot.push({ config: c, audio: a, changes });
        },
        requestRestart: (r) => { e.restarts.push(r); },
        checkPollMs: 20,
      });
      agent.onEvent((ev) => e.events.push(ev));
      stops.push(() => agent.stop());
      return agent;
    },
    bundle(version, over = {}, opts = {}) {
      const unitKey = server.units.get(SERIAL)!.encryptionKey;
      return createBundle({
        unit: opts.unit ?? SERIAL, version, issuedAt: new Date(), config: bundleConfig(over), audio: opts.audio ?? AUDIO,
        secrets: opts.secrets ?? { 'sip.account.password': PASSWORD },
      }, opts.key ?? fleetKeys.privateKeyPem, unitKey);
    },
  };
  env = e;
  stops.push(async () => { await store.stop(); await server.stop(); rmSync(dir, { recursive: true, force: true }); });
});

afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const slot = (which: 'current' | 'previous') => {
  const p = join(env.local.fleet.stateDir, `${which}.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: number; config: { sip: { proxy: { host: string } } } }) : null;
};

/** Nothing secret ever reaches a log line. */
function expectNoSecretsLogged(): void {
  const all = env.logs.join('');
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(env.token);
  expect(all).not.toContain('PRIVATE KEY');
}

async function enrolledAgent(): Promise<FleetAgent> {
  const agent = env.agent();
  await agent.start({ timers: false });
  expect(await agent.enroll()).toBe(true);
  return agent;
}

describe('fleet agent: keys and enrollment', () => {
  it('makes its key pairs on first start (0600), enrolls with the token file and deletes it', async () => {
    const agent = env.agent();
    await agent.start({ timers: false });
    const keyDir = join(env.local.fleet.stateDir, 'keys');
    for (const f of ['signing-key.pem', 'encryption-key.pem']) {
      expect(statSync(join(keyDir, f)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    expect(await agent.enroll()).toBe(true);
    expect(existsSync(env.local.fleet.enrollmentTokenFile)).toBe(false);
    const registered = env.server.units.get(SERIAL)!;
    expect(registered.signingKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(registered.encryptionKey).not.toBe(registered.signingKey);
    // A restart keeps the same keys and the enrollment.
    await agent.stop();
    const again = env.agent();
    await again.start({ timers: false });
    expect(again.enrolled).toBe(true);
    await again.heartbeat();
    expect(env.server.heartbeats).toHaveLength(1);
    expectNoSecretsLogged();
  });

  it('refuses a reused enrollment token with a coded error and stays unenrolled', async () => {
    env.server.tokens.clear(); // the token was already used
    const agent = env.agent();
    await agent.start({ timers: false });
    expect(await agent.enroll()).toBe(false);
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'error', code: 'E_FLEET_REFUSED', fleetCode: 'E_ENROLL_TOKEN' }));
    expect(agent.enrolled).toBe(false);
    expect(existsSync(env.local.fleet.enrollmentTokenFile)).toBe(true); // kept: IT may fix the server side
    expectNoSecretsLogged();
  });

  it('refuses a malformed enrollment answer (E_FLEET_RESPONSE) and pins nothing', async () => {
    env.server.malformedEnrollResponse = '{"serial":"BVU-0042","fleetPublicKey":"not a key"}';
    const agent = env.agent();
    await agent.start({ timers: false });
    expect(await agent.enroll()).toBe(false);
    expect(env.events.at(-1)).toMatchObject({ type: 'error', code: 'E_FLEET_RESPONSE' });
    expect(agent.enrolled).toBe(false);
  });

  it('reports an unreachable server as E_FLEET_UNREACHABLE', async () => {
    await env.server.stop();
    const agent = env.agent();
    await agent.start({ timers: false });
    expect(await agent.enroll()).toBe(false);
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'error', code: 'E_FLEET_UNREACHABLE' }));
  });
});

describe('fleet agent: applying bundles', () => {
  it('hot-applies a rooms and audio change, keeps the previous slot, reports it, and polls with If-None-Match', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { meetings: [{ id: 'm1', roomUri: 'sip:vuk@meet.example.org', startsAt: '2030-01-01T10:00:00Z' }] }));
    await agent.poll();
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'applied', version: 1, restart: false }));
    expect(env.restarts).toEqual([]);
    expect(env.hot).toHaveLength(1);
    expect(env.hot[0]!.changes.hot.sort()).toEqual(['audio', 'rooms']);
    expect(env.hot[0]!.audio).toEqual(AUDIO);
    expect(env.hot[0]!.config.sip.account?.password).toBe(PASSWORD); // decrypted into the config
    expect(agent.appliedVersion).toBe(1);
    expect(statSync(join(env.local.fleet.stateDir, 'current.json')).mode & 0o777).toBe(0o600);
    expect(env.server.reports).toEqual([{ version: 1, outcome: 'applied' }]);
    // Version 2 changes the rooms again: the previous slot now holds version 1.
    env.server.serve(SERIAL, env.bundle(2, { ownRoom: 'sip:bed42b@meet.example.org' }));
    await agent.poll();
    expect(slot('current')!.version).toBe(2);
    expect(slot('previous')!.version).toBe(1);
    await agent.poll();
    const last = env.server.requests.at(-1)!;
    expect(last).toMatchObject({ url: '/v1/bundle', ifNoneMatch: '"2"', status: 304 });
    expectNoSecretsLogged();
  });

  it('requests a restart for a SIP change, then confirms it once registered', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { proxyHost: 'sip2.example.org' }));
    await agent.poll();
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'applied', version: 1, restart: true }));
    expect(env.restarts).toHaveLength(1);
    expect(env.hot).toHaveLength(0);
    // The daemon restarts: it boots on the new config.
    await agent.stop();
    const boot = resolveBootConfig(env.local);
    expect(boot).toMatchObject({ source: 'fleet', version: 1 });
    expect(boot.config.sip.proxy.host).toBe('sip2.example.org');
    expect(boot.config.fleet.serverUrl).toBe(env.local.fleet.serverUrl);
    const after = env.agent(boot.config);
    await after.start({ timers: false });
    await after.confirmPending();
    expect(env.events).toContainEqual({ type: 'confirmed', version: 1 });
    expect(env.server.reports).toEqual([{ version: 1, outcome: 'applied' }]);
    // The bundle's speaker and loop settings reach the controls once the new config is confirmed.
    expect(env.hot.map((h) => h.audio)).toEqual([AUDIO]);
    expect(env.hot[0]!.config.sip.proxy.host).toBe('sip2.example.org');
  });

  it('after a restart applies the bundle\'s audio only when it differs from the previous bundle\'s (local volume changes stay)', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { proxyHost: 'sip2.example.org' }));
    await agent.poll();
    await agent.stop();
    const first = env.agent(resolveBootConfig(env.local).config);
    await first.start({ timers: false });
    await first.confirmPending();
    expect(env.hot).toHaveLength(1);
    env.server.serve(SERIAL, env.bundle(2, { proxyHost: 'sip3.example.org' }));
    await first.poll();
    await first.stop();
    const second = env.agent(resolveBootConfig(env.local).config);
    await second.start({ timers: false });
    await second.confirmPending();
    expect(env.events).toContainEqual({ type: 'confirmed', version: 2 });
    expect(env.hot).toHaveLength(1);
  });

  it('rolls back a config whose SIP registration fails within the bound, and reports it', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { ownRoom: 'sip:first@meet.example.org' }));
    await agent.poll();
    env.server.serve(SERIAL, env.bundle(2, { proxyHost: 'wrong.example.org' }));
    await agent.poll();
    await agent.stop();
    const boot = resolveBootConfig(env.local);
    expect(boot.config.sip.proxy.host).toBe('wrong.example.org');
    env.registration = 'failed';
    const after = env.agent(validateConfig({ ...structuredClone(boot.config), fleet: { ...boot.config.fleet, registrationCheckSeconds: 5 } }));
    await after.start({ timers: false });
    const t0 = Date.now();
    await after.confirmPending();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'rolled-back', version: 2, code: 'E_REGISTRATION_FAILED' }));
    expect(env.restarts.at(-1)).toMatch(/rolled back to 1/);
    expect(slot('current')!.version).toBe(1);
    expect(resolveBootConfig(env.local).config.sip.proxy.host).toBe('sip.example.org');
    expect(after.appliedVersion).toBe(1);
    expect(env.server.reports.at(-1)).toMatchObject({ version: 2, outcome: 'rolled-back', code: 'E_REGISTRATION_FAILED' });
    // The rolled-back version is not applied again.
    await after.poll();
    expect(slot('current')!.version).toBe(1);
    expect(env.logs.filter((l) => l.includes('E_BUNDLE_ROLLED_BACK'))).toHaveLength(1);
  }, 15_000);

  it('undoes a hot apply the unit cannot take, and reports it rolled back', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { ownRoom: 'sip:first@meet.example.org' }));
    await agent.poll();
    env.failHot = true;
    env.server.serve(SERIAL, env.bundle(2, { ownRoom: 'sip:second@meet.example.org' }));
    await agent.poll();
    expect(env.events.at(-1)).toMatchObject({ type: 'rolled-back', version: 2 });
    expect(slot('current')!.version).toBe(1);
    expect(agent.appliedVersion).toBe(1);
    // The previous config was put back in place.
    expect(env.hot.at(-1)!.config.rooms.ownRoomUri).toBe('sip:first@meet.example.org');
    expect(env.server.reports.at(-1)).toMatchObject({ version: 2, outcome: 'rolled-back' });
  });

  it('rolls back before boot a config that never confirms after repeated starts', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { proxyHost: 'crashy.example.org' }));
    await agent.poll();
    expect(resolveBootConfig(env.local).config.sip.proxy.host).toBe('crashy.example.org');
    expect(resolveBootConfig(env.local).config.sip.proxy.host).toBe('crashy.example.org');
    const third = resolveBootConfig(env.local);
    expect(third.source).toBe('local'); // no previous bundle: the unit's own file
    expect(third.config.sip.proxy.host).toBe('sip.example.org');
    const state = JSON.parse(readFileSync(join(env.local.fleet.stateDir, 'state.json'), 'utf8')) as { reports: unknown[]; appliedVersion: number };
    expect(state.appliedVersion).toBe(0);
    expect(state.reports).toContainEqual(expect.objectContaining({ version: 1, outcome: 'rolled-back', code: 'E_BUNDLE_ROLLED_BACK' }));
  });
});

describe('fleet agent: refusals keep the last good config', () => {
  async function withGoodVersion(): Promise<FleetAgent> {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(5, { ownRoom: 'sip:good@meet.example.org' }));
    await agent.poll();
    expect(agent.appliedVersion).toBe(5);
    return agent;
  }
  const lastRefusal = () => env.events.filter((e) => e.type === 'refused').at(-1) as Extract<FleetAgentEvent, { type: 'refused' }> | undefined;

  const cases: [string, () => Bundle | string, string][] = [
    ['a tampered bundle', () => { const b = env.bundle(6, { ownRoom: 'sip:x@meet.example.org' }); return { ...b, config: bundleConfig({ ownRoom: 'sip:evil@attacker.example' }) }; }, 'E_BUNDLE_SIGNATURE'],
    ['a bundle signed by another key', () => env.bundle(6, {}, { key: generateFleetKeyPair().privateKeyPem }), 'E_BUNDLE_SIGNATURE'],
    ['an older bundle replayed', () => env.bundle(4, { ownRoom: 'sip:old@meet.example.org' }), 'E_BUNDLE_REPLAY'],
    ['the same version again', () => env.bundle(5, { ownRoom: 'sip:same@meet.example.org' }), 'E_BUNDLE_REPLAY'],
    ["another unit's bundle", () => env.bundle(6, { unitId: 'BVU-0099' }, { unit: 'BVU-0099' }), 'E_BUNDLE_UNIT'],
    ['a malformed bundle', () => '{"format":1,"unit":"BVU-0042","version":6}', 'E_BUNDLE_FORMAT'],
    ['a bundle that is not JSON', () => '<html>proxy error</html>', 'E_BUNDLE_FORMAT'],
    ['a config that does not validate', () => env.bundle(6, { bad: true }), 'E_CONFIG_INVALID'],
    ['secrets that do not fit the config', () => env.bundle(6, {}, { secrets: { 'sip.account.password': PASSWORD, 'extra.secret': 'x' } }), 'E_BUNDLE_SECRETS'],
    ['a loop gain the unit cannot take', () => env.bundle(6, {}, { audio: { speakerVolumePercent: 50, loop: { enabled: true, gainDb: 18 } } }), 'E_CONTROL_INVALID'],
  ];
  for (const [what, make, code] of cases) {
    it(`refuses ${what} (${code})`, async () => {
      const agent = await withGoodVersion();
      const before = readFileSync(join(env.local.fleet.stateDir, 'current.json'), 'utf8');
      const hotBefore = env.hot.length;
      const b = make();
      // A fresh ETag for each, so the server serves it whatever version it claims.
      env.server.bundles.set(SERIAL, { text: typeof b === 'string' ? b : JSON.stringify(b), version: 900 });
      await agent.poll();
      expect(lastRefusal()?.code).toBe(code);
      expect(readFileSync(join(env.local.fleet.stateDir, 'current.json'), 'utf8')).toBe(before);
      expect(agent.appliedVersion).toBe(5);
      expect(env.hot.length).toBe(hotBefore);
      expect(env.restarts).toEqual([]);
      expect(env.logs.some((l) => l.includes('"code":"E_BUNDLE_REFUSED"') && l.includes(`"reason":"${code}"`))).toBe(true);
      const report = env.server.reports.at(-1)!;
      if (code !== 'E_BUNDLE_FORMAT' || what === 'a malformed bundle') expect(report).toMatchObject({ outcome: 'refused', code });
      expectNoSecretsLogged();
    });
  }

  it('still applies the genuine bundle after a forged one claimed its version', async () => {
    const agent = await withGoodVersion();
    env.server.serve(SERIAL, env.bundle(6, {}, { key: generateFleetKeyPair().privateKeyPem }));
    await agent.poll();
    expect(lastRefusal()?.code).toBe('E_BUNDLE_SIGNATURE');
    const genuine = env.bundle(6, { ownRoom: 'sip:genuine@meet.example.org' });
    env.server.bundles.set(SERIAL, { text: JSON.stringify(genuine), version: 7 }); // new ETag
    await agent.poll();
    expect(agent.appliedVersion).toBe(6);
  });
});

describe('fleet agent: heartbeat and meetings outbox', () => {
  const call = (id: string, endedAt: number, established: boolean) => ({
    id, roomUri: 'sip:private-room-1234@meet.example.org', source: 'own-room' as const, meetingId: null,
    startedAt: endedAt - 700_000, establishedAt: established ? endedAt - 600_000 : null, endedAt,
    endReason: 'local-hangup' as const, errorCode: null, audioCodec: 'opus', videoCodec: null, packetsLost: 0, jitterMs: 1,
  });

  it('sends status, faults and finished meetings (duration and source only) matching the schema', async () => {
    const agent = await enrolledAgent();
    env.store.recordCall(call('c-1', Date.parse('2030-01-01T10:10:00Z'), true));
    env.store.recordCall(call('c-2', Date.parse('2030-01-01T11:10:00Z'), false)); // never connected
    await agent.heartbeat();
    const hb = env.server.heartbeats.at(-1)!;
    expect(hb).toMatchObject({
      v: 1, softwareVersion: '0.1.0-test', bundleVersion: 0, uptimeSeconds: 123, callState: 'idle', registration: 'registered',
      faults: ['E_LOOP_OPEN_CIRCUIT'], devices: { loop: 'fault', camera: 'unknown' },
    });
    expect(hb.meetings).toEqual([{ id: 'c-1', startedAt: '2030-01-01T10:00:00.000Z', durationSeconds: 600, source: 'own-room' }]);
    expect(JSON.stringify(hb)).not.toContain('private-room');
    await agent.heartbeat();
    expect(env.server.heartbeats.at(-1)!.meetings).toEqual([]); // acknowledged, not sent twice
  });

  it('keeps meetings while offline and across a restart, and delivers them later', async () => {
    const agent = await enrolledAgent();
    env.store.recordCall(call('c-3', Date.parse('2030-01-02T10:00:00Z'), true));
    env.server.failWith = 503;
    await agent.heartbeat();
    expect(env.events).toContainEqual(expect.objectContaining({ type: 'error', code: 'E_FLEET_UNREACHABLE' }));
    env.store.recordCall(call('c-4', Date.parse('2030-01-02T11:00:00Z'), true));
    await agent.heartbeat();
    await agent.stop();
    env.server.failWith = null;
    const again = env.agent();
    await again.start({ timers: false });
    await again.heartbeat();
    expect(env.server.heartbeats.at(-1)!.meetings.map((m) => m.id)).toEqual(['c-3', 'c-4']);
    await again.heartbeat();
    expect(env.server.heartbeats.at(-1)!.meetings).toEqual([]);
  });

  it('polls when the heartbeat says a newer bundle exists', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(3, { ownRoom: 'sip:newer@meet.example.org' }));
    await agent.heartbeat();
    expect(agent.appliedVersion).toBe(3);
  });

  it('gives coded errors for an unknown unit and a malformed response, keeps asking, and keeps its config and meetings', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { ownRoom: 'sip:kept@meet.example.org' }));
    await agent.poll();
    env.store.recordCall(call('c-5', Date.parse('2030-01-03T10:00:00Z'), true));
    env.server.malformedHeartbeatResponse = '{"acceptedMeetings":"all"}';
    await agent.heartbeat();
    expect(env.events.at(-1)).toMatchObject({ type: 'error', code: 'E_FLEET_RESPONSE' });
    env.server.malformedHeartbeatResponse = null;
    // The real server answers 401 E_UNIT_UNKNOWN (e.g. its database restored from an older backup).
    const unitRecord = env.server.units.get(SERIAL)!;
    env.server.units.delete(SERIAL);
    await agent.heartbeat();
    expect(env.events.at(-1)).toMatchObject({ type: 'error', code: 'E_FLEET_REFUSED', fleetCode: 'E_UNIT_UNKNOWN' });
    expect(env.server.requests.at(-1)).toMatchObject({ url: '/v1/heartbeat', status: 401 });
    // Not final: once the server knows the unit again, the heartbeat goes through with the meeting.
    env.server.units.set(SERIAL, unitRecord);
    await agent.heartbeat();
    expect(env.server.heartbeats.at(-1)!.meetings.map((m) => m.id)).toEqual(['c-5']);
    expect(agent.revoked).toBe(false);
    expect(agent.appliedVersion).toBe(1);
    expect(slot('current')!.version).toBe(1);
    expectNoSecretsLogged();
  });

  it('takes "no bundle yet" (404, empty body) as nothing to do, not as an error', async () => {
    const agent = await enrolledAgent();
    await agent.poll();
    expect(env.server.requests.at(-1)).toMatchObject({ url: '/v1/bundle', status: 404 });
    expect(env.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(agent.appliedVersion).toBe(0);
  });

  it('stops asking once revoked (403 E_UNIT_REVOKED), also after a restart, and keeps its config and meetings', async () => {
    const agent = await enrolledAgent();
    env.server.serve(SERIAL, env.bundle(1, { ownRoom: 'sip:kept@meet.example.org' }));
    await agent.poll();
    env.store.recordCall(call('c-6', Date.parse('2030-01-03T10:00:00Z'), true));
    env.server.units.get(SERIAL)!.revoked = true;
    await agent.heartbeat();
    expect(env.events.slice(-2)).toMatchObject([{ type: 'error', code: 'E_FLEET_REFUSED', fleetCode: 'E_UNIT_REVOKED' }, { type: 'revoked' }]);
    expect(agent.revoked).toBe(true);
    const asked = env.server.requests.length;
    await agent.poll();
    await agent.heartbeat();
    expect(env.server.requests.length).toBe(asked);
    await agent.stop();
    // Revocation is final on the server, so a restarted agent does not ask either.
    const again = env.agent();
    await again.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(again.revoked).toBe(true);
    expect(env.server.requests.length).toBe(asked);
    expect(env.logs.join('')).toContain('"fleetCode":"E_UNIT_REVOKED"');
    expect(again.appliedVersion).toBe(1);
    expect(slot('current')!.version).toBe(1);
    const outbox = env.store.getSetting<{ id: string }[]>('fleet.outbox') ?? [];
    expect(outbox.map((m) => m.id)).toEqual(['c-6']);
    expectNoSecretsLogged();
  });
});
