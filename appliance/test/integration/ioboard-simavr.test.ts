/**
 * The real firmware image (firmware/build/ioboard.elf) on a simulated ATmega328P, talked to
 * over the harness's pty with the TypeScript codec. Builds nothing: `make -C firmware all sim`
 * makes the image and the harness; without them the suite is skipped with a message.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/adapters/ioboard-serial/protocol/frame.js';
import { buildFrame, decodeMessage } from '../../src/adapters/ioboard-serial/protocol/payloads.js';
import type { DecodedMessage, PayloadOf } from '../../src/adapters/ioboard-serial/protocol/payloads.js';
import {
  BUTTON_ACTION,
  BUTTON_ID,
  FAULT_CODE,
  HEARTBEAT_FLAG,
  LED_PATTERN,
  LOOP_FAULT,
  MESSAGES,
  NACK_REASON,
  PROTOCOL_VERSION,
  TIMING,
} from '../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import type { MessageName } from '../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { FrameStreamParser } from '../../src/adapters/ioboard-serial/protocol/stream-parser.js';
import { SimavrBoard, simBoardUnavailable } from '../support/simavr-board.js';

const BOARD_ID = 0x1234abcd;
const missing = simBoardUnavailable();
if (missing) console.warn(`ioboard-simavr: skipped, ${missing}`);

type Received = DecodedMessage & { at: number };

/** A minimal host side of the protocol over the pty: enough to drive the board in tests. */
class PtyHost {
  readonly received: Received[] = [];
  private seq = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private parser = new FrameStreamParser();
  private waiters: (() => void)[] = [];
  autoAck = true;

