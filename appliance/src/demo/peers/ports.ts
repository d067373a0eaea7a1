/**
 * Free port allocation on 127.0.0.1 for the real peers started by integration tests.
 *
 * A port is "free" when we could bind it a moment ago; another process may still take
 * it before the peer binds it. Ports handed out by this module are remembered for the
 * life of the test process so two peers of one test never get the same one.
 */
import net from 'node:net';
import dgram from 'node:dgram';

export const LOOPBACK = '127.0.0.1';

const handedOut = new Set<number>();

function bindTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function bindUdp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(null);
    });
    socket.bind({ address: LOOPBACK, port, exclusive: true }, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

export interface FreePortOptions {
  /** The UDP port of the same number must be free too (default false). */
  udp?: boolean;
  /** The first port must be even (RTP). */
  even?: boolean;
  /**
   * How many consecutive ports must be free, starting at the returned one (default 1).
   * baresip, for example, listens on TCP+UDP at its SIP port and TLS at the next one.
   */
  count?: number;
}

/** The first port of a block of free TCP (and UDP if asked) ports on 127.0.0.1. */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const count = options.count ?? 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    // Let the kernel pick a candidate, then check the other constraints around it.
    const candidate = await bindTcp(0);
    if (candidate === null) continue;
    const first = options.even && candidate % 2 === 1 ? candidate - 1 : candidate;
    if (first < 1024 || first + count > 65535) continue;
    let ok = true;
    for (let port = first; ok && port < first + count; port++) {
      if (handedOut.has(port)) ok = false;
      else if (port !== candidate && (await bindTcp(port)) === null) ok = false;
      else if (options.udp && (await bindUdp(port)) === null) ok = false;
    }
    if (!ok) continue;
    for (let port = first; port < first + count; port++) handedOut.add(port);
    return first;
  }
  throw new Error('no free port found on 127.0.0.1');
}

/** `count` distinct free ports (not necessarily consecutive). */
export async function freePorts(count: number, options: Omit<FreePortOptions, 'count'> = {}): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort(options));
  return ports;
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after
 * timeoutMs, or as soon as `isDead()` returns a reason (the peer process exited).
 */
export async function waitForTcpPort(port: number, timeoutMs = 5000, isDead?: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = isDead?.();
    if (dead) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: LOOPBACK, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${LOOPBACK}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
