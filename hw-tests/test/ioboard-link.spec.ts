/**
 * The I/O board link through the real SerialIoBoard adapter: HELLO, the board's host-lost
 * watchdog, and unplug/replug. sim: the firmware image in simavr; pi: HW_IOBOARD_TTY.
 */
import assert from 'node:assert/strict';
import type { SerialIoBoard } from '../../appliance/src/adapters/ioboard-serial/ioboard-adapter.js';
import { openSerialPortStream } from '../../appliance/src/adapters/ioboard-serial/serialport-stream.js';
import { SerialIoBoard as SerialIoBoardImpl } from '../../appliance/src/adapters/ioboard-serial/ioboard-adapter.js';
import { FAULT_CODE, HEARTBEAT_FLAG, PROTOCOL_VERSION, TIMING } from '../../appliance/src/adapters/ioboard-serial/protocol/protocol-gen.js';
import type { IoBoardConnection, IoBoardFault } from '../../appliance/src/ports/io-board.js';
import { boardTty, hostSide, ioBoardTargetUnavailable, nextEvent, plugInSimBoard, SIM_BOARD_ID, type HostSide } from './support/ioboard-target.js';
import { env, hwTarget, waitUntil } from './support/target.js';
import { SimavrBoard } from './support/simavr-board.js';
import { LED_PATTERNS } from '../../appliance/src/core/led-pattern.js';

/** On pi, HW_IOBOARD_BOARD_ID (hex or decimal) pins the expected board id. */
function expectedBoardId(): number | null {
  if (hwTarget() === 'sim') return SIM_BOARD_ID;
  const id = env('HW_IOBOARD_BOARD_ID');
  return id === undefined ? null : Number(id);
}