  constructor(
    private readonly fd: number,
    input: ReadStream,
    readonly sim: SimavrBoard,
  ) {
    input.on('data', (chunk: Buffer) => {
      for (const ev of this.parser.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const msg = decodeMessage(ev.frame);
        this.received.push({ ...msg, at: Date.now() });
        if (this.autoAck && MESSAGES[msg.name].reliable) this.send('ACK', { ackedSeq: msg.seq });
      }
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  sendRaw(bytes: Uint8Array): void {
    writeSync(this.fd, bytes);
  }

  /** Sends a message with the next seq; returns the seq. */
  send<N extends MessageName>(name: N, fields: PayloadOf<N>): number {
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    this.sendRaw(encodeFrame(buildFrame(name, seq, fields)));
    return seq;
  }

  command(line: string): Promise<void> {
    return this.sim.command(line);
  }

  startHeartbeats(): void {
    this.stopHeartbeats();
    const beat = () => this.send('HEARTBEAT', { flags: 0, ledPattern: 0, uptimeS: 0 });
    beat();
    this.heartbeat = setInterval(beat, TIMING.heartbeatIntervalMs);
  }

  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = find();
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for a message received at or after index `from` (default: from now on). */
  waitFor<N extends MessageName>(
    name: N,
    match: (fields: PayloadOf<N>) => boolean = () => true,
    timeoutMs = 2000,
    from = this.received.length,
  ): Promise<Extract<Received, { name: N }>> {
    return this.until(
      () => this.received.slice(from).find((m): m is Extract<Received, { name: N }> => m.name === name && match(m.fields as PayloadOf<N>)),
      timeoutMs,
      name,
    );
  }

  waitForLine(match: (line: string) => boolean, timeoutMs: number, from = this.sim.mark()): Promise<string> {
    return this.sim.waitForLine(match, timeoutMs, from).then((hit) => hit.line);
  }
}

describe.skipIf(missing !== null)('I/O board firmware in simavr', () => {
  let sim: SimavrBoard;
  let fd = -1;
  let input: ReadStream | null = null;
  let host: PtyHost;

  beforeAll(async () => {
    sim = await SimavrBoard.start({ boardId: BOARD_ID });
    const pty = sim.pty;
    execFileSync('stty', ['-F', pty, 'raw', '-echo']);
    fd = openSync(pty, constants.O_RDWR | constants.O_NOCTTY);
    input = new ReadStream(fd);
    input.setRawMode(true);
    host = new PtyHost(fd, input, sim);
  });

  afterAll(async () => {
    host?.stopHeartbeats();
    input?.destroy();
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already closed with the stream
      }
    }
    await sim?.stop();
  });

  it('answers HELLO with HELLO_ACK carrying its firmware version and board id', async () => {
    host.sendRaw(Uint8Array.of(0));
    host.send('HELLO', { protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 0, fwPatch: 0, boardId: 0 });
    const ack = await host.waitFor('HELLO_ACK', () => true, 3000, 0);
    expect(ack.fields).toEqual({ protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 1, fwPatch: 0, boardId: BOARD_ID });
    host.startHeartbeats();
    const beat = await host.waitFor('HEARTBEAT', () => true, 3000);
    expect(beat.fields.flags & HEARTBEAT_FLAG['host-lost']).toBe(0);
  });

  it('reports a button press and release as BUTTON_EVENTs', async () => {
    const from = host.received.length;
    await host.command(`press ${BUTTON_ID['volume-up']} 150`);
    const press = await host.waitFor('BUTTON_EVENT', (f) => f.action === BUTTON_ACTION.press, 2000, from);
    expect(press.fields.button).toBe(BUTTON_ID['volume-up']);
    const release = await host.waitFor('BUTTON_EVENT', (f) => f.action === BUTTON_ACTION.release, 2000, from);
    expect(release.fields.button).toBe(BUTTON_ID['volume-up']);
    expect(release.at).toBeGreaterThanOrEqual(press.at);
  });

  it('retransmits an unacknowledged BUTTON_EVENT with the same seq', async () => {
    host.autoAck = false;
    try {
      const from = host.received.length;
      await host.command(`press ${BUTTON_ID['loop-toggle']} 100`);
      const first = await host.waitFor('BUTTON_EVENT', (f) => f.action === BUTTON_ACTION.press, 2000, from);
      const again = await host.waitFor('BUTTON_EVENT', (f) => f.action === BUTTON_ACTION.press, 2000, host.received.indexOf(first) + 1);
      expect(again.seq).toBe(first.seq);
      host.send('ACK', { ackedSeq: first.seq });
    } finally {
      host.autoAck = true;
    }
  });

  it('switches the loop on with LOOP_SET and reports an open loop from the current sense', async () => {
    const lines = host.sim.mark();
    const from = host.received.length;
    await host.command('adc 0 20'); // 20 mA: well under the open-circuit threshold
    const seq = host.send('LOOP_SET', { enable: 1, gain: 128 });
    await host.waitFor('ACK', (f) => f.ackedSeq === seq, 2000, from);
    await host.waitForLine((l) => l === 'LOOP_ENABLE 1', 2000, lines);
    const status = await host.waitFor('LOOP_STATUS', (f) => f.fault !== LOOP_FAULT.none, 4000, from);
    expect(status.fields).toMatchObject({ enabled: 1, gain: 128, fault: LOOP_FAULT.open });
    expect(status.fields.currentMa).toBeLessThan(50);
  });

  it('reports a shorted loop and switches the amplifier off', async () => {
    const lines = host.sim.mark();
    const from = host.received.length;
    await host.command('adc 0 1000');
    const seq = host.send('LOOP_SET', { enable: 1, gain: 200 }); // clears the latched open fault
    await host.waitFor('ACK', (f) => f.ackedSeq === seq, 2000, from);
    await host.command('adc 0 4000'); // 4 A: a short
    const status = await host.waitFor('LOOP_STATUS', (f) => f.fault === LOOP_FAULT.short, 4000, from);
    expect(status.fields.enabled).toBe(0);
    await host.waitForLine((l) => l === 'LOOP_ENABLE 0', 2000, lines);
  });

  it('answers a frame with a bad CRC with NACK bad-crc', async () => {
    const from = host.received.length;
    const wire = encodeFrame(buildFrame('LOOP_SET', 0x5a, { enable: 0, gain: 0 }));
    const i = wire.length - 2; // last CRC byte; changed to another non-zero value
    const crcByte = wire[i] as number;
    wire[i] = crcByte === 0xff ? 0xfe : crcByte + 1;
    host.sendRaw(wire);
    const nack = await host.waitFor('NACK', (f) => f.reason === NACK_REASON['bad-crc'], 2000, from);
    expect(nack.fields.nackedSeq).toBe(0x5a);
  });

  it('reports host-lost when heartbeats stop, and host-back when they return', async () => {
    host.stopHeartbeats();
    const from = host.received.length;
    const lost = await host.waitFor('FAULT', (f) => f.code === FAULT_CODE['host-lost'], TIMING.hostLostMs + 3000, from);
    expect(lost.fields.code).toBe(FAULT_CODE['host-lost']);
    const beat = await host.waitFor('HEARTBEAT', (f) => (f.flags & HEARTBEAT_FLAG['host-lost']) !== 0, 3000, from);
    expect(beat.fields.ledPattern).toBe(LED_PATTERN['host-lost']);
    const back = host.received.length;
    host.startHeartbeats();
    await host.waitFor('FAULT', (f) => f.code === FAULT_CODE['host-back'], 3000, back);
  }, 20_000);
});
