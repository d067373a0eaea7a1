/**
 * A scripted TLS SIP "proxy" on 127.0.0.1 for tests that need to say things a real proxy
 * never would. The unit connects to it as its proxy (certificate from the test PKI's
 * `server`, which the unit trusts through `pki.ca`). It is not a SIP stack: it frames and
 * parses what the unit sends (Content-Length framing, as on any stream transport) and the
 * test decides what to answer, what raw bytes to write, and which requests to send to the
 * unit over the unit's own connection (the unit never listens).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { LOOPBACK } from '../../src/demo/peers/ports.js';
import { header, parseSipStream, type SipMessage } from '../peers/sip-raw.js';

export type { SipMessage } from '../peers/sip-raw.js';

/** A message the unit sent, with the connection it came on. */
export interface ReceivedSipMessage extends SipMessage {
  connection: FakeSipConnection;
}

export interface ReplyOptions {
  /** Added to To when it has no tag (the first response of a dialog needs one). */
  toTag?: string;
  headers?: string[];
  body?: string;
  /** Content-Type of `body` (default application/sdp when there is a body). */
  contentType?: string;
}

export interface OutgoingRequest {
  method: string;
  requestUri: string;
  from: string;
  to: string;
  callId?: string;
  cseq?: number;
  headers?: string[];
  body?: string;
  contentType?: string;
}

export interface SentRequest {
  callId: string;
  branch: string;
  fromTag: string;
  cseq: number;
  /** The unit's next response to this request (`final`: status >= 200 only). */
  response(options?: { final?: boolean; timeoutMs?: number }): Promise<ReceivedSipMessage>;
  /** ACKs a non-2xx final response to an INVITE (same branch, the response's To tag). */
  ackFailure(response: SipMessage): Promise<void>;
  /**
   * Sends `method` inside the dialog that `response` (a 2xx to this request) created: to the
   * unit's Contact, with the dialog's tags. CSeq: this request's for ACK, else `cseq` (default +1).
   */
  inDialog(method: string, response: SipMessage, cseq?: number): Promise<SentRequest>;
}

/** Canonical names of the headers a response copies from its request. */
const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

export const token = (bytes = 6): string => randomBytes(bytes).toString('hex');

/** One TLS connection from the unit. */
export class FakeSipConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private closedFlag = false;

  constructor(
    readonly index: number,
    private readonly socket: tls.TLSSocket,
    private readonly onMessages: (messages: ReceivedSipMessage[]) => void,
    private readonly onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const { messages, rest } = parseSipStream(this.buffer);
      this.buffer = rest;
      if (messages.length) this.onMessages(messages.map((m) => ({ ...m, connection: this })));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.onClose();
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes raw bytes (anything at all) to the unit. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new Error(`fake proxy connection #${this.index} is closed`));
        return;
      }
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Writes a message; Content-Length (and Content-Type with a body) are added. */
  send(startLine: string, headers: string[], body = '', contentType = 'application/sdp'): Promise<void> {
    const all = [...headers];
    if (body && !all.some((h) => /^content-type\s*:/i.test(h))) all.push(`Content-Type: ${contentType}`);
    all.push(`Content-Length: ${Buffer.byteLength(body)}`);
    return this.write([startLine, ...all, '', body].join('\r\n'));
  }

  /** Drops the connection at once (no TLS close_notify). */
  destroy(): void {
    this.socket.destroy();
  }
}

export class FakeSipProxy {
  private server: tls.Server | null = null;
  private readonly conns: FakeSipConnection[] = [];
  private readonly log: ReceivedSipMessage[] = [];
  private readonly unclaimed: ReceivedSipMessage[] = [];
  private waiters: Array<() => void> = [];
  private readonly handlers = new Set<(m: ReceivedSipMessage) => boolean>();
  private listenPort = 0;

  constructor(private readonly tlsOptions: { cert: string; key: string }) {}

  get port(): number {
    if (!this.listenPort) throw new Error('fake SIP proxy not started');
    return this.listenPort;
  }