describe('I/O board link', function () {
  let sim: SimavrBoard | null = null;
  let host: HostSide;

  before(async function () {
    const why = ioBoardTargetUnavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    if (hwTarget() === 'sim') sim = await plugInSimBoard();
    host = hostSide(boardTty(sim));
  });

  after(async function () {
    await host?.board.stop();
    await sim?.stop();
  });

  it('says hello: protocol version, firmware version and board id', async function () {
    const connected = nextEvent(host.board, 'connection', (c) => c.state === 'connected', 5000);
    await host.board.start();
    const c = await connected;
    assert.equal(c.state, 'connected');
    const info = host.board.board();
    assert.ok(info);
    assert.equal(info.protocol, PROTOCOL_VERSION);
    assert.match(info.firmware, /^\d+\.\d+\.\d+$/);
    const id = expectedBoardId();
    if (id !== null) assert.equal(info.boardId, id);
    console.log(`      board: protocol ${info.protocol}, firmware ${info.firmware}, id 0x${info.boardId.toString(16)}`);
  });

  it('board reports host-lost when the host stops heartbeating, and host-back when it resumes', async function () {
    const tap = host.tap();
    const from = tap.fromBoard.length;
    const hostLost = nextEvent(host.board, 'fault', (f: IoBoardFault) => (f.error.detail as { fault?: unknown }).fault === 'host-lost', TIMING.hostLostMs + 3000);
    const stoppedAt = Date.now();
    tap.setHostHeartbeats(false);
    const f = await hostLost;
    const silentMs = Date.now() - stoppedAt;
    assert.equal(f.code, 'E_IOBOARD_BOARD_FAULT');
    assert.ok(tap.droppedHeartbeats > 0, 'the host kept heartbeating');
    // The board keeps beating with the host-lost flag (its ring shows the host-lost pattern).
    await waitUntil(() => tap.fromBoard.slice(from).find((m) => m.name === 'HEARTBEAT' && (m.fields.flags & HEARTBEAT_FLAG['host-lost']) !== 0), 3000, 'a HEARTBEAT flagged host-lost');
    assert.equal(host.board.board()?.boardId, expectedBoardId() ?? host.board.board()?.boardId, 'the host link stayed up');
    console.log(`      host-lost after ${silentMs} ms of host silence (board threshold ${TIMING.hostLostMs} ms)`);

    const back = tap.fromBoard.length;
    tap.setHostHeartbeats(true);
    await waitUntil(() => tap.fromBoard.slice(back).find((m) => m.name === 'FAULT' && m.fields.code === FAULT_CODE['host-back']), 3000, 'FAULT host-back');
    await waitUntil(() => tap.fromBoard.slice(back).find((m) => m.name === 'HEARTBEAT' && (m.fields.flags & HEARTBEAT_FLAG['host-lost']) === 0), 3000, 'a HEARTBEAT without host-lost');
  });

  describe('unplug and replug', function () {
    let replugged: HostSide | null = null;
    let sameAdapter: SerialIoBoard | null = null;

    before(function () {
      if (!sim) {
        console.log('      skipped: on pi, unplug and replug is a manual step (README.md, "Unplug test")');
        this.skip();
      }
    });

    after(async function () {
      await replugged?.board.stop();
      await sameAdapter?.stop();
    });

    it('reports the connection lost (E_IOBOARD_UNREACHABLE) when the board goes away', async function () {
      const lost = nextEvent(host.board, 'connection', (c: IoBoardConnection) => c.state === 'lost', TIMING.hostLostMs + 3000);
      await sim!.kill();
      const c = await lost;
      assert.equal(c.state, 'lost');
      if (c.state === 'lost') {
        assert.equal(c.error.code, 'E_IOBOARD_UNREACHABLE');
        assert.equal(c.board?.boardId, SIM_BOARD_ID);
      }
      await assert.rejects(host.board.setLoop({ enabled: false, gainDb: -60 }), { code: 'E_IOBOARD_UNREACHABLE' });
    });

    it('a new adapter connects to the replugged board', async function () {
      sim = await plugInSimBoard();
      replugged = hostSide(sim.pty);
      try {
        const connected = nextEvent(replugged.board, 'connection', (c) => c.state === 'connected', 5000);
        await replugged.board.start();
        await connected;
        assert.equal(replugged.board.board()?.boardId, SIM_BOARD_ID);
        await replugged.board.setLoop({ enabled: false, gainDb: -60 });
        // The board's boot HELLO can reach the pty before the host set it raw (the default line
        // discipline mangles it): a coded frame error, dropped, and the link resynchronised.
        assert.deepEqual(replugged.protocolErrors.map((e) => e.code).filter((c) => c !== 'E_IOBOARD_FRAME'), []);
      } finally {
        // serialport locks the tty: let go of it for the next test.
        await replugged.board.stop();
      }
    });

    it('the same adapter reconnects by itself, with backoff, and restores the ring', async function () {
      // A stable path, like /dev/serial/by-id/..., that follows the replugged board.
      let path = sim!.pty;
      const failures: number[] = [];
      sameAdapter = new SerialIoBoardImpl({
        openStream: () => openSerialPortStream(path),
        reconnect: { initialMs: 100, maxMs: 400 },
        onReconnectFailed: (_e, afterMs) => failures.push(afterMs),
      });
      await sameAdapter.start();
      await sameAdapter.setLedPattern(LED_PATTERNS['in-call']);
      const lost = nextEvent(sameAdapter, 'connection', (c) => c.state === 'lost', TIMING.hostLostMs + 3000);
      await sim!.kill();
      await lost;
      // Unplugged for a while: the port does not exist, attempts back off.
      await waitUntil(() => (failures.length >= 3 ? true : undefined), 3000, 'three failed reconnect attempts');
      assert.deepEqual(failures.slice(0, 3), [100, 200, 400]);
      sim = await SimavrBoard.start({ boardId: SIM_BOARD_ID, ring: true });
      path = sim.pty;
      await nextEvent(sameAdapter, 'connection', (c) => c.state === 'connected', 3000);
      assert.equal(sameAdapter.board()?.boardId, SIM_BOARD_ID);
      // The replugged board shows the unit's pattern again (in-call: blue) without being asked.
      await sim.waitForLine((l) => l === 'RING 0000FF', 3000, 0);
    });
  });
});
