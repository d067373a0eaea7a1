/** The panel's actions over /ws and REST: controls, call IT support, self-test, with their refusal codes. */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { SelfTest, type CheckFn } from '../../../src/app/self-test.js';
import { UnitController } from '../../../src/app/unit-controller.js';
import { ApplianceError } from '../../../src/core/errors.js';
import { SimStatusLight } from '../../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import { createLogger } from '../../../src/log/logger.js';
import type { EchoTester } from '../../../src/ports/echo-test.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';
import type { CallInfo } from '../../../src/ports/signaling.js';
import { systemClock } from '../../../src/ports/clock.js';
import { build } from '../../../src/server/build.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';
import { WsProbe } from './ws-client.js';

const TOKEN = 'it-department-token-0123456789';
const silent = createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
const engine = { setControls: () => undefined, stats: () => ({ audio: null, video: null }), release: async () => undefined } as unknown as MediaEngine;

/** The room answers with a display name, as a Pexip or VDX room would. */
class NamedRoomSignaling extends ScriptedSignaling {
  override call(target: string): Promise<CallInfo> {
    return super.call(target).then((info) => ({ ...info, remoteDisplayName: 'Kommunen, hjemmeplejen' }));
  }
}

interface Rig { app: FastifyInstance; url: string; signaling: NamedRoomSignaling; controller: UnitController; store: SqliteStore; selfTest: SelfTest }
const rigs: Rig[] = [];

async function rig(o: { supportUri?: string; echoTester?: EchoTester; network?: CheckFn } = {}): Promise<Rig> {
  const signaling = new NamedRoomSignaling({ confirmHangups: true });
  const store = new SqliteStore(':memory:');
  await store.start();
  const controller = new UnitController({
    signaling, engine, store, light: new SimStatusLight(silent), clock: systemClock, logger: silent,
    rooms: { ownRoomUri: 'sip:room@example.org', meetings: [], minutesBefore: 15 },
    failureDisplayMs: 60_000, ...(o.supportUri ? { supportUri: o.supportUri } : {}),
  });
  controller.start();
  const selfTest = new SelfTest({ controller, clock: systemClock, ...(o.echoTester ? { echoTester: o.echoTester } : {}), ...(o.network ? { network: o.network } : {}) });
  const app = build({ controller, logger: silent, token: TOKEN, uiDir: null, selfTest });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const r = { app, url: `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/ws`, signaling, controller, store, selfTest };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.app.close();
    r.controller.stop();
    await r.store.stop();
  }
});

type Msg = Record<string, unknown>;
const isState = (m: Msg) => m['type'] === 'state';
const status = (m: Msg) => m['status'] as { call: { state: string }; controls: Record<string, unknown>; participants: unknown; support: { available: boolean }; selfTest: { state: string; checks: Array<{ item: string; outcome: string; code?: string }> } };
const reply = (ws: WsProbe, id: string) => ws.next((m) => m['id'] === id);
let n = 0;
const send = (ws: WsProbe, body: Msg): string => { const id = `m${++n}`; ws.send({ v: 1, type: 'action', id, ...body }); return id; };

async function inCall(r: Rig, ws: WsProbe): Promise<void> {
  await reply(ws, send(ws, { action: 'join' }));
  r.signaling.answer();
  await ws.next((m) => isState(m) && status(m).call.state === 'in-call');
}