  async start(): Promise<void> {
    const server = tls.createServer({ cert: this.tlsOptions.cert, key: this.tlsOptions.key }, (socket) => {
      const conn = new FakeSipConnection(this.conns.length, socket, (ms) => this.receive(ms), () => this.wake());
      this.conns.push(conn);
      this.wake();
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: LOOPBACK, port: 0 }, () => resolve());
    });
    this.server = server;
    this.listenPort = (server.address() as AddressInfo).port;
  }

  /** Closes every connection and the listener. Safe twice. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.conns) c.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.wake();
  }

  connections(): readonly FakeSipConnection[] {
    return this.conns;
  }

  /** The most recent connection that is still open. */
  current(): FakeSipConnection {
    const open = this.conns.filter((c) => !c.closed).at(-1);
    if (!open) throw new Error('the unit has no open connection to the fake proxy');
    return open;
  }

  /** Resolves with connection number `index` (0-based) once the unit has opened it. */
  async waitForConnection(index: number, timeoutMs = 10_000): Promise<FakeSipConnection> {
    await this.until(() => this.conns.length > index, timeoutMs, `connection #${index}`);
    return this.conns[index]!;
  }

  /** Every message the unit has sent, in order (handled ones included). */
  received(): readonly ReceivedSipMessage[] {
    return this.log;
  }

  /**
   * Registers a handler that sees each message as it arrives; returning true claims it
   * (next()/waitForRequest() will not see it). Returns a function that removes it.
   */
  onMessage(handler: (m: ReceivedSipMessage) => boolean): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Answers REGISTER with 200 OK (binding the unit's Contact) and OPTIONS with 200, from now on. */
  autoAnswerRegister(expires = 600): () => void {
    return this.onMessage((m) => {
      if (m.method === 'REGISTER') {
        void this.replyRegisterOk(m, expires).catch(() => undefined);
        return true;
      }
      if (m.method === 'OPTIONS') {
        void this.reply(m, 200, 'OK').catch(() => undefined);
        return true;
      }
      return false;
    });
  }

  /** The next unclaimed message matching `pred`, taken once; waits up to `timeoutMs`. */
  async next(pred: (m: ReceivedSipMessage) => boolean, timeoutMs = 5_000, what = 'a matching SIP message'): Promise<ReceivedSipMessage> {
    let found: ReceivedSipMessage | undefined;
    await this.until(() => {
      const i = this.unclaimed.findIndex(pred);
      if (i >= 0) found = this.unclaimed.splice(i, 1)[0];
      return found !== undefined;
    }, timeoutMs, what);
    return found!;
  }

  waitForRequest(method: string, timeoutMs = 5_000): Promise<ReceivedSipMessage> {
    return this.next((m) => m.method === method, timeoutMs, `a ${method} from the unit`);
  }

  /** Answers `request` on its own connection, mirroring Via, From, To, Call-ID and CSeq. */
  reply(request: ReceivedSipMessage, status: number, reason: string, options: ReplyOptions = {}): Promise<void> {
    const copied: string[] = [];
    for (const [name, value] of request.headers) {
      const canonical = COMPACT[name.toLowerCase()] ?? name.toLowerCase();
      if (!COPIED.has(canonical)) continue;
      if (canonical === 'to' && options.toTag && !/;\s*tag=/i.test(value)) copied.push(`To: ${value};tag=${options.toTag}`);
      else copied.push(`${name}: ${value}`);
    }
    return request.connection.send(`SIP/2.0 ${status} ${reason}`, [...copied, ...(options.headers ?? [])], options.body ?? '', options.contentType);
  }

  /** 200 OK to a REGISTER, listing the unit's own Contact with `expires` as SIP.js requires. */
  replyRegisterOk(request: ReceivedSipMessage, expires = 600): Promise<void> {
    const contact = header(request, 'contact');
    if (!contact) throw new Error('REGISTER without Contact');
    return this.reply(request, 200, 'OK', { headers: [`Contact: ${contact};expires=${expires}`] });
  }

  /**
   * Sends a request to the unit over its current connection (or `via`). Via names this
   * proxy; From gets a fresh tag unless it has one.
   */
  async sendRequest(r: OutgoingRequest, via: FakeSipConnection = this.current()): Promise<SentRequest> {
    const branch = `z9hG4bK${token(8)}`;
    const callId = r.callId ?? `${token(10)}@fake-proxy`;
    const cseq = r.cseq ?? 1;
    const fromTag = /;\s*tag=([^;]+)/i.exec(r.from)?.[1] ?? token();
    const from = /;\s*tag=/i.test(r.from) ? r.from : `${r.from};tag=${fromTag}`;
    const viaHeader = `Via: SIP/2.0/TLS ${LOOPBACK}:${this.port};branch=${branch}`;
    await via.send(`${r.method} ${r.requestUri} SIP/2.0`, [
      viaHeader,
      'Max-Forwards: 70',
      `From: ${from}`,
      `To: ${r.to}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${r.method}`,
      ...(r.headers ?? []),
    ], r.body ?? '', r.contentType);
    const isOurs = (m: ReceivedSipMessage) => m.status !== undefined && header(m, 'call-id') === callId && (header(m, 'via') ?? '').includes(branch);
    return {
      callId, branch, fromTag, cseq,
      response: (o = {}) => this.next(
        (m) => isOurs(m) && (!o.final || m.status! >= 200),
        o.timeoutMs ?? 5_000,
        `the unit's ${o.final ? 'final ' : ''}response to ${r.method}`,
      ),
      inDialog: (method, response, next) => this.sendRequest({
        method,
        requestUri: /<([^>]+)>/.exec(header(response, 'contact') ?? '')?.[1] ?? r.requestUri,
        from, to: header(response, 'to') ?? r.to, callId,
        cseq: method === 'ACK' ? cseq : next ?? cseq + 1,
      }, via),
      ackFailure: (response) => via.send(`ACK ${r.requestUri} SIP/2.0`, [
        viaHeader, 'Max-Forwards: 70', `From: ${from}`, `To: ${header(response, 'to') ?? r.to}`,
        `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`,
      ]),
    };
  }

  private receive(messages: ReceivedSipMessage[]): void {
    for (const m of messages) {
      this.log.push(m);
      let claimed = false;
      for (const h of this.handlers) {
        if (h(m)) { claimed = true; break; }
      }
      if (!claimed) this.unclaimed.push(m);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.log.map((m) => m.startLine).join(' | ');
        throw new Error(`fake SIP proxy: no ${what} within ${timeoutMs} ms; received so far: ${seen || 'nothing'}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Headers of a 200 OK that opens a dialog as "the room": a Contact on this proxy's connection. */
export function roomContact(proxy: FakeSipProxy, user = 'room'): string {
  return `Contact: <sip:${user}@${LOOPBACK}:${proxy.port};transport=tls>`;
}
