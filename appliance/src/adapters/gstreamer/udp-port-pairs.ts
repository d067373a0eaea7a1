/**
 * Reserves RTP/RTCP port pairs (even RTP port, RTCP = RTP + 1) by binding placeholder UDP
 * sockets with SO_REUSEADDR. udpsrc also binds with SO_REUSEADDR (its `reuse` default), so the
 * pipeline can bind while the placeholder still holds the port; the placeholder is closed once
 * the pipeline is up, leaving no window in which another program could take the port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ApplianceError } from '../../core/errors.js';

export interface PortRange {
  min: number;
  max: number;
}

/** Below Linux's ephemeral range (32768-60999), so outgoing sockets never collide with it. */
export const DEFAULT_RTP_PORT_RANGE: PortRange = { min: 16384, max: 32766 };

/** Ports this process holds, so two reservations never pick the same pair (SO_REUSEADDR would allow it). */
const heldPorts = new Set<number>();

export class ReservedPortPair {
  private closed = false;

  constructor(
    readonly rtpPort: number,
    readonly rtcpPort: number,
    private readonly sockets: Socket[],
  ) {}

  /** Closes the placeholders; safe to call twice. */
  async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.sockets.map(close));
    heldPorts.delete(this.rtpPort);
    heldPorts.delete(this.rtcpPort);
  }
}

export async function reservePortPair(address: string, range: PortRange = DEFAULT_RTP_PORT_RANGE, attempts = 64): Promise<ReservedPortPair> {
  const firstEven = range.min + (range.min % 2);
  const pairs = Math.floor((range.max - 1 - firstEven) / 2) + 1;
  if (pairs < 1) throw new ApplianceError('E_MEDIA_PIPELINE', 'RTP port range holds no even/odd pair', { ...range });
  for (let i = 0; i < attempts; i++) {
    const rtpPort = firstEven + 2 * Math.floor(Math.random() * pairs);
    if (heldPorts.has(rtpPort) || heldPorts.has(rtpPort + 1)) continue;
    // Claimed before the first await, so a concurrent reservation cannot pick the same pair.
    heldPorts.add(rtpPort);
    heldPorts.add(rtpPort + 1);
    let sockets: [Socket, Socket] | null = null;
    try {
      sockets = await bindPair(address, rtpPort);
    } finally {
      if (sockets === null) {
        heldPorts.delete(rtpPort);
        heldPorts.delete(rtpPort + 1);
      }
    }
    if (sockets !== null) return new ReservedPortPair(rtpPort, rtpPort + 1, sockets);
  }
  throw new ApplianceError('E_MEDIA_PIPELINE', 'No free RTP/RTCP port pair', { address, ...range });
}

async function bindPair(address: string, rtpPort: number): Promise<[Socket, Socket] | null> {
  const rtp = await bindOrNull(address, rtpPort);
  if (rtp === null) return null;
  try {
    const rtcp = await bindOrNull(address, rtpPort + 1);
    if (rtcp !== null) return [rtp, rtcp];
  } catch (e) {
    await close(rtp);
    throw e;
  }
  await close(rtp);
  return null;
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** Binds a placeholder if nobody holds the port: first without SO_REUSEADDR (refused if anyone has it), then with it. */
async function bindOrNull(address: string, port: number): Promise<Socket | null> {
  const probe = await bindSocket(address, port, false);
  if (probe === null) return null;
  await close(probe);
  return bindSocket(address, port, true);
}

/** null when the port is taken; throws when the address itself cannot be bound (not local, not an IP). */
function bindSocket(address: string, port: number, reuseAddr: boolean): Promise<Socket | null> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(null);
      else reject(new ApplianceError('E_MEDIA_PIPELINE', `Cannot bind media sockets to ${address}: ${e.code ?? e.message}`, { address }, { cause: e }));
    });
    socket.bind({ address, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
