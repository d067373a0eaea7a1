/** A real SIP.js UserAgent driving our transport against the local TLS test peer. */
import { Messager, UserAgent } from 'sip.js';
import type { URI } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StreamTransport, createStreamTransportClass } from '../../../src/adapters/sip/transport/stream-transport.js';
import { TestSipServer, createTestPki, header } from './test-sip-server.js';
import type { TestPki } from './test-sip-server.js';

let pki: TestPki;
let server: TestSipServer;
let ua: UserAgent;
const delegateEvents: string[] = [];

function uri(s: string): URI {
  const u = UserAgent.makeURI(s);
  if (!u) throw new Error(`bad URI ${s}`);
  return u;
}

async function sendMessage(body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    new Messager(ua, uri('sip:room@localhost'), body)
      .message({
        requestDelegate: {
          onAccept: (r) => resolve(r.message.statusCode ?? 0),
          onReject: (r) => resolve(r.message.statusCode ?? 0),
        },
      })
      .catch(reject);
  });
}

beforeAll(async () => {
  pki = createTestPki();
  server = await TestSipServer.start({ tls: { key: pki.serverKey, cert: pki.serverCert } });
  ua = new UserAgent({
    uri: uri('sip:unit@localhost'),
    transportConstructor: createStreamTransportClass({
      host: '127.0.0.1',
      port: server.port,
      tls: { ca: pki.caCert },
      reconnect: { initialMs: 20, maxMs: 200 },
    }),
    contactParams: { transport: 'tls' },
    logLevel: 'error',
    logConfiguration: false,
    delegate: {
      onConnect: () => delegateEvents.push('connect'),
      onDisconnect: (e) => delegateEvents.push(`disconnect:${(e as { code?: string } | undefined)?.code ?? 'none'}`),
    },
  });
});

afterAll(async () => {
  await ua?.stop();
  await server?.close();
  pki?.remove();
});

describe('SIP.js UserAgent over StreamTransport', () => {
  it('starts, and a MESSAGE goes out with Via SIP/2.0/TLS and gets the 200', async () => {
    await ua.start();
    expect(ua.transport).toBeInstanceOf(StreamTransport);
    expect(ua.isConnected()).toBe(true);
    expect(ua.contact.uri.toString()).toContain('transport=tls');

    expect(await sendMessage('Hej fra sengen æøå')).toBe(200);
    const sent = server.latest?.messages.find((m) => m.startsWith('MESSAGE '));
    expect(sent).toBeDefined();
    expect(header(sent as string, 'Via')).toMatch(/^SIP\/2\.0\/TLS /);
    expect(sent?.endsWith('Hej fra sengen æøå')).toBe(true);
  });

  it('answers an OPTIONS the proxy sends over the same connection', async () => {
    const peer = server.latest;
    expect(peer).toBeDefined();
    const optionsRequest = [
      'OPTIONS sip:unit@127.0.0.1;transport=tls SIP/2.0',
      'Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKproxyping1',
      'Max-Forwards: 70',
      'From: <sip:proxy@localhost>;tag=p1',
      'To: <sip:unit@localhost>',
      'Call-ID: proxy-options-1',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await peer?.write(optionsRequest);
    await vi.waitFor(() => {
      const answer = peer?.messages.find((m) => m.startsWith('SIP/2.0 ') && header(m, 'Call-ID') === 'proxy-options-1');
      expect(answer?.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    });
    expect(server.connections).toHaveLength(1); // no second connection: the proxy reused ours
  });

  it('survives the proxy dropping the connection: onDisconnect(error), onConnect, and messages flow again', async () => {
    server.latest?.drop();
    await vi.waitFor(() => expect(delegateEvents).toEqual(['connect', 'disconnect:E_SERVER_UNREACHABLE', 'connect']), { timeout: 5_000 });
    expect(await sendMessage('igen')).toBe(200);
    expect(server.connections).toHaveLength(2);
  });

  it('stops (disposing the transport) and starts again on the same transport', async () => {
    await ua.stop();
    expect(ua.isConnected()).toBe(false);
    await ua.start();
    expect(await sendMessage('tredje gang')).toBe(200);
    expect(server.connections).toHaveLength(3);
  });
});
