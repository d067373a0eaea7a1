import * as net from 'node:net';
import { TransportState } from 'sip.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isApplianceError } from '../../../src/core/errors.js';
import { StreamTransport, createStreamTransportClass } from '../../../src/adapters/sip/transport/stream-transport.js';
import type { StreamTransportOptions } from '../../../src/adapters/sip/transport/stream-transport-options.js';
import type { LogEntry, TransportLogger } from '../../../src/adapters/sip/transport/transport-logger.js';
import { defaultHeaders, sipMessage } from './sip-fixtures.js';
import { TestSipServer, closedPort, createTestPki } from './test-sip-server.js';
import type { ServerConnection, TestPki } from './test-sip-server.js';

let pki: TestPki;
let server: TestSipServer;
const transports: StreamTransport[] = [];
const extraServers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  pki = createTestPki();
  server = await TestSipServer.start({ tls: { key: pki.serverKey, cert: pki.serverCert } });
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.dispose()));
  await Promise.all(extraServers.splice(0).map((s) => s.close()));
  server.answerPings = true;
  server.autoRespond = true;
});

afterAll(async () => {
  await server?.close();
  pki?.remove();
});

interface Recorded {
  transport: StreamTransport;
  messages: string[];
  connects: number;
  disconnects: Array<Error | undefined>;
  states: TransportState[];
  logs: Array<{ level: string; entry: LogEntry }>;
}

function recordingLogger(logs: Recorded['logs']): TransportLogger {
  const at = (level: string) => (entry: LogEntry) => void logs.push({ level, entry });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), trace: at('trace') };
}

function makeTransport(overrides: Partial<StreamTransportOptions> = {}, port = server.port): Recorded {
  const rec: Recorded = { messages: [], connects: 0, disconnects: [], states: [], logs: [] } as unknown as Recorded;
  const transport = new StreamTransport({
    host: '127.0.0.1',
    port,
    tls: { ca: pki.caCert },
    connectTimeoutMs: 5_000,
    reconnect: { initialMs: 20, maxMs: 200 },
    logger: recordingLogger(rec.logs),
    ...overrides,
  });
  transport.onMessage = (m) => rec.messages.push(m);
  transport.onConnect = () => rec.connects++;
  transport.onDisconnect = (e) => rec.disconnects.push(e);
  transport.stateChange.addListener((s) => rec.states.push(s));
  rec.transport = transport;
  transports.push(transport);
  return rec;
}

async function connected(overrides: Partial<StreamTransportOptions> = {}): Promise<{ rec: Recorded; peer: ServerConnection }> {
  const before = server.connections.length;
  const rec = makeTransport(overrides);
  await rec.transport.connect();
  await vi.waitFor(() => expect(server.connections.length).toBe(before + 1));
  return { rec, peer: server.latest as ServerConnection };
}

const options = (callId = 'c1') =>
  sipMessage({ startLine: 'OPTIONS sip:room@example.org SIP/2.0', headers: defaultHeaders(callId) });
const inboundMessage = sipMessage({
  startLine: 'MESSAGE sip:unit@127.0.0.1;transport=tls SIP/2.0',
  headers: defaultHeaders('from-proxy'),
  body: 'Besked fra proxy: æøå 😀',
});

