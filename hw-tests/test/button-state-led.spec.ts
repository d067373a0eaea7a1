/**
 * Button -> call state -> LED, through the target's button and light adapters, the real
 * ButtonDriver (gesture timings as shipped) and a real UnitController. Only signaling is
 * scripted: the fake answers when the test says so.
 */
import assert from 'node:assert/strict';
import { SqliteStore } from '../../appliance/src/adapters/sqlite/sqlite-store.js';
import { ButtonDriver } from '../../appliance/src/app/button-driver.js';
import { UnitController } from '../../appliance/src/app/unit-controller.js';
import type { Gesture } from '../../appliance/src/core/gestures.js';
import type { LedPatternName } from '../../appliance/src/core/led-pattern.js';
import { systemClock } from '../../appliance/src/ports/clock.js';
import { buttonTargetUnavailable, createButtonTarget, type ButtonTarget } from './support/button-target.js';
import { idleEngine, ScriptedSignaling } from './support/scripted-signaling.js';
import { sleep, testLogger, waitUntil } from './support/target.js';

const TAP_MS = 150;
const HOLD_MS = 2200;
/** Longer than the double-press guard (800 ms), so each tap counts on its own. */
const SETTLE_MS = 900;

describe('button -> state -> LED', function () {
  let target: ButtonTarget;
  let signaling: ScriptedSignaling;
  let store: SqliteStore;
  let controller: UnitController;
  let driver: ButtonDriver;
  const gestures: Gesture[] = [];
  const leds: LedPatternName[] = [];

  const led = () => target.light.current()?.name;
  const state = () => controller.machine.snapshot().state;
  const ledBecomes = (name: LedPatternName, timeoutMs = 3000) =>
    waitUntil(() => (led() === name ? name : undefined), timeoutMs, `LED ${name} (it shows ${led()})`);

  before(async function () {
    const why = buttonTargetUnavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    target = await createButtonTarget();
    console.log(`      target ${target.name}`);
    await target.start();
    signaling = new ScriptedSignaling({ confirmHangups: true });
    store = new SqliteStore(':memory:');
    await store.start();
    const show = target.light.show.bind(target.light);
    target.light.show = (p) => {
      if (leds.at(-1) !== p.name) leds.push(p.name);
      show(p);
    };
    controller = new UnitController({
      signaling, engine: idleEngine, store, light: target.light, clock: systemClock, logger: testLogger(),
      rooms: { ownRoomUri: 'sip:bed-12@rooms.example.org', meetings: [], minutesBefore: 15 },
      failureDisplayMs: 5000,
      leaveTimeoutMs: 3000,
    });
    controller.start();
    driver = new ButtonDriver(target.button, systemClock, (g) => {
      gestures.push(g);
      controller.onGesture(g);
    });
    driver.start();
  });

  after(async function () {
    driver?.stop();
    controller?.stop();
    await target?.stop();
    await store?.stop();
  });

  beforeEach(async function () {
    await sleep(SETTLE_MS);
  });

  it('shows ready while idle', function () {
    assert.equal(state(), 'idle');
    assert.equal(led(), 'ready');
  });

  it('ignores bounce pulses shorter than the debounce', async function () {
    const before = gestures.length;
    await target.bounce(3, 5);
    await sleep(SETTLE_MS);
    assert.deepEqual(gestures.slice(before), []);
    assert.equal(state(), 'idle');
    assert.equal(led(), 'ready');
    assert.equal(signaling.calls.length, 0);
  });

  it('joins on a tap: LED joining, then in-call once the far end answers', async function () {
    await target.pressAndRelease(TAP_MS);
    await ledBecomes('joining');
    assert.equal(state(), 'joining');
    assert.deepEqual(signaling.calls, ['sip:bed-12@rooms.example.org']);
    signaling.answer();
    await ledBecomes('in-call');
    assert.equal(state(), 'in-call');
  });

  it('does nothing on a short tap in a call', async function () {
    const before = gestures.length;
    await target.pressAndRelease(TAP_MS);
    await waitUntil(() => (gestures.length > before ? true : undefined), 2000, 'the press gesture');
    await sleep(200);
    assert.deepEqual(gestures.slice(before).map((g) => g.type), ['press']);
    assert.equal(state(), 'in-call');
    assert.equal(led(), 'in-call');
    assert.equal(signaling.hangups, 0);
  });

  it('leaves on a 2.2 s hold: LED back to ready', async function () {
    const before = gestures.length;
    await target.pressAndRelease(HOLD_MS);
    await ledBecomes('ready');
    assert.deepEqual(gestures.slice(before).map((g) => g.type), ['hold']);
    assert.equal(state(), 'idle');
    assert.equal(signaling.hangups, 1);
  });

  it('showed each pattern in order across the call', function () {
    assert.deepEqual(leds, ['ready', 'joining', 'in-call', 'leaving', 'ready']);
  });
});
