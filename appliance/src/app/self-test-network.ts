import { connect } from 'node:net';
import type { CheckFn } from './self-test.js';

/** Self-test "network": can the unit open a TCP connection to its SIP proxy? Passes with the connect time. */
export function tcpReachCheck(target: { host: string; port: number; timeoutMs: number }): CheckFn {
  return (signal) => new Promise((resolve) => {
    if (signal.aborted) { resolve({ outcome: 'fail', code: 'E_SERVER_UNREACHABLE', detail: 'stopped' }); return; }
    const started = Date.now();
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean, why: string): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok
        ? { outcome: 'pass', detail: `SIP server reached in ${Date.now() - started} ms` }
        : { outcome: 'fail', code: 'E_SERVER_UNREACHABLE', detail: why });
    };
    const onAbort = (): void => done(false, 'stopped');
    const timer = setTimeout(() => done(false, `no connection within ${target.timeoutMs} ms`), target.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true, ''));
    socket.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? 'connection failed'));
  });
}