describe('StreamTransport over TLS', () => {
  it('connects, walking Disconnected -> Connecting -> Connected, and says TLS for Via', async () => {
    const rec = makeTransport();
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    expect(rec.transport.protocol).toBe('TLS');
    const promise = rec.transport.connect();
    expect(rec.transport.state).toBe(TransportState.Connecting);
    expect(rec.transport.connect()).toBe(promise); // joins the attempt in progress
    await promise;
    expect(rec.transport.isConnected()).toBe(true);
    expect(rec.states).toEqual([TransportState.Connecting, TransportState.Connected]);
    expect(rec.connects).toBe(1);
    expect(rec.transport.lastError()).toBeUndefined();
    await expect(rec.transport.connect()).resolves.toBeUndefined();
  });

  it('sends messages byte-exact, including multibyte bodies', async () => {
    const { rec, peer } = await connected();
    server.autoRespond = false;
    const body = 'Hej sygeplejerske 👩‍⚕️ æøå';
    const msg = sipMessage({ startLine: 'MESSAGE sip:room@example.org SIP/2.0', body });
    await rec.transport.send(msg);
    await rec.transport.send(options());
    await vi.waitFor(() => expect(peer.messages).toEqual([msg, options()]));
    expect(rec.transport.stats().messagesOut).toBe(2);
  });

  it('reassembles a message the server writes in several pieces, and splits coalesced ones', async () => {
    const { rec, peer } = await connected();
    const bytes = Buffer.from(inboundMessage, 'utf8');
    const emoji = bytes.indexOf(Buffer.from('😀'));
    await peer.writeInPieces([bytes.subarray(0, 10), bytes.subarray(10, emoji + 2), bytes.subarray(emoji + 2)]);
    await vi.waitFor(() => expect(rec.messages).toEqual([inboundMessage]));
    await peer.write(options('a') + options('b'));
    await vi.waitFor(() => expect(rec.messages).toEqual([inboundMessage, options('a'), options('b')]));
  });

  it('delivers a request the proxy sends over our connection, and carries our answer back', async () => {
    const { rec, peer } = await connected();
    await peer.write(inboundMessage);
    await vi.waitFor(() => expect(rec.messages).toEqual([inboundMessage]));
    const answer = ['SIP/2.0 200 OK', ...defaultHeaders('from-proxy'), 'Content-Length: 0', '', ''].join('\r\n');
    await rec.transport.send(answer);
    await vi.waitFor(() => expect(peer.messages).toContain(answer));
  });

  it('logs no SIP message text above trace level', async () => {
    const { rec, peer } = await connected();
    server.autoRespond = false;
    const secret = 'Digest username="unit", response="6629fae49393a05397450978507c4ef1"';
    const msg = sipMessage({
      startLine: 'REGISTER sip:example.org SIP/2.0',
      headers: [...defaultHeaders(), `Authorization: ${secret}`],
    });
    await rec.transport.send(msg);
    await peer.write(sipMessage({ startLine: 'SIP/2.0 401 Unauthorized', headers: [...defaultHeaders(), `WWW-Authenticate: ${secret}`] }));
    await vi.waitFor(() => expect(rec.messages.length).toBe(1));
    const leaked = rec.logs.filter((l) => l.level !== 'trace' && JSON.stringify(l.entry).includes('6629fae4'));
    expect(leaked).toEqual([]);
    expect(rec.logs.some((l) => l.level === 'trace' && JSON.stringify(l.entry).includes('6629fae4'))).toBe(true);
  });

  it('keeps the connection when the server sends garbage, counting it', async () => {
    const { rec, peer } = await connected();
    await peer.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02 junk\r\n');
    await peer.write(inboundMessage);
    await vi.waitFor(() => expect(rec.messages).toEqual([inboundMessage]));
    expect(rec.transport.isConnected()).toBe(true);
    expect(rec.transport.stats().framingErrors).toBe(1);
    const warned = rec.logs.find((l) => l.level === 'warn' && l.entry.code === 'E_SIP_MALFORMED');
    expect(warned?.entry.reason).toBe('garbage-before-start-line');
  });

  it('rejects a certificate from an unknown CA with E_TLS_UNTRUSTED', async () => {
    const rec = makeTransport({ tls: {} }); // Node's public CA bundle only
    const error = await rec.transport.connect().then(() => undefined, (e: unknown) => e);
    expect(isApplianceError(error)).toBe(true);
    expect(rec.transport.lastError()?.code).toBe('E_TLS_UNTRUSTED');
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    expect(rec.connects).toBe(0);
  });

  it('rejects a self-signed server certificate with E_TLS_UNTRUSTED', async () => {
    const rogue = await TestSipServer.start({ tls: { key: pki.selfSignedKey, cert: pki.selfSignedCert } });
    extraServers.push(rogue);
    const rec = makeTransport({}, rogue.port);
    await expect(rec.transport.connect()).rejects.toMatchObject({ code: 'E_TLS_UNTRUSTED' });
    expect(rec.transport.lastError()?.detail.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('rejects a hostname mismatch with E_TLS_UNTRUSTED', async () => {
    const rec = makeTransport({ tls: { ca: pki.caCert, servername: 'sip.wrong.example' } });
    await expect(rec.transport.connect()).rejects.toMatchObject({ code: 'E_TLS_UNTRUSTED' });
    expect(rec.transport.lastError()?.detail.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('verifies the certificate against a DNS name too', async () => {
    const rec = makeTransport({ host: 'localhost', tls: { ca: pki.caCert } });
    await rec.transport.connect();
    expect(rec.transport.isConnected()).toBe(true);
  });

  it('reports a refused port as E_SERVER_UNREACHABLE', async () => {
    const rec = makeTransport({}, await closedPort());
    await expect(rec.transport.connect()).rejects.toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    expect(rec.transport.lastError()?.detail.code).toBe('ECONNREFUSED');
    expect(rec.transport.state).toBe(TransportState.Disconnected);
  });

  it('reports a server that never completes the handshake as E_SERVER_UNREACHABLE (connect timeout)', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => accepted.push(s)); // accepts TCP, never speaks TLS
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    extraServers.push({
      close: () => {
        for (const s of accepted) s.destroy();
        return new Promise<void>((r) => silent.close(() => r()));
      },
    });
    const rec = makeTransport({ connectTimeoutMs: 150 }, (silent.address() as net.AddressInfo).port);
    await expect(rec.transport.connect()).rejects.toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    expect(rec.transport.lastError()?.detail.reason).toBe('connect-timeout');
  });

  it('after the server drops the connection: onDisconnect(error), reconnects with backoff, onConnect again', async () => {
    const { rec, peer } = await connected();
    const before = server.connections.length;
    peer.drop();
    await vi.waitFor(() => expect(rec.connects).toBe(2), { timeout: 5_000 });
    expect(rec.disconnects).toHaveLength(1);
    expect(rec.disconnects[0]).toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    expect(rec.states).toEqual([
      TransportState.Connecting,
      TransportState.Connected,
      TransportState.Disconnected,
      TransportState.Connecting,
      TransportState.Connected,
    ]);
    expect(server.connections.length).toBe(before + 1);
    expect(rec.transport.lastError()).toBeUndefined();
    expect(rec.transport.stats()).toMatchObject({ drops: 1, reconnectAttempts: 1, connects: 2 });
    server.autoRespond = false;
    await rec.transport.send(options('after-reconnect'));
    await vi.waitFor(() => expect(server.latest?.messages).toEqual([options('after-reconnect')]));
  });

  it('keeps retrying while the server is gone and connects when it is back', async () => {
    const flaky = await TestSipServer.start({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    const port = flaky.port;
    const rec = makeTransport({}, port);
    await rec.transport.connect();
    await vi.waitFor(() => expect(flaky.connections.length).toBe(1));
    await flaky.close(); // drops our connection and stops listening
    await vi.waitFor(() => expect(rec.transport.stats().reconnectAttempts).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    expect(rec.transport.lastError()?.code).toBe('E_SERVER_UNREACHABLE');
    const back = await TestSipServer.start({ tls: { key: pki.serverKey, cert: pki.serverCert } }, port);
    extraServers.push(back);
    await vi.waitFor(() => expect(rec.transport.isConnected()).toBe(true), { timeout: 5_000 });
    expect(rec.connects).toBe(2);
  });

  it('does not reconnect when reconnect is false', async () => {
    const { rec, peer } = await connected({ reconnect: false });
    peer.drop();
    await vi.waitFor(() => expect(rec.transport.state).toBe(TransportState.Disconnected));
    expect(rec.disconnects[0]).toMatchObject({ code: 'E_SERVER_UNREACHABLE', detail: { reason: 'closed-by-peer' } });
    expect(rec.transport.stats().reconnectAttempts).toBe(0);
  });

  it('sends CRLFCRLF pings and accepts CRLF pongs', async () => {
    const { rec, peer } = await connected({ keepaliveIntervalMs: 30, keepaliveTimeoutMs: 2_000 });
    await vi.waitFor(() => expect(rec.transport.stats().pongsReceived).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(peer.keepalives.filter((k) => k === 'ping').length).toBeGreaterThanOrEqual(3);
    expect(rec.transport.isConnected()).toBe(true);
    expect(rec.disconnects).toEqual([]);
  });

  it('treats a connection whose pings go unanswered as dead', async () => {
    server.answerPings = false;
    const { rec } = await connected({ keepaliveIntervalMs: 30, keepaliveTimeoutMs: 100, reconnect: false });
    await vi.waitFor(() => expect(rec.transport.state).toBe(TransportState.Disconnected), { timeout: 5_000 });
    expect(rec.disconnects[0]).toMatchObject({ code: 'E_SERVER_UNREACHABLE', detail: { reason: 'keepalive-timeout' } });
    expect(rec.transport.lastError()?.detail.reason).toBe('keepalive-timeout');
  });

  it('answers a ping from the server with a pong', async () => {
    const { rec, peer } = await connected();
    await peer.write('\r\n\r\n');
    await vi.waitFor(() => expect(peer.keepalives).toEqual(['pong']));
    expect(rec.transport.stats().pingsReceived).toBe(1);
  });

  it('disconnects on request: onDisconnect() without error, no reconnect; twice is safe', async () => {
    const { rec, peer } = await connected();
    const first = rec.transport.disconnect();
    expect(rec.transport.state).toBe(TransportState.Disconnecting);
    const second = rec.transport.disconnect();
    await Promise.all([first, second]);
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    expect(rec.disconnects).toEqual([undefined]);
    await expect(rec.transport.disconnect()).resolves.toBeUndefined();
    await vi.waitFor(() => expect(peer.closed).toBe(true));
    expect(rec.transport.stats().reconnectAttempts).toBe(0);
    await expect(rec.transport.send(options())).rejects.toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    await rec.transport.connect(); // reconnecting by hand still works
    expect(rec.connects).toBe(2);
  });

  it('aborts a connect in progress when disconnected', async () => {
    const rec = makeTransport();
    const connecting = rec.transport.connect();
    const disconnecting = rec.transport.disconnect();
    await expect(connecting).rejects.toThrow();
    await disconnecting;
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    expect(rec.connects).toBe(0);
  });

  it('can be reconnected while disconnecting', async () => {
    const { rec } = await connected();
    const disconnecting = rec.transport.disconnect();
    const connecting = rec.transport.connect();
    await expect(disconnecting).rejects.toThrow();
    await connecting;
    expect(rec.transport.isConnected()).toBe(true);
  });

  it('dispose() twice is safe, stops reconnection, and (as UserAgent.stop/start needs) allows a later connect()', async () => {
    const { rec, peer } = await connected({ reconnect: { initialMs: 250, maxMs: 250 } });
    peer.drop();
    await vi.waitFor(() => expect(rec.transport.state).toBe(TransportState.Disconnected)); // a reconnect is now scheduled
    await Promise.all([rec.transport.dispose(), rec.transport.dispose()]);
    await rec.transport.dispose();
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    await new Promise((r) => setTimeout(r, 500)); // longer than the backoff: nothing may reconnect
    expect(rec.transport.state).toBe(TransportState.Disconnected);
    expect(rec.connects).toBe(1);
    await rec.transport.connect();
    expect(rec.connects).toBe(2);
  });

  it('rejects send() while not connected', async () => {
    const rec = makeTransport();
    await expect(rec.transport.send(options())).rejects.toMatchObject({ code: 'E_SERVER_UNREACHABLE' });
    const connecting = rec.transport.connect();
    await expect(rec.transport.send(options())).rejects.toThrow();
    await connecting;
  });

  it('refuses to turn certificate checks off without the lab flag', () => {
    expect(() => makeTransport({ tls: { rejectUnauthorized: false } })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID' }),
    );
    expect(() => createStreamTransportClass({ host: '127.0.0.1', port: 5061, tls: { rejectUnauthorized: false } })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID' }),
    );
    expect(() => createStreamTransportClass({ host: '', port: 5061 })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
  });

  it('rejects a CA that is not a PEM certificate instead of failing later as untrusted', () => {
    for (const ca of ['not a pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']) {
      expect(() => makeTransport({ tls: { ca } })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    }
    expect(() => makeTransport({ tls: { ca: [pki.caCert, Buffer.from(pki.serverCert)] } })).not.toThrow();
  });

  it('connects to an untrusted server only with the lab flag', async () => {
    const rec = makeTransport({ tls: { rejectUnauthorized: false }, labAllowUntrustedTls: true });
    await rec.transport.connect();
    expect(rec.transport.isConnected()).toBe(true);
  });
});

describe('StreamTransport over TCP (lab)', () => {
  it('connects, exchanges messages, and says TCP for Via', async () => {
    const tcp = await TestSipServer.start({ tcp: true });
    extraServers.push(tcp);
    tcp.autoRespond = false;
    const rec = makeTransport({ protocol: 'TCP' }, tcp.port);
    expect(rec.transport.protocol).toBe('TCP');
    await rec.transport.connect();
    await rec.transport.send(options('tcp'));
    await vi.waitFor(() => expect(tcp.latest?.messages).toEqual([options('tcp')]));
    await tcp.latest?.write(inboundMessage);
    await vi.waitFor(() => expect(rec.messages).toEqual([inboundMessage]));
  });
});

describe('createStreamTransportClass', () => {
  it('returns a constructor with the (logger, options) shape SIP.js calls', async () => {
    const sipLines: string[] = [];
    const sipLogger = { debug: (m: string) => sipLines.push(m), log: (m: string) => sipLines.push(m), warn: () => undefined, error: () => undefined };
    const Cls = createStreamTransportClass({ host: '127.0.0.1', port: server.port, tls: { ca: pki.caCert } });
    const transport = new Cls(sipLogger, {});
    transports.push(transport);
    expect(transport).toBeInstanceOf(StreamTransport);
    await transport.connect();
    expect(transport.isConnected()).toBe(true);
    expect(sipLines.some((l) => l.includes('sip transport connected'))).toBe(true);
  });
});
