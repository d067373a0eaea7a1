/**
 * Plain RTP between GStreamer and the WebRTC transport, on loopback UDP. One bridge per stream:
 *
 *   GStreamer send pipeline --RTP--> bridge.rtpPort  --> onRtpFromEngine (to werift, encrypted there)
 *   GStreamer rtpbin       --RTCP--> bridge.rtcpPort --> onRtcpFromEngine (PLI requests)
 *   werift (decrypted far-end RTP) --> toEngine() --> the engine's local RTP port
 *
 * Only datagrams from the engine's own address are taken: a stray sender on the machine
 * cannot inject media into the call.
 */
import dgram from 'node:dgram';

export interface RtpBridgeOptions {
  /** Where the engine listens for far-end RTP (its local rtpPort), and sends from. */
  engineAddress: string;
  engineRtpPort: number;
  onRtpFromEngine: (packet: Buffer) => void;
  onRtcpFromEngine: (packet: Buffer) => void;
}

export class RtpBridge {
  private rtp: dgram.Socket | undefined;
  private rtcp: dgram.Socket | undefined;
  private closed = false;
  readonly counters = { fromEngine: 0, toEngine: 0, dropped: 0 };

  constructor(private readonly options: RtpBridgeOptions) {}

  /** Binds both sockets on the engine's address; returns their ports. */
  async open(): Promise<{ rtpPort: number; rtcpPort: number }> {
    const family = this.options.engineAddress.includes(':') ? 'udp6' : 'udp4';
    this.rtp = await bind(family, this.options.engineAddress);
    this.rtcp = await bind(family, this.options.engineAddress);
    this.rtp.on('message', (msg, rinfo) => {
      if (rinfo.address !== this.options.engineAddress || msg.length < 12) return void this.counters.dropped++;
      this.counters.fromEngine++;
      this.options.onRtpFromEngine(msg);
    });
    this.rtcp.on('message', (msg, rinfo) => {
      if (rinfo.address !== this.options.engineAddress || msg.length < 8) return;
      this.options.onRtcpFromEngine(msg);
    });
    return { rtpPort: this.rtp.address().port, rtcpPort: this.rtcp.address().port };
  }

  /** Hands a far-end RTP packet (already decrypted) to the engine. */
  toEngine(packet: Buffer): void {
    if (this.closed || !this.rtp) return;
    this.counters.toEngine++;
    this.rtp.send(packet, this.options.engineRtpPort, this.options.engineAddress);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.rtp, this.rtcp]) {
      try {
        s?.close();
      } catch {
        // already closed
      }
    }
  }
}

function bind(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(type);
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // e.g. ICMP port unreachable before GStreamer binds
      resolve(socket);
    });
  });
}
