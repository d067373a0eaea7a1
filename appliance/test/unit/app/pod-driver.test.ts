/**
 * The pod driver between a scripted I/O board and the real UnitController: buttons to
 * controls and calls, the ring following the LED, loop settings and faults, a lost board.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodDriver } from '../../../src/app/pod-driver.js';
import { UnitController } from '../../../src/app/unit-controller.js';
import { SimStatusLight } from '../../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import { ApplianceError } from '../../../src/core/errors.js';
import type { LedPattern } from '../../../src/core/led-pattern.js';
import { TypedEmitter } from '../../../src/lib/typed-emitter.js';
import { createLogger } from '../../../src/log/logger.js';
import type { BoardInfo, IoBoard, IoBoardEvents, LoopSettings, PodButton } from '../../../src/ports/io-board.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';
import { ManualClock } from '../../support/manual-clock.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';

const BOARD: BoardInfo = { protocol: 1, firmware: '0.1.0', boardId: 7 };

/** An IoBoard whose events the test emits and whose commands it records. */
class ScriptedBoard extends TypedEmitter<IoBoardEvents> implements IoBoard {
  readonly leds: string[] = [];
  readonly loops: LoopSettings[] = [];
  connected = true;
  startError: ApplianceError | null = null;
  stops = 0;
  async start(): Promise<void> {
    if (this.startError) throw this.startError;
    this.emit('connection', { state: 'connected', board: BOARD });
  }
  async stop(): Promise<void> { this.stops++; }
  async setLedPattern(p: LedPattern): Promise<void> {
    if (!this.connected) throw new ApplianceError('E_IOBOARD_UNREACHABLE');
    this.leds.push(p.name);
  }
  async setLoop(s: LoopSettings): Promise<void> {
    if (!this.connected) throw new ApplianceError('E_IOBOARD_UNREACHABLE');
    this.loops.push({ ...s });
  }
  board(): BoardInfo | null { return this.connected ? BOARD : null; }
  press(button: PodButton): void { this.emit('button', { button, kind: 'press' }); }
  release(button: PodButton): void { this.emit('button', { button, kind: 'release' }); }
}

const engine = { setControls: () => undefined, stats: () => ({ audio: null, video: null }), release: async () => undefined } as unknown as MediaEngine;
const silent = () => createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

let clock: ManualClock;
let signaling: ScriptedSignaling;
let store: SqliteStore;
let controller: UnitController;
let board: ScriptedBoard;
let pod: PodDriver;

async function tap(button: PodButton, ms = 150): Promise<void> {
  board.press(button);
  clock.advance(ms);
  board.release(button);
  clock.advance(40); // past the recognizer's debounce
  await flush();
}

beforeEach(async () => {
  clock = new ManualClock(1_800_000_000_000);
  signaling = new ScriptedSignaling({ confirmHangups: true });
  store = new SqliteStore(':memory:');
  await store.start();
  controller = new UnitController({
    signaling, engine, store, light: new SimStatusLight(silent()), clock, logger: silent(),
    rooms: { ownRoomUri: 'sip:own@example.org', meetings: [], minutesBefore: 15 },
    failureDisplayMs: 30_000, leaveTimeoutMs: 5_000,
  });
  controller.start();
  board = new ScriptedBoard();
  pod = new PodDriver({ board, controller, clock, logger: silent(), loopReferenceGainDb: -12, loopRecheckMs: 10_000, loopHealthyMinMa: 50, loopHealthyMaxMa: 2500 });
  await pod.start();
  await flush();
});

afterEach(async () => {
  await pod.stop();
  controller.stop();
  await store.stop();
});

const led = () => controller.status().led?.name;
const faults = () => controller.status().faults.map((f) => `${f.source}:${f.code}`);

