/**
 * A deliberately small raw SIP client over TLS or TCP for protocol-level checks against
 * kamailio (REGISTER with digest auth, answering a request that arrives on the connection).
 * Not a SIP stack: no transactions or retransmissions; the caller writes the messages.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { LOOPBACK } from '../../src/demo/peers/ports.js';

export interface SipMessage {
  /** First line, e.g. `SIP/2.0 401 Unauthorized` or `INVITE sip:x@y SIP/2.0`. */
  startLine: string;
  /** Status code of a response, undefined for a request. */
  status?: number;
  /** Method of a request, undefined for a response. */
  method?: string;
  /** Header lines in order, names as received. */
  headers: Array<[string, string]>;
  body: string;
  raw: string;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };

/** All values of a header (case-insensitive, compact forms understood). */
export function headerValues(msg: SipMessage, name: string): string[] {
  const want = name.toLowerCase();
  return msg.headers.filter(([n]) => (COMPACT[n.toLowerCase()] ?? n.toLowerCase()) === want).map(([, v]) => v);
}

export function header(msg: SipMessage, name: string): string | undefined {
  return headerValues(msg, name)[0];
}

/** Parses complete messages off the front of `buf` (Content-Length framing, as on TCP/TLS). */
export function parseSipStream(buf: Buffer): { messages: SipMessage[]; rest: Buffer } {
  const messages: SipMessage[] = [];
  let offset = 0;
  for (;;) {
    // Skip keepalive CRLFs between messages.
    while (offset + 1 < buf.length && buf[offset] === 0x0d && buf[offset + 1] === 0x0a) offset += 2;
    const headEnd = buf.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) break;
    const head = buf.toString('utf8', offset, headEnd);
    const lines = head.split('\r\n');
    const headers: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      if (/^[ \t]/.test(line) && headers.length) {
        headers[headers.length - 1]![1] += ' ' + line.trim();
        continue;
      }
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    const lengthHeader = headers.find(([n]) => ['content-length', 'l'].includes(n.toLowerCase()));
    const length = lengthHeader ? Number(lengthHeader[1]) : 0;
    const end = headEnd + 4 + length;
    if (buf.length < end) break;
    const startLine = lines[0] ?? '';
    const msg: SipMessage = { startLine, headers, body: buf.toString('utf8', headEnd + 4, end), raw: buf.toString('utf8', offset, end) };
    const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
    if (status) msg.status = Number(status[1]);
    else msg.method = startLine.split(' ')[0];
    messages.push(msg);
    offset = end;
  }
  return { messages, rest: buf.subarray(offset) };
}

