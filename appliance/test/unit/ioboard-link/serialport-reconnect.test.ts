/**
 * SerialIoBoard over the serialport package's mock binding (the same SerialPortByteStream the
 * unit uses with real ttys): a board answering in TypeScript, unplugged and plugged back.
 */
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialIoBoard, backoffDelay } from '../../../src/adapters/ioboard-serial/ioboard-adapter.js';
import { encodeFrame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { buildFrame, decodeMessage, type DecodedMessage } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import { MESSAGES, PROTOCOL_VERSION } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { FrameStreamParser } from '../../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import { mockSerialPort, openSerialPortStream } from '../../../src/adapters/ioboard-serial/serialport-stream.js';
import type { ApplianceError } from '../../../src/core/errors.js';
import { LED_PATTERNS } from '../../../src/core/led-pattern.js';
import type { IoBoardConnection } from '../../../src/ports/io-board.js';

const PATH = '/dev/ttyMOCK0';
/** The binding instance SerialPortMock uses (the package's ESM and CJS builds are separate instances). */
const MockBinding = SerialPortMock.binding;
type MockPortBinding = NonNullable<SerialPortMock['port']>;
const BOARD_ID = 0x0dd0b0a7;

/** The board end of a mock port: answers HELLO, ACKs reliable messages, records the rest. */
class MockBoard {
  readonly received: DecodedMessage[] = [];
  private parser = new FrameStreamParser();
  private seq = 0;

  constructor(private readonly binding: MockPortBinding) {
    const write = binding.write.bind(binding);
    binding.write = async (buffer: Buffer) => {
      await write(buffer);
      this.fromHost(Uint8Array.from(buffer));
    };
  }

  send(name: Parameters<typeof buildFrame>[0], fields: Record<string, number>): void {
    this.binding.emitData(Buffer.from(encodeFrame(buildFrame(name, this.seq++ & 0xff, fields as never))));
  }

  private fromHost(bytes: Uint8Array): void {
    for (const ev of this.parser.push(bytes)) {
      if (ev.kind !== 'frame') continue;
      const m = decodeMessage(ev.frame);
      this.received.push(m);
      if (m.name === 'HELLO') this.send('HELLO_ACK', { protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 1, fwPatch: 0, boardId: BOARD_ID });
      else if (MESSAGES[m.name].reliable) this.send('ACK', { ackedSeq: m.seq });
    }
  }
}

function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

describe('SerialIoBoard on the serialport mock binding', () => {
  let adapter: SerialIoBoard | null = null;
  afterEach(async () => {
    await adapter?.stop();
    MockBinding.reset();
  });

  it('backs off exponentially up to the cap', () => {
    const b = { initialMs: 250, maxMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(b, n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('connects, reconnects with backoff after an unplug, and restores the LED pattern', async () => {
    MockBinding.createPort(PATH, { echo: false, record: false });
    const ports: SerialPortMock[] = [];
    const boards: MockBoard[] = [];
    const failures: { code: string; afterMs: number }[] = [];
    const connections: IoBoardConnection[] = [];
    adapter = new SerialIoBoard({
      openStream: () => openSerialPortStream(PATH, (path) => {
        const port = mockSerialPort(path) as SerialPortMock;
        port.on('open', () => boards.push(new MockBoard(port.port as MockPortBinding)));
        ports.push(port);
        return port;
      }),
      reconnect: { initialMs: 20, maxMs: 80 },
      onReconnectFailed: (e: ApplianceError, afterMs) => failures.push({ code: e.code, afterMs }),
    });
    adapter.on('connection', (c) => connections.push(c));
    await adapter.start();
    expect(adapter.board()).toEqual({ protocol: PROTOCOL_VERSION, firmware: '0.1.0', boardId: BOARD_ID });
    await adapter.setLedPattern(LED_PATTERNS['in-call']);

    // Unplug: the port closes and the device node is gone (open fails) for a while.
    MockBinding.reset();
    ports[0]!.close();
    await until(() => connections.find((c) => c.state === 'lost'), 1000, 'lost');
    expect(connections.at(-1)).toMatchObject({ state: 'lost', error: { code: 'E_IOBOARD_UNREACHABLE' } });
    await expect(adapter.setLoop({ enabled: true, gainDb: -6 })).rejects.toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
    await until(() => (failures.length >= 4 ? true : undefined), 2000, 'four failed reconnects');
    expect(failures.slice(0, 4)).toEqual([
      { code: 'E_IOBOARD_UNREACHABLE', afterMs: 20 },
      { code: 'E_IOBOARD_UNREACHABLE', afterMs: 40 },
      { code: 'E_IOBOARD_UNREACHABLE', afterMs: 80 },
      { code: 'E_IOBOARD_UNREACHABLE', afterMs: 80 },
    ]);

    // Replug: the next attempt opens the port, says HELLO and sends the last pattern again.
    MockBinding.createPort(PATH, { echo: false, record: false });
    await until(() => (connections.filter((c) => c.state === 'connected').length === 2 ? true : undefined), 2000, 'reconnected');
    const board = boards.at(-1)!;
    await until(() => board.received.find((m) => m.name === 'LED_PATTERN'), 1000, 'the LED pattern restored');
    const led = board.received.find((m) => m.name === 'LED_PATTERN');
    expect(led?.fields).toMatchObject({ red: 0, green: 0, blue: 255 });
    await expect(adapter.setLoop({ enabled: false, gainDb: -60 })).resolves.toBeUndefined();
  });

  it('without reconnect, a port that does not exist fails start() with a coded error', async () => {
    adapter = new SerialIoBoard({ openStream: () => openSerialPortStream('/dev/ttyMOCK9', mockSerialPort) });
    await expect(adapter.start()).rejects.toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
  });
});
