/**
 * systemd's notify protocol (sd_notify(3)) without a native binding.
 *
 * The protocol is one AF_UNIX datagram per message to $NOTIFY_SOCKET, and Node's dgram only
 * speaks UDP. Instead of a native addon, one long-lived python3 helper is spawned that reads
 * one JSON string per line on stdin and sends each as a datagram (abstract sockets, "@name",
 * included). It must be long-lived: systemd attributes a datagram to a service by the
 * sender's cgroup, which it cannot read once a short-lived sender (e.g. a `systemd-notify`
 * per message) has already exited; a helper that lives as long as the daemon never races.
 * Because the sender is a child, the unit needs NotifyAccess=all (deploy/ sets it).
 *
 * The watchdog ping comes from the daemon's own event loop (a timer at half of
 * WATCHDOG_USEC), so a stuck loop stops the pings and systemd restarts the daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.js';

const HELPER = [
  'import json, os, socket, sys',
  'addr = os.environ["NOTIFY_SOCKET"]',
  'if addr.startswith("@"): addr = "\\0" + addr[1:]',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  'for line in sys.stdin:',
  '    try: s.sendto(json.loads(line).encode(), addr)',
  '    except Exception as e: print(e, file=sys.stderr, flush=True)',
].join('\n');

export interface SdNotifier {
  /** True when the daemon runs under systemd with Type=notify. */
  readonly enabled: boolean;
  /** The watchdog ping interval in ms (half of WATCHDOG_USEC), or null without a watchdog. */
  readonly watchdogIntervalMs: number | null;
  ready(status?: string): void;
  status(text: string): void;
  stopping(status?: string): void;
  watchdog(): void;
  /** Starts pinging WATCHDOG=1 every watchdogIntervalMs (no-op without a watchdog). */
  startWatchdog(): void;
  /** Stops the pings and the helper; safe twice. */
  close(): Promise<void>;
}

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** The python interpreter (default python3 on PATH). */
  python?: string;
}

/** STATUS= takes one line; newlines would start another assignment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

/** The watchdog interval in ms from the environment, or null when no watchdog is meant for this process. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export function createSdNotifier(options: SdNotifyOptions = {}): SdNotifier {
  const env = options.env ?? process.env;
  const socketPath = env.NOTIFY_SOCKET;
  const interval = watchdogIntervalMs(env);
  if (!socketPath) {
    return { enabled: false, watchdogIntervalMs: null, ready() {}, status() {}, stopping() {}, watchdog() {}, startWatchdog() {}, close: async () => {} };
  }
  let helper: ChildProcess | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const ensureHelper = (): ChildProcess | null => {
    if (helper || closed) return helper;
    const child = spawn(options.python ?? 'python3', ['-c', HELPER], {
      env: { ...env, NOTIFY_SOCKET: socketPath },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    child.on('error', (e) => options.logger?.error({ err: e.message }, 'systemd notify helper could not start (python3 missing?)'));
    child.stderr?.on('data', (d: Buffer) => options.logger?.warn({ err: d.toString().trim() }, 'systemd notify failed'));
    child.stdin?.on('error', () => undefined);
    child.on('exit', () => { if (helper === child) helper = null; });
    // The helper must never keep the daemon alive on its own.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    helper = child;
    return child;
  };

  const send = (message: string): void => {
    const child = ensureHelper();
    child?.stdin?.write(`${JSON.stringify(message)}\n`);
  };

  return {
    enabled: true,
    watchdogIntervalMs: interval,
    ready(status) { send(status ? `READY=1\nSTATUS=${oneLine(status)}` : 'READY=1'); },
    status(text) { send(`STATUS=${oneLine(text)}`); },
    stopping(status) { send(status ? `STOPPING=1\nSTATUS=${oneLine(status)}` : 'STOPPING=1'); },
    watchdog() { send('WATCHDOG=1'); },
    startWatchdog() {
      if (interval === null || timer || closed) return;
      timer = setInterval(() => send('WATCHDOG=1'), interval);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      closed = true;
      const child = helper;
      helper = null;
      if (!child || child.exitCode !== null) return;
      // Closing stdin lets the helper send what is queued and exit by itself.
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => { child.kill(); resolve(); }, 2000);
        child.once('exit', () => { clearTimeout(kill); resolve(); });
        child.stdin?.end();
      });
    },
  };
}
