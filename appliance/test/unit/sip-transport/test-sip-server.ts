/**
 * A tiny SIP-ish peer for transport tests: a TLS or TCP server on 127.0.0.1 that
 * frames what it receives, can answer requests with 200 OK and CRLF pings with pongs,
 * and lets a test write raw bytes or drop the connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { SipStreamFramer } from '../../../src/adapters/sip/transport/stream-framer.js';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A self-signed certificate for 127.0.0.1 that no CA vouches for. */
  selfSignedCert: string;
  selfSignedKey: string;
  remove(): void;
}

/** A throwaway CA and a server certificate with SAN IP:127.0.0.1 and DNS:localhost. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sip-transport-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Bedside Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  openssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    selfSignedCert: read('self.crt'),
    selfSignedKey: read('self.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export class ServerConnection {
  readonly messages: string[] = [];
  readonly keepalives: Array<'ping' | 'pong'> = [];
  readonly framingErrors: string[] = [];
  private readonly framer = new SipStreamFramer();
  closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly server: TestSipServer,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes each piece separately, yielding between them so they arrive as separate reads. */
  async writeInPieces(pieces: Array<string | Buffer>): Promise<void> {
    for (const p of pieces) {
      await this.write(p);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  drop(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const event of this.framer.push(chunk)) {
      if (event.type === 'keepalive') {
        this.keepalives.push(event.kind);
        if (event.kind === 'ping' && this.server.answerPings) this.socket.write('\r\n');
      } else if (event.type === 'error') {
        this.framingErrors.push(String(event.error.detail.reason));
      } else {
        this.messages.push(event.message);
        if (this.server.autoRespond && !event.message.startsWith('SIP/2.0') && !event.message.startsWith('ACK ')) {
          this.socket.write(okResponse(event.message));
        }
      }
    }
  }
}

export class TestSipServer {
  readonly connections: ServerConnection[] = [];
  answerPings = true;
  autoRespond = true;
  /** Every accepted TCP socket, including ones still in the TLS handshake. */
  private readonly rawSockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {
    server.on('connection', (socket: net.Socket) => {
      this.rawSockets.add(socket);
      socket.on('close', () => this.rawSockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1, on `port` or a free one. */
  static async start(kind: { tls: tls.TlsOptions } | { tcp: true }, port = 0): Promise<TestSipServer> {
    let self: TestSipServer | undefined;
    const onSocket = (socket: net.Socket) => self?.connections.push(new ServerConnection(socket, self));
    const server = 'tls' in kind ? tls.createServer(kind.tls, onSocket) : net.createServer(onSocket);
    if ('tls' in kind) server.on('tlsClientError', () => undefined);
    self = new TestSipServer(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return self;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get latest(): ServerConnection | undefined {
    return this.connections[this.connections.length - 1];
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    for (const s of this.rawSockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export function header(message: string, name: string): string | undefined {
  const lines = message.slice(0, message.indexOf('\r\n\r\n')).split('\r\n');
  const found = lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return found?.slice(found.indexOf(':') + 1).trim();
}

/** A 200 OK copying the dialog-forming headers of a request (RFC 3261 §8.2.6.2). */
export function okResponse(request: string): string {
  const lines = request.slice(0, request.indexOf('\r\n\r\n')).split('\r\n').slice(1);
  const copy = lines.filter((l) => /^(via|v|from|f|call-id|i|cseq):/i.test(l));
  const to = lines.find((l) => /^(to|t):/i.test(l)) ?? 'To: <sip:unknown@invalid>';
  const toWithTag = /;tag=/i.test(to) ? to : `${to};tag=srv${Math.floor(Math.random() * 1e9)}`;
  return ['SIP/2.0 200 OK', ...copy, toWithTag, 'Content-Length: 0', '', ''].join('\r\n');
}
