/** A WebSocket client for tests: `ws` (installed with @fastify/websocket), typed here as far as the tests use it. */
import { createRequire } from 'node:module';

export interface TestSocket {
  readonly readyState: number;
  send(data: string | Buffer): void;
  close(): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (e: Error) => void): void;
}
type WsConstructor = new (url: string, options?: { headers?: Record<string, string> }) => TestSocket;

const WebSocketImpl = createRequire(import.meta.url)('ws') as WsConstructor;

/** A connected socket that queues every JSON message it receives. */
export class WsProbe {
  readonly messages: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: TestSocket) {
    socket.on('message', (d) => {
      this.messages.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => { this.closed = true; for (const w of this.waiters.splice(0)) w(); });
  }

  static connect(url: string, headers?: Record<string, string>): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const s = new WebSocketImpl(url, headers ? { headers } : undefined);
      const probe = new WsProbe(s);
      s.on('open', () => resolve(probe));
      s.on('error', reject);
    });
  }

  send(msg: unknown): void {
    this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first message from `from` on that matches, waiting up to timeoutMs. */
  async next(match: (m: Record<string, unknown>) => boolean, from = 0, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error('socket closed while waiting');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.messages.slice(from))}`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  close(): void {
    this.socket.close();
  }
}