describe('controls over /ws', () => {
  it('mute, privacy and speaker mute are refused outside a meeting with E_STATE_TRANSITION; volume and loop work any time', async () => {
    const r = await rig();
    const ws = await WsProbe.connect(r.url);
    await ws.next(isState);
    for (const control of [{ type: 'mic-mute', muted: true }, { type: 'camera-private', private: true }, { type: 'speaker-mute', muted: true }]) {
      expect(await reply(ws, send(ws, { action: 'control', control })), control.type).toMatchObject({ type: 'error', code: 'E_STATE_TRANSITION' });
    }
    expect(r.controller.controls().micMuted).toBe(false);
    const from = ws.messages.length;
    const ack = await reply(ws, send(ws, { action: 'control', control: { type: 'speaker-volume-step', direction: 'up' } }));
    expect(ack).toMatchObject({ type: 'ack', action: 'control', controls: { speakerVolume: 70 } });
    // The change is pushed to every panel although the call state did not move.
    const pushed = await ws.next((m) => isState(m) && status(m).controls['speakerVolume'] === 70, from);
    expect(status(pushed).call.state).toBe('idle');
    expect(await reply(ws, send(ws, { action: 'control', control: { type: 'loop', enabled: true } }))).toMatchObject({ type: 'ack', controls: { loopEnabled: true } });
    expect(await reply(ws, send(ws, { action: 'control', control: { type: 'speaker-volume', volume: 150 } }))).toMatchObject({ type: 'error', code: 'E_CONTROL_INVALID' });
    expect(r.controller.controls().speakerVolume).toBe(70);
    ws.close();
  });

  it('refuses malformed control messages by schema with E_WS_MESSAGE and changes nothing', async () => {
    const r = await rig();
    const ws = await WsProbe.connect(r.url);
    await ws.next(isState);
    const before = r.controller.controls();
    for (const bad of [
      { action: 'control' },
      { action: 'control', control: { type: 'speaker-volume', volume: 'loud' } },
      { action: 'control', control: { type: 'reboot' } },
      { action: 'control', control: { type: 'loop', enabled: true, gainDb: 40 } },
      { action: 'control', control: { type: 'speaker-volume-step', direction: 'sideways' } },
      { action: 'join', control: { type: 'loop', enabled: true } },
    ]) {
      expect(await reply(ws, send(ws, bad)), JSON.stringify(bad)).toMatchObject({ type: 'error', code: 'E_WS_MESSAGE' });
    }
    expect(r.controller.controls()).toEqual(before);
    expect(ws.closed).toBe(false);
    ws.close();
  });

  it('the loop gain is IT only: refused for the bedside panel, accepted with the configured token', async () => {
    const r = await rig();
    const bedside = await WsProbe.connect(r.url);
    await bedside.next(isState);
    expect(await reply(bedside, send(bedside, { action: 'control', control: { type: 'loop-gain', gainDb: 6 } }))).toMatchObject({ type: 'error', code: 'E_CONTROL_INVALID' });
    const it = await WsProbe.connect(`${r.url}?token=${TOKEN}`);
    await it.next(isState);
    expect(await reply(it, send(it, { action: 'control', control: { type: 'loop-gain', gainDb: 6 } }))).toMatchObject({ type: 'ack', controls: { loopGainDb: 6 } });
    expect(await reply(it, send(it, { action: 'control', control: { type: 'loop-gain', gainDb: 30 } }))).toMatchObject({ type: 'error', code: 'E_CONTROL_INVALID' });
    const wrong = await WsProbe.connect(`${r.url}?token=not-the-token-00000000000000`);
    await wrong.next(isState);
    expect(await reply(wrong, send(wrong, { action: 'control', control: { type: 'loop-gain', gainDb: 3 } }))).toMatchObject({ code: 'E_CONTROL_INVALID' });
    expect(r.controller.controls().loopGainDb).toBe(6);
    for (const ws of [bedside, it, wrong]) ws.close();
  });

  it('in a meeting: the far end by display name, mute and privacy pushed to the panel, reset after leaving', async () => {
    const r = await rig();
    const ws = await WsProbe.connect(r.url);
    await ws.next(isState);
    await inCall(r, ws);
    const last = ws.messages.filter(isState).at(-1)!;
    expect(status(last).participants).toEqual({ farEnd: { displayName: 'Kommunen, hjemmeplejen', uri: 'sip:room@example.org' }, support: false });
    await reply(ws, send(ws, { action: 'control', control: { type: 'mic-mute', muted: true } }));
    await reply(ws, send(ws, { action: 'control', control: { type: 'camera-private', private: true } }));
    const shown = ws.messages.filter(isState).at(-1)!;
    expect(status(shown).controls).toMatchObject({ micMuted: true, cameraPrivate: true });
    await reply(ws, send(ws, { action: 'leave' }));
    const idle = await ws.next((m) => isState(m) && status(m).call.state === 'idle');
    expect(status(idle).controls).toMatchObject({ micMuted: false, cameraPrivate: false });
    expect(status(idle).participants).toBeNull();
    ws.close();
  });
});