describe('PodDriver', () => {
  it('on connect shows the unit\'s pattern on the ring and sends the loop settings', () => {
    expect(board.leds).toEqual(['ready']);
    expect(board.loops).toEqual([{ enabled: false, gainDb: -12 }]);
  });

  it('volume buttons step the speaker volume, every tap counts', async () => {
    const before = controller.controls().speakerVolume;
    await tap('volume-up');
    await tap('volume-up');
    await tap('volume-down');
    expect(controller.controls().speakerVolume).toBe(before + 10);
  });

  it('the loop button toggles the loop; enable and gain reach the board', async () => {
    await tap('loop-toggle');
    expect(controller.controls().loopEnabled).toBe(true);
    expect(board.loops.at(-1)).toEqual({ enabled: true, gainDb: -12 });
    controller.setControl({ type: 'loop-gain', gainDb: 6 }, 'it');
    await flush();
    expect(board.loops.at(-1)).toEqual({ enabled: true, gainDb: -6 });
    controller.setControl({ type: 'loop-gain', gainDb: 12 }, 'it');
    await flush();
    expect(board.loops.at(-1)).toEqual({ enabled: true, gainDb: 0 });
    await tap('loop-toggle');
    expect(board.loops.at(-1)).toEqual({ enabled: false, gainDb: 0 });
  });

  it('the call button joins on a press and leaves on a hold; the ring follows each state', async () => {
    await tap('call');
    expect(controller.machine.snapshot().state).toBe('joining');
    signaling.answer();
    await flush();
    expect(led()).toBe('in-call');
    clock.advance(1000);
    await tap('call'); // a short press never ends a meeting
    expect(controller.machine.snapshot().state).toBe('in-call');
    board.press('call');
    clock.advance(2100);
    await flush();
    board.release('call');
    clock.advance(40);
    await flush();
    expect(controller.machine.snapshot().state).toBe('idle');
    expect(board.leds).toEqual(['ready', 'joining', 'in-call', 'leaving', 'ready']);
  });

  it('a press and release that arrive together (a busy host) still count: the board debounced them', async () => {
    const before = controller.controls().speakerVolume;
    board.press('volume-up');
    board.release('volume-up');
    await flush();
    expect(controller.controls().speakerVolume).toBe(before + 10);
  });

  it('a pod button held 30 s is E_BUTTON_STUCK from the pod: LED fault until released', async () => {
    board.press('volume-up');
    clock.advance(30_100);
    await flush();
    expect(faults()).toEqual(['pod:E_BUTTON_STUCK']);
    expect(led()).toBe('fault');
    expect(board.leds.at(-1)).toBe('fault');
    board.release('volume-up');
    clock.advance(40);
    await flush();
    expect(faults()).toEqual([]);
    expect(led()).toBe('ready');
    expect(board.leds.at(-1)).toBe('ready');
    expect(controller.controls().speakerVolume).toBe(60); // the stuck press did not step the volume
  });

  it('loop open is a fault until the loop carries current again; the amplifier is re-armed meanwhile', async () => {
    await tap('loop-toggle');
    const armed = board.loops.length;
    board.emit('fault', { code: 'E_LOOP_OPEN_CIRCUIT', error: new ApplianceError('E_LOOP_OPEN_CIRCUIT') });
    expect(faults()).toEqual(['loop:E_LOOP_OPEN_CIRCUIT']);
    expect(led()).toBe('fault');
    // Right after a re-arm the board reports no fault yet, at no current: not healed.
    board.emit('loop-status', { enabled: true, currentMa: 5, fault: 'none' });
    expect(faults()).toEqual(['loop:E_LOOP_OPEN_CIRCUIT']);
    clock.advance(10_000);
    await flush();
    expect(board.loops.length).toBe(armed + 1);
    board.emit('loop-status', { enabled: true, currentMa: 480, fault: 'none' });
    expect(faults()).toEqual([]);
    expect(led()).toBe('ready');
  });

  it('a loop short clears when the user switches the loop off', async () => {
    await tap('loop-toggle');
    board.emit('fault', { code: 'E_LOOP_SHORT_CIRCUIT', error: new ApplianceError('E_LOOP_SHORT_CIRCUIT') });
    expect(faults()).toEqual(['loop:E_LOOP_SHORT_CIRCUIT']);
    clock.advance(1000);
    await tap('loop-toggle');
    expect(faults()).toEqual([]);
  });

  it('a lost board is E_IOBOARD_UNREACHABLE until it is back; the ring gets the current pattern again', async () => {
    board.connected = false;
    board.emit('connection', { state: 'lost', board: BOARD, error: new ApplianceError('E_IOBOARD_UNREACHABLE') });
    expect(faults()).toEqual(['ioboard:E_IOBOARD_UNREACHABLE']);
    expect(led()).toBe('fault');
    await flush();
    board.connected = true;
    board.emit('connection', { state: 'connected', board: BOARD });
    await flush();
    expect(faults()).toEqual([]);
    expect(board.leds.at(-1)).toBe('ready');
  });

  it('a board missing at start is a fault, not a failed start', async () => {
    await pod.stop();
    const absent = new ScriptedBoard();
    absent.startError = new ApplianceError('E_IOBOARD_UNREACHABLE', 'no USB serial device 1a86:7523 is plugged in');
    pod = new PodDriver({ board: absent, controller, clock, logger: silent(), loopReferenceGainDb: -12, loopRecheckMs: 10_000, loopHealthyMinMa: 50, loopHealthyMaxMa: 2500 });
    await expect(pod.start()).resolves.toBeUndefined();
    expect(faults()).toEqual(['ioboard:E_IOBOARD_UNREACHABLE']);
  });
});
