/**
 * The display adapters against a fake cec-ctl on PATH (records its arguments; answers, NACKs,
 * fails or hangs as the test says) and a fake sysfs backlight; the driver against a controller.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BacklightPanel } from '../../../src/adapters/display-backlight/backlight-panel.js';
import { CecTv } from '../../../src/adapters/display-cec/cec-tv.js';
import { SimStatusLight } from '../../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import { DisplayDriver } from '../../../src/app/display-driver.js';
import { UnitController } from '../../../src/app/unit-controller.js';
import { createLogger } from '../../../src/log/logger.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';

let dir = '';
let env: NodeJS.ProcessEnv;
const calls = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : []);
const mode = (m: 'ok' | 'nack' | 'fail' | 'hang') => writeFileSync(join(dir, 'mode'), m);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-cec-'));
  // Output shaped like cec-ctl 1.22's for a transmit the TV did not acknowledge.
  writeFileSync(join(dir, 'cec-ctl'), `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$(cat "${dir}/mode")" in
  ok) echo "Transmit from Playback Device 1 to TV (4 to 0):"; echo "	Tx, OK";;
  nack) echo "Transmit from Playback Device 1 to TV (4 to 0):"; echo "	Tx, Not Acknowledged (4), Max Retries";;
  fail) echo "Failed to open /dev/cec0: No such file or directory" >&2; exit 1;;
  hang) exec sleep 30;;
esac
`);
  chmodSync(join(dir, 'cec-ctl'), 0o755);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => rmSync(join(dir, 'calls'), { force: true }));

describe('CecTv (cec-ctl)', () => {
  const tv = () => new CecTv({ device: '/dev/cec0', timeoutMs: 500, env });

  it('wakes the TV with Image View On and puts it in standby, as a playback device', async () => {
    mode('ok');
    await tv().wake();
    await tv().standby();
    expect(calls()).toEqual([
      '-d /dev/cec0 -s --playback --to 0 --image-view-on',
      '-d /dev/cec0 -s --playback --to 0 --standby',
    ]);
  });

  it('a TV that does not acknowledge is E_DISPLAY_CEC', async () => {
    mode('nack');
    await expect(tv().wake()).rejects.toMatchObject({ code: 'E_DISPLAY_CEC', detail: { reason: 'not-acknowledged' } });
  });

  it('a failing cec-ctl is E_DISPLAY_CEC with its exit', async () => {
    mode('fail');
    await expect(tv().standby()).rejects.toMatchObject({ code: 'E_DISPLAY_CEC', detail: { reason: 'exit' } });
  });

  it('a hanging cec-ctl is killed at the timeout: E_DISPLAY_CEC, never a hang', async () => {
    mode('hang');
    const t0 = Date.now();
    await expect(tv().wake()).rejects.toMatchObject({ code: 'E_DISPLAY_CEC', detail: { reason: 'timeout' } });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('no cec-ctl installed is E_DISPLAY_CEC', async () => {
    const missing = new CecTv({ device: '/dev/cec0', timeoutMs: 500, command: join(dir, 'no-such-cec-ctl') });
    await expect(missing.wake()).rejects.toMatchObject({ code: 'E_DISPLAY_CEC', detail: { reason: 'no-cec-ctl' } });
  });
});

describe('BacklightPanel (sysfs bl_power)', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'fake-sysfs-bl-'));
    mkdirSync(join(root, 'class', 'backlight', '10-0045'), { recursive: true });
    writeFileSync(join(root, 'class', 'backlight', '10-0045', 'bl_power'), '0\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const blPower = () => readFileSync(join(root, 'class', 'backlight', '10-0045', 'bl_power'), 'utf8');

  it('blanks (4) and wakes (0) the only backlight', async () => {
    const panel = new BacklightPanel({ sysfsRoot: root });
    await panel.standby();
    expect(blPower()).toBe('4');
    await panel.wake();
    expect(blPower()).toBe('0');
  });

  it('a missing backlight is E_DISPLAY_PANEL', async () => {
    await expect(new BacklightPanel({ sysfsRoot: root, name: 'nope' }).wake()).rejects.toMatchObject({ code: 'E_DISPLAY_PANEL' });
    await expect(new BacklightPanel({ sysfsRoot: join(root, 'empty') }).wake()).rejects.toMatchObject({ code: 'E_DISPLAY_PANEL' });
  });
});

describe('DisplayDriver', () => {
  const silent = () => createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
  const engine = { setControls: () => undefined, stats: () => ({ audio: null, video: null }), release: async () => undefined } as unknown as MediaEngine;

  it('wakes the TV on join and puts it in standby when idle again; a silent TV is a display fault until it answers', async () => {
    const store = new SqliteStore(':memory:');
    await store.start();
    const signaling = new ScriptedSignaling({ confirmHangups: true });
    const controller = new UnitController({
      signaling, engine, store, light: new SimStatusLight(silent()), clock: systemClock, logger: silent(),
      rooms: { ownRoomUri: 'sip:own@example.org', meetings: [], minutesBefore: 15 }, failureDisplayMs: 1000, leaveTimeoutMs: 1000,
    });
    controller.start();
    const driver = new DisplayDriver({ controller, logger: silent(), tv: new CecTv({ device: '/dev/cec0', timeoutMs: 300, env }), panel: null, blankPanelWhenIdle: false });
    driver.start();
    try {
      mode('hang');
      await controller.join();
      await driver.settled;
      expect(controller.status().faults.map((f) => `${f.source}:${f.code}`)).toEqual(['display:E_DISPLAY_CEC']);
      expect(controller.status().led?.name).toBe('fault');
      signaling.answer();
      await new Promise((r) => setImmediate(r));
      expect(controller.machine.snapshot().state).toBe('in-call'); // the call went on regardless
      mode('ok');
      await controller.leave();
      await new Promise((r) => setTimeout(r, 20));
      await driver.settled;
      expect(controller.machine.snapshot().state).toBe('idle');
      expect(controller.status().faults).toEqual([]);
      expect(calls().map((c) => c.split(' ').at(-1))).toEqual(['--image-view-on', '--standby']);
    } finally {
      driver.stop();
      controller.stop();
      await store.stop();
    }
  });
});