describe('call IT support', () => {
  it('is refused with E_SUPPORT_NOT_CONFIGURED when no support room is configured, over /ws and REST', async () => {
    const r = await rig();
    const ws = await WsProbe.connect(r.url);
    expect(status(await ws.next(isState)).support).toEqual({ available: false });
    expect(await reply(ws, send(ws, { action: 'call-support' }))).toMatchObject({ type: 'error', code: 'E_SUPPORT_NOT_CONFIGURED' });
    const res = await r.app.inject({ method: 'POST', url: '/call/support' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('E_SUPPORT_NOT_CONFIGURED');
    expect(r.signaling.calls).toEqual([]);
    ws.close();
  });

  it('dials the support room through the same call path, also from the failure screen', async () => {
    const r = await rig({ supportUri: 'sip:it-support@example.org' });
    const ws = await WsProbe.connect(r.url);
    expect(status(await ws.next(isState)).support).toEqual({ available: true });
    await reply(ws, send(ws, { action: 'join' }));
    r.signaling.fail(new ApplianceError('E_ROOM_NOT_FOUND'));
    await ws.next((m) => isState(m) && status(m).call.state === 'failed');
    expect(await reply(ws, send(ws, { action: 'call-support' }))).toMatchObject({ type: 'ack', call: { state: 'joining', roomUri: 'sip:it-support@example.org' } });
    r.signaling.answer();
    const inCallMsg = await ws.next((m) => isState(m) && status(m).call.state === 'in-call');
    expect(status(inCallMsg).participants).toMatchObject({ support: true, farEnd: { uri: 'sip:it-support@example.org' } });
    expect(r.signaling.calls).toEqual(['sip:room@example.org', 'sip:it-support@example.org']);
    expect(await reply(ws, send(ws, { action: 'call-support' }))).toMatchObject({ type: 'error', code: 'E_STATE_TRANSITION' });
    ws.close();
  });
});

describe('REST controls', () => {
  it('validates the body by schema (400), the value by the controls rules (422), the state (409)', async () => {
    const r = await rig();
    const post = (body: unknown, headers: Record<string, string> = {}) => r.app.inject({ method: 'POST', url: '/controls', payload: body as object, headers });
    expect((await post({ type: 'speaker-volume', volume: 40 })).json()).toMatchObject({ controls: { speakerVolume: 40 } });
    const shape = await post({ type: 'speaker-volume', volume: 40, extra: 1 });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.code).toBe('E_BAD_REQUEST');
    const range = await post({ type: 'speaker-volume', volume: 101 });
    expect([range.statusCode, range.json().error.code]).toEqual([422, 'E_CONTROL_INVALID']);
    const gain = await post({ type: 'loop-gain', gainDb: 3 });
    expect([gain.statusCode, gain.json().error.code]).toEqual([422, 'E_CONTROL_INVALID']);
    expect((await post({ type: 'loop-gain', gainDb: 3 }, { authorization: `Bearer ${TOKEN}` })).json()).toMatchObject({ controls: { loopGainDb: 3 } });
    const mute = await post({ type: 'mic-mute', muted: true });
    expect([mute.statusCode, mute.json().error.code]).toEqual([409, 'E_STATE_TRANSITION']);
    expect((await r.app.inject({ method: 'GET', url: '/controls' })).json()).toMatchObject({ speakerVolume: 40, loopGainDb: 3, micMuted: false });
  });
});

describe('self-test', () => {
  it('runs every check, streams progress, and reports pass / fail / not available with codes', async () => {
    let release: () => void = () => undefined;
    const echo: EchoTester = { run: () => new Promise((resolve) => { release = () => resolve({ ok: true, roundTripMs: 180, echoLeakDb: -32, summary: 'probe back in 180 ms, echo -32 dB' }); }) };
    const r = await rig({ echoTester: echo, network: async () => ({ outcome: 'fail', code: 'E_SERVER_UNREACHABLE', detail: 'ECONNREFUSED' }) });
    r.controller.raiseFault('E_LOOP_OPEN_CIRCUIT', 'loop');
    const ws = await WsProbe.connect(r.url);
    await ws.next(isState);
    expect(await reply(ws, send(ws, { action: 'self-test' }))).toMatchObject({ type: 'ack', action: 'self-test' });
    await ws.next((m) => isState(m) && status(m).selfTest.state === 'running');
    expect(await reply(ws, send(ws, { action: 'self-test' })), 'a second run while one runs').toMatchObject({ type: 'error', code: 'E_STATE_TRANSITION' });
    release();
    const done = await ws.next((m) => isState(m) && status(m).selfTest.state === 'done');
    const byItem = Object.fromEntries(status(done).selfTest.checks.map((c) => [c.item, { outcome: c.outcome, code: c.code }]));
    expect(byItem).toEqual({
      registration: { outcome: 'pass', code: undefined },
      network: { outcome: 'fail', code: 'E_SERVER_UNREACHABLE' },
      microphone: { outcome: 'pass', code: undefined },
      speaker: { outcome: 'pass', code: undefined },
      loop: { outcome: 'fail', code: 'E_LOOP_OPEN_CIRCUIT' },
      camera: { outcome: 'not-available', code: undefined },
    });
    expect((await r.app.inject({ method: 'GET', url: '/self-test' })).json()).toMatchObject({ state: 'done' });
    ws.close();
  });

  it('says "not available" for microphone and speaker without an echo tester, is refused in a meeting, and yields to a call', async () => {
    const r = await rig();
    const started = await r.app.inject({ method: 'POST', url: '/self-test' });
    expect(started.statusCode).toBe(202);
    await new Promise((res) => { const off = r.selfTest.onChange(() => { if (r.selfTest.report().state === 'done') { off(); res(null); } }); if (r.selfTest.report().state === 'done') res(null); });
    const checks = Object.fromEntries(r.selfTest.report().checks.map((c) => [c.item, c.outcome]));
    expect(checks).toMatchObject({ microphone: 'not-available', speaker: 'not-available', registration: 'pass' });
    expect(r.selfTest.report().echoTestAvailable).toBe(false);

    // A run that hangs (an echo test that never answers) stops when someone starts a meeting.
    const hanging = new SelfTest({ controller: r.controller, clock: systemClock, echoTester: { run: () => new Promise(() => undefined) } });
    const { done } = hanging.start();
    await r.controller.join();
    const report = await done;
    expect(report.state).toBe('aborted');
    expect(report.checks.find((c) => c.item === 'microphone')?.outcome).toBe('not-available');

    r.signaling.answer();
    await new Promise((res) => setImmediate(res));
    const refused = await r.app.inject({ method: 'POST', url: '/self-test' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'E_STATE_TRANSITION']);
  });
});
