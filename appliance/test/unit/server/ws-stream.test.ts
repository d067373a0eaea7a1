/** The /ws state stream with a real WebSocket client, the static UI and remote-access rules. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.js';
import { createLogger } from '../../../src/log/logger.js';
import { build } from '../../../src/server/build.js';
import { createUnit, type Unit } from '../../../src/unit.js';
import { WsProbe } from './ws-client.js';

const TOKEN = 'ward-tablet-token-0123456789';
let dir: string;
let unit: Unit;
let app: FastifyInstance;
let url: string;
const silent = createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ws-'));
  mkdirSync(join(dir, 'ui', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(join(dir, 'ui', 'assets', 'app-abc.js'), 'export {};');
  const config = validateConfig({
    unit: { id: 'WS-1', name: 'Stue 4 seng 2', ward: 'Medicinsk afsnit', room: '4', bed: '2' },
    rooms: { ownRoomUri: 'sip:room@localhost' },
        sip: { proxy: { host: '127.0.0.1', port: 9 }, transport: 'tcp', connectTimeoutSeconds: 1 },
    lab: { allowInsecureSignaling: true },
    store: { path: join(dir, 'unit.db') },
    ui: { failureDisplaySeconds: 60 },
  });
  unit = createUnit(config, silent);
  await unit.store.start();
  unit.controller.start();
  app = build({
    controller: unit.controller, signaling: unit.signaling, logger: silent, token: TOKEN, uiDir: join(dir, 'ui'),
    unit: { id: 'WS-1', name: 'Stue 4 seng 2', ward: 'Medicinsk afsnit', room: '4', bed: '2', ownRoomUri: 'sip:room@localhost' },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/ws`;
});

afterAll(async () => {
  await app?.close();
  unit?.controller.stop();
  await unit?.store.stop();
  await unit?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const isState = (m: Record<string, unknown>) => m['type'] === 'state';

describe('/ws state stream', () => {
  it('sends a versioned state message on connect, with the unit and the room a press would join', async () => {
    const ws = await WsProbe.connect(url);
    const first = await ws.next(() => true);
    expect(first).toMatchObject({
      v: 1, type: 'state',
      status: {
        call: { state: 'idle' }, registration: 'not-configured',
        unit: { name: 'Stue 4 seng 2', ward: 'Medicinsk afsnit', room: '4', bed: '2' },
        joinTarget: { kind: 'own-room', uri: 'sip:room@localhost' },
      },
    });
    expect(typeof (first['status'] as { serverTime: unknown }).serverTime).toBe('number');
    ws.close();
  });

  it('answers malformed and unknown messages with E_WS_MESSAGE and keeps the socket open', async () => {
    const ws = await WsProbe.connect(url);
    await ws.next(isState);
    const bad: unknown[] = [
      'not json',
      '[]',
      { v: 2, type: 'action', action: 'join', id: 'a1' },
      { v: 1, type: 'action', action: 'reboot', id: 'a2' },
      { v: 1, type: 'action', action: 'join', id: 'a3', extra: true },
      { v: 1, type: 'action', action: 'join' },
      { v: 1, type: 'action', action: 'join', id: '' },
    ];
    for (const msg of bad) {
      const from = ws.messages.length;
      ws.send(msg);
      const reply = await ws.next((m) => m['type'] === 'error', from);
      expect(reply, JSON.stringify(msg)).toMatchObject({ v: 1, type: 'error', code: 'E_WS_MESSAGE' });
    }
    const echoed = ws.messages.filter((m) => m['type'] === 'error').map((m) => m['id']);
    expect(echoed).toEqual([undefined, undefined, 'a1', 'a2', 'a3', undefined, undefined]);
    const from = ws.messages.length;
    ws.socket.send(Buffer.from([1, 2, 3]));
    expect(await ws.next((m) => m['type'] === 'error', from)).toMatchObject({ code: 'E_WS_MESSAGE' });
    expect(ws.closed).toBe(false);
    expect(unit.controller.machine.snapshot().state).toBe('idle');
    ws.close();
  });

  it('refuses an action that is invalid in the current state with E_STATE_TRANSITION', async () => {
    const ws = await WsProbe.connect(url);
    await ws.next(isState);
    ws.send({ v: 1, type: 'action', action: 'leave', id: 'leave-1' });
    expect(await ws.next((m) => m['type'] === 'error')).toMatchObject({ v: 1, type: 'error', id: 'leave-1', code: 'E_STATE_TRANSITION' });
    ws.send({ v: 1, type: 'action', action: 'cancel', id: 'cancel-1' });
    expect(await ws.next((m) => m['id'] === 'cancel-1')).toMatchObject({ type: 'error', code: 'E_STATE_TRANSITION' });
    ws.close();
  });

  it('acks a join and streams every transition to every panel', async () => {
    const a = await WsProbe.connect(url);
    const b = await WsProbe.connect(url);
    await a.next(isState);
    await b.next(isState);
    a.send({ v: 1, type: 'action', action: 'join', id: 'join-1' });
    expect(await a.next((m) => m['type'] === 'ack')).toMatchObject({ v: 1, type: 'ack', id: 'join-1', action: 'join', call: { state: 'joining' } });
    for (const ws of [a, b]) {
      await ws.next((m) => isState(m) && (m['status'] as { call: { state: string } }).call.state === 'joining');
      const failed = await ws.next((m) => isState(m) && (m['status'] as { call: { state: string } }).call.state === 'failed', 0, 10_000);
      // Signaling is not started here, so the join fails at once; which code it carries is the SIP tests' business.
      const failure = (failed['status'] as { call: { failure: { code: string; advice: { action: string } } } }).call.failure;
      expect(failure.code).toMatch(/^E_[A-Z_]+$/);
      expect(['retry', 'call-it-support']).toContain(failure.advice.action);
    }
    a.close();
    b.close();
  });
});

describe('static UI and remote access', () => {
  it('serves the built UI with a strict content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>panel</title>');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc.js' });
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('serves the API only when the UI is not built', async () => {
    const bare = build({ controller: unit.controller, logger: silent, uiDir: join(dir, 'missing') });
    expect((await bare.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await bare.inject({ method: 'GET', url: '/status' })).statusCode).toBe(200);
    await bare.close();
  });

  it('refuses non-loopback clients without the token, and accepts it by header or once by query', async () => {
    const remote = '10.1.2.3';
    const refused = await app.inject({ method: 'GET', url: '/status', remoteAddress: remote });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('E_UNAUTHORIZED');
    expect((await app.inject({ method: 'GET', url: '/status', remoteAddress: remote, headers: { authorization: 'Bearer wrong-token-000000000000' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/status', remoteAddress: remote, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    const page = await app.inject({ method: 'GET', url: `/?token=${TOKEN}`, remoteAddress: remote });
    expect(page.statusCode).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc.js', remoteAddress: remote, headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.statusCode).toBe(200);
  });

  it('refuses every non-loopback client when no token is configured', async () => {
    const open = build({ controller: unit.controller, logger: silent, uiDir: null });
    const res = await open.inject({ method: 'GET', url: '/status', remoteAddress: '192.168.1.20', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(401);
    expect((await open.inject({ method: 'GET', url: '/status' })).statusCode).toBe(200);
    await open.close();
  });
});
