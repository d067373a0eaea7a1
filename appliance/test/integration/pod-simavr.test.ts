/**
 * The pod wired to the unit's controller, with the real firmware in simavr as the board:
 * pod presses change controls and calls, the ring (decoded from the simulated SPI) follows
 * the LED, a stuck pod button and an open loop show as faults and clear again.
 * Timings are shortened (stuck after 2.5 s, loop recheck 1 s) to keep the suite quick.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodDriver } from '../../src/app/pod-driver.js';
import { UnitController } from '../../src/app/unit-controller.js';
import { SerialIoBoard } from '../../src/adapters/ioboard-serial/ioboard-adapter.js';
import { LOOP } from '../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { openSerialPortStream } from '../../src/adapters/ioboard-serial/serialport-stream.js';
import { SimStatusLight } from '../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { createLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/ports/clock.js';
import type { MediaEngine } from '../../src/ports/media-engine.js';
import { ScriptedSignaling } from '../support/scripted-signaling.js';
import { SimavrBoard, simBoardUnavailable } from '../support/simavr-board.js';
import { eventually } from './unit-harness.js';

const missing = simBoardUnavailable();
if (missing) console.warn(`pod-simavr: skipped, ${missing}`);

const silent = () => createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
const engine = { setControls: () => undefined, stats: () => ({ audio: null, video: null }), release: async () => undefined } as unknown as MediaEngine;

describe.skipIf(missing !== null)('the pod on the firmware in simavr, wired to the controller', () => {
  let sim: SimavrBoard;
  let store: SqliteStore;
  let controller: UnitController;
  let signaling: ScriptedSignaling;
  let board: SerialIoBoard;
  let pod: PodDriver;

  const led = () => controller.status().led?.name;
  const faults = () => controller.status().faults.map((f) => `${f.source}:${f.code}`);
  const ring = (rgb: string, from: number) => sim.waitForLine((l) => l === `RING ${rgb}`, 3000, from);

  beforeAll(async () => {
    sim = await SimavrBoard.start({ boardId: 0x90d0, ring: true });
    store = new SqliteStore(':memory:');
    await store.start();
    signaling = new ScriptedSignaling({ confirmHangups: true });
    controller = new UnitController({
      signaling, engine, store, light: new SimStatusLight(silent()), clock: systemClock, logger: silent(),
      rooms: { ownRoomUri: 'sip:own@example.org', meetings: [], minutesBefore: 15 }, failureDisplayMs: 2000, leaveTimeoutMs: 2000,
    });
    controller.start();
    board = new SerialIoBoard({ openStream: () => openSerialPortStream(sim.pty), reconnect: { initialMs: 100, maxMs: 1000 } });
    pod = new PodDriver({
      board, controller, clock: systemClock, logger: silent(),
      loopReferenceGainDb: -12, loopRecheckMs: 1000, loopHealthyMinMa: LOOP.openBelowMa, loopHealthyMaxMa: LOOP.shortAboveMa,
      timings: { holdMs: 1000, stuckMs: 2500 },
    });
    await pod.start();
  });

  afterAll(async () => {
    await pod?.stop();
    controller?.stop();
    await store?.stop();
    await sim?.stop();
  });

  it('the ring shows the ready pattern (green) once connected', async () => {
    await ring('00FF00', 0);
    expect(faults()).toEqual([]);
  });

  it('volume-up on the pod raises the speaker volume one step', async () => {
    const before = controller.controls().speakerVolume;
    await sim.press('volume-up', 120);
    await eventually(() => controller.controls().speakerVolume === before + 10, 2000, 'volume up');
  });

  it('the loop button switches the amplifier on (enable pin high) and off', async () => {
    await sim.loopCurrent(500);
    const from = sim.mark();
    await sim.press('loop-toggle', 120);
    await sim.waitForLine((l) => l === 'LOOP_ENABLE 1', 3000, from);
    expect(controller.controls().loopEnabled).toBe(true);
  });

  it('an open loop is a loop fault (ring and LED fault) until current flows again', async () => {
    await sim.loopCurrent(10);
    await eventually(() => faults().includes('loop:E_LOOP_OPEN_CIRCUIT'), 4000, 'the open-loop fault');
    expect(led()).toBe('fault');
    await sim.loopCurrent(500); // repaired: the next re-arm finds current again
    await eventually(() => faults().length === 0, 5000, 'the loop fault to clear');
    expect(led()).toBe('ready');
    const from = sim.mark();
    await sim.press('loop-toggle', 120);
    await sim.waitForLine((l) => l === 'LOOP_ENABLE 0', 3000, from);
  });

  it('the call button joins on a press and leaves on a hold; the ring turns blue in the call and green after', async () => {
    const from = sim.mark();
    await sim.press('call', 120);
    await eventually(() => signaling.calls.length === 1, 2000, 'the join');
    expect(led()).toBe('joining');
    signaling.answer();
    await ring('0000FF', from);
    expect(led()).toBe('in-call');
    const back = sim.mark();
    await sim.press('call', 1300);
    await eventually(() => controller.machine.snapshot().state === 'idle', 8000, 'the leave');
    await ring('00FF00', back);
  });

  it('a pod button held past the stuck time is E_BUTTON_STUCK from the pod: LED fault until released', async () => {
    const before = controller.controls().speakerVolume;
    await sim.press('volume-down', 3500);
    // Generous waits: under load simavr's clock (which times the press) can lag the wall clock.
    await eventually(() => faults().includes('pod:E_BUTTON_STUCK'), 8000, 'the stuck fault');
    expect(led()).toBe('fault');
    await eventually(() => faults().length === 0, 8000, 'the release to clear it');
    expect(led()).toBe('ready');
    expect(controller.controls().speakerVolume).toBe(before);
  });
});
