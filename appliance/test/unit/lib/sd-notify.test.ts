import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSdNotifier, watchdogIntervalMs } from '../../../src/lib/sd-notify.js';

/** A real AF_UNIX datagram receiver (python3): prints each datagram as one JSON line. */
const RECEIVER = [
  'import json, socket, sys',
  'addr = sys.argv[1]',
  'bind = "\\0" + addr[1:] if addr.startswith("@") else addr',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  's.bind(bind)',
  'print(json.dumps("LISTENING"), flush=True)',
  'while True:',
  '    print(json.dumps(s.recv(4096).decode()), flush=True)',
].join('\n');

interface Receiver { messages: string[]; proc: ChildProcess; waitFor(pred: (m: string[]) => boolean, ms?: number): Promise<void> }

async function startReceiver(address: string): Promise<Receiver> {
  const proc = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let buf = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      messages.push(JSON.parse(buf.slice(0, nl)) as string);
      buf = buf.slice(nl + 1);
    }
    for (const w of waiters) w();
  });
  const waitFor = (pred: (m: string[]) => boolean, ms = 5000) => new Promise<void>((resolve, reject) => {
    const check = () => { if (pred(messages)) { clearTimeout(t); resolve(); } };
    const t = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(messages)}`)), ms);
    waiters.push(check);
    check();
  });
  await waitFor((m) => m.includes('LISTENING'));
  messages.splice(0, 1);
  return { messages, proc, waitFor };
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('sd-notify over a real AF_UNIX datagram socket', () => {
  it('sends READY, STATUS, WATCHDOG at half of WATCHDOG_USEC, and STOPPING', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-notify-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'notify.sock');
    const rx = await startReceiver(path);
    cleanups.push(() => { rx.proc.kill(); });
    const n = createSdNotifier({ env: { ...process.env, NOTIFY_SOCKET: path, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) } });
    cleanups.push(() => n.close());
    expect(n.enabled).toBe(true);
    expect(n.watchdogIntervalMs).toBe(100);
    n.ready('registered\nas unit 1');
    await rx.waitFor((m) => m.length >= 1);
    expect(rx.messages[0]).toBe('READY=1\nSTATUS=registered as unit 1');
    const t0 = Date.now();
    n.startWatchdog();
    await rx.waitFor((m) => m.filter((x) => x === 'WATCHDOG=1').length >= 3);
    // Three pings at 100 ms take at least ~300 ms; allow timer slack on a busy machine.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    n.status('in a call');
    n.stopping();
    await rx.waitFor((m) => m.includes('STOPPING=1'));
    expect(rx.messages).toContain('STATUS=in a call');
    expect(rx.messages.indexOf('STATUS=in a call')).toBeLessThan(rx.messages.indexOf('STOPPING=1'));
    await n.close();
    const count = rx.messages.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(rx.messages.length).toBe(count); // no pings after close
  });

  it('reaches an abstract socket ("@name")', async () => {
    const address = `@bedside-sd-notify-test-${process.pid}-${Date.now()}`;
    const rx = await startReceiver(address);
    cleanups.push(() => { rx.proc.kill(); });
    const n = createSdNotifier({ env: { ...process.env, NOTIFY_SOCKET: address } });
    cleanups.push(() => n.close());
    n.ready();
    await rx.waitFor((m) => m.includes('READY=1'));
    expect(n.watchdogIntervalMs).toBeNull();
  });

  it('is a no-op outside systemd and ignores a watchdog meant for another pid', async () => {
    const n = createSdNotifier({ env: {} });
    expect(n.enabled).toBe(false);
    n.ready(); n.startWatchdog();
    await n.close();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, 4242)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 4242)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'x' }, 4242)).toBeNull();
  });
});
