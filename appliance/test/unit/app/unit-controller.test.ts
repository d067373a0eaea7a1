import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnitController } from '../../../src/app/unit-controller.js';
import { ApplianceError } from '../../../src/core/errors.js';
import { SimStatusLight } from '../../../src/adapters/sim/sim-status-light.js';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import { createLogger } from '../../../src/log/logger.js';
import { ManualClock } from '../../support/manual-clock.js';
import { ScriptedSignaling } from '../../support/scripted-signaling.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';

const engine = {
  released: 0,
  applied: [] as unknown[],
  setControls: (c: unknown) => { engine.applied.push(c); },
  stats: () => ({ audio: { packetsReceived: 10, packetsLost: 1, jitterMs: 2 }, video: null }),
  release: async () => { engine.released += 1; },
} as unknown as MediaEngine & { released: number; applied: unknown[] };

const flush = () => new Promise((r) => setImmediate(r));
const silent = () => createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

let clock: ManualClock;
let signaling: ScriptedSignaling;
let store: SqliteStore;
let controller: UnitController;

beforeEach(async () => {
  clock = new ManualClock(1_800_000_000_000);
  signaling = new ScriptedSignaling();
  store = new SqliteStore(':memory:');
  await store.start();
  controller = new UnitController({
    signaling, engine, store, light: new SimStatusLight(silent()), clock, logger: silent(),
    rooms: {
      ownRoomUri: 'sip:own@example.org',
      meetings: [{ id: 'vuk-1', roomUri: 'sip:vuk@example.org', startsAt: new Date(1_800_000_000_000 + 3_600_000).toISOString(), durationMinutes: 30 }],
      minutesBefore: 15,
    },
    failureDisplayMs: 30_000,
    leaveTimeoutMs: 5_000,
  });
  controller.start();
});

afterEach(async () => {
  controller.stop();
  await store.stop();
});

const state = () => controller.machine.snapshot().state;

