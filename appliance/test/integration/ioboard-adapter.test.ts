/**
 * The IoBoard adapter (layers 1-3 over a real pty) against the real firmware image running
 * in simavr. Builds nothing: `make -C firmware all sim` makes the image and the harness;
 * without them the suite is skipped with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialPortStream } from '../../src/adapters/ioboard-serial/serialport-stream.js';
import { SerialIoBoard } from '../../src/adapters/ioboard-serial/ioboard-adapter.js';
import type { ApplianceError } from '../../src/core/errors.js';
import { LED_PATTERNS } from '../../src/core/led-pattern.js';
import type { IoBoardConnection, IoBoardFault, LoopStatus, PodButtonEvent } from '../../src/ports/io-board.js';
import { TIMING } from '../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { SimavrBoard, simBoardUnavailable } from '../support/simavr-board.js';
import { nextEvent } from '../support/io-board-events.js';

const BOARD_ID = 0x0badcafe;
const missing = simBoardUnavailable();
if (missing) console.warn(`ioboard-adapter: skipped, ${missing}`);


describe.skipIf(missing !== null)('SerialIoBoard against the firmware in simavr', () => {
  let sim: SimavrBoard;
  let board: SerialIoBoard;
  const protocolErrors: ApplianceError[] = [];
  const command = (line: string) => sim.command(line);

  beforeAll(async () => {
    sim = await SimavrBoard.start({ boardId: BOARD_ID });
    board = new SerialIoBoard({ openStream: () => openSerialPortStream(sim.pty), onProtocolError: (e) => protocolErrors.push(e) });
  });

  afterAll(async () => {
    await board?.stop();
    await sim?.stop();
  });

  it('connects: HELLO answered with protocol, firmware version and board id', async () => {
    const connection = nextEvent(board, 'connection', () => true, 3000);
    await board.start();
    expect(await connection).toEqual({ state: 'connected', board: { protocol: 1, firmware: '0.1.0', boardId: BOARD_ID } });
    expect(board.board()).toEqual({ protocol: 1, firmware: '0.1.0', boardId: BOARD_ID });
    await board.start(); // second start is the same session
  });

  it('turns a pod button press in the simulator into button events', async () => {
    const events: PodButtonEvent[] = [];
    board.on('button', (e) => events.push(e));
    const release = nextEvent(board, 'button', (e) => e.kind === 'release', 3000);
    await command('press 1 150');
    await release;
    expect(events).toEqual([
      { button: 'volume-down', kind: 'press' },
      { button: 'volume-down', kind: 'release' },
    ]);
  });

  it('a held button stays held while the host switches the loop (PORTD writes in the simulator)', async () => {
    const events: PodButtonEvent[] = [];
    const onButton = (e: PodButtonEvent) => events.push(e);
    board.on('button', onButton);
    let spam = true;
    let on = false;
    const loop = (async () => {
      while (spam) {
        on = !on;
        await board.setLoop({ enabled: on, gainDb: -6 }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 15)); // ~20 PORTD writes during the press, at a pace the sim's UART bridge keeps up with
      }
    })();
    try {
      const release = nextEvent(board, 'button', (e) => e.kind === 'release', 3000);
      await command('press 0 300');
      await release;
    } finally {
      spam = false;
      await loop;
      board.off('button', onButton);
    }
    expect(events.filter((e) => e.kind !== 'hold')).toEqual([
      { button: 'volume-up', kind: 'press' },
      { button: 'volume-up', kind: 'release' },
    ]);
    await board.setLoop({ enabled: false, gainDb: -60 });
  });

  it('reports an open loop as loop-status fault open and an E_LOOP_OPEN_CIRCUIT fault', async () => {
    await command('adc 0 10'); // 10 mA: under the open-circuit threshold
    const status = nextEvent(board, 'loop-status', (s: LoopStatus) => s.fault !== 'none', 5000);
    const fault = nextEvent(board, 'fault', (f: IoBoardFault) => f.code.startsWith('E_LOOP'), 5000);
    await board.setLoop({ enabled: true, gainDb: -6 });
    expect(await status).toMatchObject({ enabled: true, fault: 'open' });
    expect((await status).currentMa).toBeLessThan(50);
    const f = await fault;
    expect(f.code).toBe('E_LOOP_OPEN_CIRCUIT');
    expect(f.error.code).toBe('E_LOOP_OPEN_CIRCUIT');
  });

  it('gets LED patterns acknowledged by the board', async () => {
    const errorsBefore = protocolErrors.length;
    await expect(board.setLedPattern(LED_PATTERNS['in-call'])).resolves.toBeUndefined();
    await expect(board.setLedPattern(LED_PATTERNS['fault'])).resolves.toBeUndefined();
    await expect(board.setLoop({ enabled: false, gainDb: -60 })).resolves.toBeUndefined();
    // The real firmware sent nothing the host took for bad input.
    expect(protocolErrors.slice(errorsBefore).map((e) => e.code)).toEqual([]);
  });

  it('reports the connection lost when the simulator dies', async () => {
    const lost = nextEvent(board, 'connection', (c: IoBoardConnection) => c.state === 'lost', TIMING.hostLostMs + 3000);
    await sim.kill();
    const c = await lost;
    expect(c.state).toBe('lost');
    if (c.state === 'lost') {
      expect(c.error.code).toBe('E_IOBOARD_UNREACHABLE');
      expect(c.board?.boardId).toBe(BOARD_ID);
    }
    await expect(board.setLedPattern(LED_PATTERNS.ready)).rejects.toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
    await board.stop();
    await board.stop();
  }, 15_000);
});
