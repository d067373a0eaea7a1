import { describe, expect, it } from 'vitest';
import type { ApplianceError } from '../../../src/core/errors.js';
import { IoBoardLink } from '../../../src/adapters/ioboard-serial/link/link.js';
import { encodeFrame } from '../../../src/adapters/ioboard-serial/protocol/frame.js';
import { buildFrame } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import type { DecodedMessage } from '../../../src/adapters/ioboard-serial/protocol/payloads.js';
import { NACK_REASON, PROTOCOL_VERSION, TIMING } from '../../../src/adapters/ioboard-serial/protocol/protocol-gen.js';
import { FakeBoard, settle } from './fake-board.js';
import { ManualClock } from '../../support/manual-clock.js';

const LED = { pattern: 1, red: 0, green: 255, blue: 0, periodMs: 0 };

/** Moves the clock in small steps, letting the in-memory wire deliver between them. */
async function run(clock: ManualClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

function setup() {
  const clock = new ManualClock();
  const board = new FakeBoard();
  const link = new IoBoardLink(board.stream, { clock });
  const messages: DecodedMessage[] = [];
  const errors: ApplianceError[] = [];
  const lost: ApplianceError[] = [];
  let ups = 0;
  link.on('message', (m) => messages.push(m));
  link.on('protocol-error', (e) => errors.push(e));
  link.on('lost', (e) => lost.push(e));
  link.on('up', () => ups++);
  return { clock, board, link, messages, errors, lost, ups: () => ups };
}

async function connected() {
  const s = setup();
  const opened = s.link.open();
  await settle();
  await expect(opened).resolves.toEqual({ protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 1, fwPatch: 2, boardId: s.board.boardId });
  return s;
}

/** Settles a promise's outcome without an unhandled rejection while the clock runs. */
function outcome(p: Promise<unknown>): { value: () => unknown } {
  let result: unknown = 'pending';
  p.then(() => (result = 'resolved'), (e: unknown) => (result = e));
  return { value: () => result };
}

describe('I/O board link (layer 2) against a fake board', () => {
  it('opens with HELLO, gets the board identity and then sends HEARTBEATs every interval', async () => {
    const { clock, board, link } = await connected();
    expect(link.state).toBe('up');
    expect(board.of('HELLO')).toHaveLength(1);
    const beatsAtUp = board.of('HEARTBEAT').length;
    await run(clock, TIMING.heartbeatIntervalMs * 3, 50);
    expect(board.of('HEARTBEAT').length - beatsAtUp).toBe(3);
    link.close();
  });

  it('retransmits an unacknowledged request with the same seq after ackTimeoutMs', async () => {
    const { clock, board, link } = await connected();
    board.dropAcks = 1;
    const sent = outcome(link.request('LED_PATTERN', LED));
    await settle();
    expect(board.of('LED_PATTERN')).toHaveLength(1);
    await run(clock, TIMING.ackTimeoutMs - 10);
    expect(board.of('LED_PATTERN')).toHaveLength(1);
    await run(clock, 20);
    const frames = board.of('LED_PATTERN');
    expect(frames).toHaveLength(2);
    expect(frames[1]?.seq).toBe(frames[0]?.seq);
    expect(sent.value()).toBe('resolved');
    link.close();
  });

  it('gives up after maxRetries retransmissions with E_IOBOARD_TIMEOUT, then sends the next request', async () => {
    const { clock, board, link } = await connected();
    board.autoAck = false;
    const first = outcome(link.request('LOOP_SET', { enable: 1, gain: 100 }));
    const second = outcome(link.request('LOOP_SET', { enable: 0, gain: 0 }));
    await run(clock, TIMING.ackTimeoutMs * (TIMING.maxRetries + 1) + 20);
    expect(board.of('LOOP_SET').filter((m) => m.fields.enable === 1)).toHaveLength(1 + TIMING.maxRetries);
    expect(first.value()).toMatchObject({ code: 'E_IOBOARD_TIMEOUT', detail: { message: 'LOOP_SET', attempts: 4 } });
    board.autoAck = true;
    await run(clock, TIMING.ackTimeoutMs * 2);
    expect(second.value()).toBe('resolved');
    link.close();
  });

  it('resends at once, same seq, when the board NACKs with bad-crc; refuses on unknown-type', async () => {
    const { clock, board, link } = await connected();
    board.nacks = ['bad-crc'];
    const sent = outcome(link.request('LED_PATTERN', LED));
    await settle();
    await settle();
    const frames = board.of('LED_PATTERN');
    expect(frames).toHaveLength(2); // no timeout needed: clock did not move
    expect(frames[1]?.seq).toBe(frames[0]?.seq);
    await settle();
    expect(sent.value()).toBe('resolved');

    board.nacks = ['unknown-type'];
    const refused = outcome(link.request('LED_PATTERN', LED));
    await run(clock, 20);
    expect(refused.value()).toMatchObject({ code: 'E_IOBOARD_NACK', detail: { reason: 'unknown-type' } });
    link.close();
  });

  it('ACKs a repeated inbound seq again but delivers it once; the same seq after the window is new', async () => {
    const { clock, board, link, messages } = await connected();
    const acksBefore = board.of('ACK').length;
    board.send('BUTTON_EVENT', { button: 0, action: 1 }, 42);
    await settle();
    await run(clock, TIMING.ackTimeoutMs);
    board.send('BUTTON_EVENT', { button: 0, action: 1 }, 42);
    await settle();
    const acks = board.of('ACK').slice(acksBefore);
    expect(acks.map((a) => a.fields.ackedSeq)).toEqual([42, 42]);
    expect(messages.filter((m) => m.name === 'BUTTON_EVENT')).toHaveLength(1);

    await run(clock, TIMING.ackTimeoutMs * (TIMING.maxRetries + 1) + 10);
    board.send('BUTTON_EVENT', { button: 0, action: 2 }, 42); // the counter wrapped round
    await settle();
    expect(messages.filter((m) => m.name === 'BUTTON_EVENT')).toHaveLength(2);
    link.close();
  });

  it('declares the board lost after boardLostMs of silence, but not while it beats; recovers on HELLO_ACK', async () => {
    const { clock, board, link, lost, ups } = await connected();
    for (let i = 0; i < 10; i++) {
      board.heartbeat();
      await run(clock, TIMING.heartbeatIntervalMs, 100);
    }
    expect(lost).toHaveLength(0);
    board.answerHello = false;
    await run(clock, TIMING.hostLostMs + 100, 100);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'E_IOBOARD_UNREACHABLE', detail: { reason: 'silent' } });
    expect(link.state).toBe('lost');
    await expect(link.request('LED_PATTERN', LED)).rejects.toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
    const hellos = board.of('HELLO').length;
    await run(clock, TIMING.heartbeatIntervalMs * 2, 100);
    expect(board.of('HELLO').length).toBeGreaterThan(hellos); // probing
    board.answerHello = true;
    await run(clock, TIMING.heartbeatIntervalMs * 3, 100);
    expect(link.state).toBe('up');
    expect(ups()).toBe(2);
    link.close();
  });

  it('reports garbage as coded errors, never throws, NACKs a bad CRC and resynchronises', async () => {
    const { board, link, messages, errors } = await connected();
    board.sendRaw(Uint8Array.from([0x13, 0x37, 0x00, 0xff, 0xff, 0xff, 0x00]));
    board.sendRaw(new Uint8Array(100).fill(0x55)); // oversize run, no delimiter
    const wire = encodeFrame(buildFrame('BUTTON_EVENT', 9, { button: 1, action: 1 }));
    const i = wire.length - 2; // last CRC byte, changed to another non-zero value
    const crcByte = wire[i] as number;
    wire[i] = crcByte === 0xff ? 0xfe : crcByte + 1;
    board.sendRaw(Uint8Array.from([0x00, ...wire]));
    board.send('BUTTON_EVENT', { button: 2, action: 3 }, 10);
    board.sendRaw(encodeFrame({ version: PROTOCOL_VERSION, seq: 11, type: 99, payload: new Uint8Array(0) }));
    await settle();
    await settle();
    expect(messages.filter((m) => m.name === 'BUTTON_EVENT').map((m) => m.fields)).toEqual([{ button: 2, action: 3 }]);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    for (const e of errors) expect(['E_IOBOARD_FRAME', 'E_IOBOARD_PAYLOAD']).toContain(e.code);
    const nacks = board.of('NACK').map((n) => n.fields);
    expect(nacks).toContainEqual({ nackedSeq: 9, reason: NACK_REASON['bad-crc'] });
    expect(nacks).toContainEqual({ nackedSeq: 11, reason: NACK_REASON['unknown-type'] });
    expect(link.state).toBe('up');
    link.close();
  });

  it('survives random bytes (fuzz) and still delivers the next valid frame', async () => {
    const { board, link, messages } = await connected();
    let x = 12345;
    const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
    const cases = 2000;
    for (let i = 0; i < cases; i++) {
      board.sendRaw(Uint8Array.from({ length: 1 + (rand() % 48) }, () => (rand() < 40 ? 0 : rand())));
    }
    await settle();
    board.sendRaw(Uint8Array.of(0));
    board.send('BUTTON_EVENT', { button: 0, action: 2 }, 200);
    await settle();
    expect(messages.at(-1)).toMatchObject({ name: 'BUTTON_EVENT', seq: 200, fields: { button: 0, action: 2 } });
    expect(link.state).not.toBe('closed');
    link.close();
  });

  it('refuses a board whose HELLO_ACK carries another protocol version', async () => {
    const { board, link } = setup();
    board.helloVersion = PROTOCOL_VERSION + 1;
    const opened = outcome(link.open());
    await settle();
    expect(opened.value()).toMatchObject({ code: 'E_IOBOARD_VERSION', detail: { board: PROTOCOL_VERSION + 1, host: PROTOCOL_VERSION } });
    expect(link.state).toBe('closed');
    expect(board.stream.closed).toBe(true);
  });

  it('refuses a board whose frames carry another version byte', async () => {
    const { board, link } = setup();
    board.frameVersion = PROTOCOL_VERSION + 1;
    board.helloVersion = PROTOCOL_VERSION + 1;
    const opened = outcome(link.open());
    await settle();
    expect(opened.value()).toMatchObject({ code: 'E_IOBOARD_VERSION' });
    expect(link.state).toBe('closed');
  });

  it('rejects open with E_IOBOARD_UNREACHABLE after 1 + maxRetries unanswered HELLOs', async () => {
    const { clock, board, link } = setup();
    board.answerHello = false;
    const opened = outcome(link.open());
    await run(clock, TIMING.ackTimeoutMs * (TIMING.maxRetries + 1) + 20);
    expect(opened.value()).toMatchObject({ code: 'E_IOBOARD_UNREACHABLE', detail: { reason: 'no-hello-ack' } });
    expect(board.of('HELLO').length).toBeGreaterThanOrEqual(1 + TIMING.maxRetries);
    link.close();
  });

  it('reports lost when the stream closes (unplugged) and fails pending requests', async () => {
    const { board, link, lost } = await connected();
    board.autoAck = false;
    const pending = outcome(link.request('LED_PATTERN', LED));
    await settle();
    board.stream.unplug();
    await settle();
    expect(lost).toHaveLength(1);
    expect(lost[0]?.code).toBe('E_IOBOARD_UNREACHABLE');
    expect(pending.value()).toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
    expect(link.state).toBe('closed');
    link.close();
    link.close();
  });

  it('starts a new session when the board reboots (its HELLO): duplicates forgotten, handshake redone', async () => {
    const { board, link, messages, ups } = await connected();
    board.send('BUTTON_EVENT', { button: 0, action: 1 }, 3);
    await settle();
    board.send('HELLO', { protocolVersion: PROTOCOL_VERSION, fwMajor: 0, fwMinor: 1, fwPatch: 2, boardId: board.boardId }, 0);
    await settle();
    await settle();
    expect(ups()).toBe(2);
    board.send('BUTTON_EVENT', { button: 0, action: 1 }, 3);
    await settle();
    expect(messages.filter((m) => m.name === 'BUTTON_EVENT')).toHaveLength(2);
    expect(link.state).toBe('up');
    link.close();
  });
});
