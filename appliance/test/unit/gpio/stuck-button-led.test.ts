/**
 * A start button held down for good (something leaning on it) through the whole input path:
 * SimButton edges -> ButtonDriver -> UnitController -> LED. The pod's buttons have the same
 * test in test/unit/app/pod-driver.test.ts and against the firmware in simavr.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ButtonDriver } from '../../../src/app/button-driver.js';
import { UnitController } from '../../../src/app/unit-controller.js';
import { SimButton } from '../../../src/adapters/sim/sim-button.js';
import { SimStatusLight } from '../../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import { createLogger } from '../../../src/log/logger.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';
import { ManualClock } from '../../support/manual-clock.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';

const silent = () => createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
const engine = { setControls: () => undefined, stats: () => ({ audio: null, video: null }), release: async () => undefined } as unknown as MediaEngine;

describe('stuck start button on the LED', () => {
  let clock: ManualClock;
  let store: SqliteStore;
  let controller: UnitController;
  let button: SimButton;
  let driver: ButtonDriver;
  let signaling: ScriptedSignaling;

  beforeEach(async () => {
    clock = new ManualClock(1_000_000);
    store = new SqliteStore(':memory:');
    await store.start();
    signaling = new ScriptedSignaling();
    controller = new UnitController({
      signaling, engine, store, light: new SimStatusLight(silent()), clock, logger: silent(),
      rooms: { ownRoomUri: 'sip:own@example.org', meetings: [], minutesBefore: 15 }, failureDisplayMs: 1000,
    });
    controller.start();
    button = new SimButton(clock);
    driver = new ButtonDriver(button, clock, (g) => controller.onGesture(g));
    driver.start();
  });

  afterEach(async () => {
    driver.stop();
    controller.stop();
    await store.stop();
  });

  it('shows fault while held past 30 s, joins no call, and is ready again after the release', () => {
    button.set(true);
    clock.advance(29_000);
    expect(controller.status().led?.name).toBe('ready');
    clock.advance(1_100);
    expect(controller.status().faults.map((f) => `${f.source}:${f.code}`)).toEqual(['start-button:E_BUTTON_STUCK']);
    expect(controller.status().led?.name).toBe('fault');
    button.set(false);
    clock.advance(50);
    expect(controller.status().faults).toEqual([]);
    expect(controller.status().led?.name).toBe('ready');
    expect(signaling.calls).toEqual([]);
  });
});
