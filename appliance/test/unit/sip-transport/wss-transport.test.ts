/**
 * The WSS transport and its WebSocket client against a raw RFC 6455 server written here
 * (plain ws:// with the lab flag, so each handshake and frame is under the test's control).
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportState } from 'sip.js';
import { WssTransport, type WssTransportOptions } from '../../../src/adapters/sip/transport/index.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

interface Peer {
  socket: net.Socket;
  texts: string[];
  pings: number;
  /** Frames from the client, unmasked. */
  onFrame?: (opcode: number, payload: Buffer) => void;
}

type Handshake = (key: string) => string;
const goodHandshake: Handshake = (key) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${createHash('sha1').update(key + GUID).digest('base64')}\r\nSec-WebSocket-Protocol: sip\r\n\r\n`;

function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const head = payload.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, payload.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

class RawServer {
  readonly peers: Peer[] = [];
  private server = net.createServer((socket) => this.accept(socket));
  answerPings = true;
  constructor(private handshake: Handshake = goodHandshake) {}

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    for (const p of this.peers) p.socket.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  private accept(socket: net.Socket): void {
    const peer: Peer = { socket, texts: [], pings: 0 };
    this.peers.push(peer);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? '';
        buf = buf.subarray(end + 4);
        upgraded = true;
        socket.write(this.handshake(key));
      }
      while (buf.length >= 6) {
        const opcode = buf[0]! & 0x0f;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) { len = buf.readUInt16BE(2); off = 4; }
        if (buf.length < off + 4 + len) return;
        const mask = buf.subarray(off, off + 4);
        const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len).map((b, i) => b ^ mask[i & 3]!));
        buf = buf.subarray(off + 4 + len);
        if (opcode === 0x1) peer.texts.push(payload.toString());
        if (opcode === 0x9) {
          peer.pings++;
          if (this.answerPings) socket.write(frame(0xa, payload));
        }
        peer.onFrame?.(opcode, payload);
      }
    });
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(handshake?: Handshake, options: Partial<WssTransportOptions> = {}) {
  const server = new RawServer(handshake);
  const port = await server.listen();
  const transport = new WssTransport({ host: '127.0.0.1', port, insecure: true, labAllowUntrustedTls: true, connectTimeoutMs: 2_000, reconnect: false, ...options });
  const messages: string[] = [];
  transport.onMessage = (m) => messages.push(m);
  cleanups.push(() => server.close(), () => transport.dispose());
  return { server, transport, messages };
}

const until = async (fn: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('WssTransport', () => {
  it('refuses unsafe or invalid options with E_CONFIG_INVALID', () => {
    expect(() => new WssTransport({ host: '127.0.0.1', port: 1, insecure: true })).toThrowError(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => new WssTransport({ host: '127.0.0.1', port: 1, path: 'no-slash' })).toThrowError(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => new WssTransport({ host: '127.0.0.1', port: 1, path: '/a b' })).toThrowError(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => new WssTransport({ host: '', port: 1 })).toThrowError(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(new WssTransport({ host: 'sip.example', port: 443 }).protocol).toBe('WSS');
  });

  it('sends masked text frames and reassembles fragmented messages; answers pings', async () => {
    const { server, transport, messages } = await setup();
    await transport.connect();
    expect(transport.state).toBe(TransportState.Connected);
    await transport.send('OPTIONS sip:x SIP/2.0\r\n\r\n');
    await until(() => server.peers[0]?.texts.length === 1);
    expect(server.peers[0]!.texts[0]).toBe('OPTIONS sip:x SIP/2.0\r\n\r\n');
    let pongs = 0;
    server.peers[0]!.onFrame = (op) => { if (op === 0xa) pongs++; };
    const s = server.peers[0]!.socket;
    s.write(Buffer.concat([frame(0x1, Buffer.from('SIP/2.0 200 '), false), frame(0x9, Buffer.from('hi')), frame(0x0, Buffer.from('OK\r\n\r\n'))]));
    await until(() => messages.length === 1 && pongs === 1);
    expect(messages[0]).toBe('SIP/2.0 200 OK\r\n\r\n');
  });

  it.each([
    ['a wrong Sec-WebSocket-Accept', () => 'HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: AAAA\r\nSec-WebSocket-Protocol: sip\r\n\r\n', 'wrong Sec-WebSocket-Accept'],
    ['no sip subprotocol', (key: string) => goodHandshake(key).replace('Sec-WebSocket-Protocol: sip\r\n', ''), 'subprotocol sip not accepted'],
    ['an HTTP error', () => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'HTTP status 404 instead of 101'],
  ])('fails the connect on %s with E_SERVER_UNREACHABLE', async (_name, handshake, reason) => {
    const { transport } = await setup(handshake);
    await expect(transport.connect()).rejects.toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    expect(transport.lastError()?.detail).toMatchObject({ reason });
    expect(transport.state).toBe(TransportState.Disconnected);
  });

  it('a connect() while disconnecting rejects the pending disconnect() (SIP.js Transport contract), not leave it hanging', async () => {
    const { transport } = await setup();
    await transport.connect();
    const disconnecting = transport.disconnect();
    const outcome = disconnecting.then(() => 'resolved', (e: Error) => e.message);
    expect(transport.state).toBe(TransportState.Disconnecting);
    const reconnected = transport.connect();
    expect(await Promise.race([outcome, new Promise((r) => setTimeout(() => r('still pending'), 1_000))])).toBe('Disconnect aborted.');
    await reconnected;
    expect(transport.state).toBe(TransportState.Connected);
    await transport.disconnect();
    expect(transport.state).toBe(TransportState.Disconnected);
  });

  it('drops a connection that sends an oversized message or a masked frame', async () => {
    const { server, transport } = await setup();
    const lost: Error[] = [];
    transport.onDisconnect = (e) => { if (e) lost.push(e); };
    await transport.connect();
    server.peers[0]!.socket.write(Buffer.from([0x81, 127, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]));
    await until(() => lost.length === 1);
    expect(lost[0]).toMatchObject({ code: 'E_SERVER_UNREACHABLE', detail: expect.objectContaining({ reason: 'message too big' }) });
  });

  it('declares the connection dead when pings go unanswered, then reconnects by itself', async () => {
    const { server, transport } = await setup(undefined, { keepaliveIntervalMs: 100, keepaliveTimeoutMs: 150, reconnect: { initialMs: 50, maxMs: 100 } });
    server.answerPings = false;
    const lost: Error[] = [];
    let connects = 0;
    transport.onDisconnect = (e) => { if (e) lost.push(e); };
    transport.onConnect = () => { connects++; };
    await transport.connect();
    await until(() => lost.length >= 1);
    expect(lost[0]).toMatchObject({ code: 'E_SERVER_UNREACHABLE', detail: expect.objectContaining({ reason: 'keepalive-timeout' }) });
    server.answerPings = true;
    await until(() => connects >= 2 && transport.isConnected());
    expect(server.peers.length).toBeGreaterThanOrEqual(2);
    expect(transport.stats().reconnectAttempts).toBeGreaterThanOrEqual(1);
  });
});
