import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.js';
import { createLogger } from '../../../src/log/logger.js';
import { createUnit, type Unit } from '../../../src/unit.js';

let dir: string;
let unit: Unit;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'server-'));
  const config = validateConfig({
    unit: { id: 'S-1', name: 'Server test' },
    rooms: { ownRoomUri: 'sip:room@localhost' },
    sip: { proxy: { host: '127.0.0.1', port: 9 } },
    store: { path: join(dir, 'unit.db') },
  });
  unit = createUnit(config, createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } })));
  await unit.store.start();
  unit.controller.start();
});

afterAll(async () => {
  unit.controller.stop();
  await unit.store.stop();
  await unit.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('build(deps) HTTP API', () => {
  it('GET /status renders the state machine, registration and LED', async () => {
    const res = await unit.server.inject({ method: 'GET', url: '/status' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.call.state).toBe('idle');
    expect(body.registration).toBe('not-configured');
    expect(body.led.name).toBe('ready');
  });

  it('refuses an action that is invalid in the current state with a coded 409', async () => {
    const res = await unit.server.inject({ method: 'POST', url: '/call/leave' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('E_STATE_TRANSITION');
    expect(unit.controller.machine.snapshot().state).toBe('idle');
  });

  it('validates the simulated button request', async () => {
    const bad = await unit.server.inject({ method: 'POST', url: '/sim/button?ms=abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('E_BAD_REQUEST');
    const extra = await unit.server.inject({ method: 'POST', url: '/sim/button?ms=100&x=1' });
    expect(extra.statusCode).toBe(400);
  });

  it('answers unknown routes with 404', async () => {
    const res = await unit.server.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
  });
});
