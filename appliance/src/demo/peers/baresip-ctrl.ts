/**
 * Client for baresip's `ctrl_tcp` module: netstring-framed JSON over TCP.
 *
 * Command:  {"command": "dial", "params": "sip:x@y", "token": "7"}
 * Response: {"response": true, "ok": true, "data": "<text the command printed>", "token": "7"}
 * Event:    {"event": true, "class": "call", "type": "CALL_CLOSED", "param": "<reason>", ...}
 *
 * Quirks (baresip 1.0.0):
 * - ctrl_tcp serves ONE connection: a new connection silently replaces the previous one,
 *   and events go only to the current one. Events raised before we connect are lost.
 * - Commands from the menu module (dial, hangup, reginfo, ...) exist always; call commands
 *   (`video_debug`, `audio_debug`, `hold`, ...) only while a call is active, otherwise the
 *   response is ok=false "command not found".
 * - `data` carries the command's console output, including ANSI colour codes.
 */
import net from 'node:net';
import { LOOPBACK } from './ports.js';

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

/** A ctrl_tcp event; `type` is e.g. REGISTER_OK, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED. */
export interface BaresipEvent {
  type: string;
  class: string;
  /** CALL_CLOSED: the reason ("486 Busy Here", "Connection reset by peer", ...). */
  param?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  accountaor?: string;
  /** Call-ID of the call the event is about. */
  id?: string;
  raw: Record<string, unknown>;
}

/** Parses complete netstrings (`<len>:<payload>,`) off the front of `buf`. */
export function parseNetstrings(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let offset = 0;
  for (;;) {
    const colon = buf.indexOf(0x3a, offset);
    if (colon < 0) break;
    const lenText = buf.toString('ascii', offset, colon);
    if (!/^\d+$/.test(lenText)) throw new Error(`bad netstring length ${JSON.stringify(lenText)}`);
    const len = Number(lenText);
    const end = colon + 1 + len;
    if (buf.length < end + 1) break;
    if (buf[end] !== 0x2c) throw new Error('netstring not terminated by a comma');
    messages.push(buf.toString('utf8', colon + 1, end));
    offset = end + 1;
  }
  return { messages, rest: buf.subarray(offset) };
}

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

/** Removes ANSI colour codes from baresip console text. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

export class BaresipControl {
  private socket: net.Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private nextToken = 1;
  private pending = new Map<string, { resolve: (r: BaresipResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private eventListeners = new Set<(e: BaresipEvent) => void>();

  constructor(private readonly port: number) {}

  async connect(): Promise<void> {
    const socket = net.connect({ host: LOOPBACK, port: this.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.failPending(new Error('ctrl_tcp connection closed')));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket = socket;
  }

  onEvent(listener: (e: BaresipEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Runs a baresip command (as typed on its console, without the leading slash). */
  command(command: string, params?: string, timeoutMs = 5000): Promise<BaresipResponse> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error('ctrl_tcp not connected'));
    const token = String(this.nextToken++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip command ${command} got no response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      socket.write(encodeNetstring(JSON.stringify(params === undefined ? { command, token } : { command, params, token })));
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
    this.failPending(new Error('ctrl_tcp closed'));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const { messages, rest } = parseNetstrings(this.buffer);
    this.buffer = rest;
    for (const text of messages) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg['response'] === true) {
        const token = typeof msg['token'] === 'string' ? msg['token'] : '';
        const waiter = this.pending.get(token);
        if (waiter) {
          this.pending.delete(token);
          clearTimeout(waiter.timer);
          waiter.resolve({ ok: msg['ok'] === true, data: typeof msg['data'] === 'string' ? msg['data'] : '' });
        }
      } else if (msg['event'] === true || msg['event'] === 'true') {
        const str = (k: string) => (typeof msg[k] === 'string' ? (msg[k] as string) : undefined);
        const event: BaresipEvent = { type: str('type') ?? '', class: str('class') ?? '', raw: msg };
        const [param, peeruri, accountaor, id] = [str('param'), str('peeruri'), str('accountaor'), str('id')];
        if (param !== undefined) event.param = param;
        if (peeruri !== undefined) event.peeruri = peeruri;
        if (accountaor !== undefined) event.accountaor = accountaor;
        if (id !== undefined) event.id = id;
        const direction = str('direction');
        if (direction === 'incoming' || direction === 'outgoing') event.direction = direction;
        for (const listener of this.eventListeners) listener(event);
      }
    }
  }

  private failPending(err: Error): void {
    for (const [token, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
      this.pending.delete(token);
    }
  }
}