describe('UnitController', () => {
  it('a press joins the own room outside a meeting window; the scheduled room inside it', async () => {
    controller.onGesture({ type: 'press', atMs: clock.now() });
    expect(state()).toBe('joining');
    expect(signaling.calls).toEqual(['sip:own@example.org']);
    signaling.fail(new ApplianceError('E_ROOM_BUSY'));
    await flush();
    expect(state()).toBe('failed');
    clock.advance(30_000);
    expect(state()).toBe('idle');

    clock.advance(50 * 60_000); // 10 minutes before the meeting
    controller.onGesture({ type: 'press', atMs: clock.now() });
    expect(signaling.calls.at(-1)).toBe('sip:vuk@example.org');
    expect(controller.machine.snapshot().meetingId).toBe('vuk-1');
  });

  it('in a call a press is ignored and a hold leaves; the calls row has codecs and loss', async () => {
    await controller.join();
    signaling.answer();
    await flush();
    expect(state()).toBe('in-call');
    controller.onGesture({ type: 'press', atMs: clock.now() });
    expect(state()).toBe('in-call');
    clock.advance(60_000);
    controller.onGesture({ type: 'hold', atMs: clock.now() });
    expect(state()).toBe('leaving');
    expect(signaling.hangups).toBe(1);
    signaling.emit('ended', 'local-hangup');
    expect(state()).toBe('idle');
    const [call] = store.recentCalls(1);
    expect(call).toMatchObject({ endReason: 'local-hangup', audioCodec: 'opus', videoCodec: 'VP8', packetsLost: 1, jitterMs: 2 });
    expect(call!.endedAt - call!.establishedAt!).toBe(60_000);
  });

  it('a cancel that crosses the 200 OK ends the now-established call with a BYE', async () => {
    await controller.join();
    controller.onGesture({ type: 'hold', atMs: clock.now() });
    expect(state()).toBe('leaving');
    expect(signaling.hangups).toBe(1);
    signaling.answer();
    await flush();
    expect(signaling.hangups).toBe(2);
    signaling.emit('ended', 'local-hangup');
    expect(state()).toBe('idle');
  });

  it('a cancelled join that the far end confirms ends as cancelled, not failed', async () => {
    await controller.join();
    await controller.cancel();
    signaling.fail(new ApplianceError('E_CALL_DROPPED', 'cancelled'));
    await flush();
    expect(state()).toBe('idle');
    expect(store.recentCalls(1)[0]).toMatchObject({ endReason: 'cancelled', errorCode: null });
  });

  it('a hang-up the far end never confirms still ends the call locally after the leave timeout', async () => {
    await controller.join();
    signaling.answer();
    await flush();
    await controller.leave();
    clock.advance(4_999);
    expect(state()).toBe('leaving');
    clock.advance(1);
    expect(state()).toBe('idle');
    expect(engine.released).toBeGreaterThan(0);
    expect(store.recentCalls(1)[0]).toMatchObject({ errorCode: 'E_SIP_TIMEOUT' });
  });

  it('a call dropped by a media error goes to failed with that code; a press retries', async () => {
    await controller.join();
    signaling.answer();
    await flush();
    signaling.emit('ended', 'error', new ApplianceError('E_MEDIA_PIPELINE'));
    expect(controller.machine.snapshot().failure?.code).toBe('E_MEDIA_PIPELINE');
    controller.onGesture({ type: 'press', atMs: clock.now() });
    expect(state()).toBe('joining');
    expect(signaling.calls).toHaveLength(2);
  });

  it('actions invalid in the current state are refused with E_STATE_TRANSITION', async () => {
    await expect(controller.leave()).rejects.toMatchObject({ code: 'E_STATE_TRANSITION' });
    await expect(controller.cancel()).rejects.toMatchObject({ code: 'E_STATE_TRANSITION' });
    await controller.join();
    await expect(controller.join()).rejects.toMatchObject({ code: 'E_STATE_TRANSITION' });
  });

  it('every transition is logged to the append-only event log', async () => {
    await controller.join();
    signaling.answer();
    await flush();
    const states = store.recentEvents(10).filter((e) => e.type === 'state').map((e) => `${e.data.from}->${e.data.to}`);
    expect(states).toEqual(['joining->in-call', 'idle->joining']);
  });

  it('controls: applied to the engine, LED shows mute in a call, volume and loop persist, mute resets after the call', async () => {
    await controller.join();
    signaling.answer();
    await flush();
    controller.setControl({ type: 'mic-mute', muted: true });
    controller.setControl({ type: 'speaker-volume-step', direction: 'up' });
    controller.setControl({ type: 'loop', enabled: true });
    expect(controller.status().led?.name).toBe('muted');
    expect(engine.applied.at(-1)).toMatchObject({ micMuted: true, speakerVolume: 70, loopEnabled: true });
    expect(() => controller.setControl({ type: 'loop-gain', gainDb: 3 })).toThrow(expect.objectContaining({ code: 'E_CONTROL_INVALID' }));
    controller.setControl({ type: 'loop-gain', gainDb: 3 }, 'it');
    signaling.emit('ended', 'remote-hangup');
    expect(state()).toBe('idle');
    expect(controller.controls()).toMatchObject({ micMuted: false, speakerVolume: 70, loopEnabled: true, loopGainDb: 3 });
    controller.stop();
    const again = new UnitController({
      signaling, engine, store, light: new SimStatusLight(silent()), clock, logger: silent(),
      rooms: { ownRoomUri: 'sip:own@example.org', meetings: [], minutesBefore: 15 }, failureDisplayMs: 30_000,
    });
    again.start();
    expect(again.controls()).toMatchObject({ speakerVolume: 70, loopEnabled: true, loopGainDb: 3, micMuted: false });
    again.stop();
  });

  it('a stuck button raises a fault the LED shows until the release; change listeners hear it', () => {
    let changes = 0;
    const off = controller.onChange(() => { changes += 1; });
    controller.onGesture({ type: 'stuck', atMs: clock.now() });
    expect(controller.status().faults).toEqual([expect.objectContaining({ code: 'E_BUTTON_STUCK', source: 'start-button' })]);
    expect(controller.status().led?.name).toBe('fault');
    controller.onGesture({ type: 'unstuck', atMs: clock.now() });
    expect(controller.status().faults).toEqual([]);
    expect(controller.status().led?.name).toBe('ready');
    expect(changes).toBe(2);
    off();
  });
});