/** Parses `Digest realm="x", nonce="y", qop="auth"` into its parameters. */
export function parseChallenge(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) {
    params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return params;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The value of an Authorization/Proxy-Authorization header answering `challenge` (RFC 2617, MD5). */
export function digestAuthorization(o: { challenge: string; method: string; uri: string; username: string; password: string }): string {
  const c = parseChallenge(o.challenge);
  const realm = c['realm'] ?? '';
  const nonce = c['nonce'] ?? '';
  const ha1 = md5(`${o.username}:${realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const fields = [`username="${o.username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${o.uri}"`, 'algorithm=MD5'];
  const qops = (c['qop'] ?? '').split(',').map((q) => q.trim());
  if (qops.includes('auth')) {
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    fields.push(`response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  } else {
    fields.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  if (c['opaque'] !== undefined) fields.push(`opaque="${c['opaque']}"`);
  return `Digest ${fields.join(', ')}`;
}

export function randomToken(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

export class RawSipConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly received: SipMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly socket: net.Socket,
    /** `TLS` or `TCP`, for Via headers. */
    readonly transport: 'TLS' | 'TCP',
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const { messages, rest } = parseSipStream(this.buffer);
      this.buffer = rest;
      this.received.push(...messages);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** TLS to 127.0.0.1:port, verifying the certificate against `ca` for host `servername`. */
  static async tls(port: number, options: { ca: string; servername?: string }): Promise<RawSipConnection> {
    const socket = tls.connect({ host: LOOPBACK, port, ca: options.ca, servername: options.servername ?? 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new RawSipConnection(socket, 'TLS');
  }

  static async tcp(port: number): Promise<RawSipConnection> {
    const socket = net.connect({ host: LOOPBACK, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawSipConnection(socket, 'TCP');
  }

  /** Local port of the connection (for Via sent-by). */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends a message; fills in Content-Length from the body. `lines` excludes Content-Length. */
  send(startLine: string, headers: string[], body = ''): void {
    const text = [startLine, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    this.socket.write(text);
  }

  /** The next received message matching `pred` that was not yet taken; waits up to timeoutMs. */
  async next(pred: (m: SipMessage) => boolean = () => true, timeoutMs = 5000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) {
        throw new Error(`no matching SIP message within ${timeoutMs} ms (connection ${this.socket.destroyed ? 'closed' : 'open'})`);
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

  close(): void {
    this.socket.destroy();
  }
}

export interface RegisterOptions {
  /** SIP domain (Request-URI host, To/From host, digest realm expected). */
  domain: string;
  username: string;
  password: string;
  /** Contact URI; default `sip:<random>@<random>.invalid;transport=<tls|tcp>` like the unit's. */
  contact?: string;
  expires?: number;
}

/**
 * REGISTER with digest auth over `conn`: sends the request, answers one 401 challenge, and
 * returns every final response received (one or two).
 */
export async function registerRaw(conn: RawSipConnection, o: RegisterOptions): Promise<SipMessage[]> {
  const callId = randomToken(10);
  const fromTag = randomToken();
  const transport = conn.transport.toLowerCase();
  const contact = o.contact ?? `sip:${randomToken(4)}@${randomToken(4)}.invalid;transport=${transport}`;
  const uri = `sip:${o.domain}`;
  const responses: SipMessage[] = [];
  const sendRegister = (cseq: number, auth?: string) => {
    conn.send(`REGISTER ${uri} SIP/2.0`, [
      `Via: SIP/2.0/${conn.transport} ${randomToken(4)}.invalid;branch=z9hG4bK${randomToken(8)};rport`,
      'Max-Forwards: 70',
      `From: <sip:${o.username}@${o.domain}>;tag=${fromTag}`,
      `To: <sip:${o.username}@${o.domain}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <${contact}>`,
      `Expires: ${o.expires ?? 600}`,
      ...(auth ? [`Authorization: ${auth}`] : []),
    ]);
  };
  const isFinal = (m: SipMessage) => m.status !== undefined && m.status >= 200 && header(m, 'call-id') === callId;
  sendRegister(1);
  const first = await conn.next(isFinal);
  responses.push(first);
  const challenge = header(first, 'www-authenticate');
  if (first.status === 401 && challenge) {
    sendRegister(2, digestAuthorization({ challenge, method: 'REGISTER', uri, username: o.username, password: o.password }));
    responses.push(await conn.next(isFinal));
  }
  return responses;
}

/**
 * Sends a response to `request` on `conn`, copying Via, From, To, Call-ID and CSeq; `toTag` is
 * added to To when it has none (needed on the first response of a dialog).
 */
export function replyRaw(conn: RawSipConnection, request: SipMessage, status: number, reason: string, options: { toTag?: string; headers?: string[]; body?: string } = {}): void {
  const copied: string[] = [];
  for (const [name, value] of request.headers) {
    const canonical = COMPACT[name.toLowerCase()] ?? name.toLowerCase();
    if (canonical === 'to' && options.toTag && !/;\s*tag=/i.test(value)) copied.push(`To: ${value};tag=${options.toTag}`);
    else if (['via', 'from', 'to', 'call-id', 'cseq'].includes(canonical)) copied.push(`${name}: ${value}`);
  }
  conn.send(`SIP/2.0 ${status} ${reason}`, [...copied, ...(options.headers ?? [])], options.body ?? '');
}

/** The URIs of Record-Route headers (all values, comma-separated ones split), in message order. */
export function recordRoutes(msg: SipMessage): string[] {
  return headerValues(msg, 'record-route').flatMap((v) => v.split(/,(?=\s*<)/).map((s) => s.trim()));
}
