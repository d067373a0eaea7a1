/**
 * A scriptable WebRTC far end in Node for failure tests: SIP.js over our WSS transport,
 * registers, auto-answers with a werift RTCPeerConnection (audio+video, no media sent), and
 * lets the test rewrite its answer: a tampered DTLS fingerprint, candidates that cannot work,
 * or malformed candidate lines.
 */
import { Invitation, Registerer, UserAgent, type BodyAndContentType, type SessionDescriptionHandler } from 'sip.js';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { createWssTransportClass } from '../../src/adapters/sip/transport/index.js';

export type AnswerRewrite = (sdp: string, pc: RTCPeerConnection) => string;

class FarEndSdh implements SessionDescriptionHandler {
  readonly pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
    },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  });

  private sender: NodeJS.Timeout | undefined;
  /** While true, nothing the far end sends (RTP, RTCP) leaves it: a network outage. */
  outage = false;
  rtpSent = 0;

  constructor(private readonly rewrite: () => AnswerRewrite | undefined) {
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.startSending();
    });
  }

  readonly offers: string[] = [];

  async setDescription(sdp: string): Promise<void> {
    this.offers.push(sdp);
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of this.pc.getTransceivers()) t.setDirection('sendrecv');
  }

  /** Opus DTX-style silence frames every 20 ms on the audio stream, so the unit hears a live far end. */
  private startSending(): void {
    if (this.sender) return;
    const audio = this.pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!audio) return;
    const dtls = audio.dtlsTransport;
    const realSendRtp = dtls.sendRtp.bind(dtls);
    const realSendRtcp = dtls.sendRtcp.bind(dtls);
    dtls.sendRtp = (payload, header) => (this.outage ? Promise.resolve(0) : realSendRtp(payload, header));
    dtls.sendRtcp = (packets) => (this.outage ? Promise.resolve(0) : realSendRtcp(packets));
    let seq = 1;
    let ts = 0;
    this.sender = setInterval(() => {
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: seq++ & 0xffff, timestamp: (ts += 960) >>> 0, marker: false });
      this.rtpSent++;
      void audio.sender.sendRtp(new RtpPacket(header, Buffer.from([0xf8, 0xff, 0xfe]))).catch(() => undefined);
    }, 20);
  }

  async getDescription(): Promise<BodyAndContentType> {
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        this.pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') { clearTimeout(timer); resolve(); } });
      });
    }
    // As in WebRtcTransport: werift does not re-run ICE checks by itself after a restart.
    for (const dtls of this.pc.dtlsTransports) {
      if (dtls.state === 'connected' && !['connected', 'checking', 'closed'].includes(dtls.iceTransport.state)) void dtls.iceTransport.start().catch(() => undefined);
    }
    const sdp = this.pc.localDescription!.sdp;
    const rewrite = this.rewrite();
    return { body: rewrite ? rewrite(sdp, this.pc) : sdp, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.startsWith('application/sdp');
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    clearInterval(this.sender);
    void this.pc.close();
  }
}

export interface WeriftFarEndOptions {
  host: string;
  port: number;
  ca: string;
  aor: string;
  username: string;
  password: string;
}

export class WeriftFarEnd {
  private ua: UserAgent | null = null;
  rewrite: AnswerRewrite | undefined;
  readonly sessions: FarEndSdh[] = [];
  calls = 0;

  constructor(private readonly o: WeriftFarEndOptions) {}

  async start(): Promise<void> {
    const uri = UserAgent.makeURI(this.o.aor);
    if (!uri) throw new Error('bad AOR');
    this.ua = new UserAgent({
      uri,
      transportConstructor: createWssTransportClass({ host: this.o.host, port: this.o.port, tls: { ca: this.o.ca, servername: 'localhost' }, reconnect: false }),
      authorizationUsername: this.o.username,
      authorizationPassword: this.o.password,
      contactParams: { transport: 'ws' },
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactory: () => {
        const sdh = new FarEndSdh(() => this.rewrite);
        this.sessions.push(sdh);
        return sdh;
      },
      delegate: {
        onInvite: (invitation: Invitation) => {
          this.calls++;
          void invitation.accept().catch(() => undefined);
        },
      },
    });
    await this.ua.start();
    const registerer = new Registerer(this.ua, { expires: 300 });
    await new Promise<void>((resolve, reject) => {
      registerer.register({ requestDelegate: { onAccept: () => resolve(), onReject: (r) => reject(new Error(`REGISTER ${r.message.statusCode}`)) } }).catch(reject);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.close();
    await this.ua?.stop().catch(() => undefined);
    this.ua = null;
  }
}

/** Flips the last byte of every a=fingerprint: a certificate that no longer matches. */
export function tamperFingerprint(sdp: string): string {
  return sdp.replace(/^(a=fingerprint:\S+ (?:[0-9A-F]{2}:)+)([0-9A-F]{2})\r?$/gim, (_m, head: string, last: string) => {
    const flipped = (parseInt(last, 16) ^ 0xff).toString(16).toUpperCase().padStart(2, '0');
    return `${head}${flipped}`;
  });
}

/**
 * Replaces every candidate with one host candidate on a port where nothing answers, and the
 * ICE credentials with ones the far end does not know, so its own checks cannot succeed either.
 */
export function deadCandidates(deadPort: number): AnswerRewrite {
  return (sdp) => {
    let first = true;
    return sdp.split('\r\n').flatMap((line) => {
      if (line.startsWith('a=ice-ufrag:')) return ['a=ice-ufrag:dead'];
      if (line.startsWith('a=ice-pwd:')) return ['a=ice-pwd:deaddeaddeaddeaddeaddead'];
      if (!line.startsWith('a=candidate:')) return [line];
      if (!first) return [];
      first = false;
      return [`a=candidate:1 1 udp 2130706431 127.0.0.1 ${deadPort} typ host`];
    }).join('\r\n');
  };
}

/** Adds malformed and unusable candidate lines before the real ones. */
export function withBadCandidates(sdp: string): string {
  const bad = [
    'a=candidate:garbage',
    'a=candidate:1 1 udp notanumber 127.0.0.1 5000 typ host',
    'a=candidate:2 1 udp 2130706431 999.1.1.1 5000 typ host',
    'a=candidate:3 1 udp 2130706431 127.0.0.1 99999 typ host',
    'a=candidate:4 1 udp 2130706431 127.0.0.1 5000 typ bogus',
    'a=candidate:5 1 tcp 2130706431 127.0.0.1 9 typ host tcptype active',
    'a=candidate:6 1 udp 2130706431 abcd.local 5000 typ host',
    'a=candidate:7 1 udp 2130706431 127.0.0.1 5000 typ host raddr',
  ];
  return sdp.replace(/^(a=candidate:)/m, `${bad.join('\r\n')}\r\n$1`);
}
