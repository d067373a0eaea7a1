/**
 * Hearing-loop fault detection on the board, seen through the SerialIoBoard adapter.
 * sim: the loop current sense (ADC0, 1 mV = 1 mA) is set in simavr. pi: the jig's load
 * switch puts a dummy loop, an open circuit or a short on the amplifier output, switched by
 * the commands in HW_JIG_LOOP_{NORMAL,OPEN,SHORT}_CMD (README.md).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LOOP } from '../../appliance/src/adapters/ioboard-serial/protocol/protocol-gen.js';
import type { IoBoardFault, LoopStatus } from '../../appliance/src/ports/io-board.js';
import { boardTty, hostSide, ioBoardTargetUnavailable, nextEvent, plugInSimBoard, type HostSide } from './support/ioboard-target.js';
import type { SimavrBoard } from './support/simavr-board.js';
import { env, hwTarget } from './support/target.js';

type LoadState = 'normal' | 'open' | 'short';
const SIM_MA: Record<LoadState, number> = { normal: 500, open: 10, short: 3000 };
const JIG_CMD: Record<LoadState, string> = { normal: 'HW_JIG_LOOP_NORMAL_CMD', open: 'HW_JIG_LOOP_OPEN_CMD', short: 'HW_JIG_LOOP_SHORT_CMD' };

describe('loop fault detection', function () {
  let sim: SimavrBoard | null = null;
  let host: HostSide;

  async function load(state: LoadState): Promise<void> {
    if (sim) return sim.command(`adc 0 ${SIM_MA[state]}`);
    await promisify(execFile)('/bin/sh', ['-c', env(JIG_CMD[state])!]);
  }

  /** (Re)arms the loop, which clears a latched fault, and waits for the status or fault that follows. */
  async function armAndWait<T>(wait: Promise<T>): Promise<T> {
    await host.board.setLoop({ enabled: true, gainDb: -6 });
    return wait;
  }

  before(async function () {
    const why = ioBoardTargetUnavailable()
      ?? (hwTarget() === 'pi' && Object.values(JIG_CMD).some((n) => !env(n))
        ? `HW_TARGET=pi needs the jig's loop load switch: set ${Object.values(JIG_CMD).join(', ')} (README.md)` : null);
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    if (hwTarget() === 'sim') sim = await plugInSimBoard();
    host = hostSide(boardTty(sim));
    await host.board.start();
  });

  after(async function () {
    if (host?.board.board()) await host.board.setLoop({ enabled: false, gainDb: -60 }).catch(() => undefined);
    await host?.board.stop();
    await sim?.stop();
  });

  it('reports a healthy loop with its current and no fault', async function () {
    await load('normal');
    const s: LoopStatus = await armAndWait(nextEvent(host.board, 'loop-status', (x) => x.enabled && x.currentMa > LOOP.openBelowMa, 6000));
    assert.equal(s.fault, 'none');
    if (sim) assert.ok(Math.abs(s.currentMa - SIM_MA.normal) <= 25, `current ${s.currentMa} mA, injected ${SIM_MA.normal}`);
  });

  it('detects an open loop: E_LOOP_OPEN_CIRCUIT', async function () {
    await load('open');
    const fault = nextEvent(host.board, 'fault', (f: IoBoardFault) => f.code.startsWith('E_LOOP'), 6000);
    const status = nextEvent(host.board, 'loop-status', (x) => x.fault !== 'none', 6000);
    const f = await armAndWait(fault);
    assert.equal(f.code, 'E_LOOP_OPEN_CIRCUIT');
    const s = await status;
    assert.equal(s.fault, 'open');
    assert.ok(s.currentMa < LOOP.openBelowMa);
  });

  it('detects a shorted loop: E_LOOP_SHORT_CIRCUIT, amplifier switched off', async function () {
    await load('short');
    const from = sim?.lines.length ?? 0;
    const fault = nextEvent(host.board, 'fault', (f: IoBoardFault) => f.code === 'E_LOOP_SHORT_CIRCUIT', 6000);
    const status = nextEvent(host.board, 'loop-status', (x) => x.fault === 'short', 6000);
    const f = await armAndWait(fault);
    assert.equal(f.code, 'E_LOOP_SHORT_CIRCUIT');
    const s = await status;
    assert.equal(s.enabled, false, 'the board switched the amplifier off');
    assert.ok(s.currentMa > LOOP.shortAboveMa);
    // sim: the harness reports the amplifier enable pin; it went high on arming, low on the short.
    if (sim) assert.equal(sim.lines.slice(from).filter((l) => l.startsWith('LOOP_ENABLE')).at(-1), 'LOOP_ENABLE 0');
  });

  it('recovers when the loop is repaired and re-armed', async function () {
    await load('normal');
    const s = await armAndWait(nextEvent(host.board, 'loop-status', (x) => x.enabled && x.fault === 'none' && x.currentMa > LOOP.openBelowMa, 6000));
    assert.equal(s.fault, 'none');
  });
});
