/**
 * The WebRTC side of a call, on werift: ICE (host candidates, STUN/TURN from config),
 * DTLS-SRTP with fingerprints, rtcp-mux and BUNDLE, NACK/PLI for video. GStreamer keeps doing
 * capture, DSP and codecs: it exchanges plain RTP with this transport through one loopback
 * RtpBridge per stream, so the engine sees an ordinary plain-RTP session on 127.0.0.1.
 *
 * Connection states (werift's RTCPeerConnection) drive the call:
 *   connected            -> connected() resolves
 *   failed / no connect  -> connected() rejects with E_ICE_FAILED, or E_DTLS_FAILED when ICE
 *                           worked but the DTLS handshake or the fingerprint check did not
 *   media silent         -> nothing (RTP or RTCP) from the far end for disconnectGraceMs, or ICE
 *                           reports disconnected: 'restart-needed' once (the SIP side re-INVITEs
 *                           with an ICE restart offer); still silent connectTimeoutMs later, or
 *                           ICE failed mid-call -> 'failed' (E_ICE_FAILED, the call ends)
 * werift itself only notices a dead path after RFC 7675's 30 s consent timeout, which is why
 * the unit watches the far end's packets.
 */
import { MediaStreamTrack, RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { ApplianceError } from '../../core/errors.js';
import { TypedEmitter } from '../../lib/typed-emitter.js';
import type { LocalMediaCapabilities, MediaKind, NegotiatedSession, NegotiatedStream } from '../../core/media-types.js';
import { checkRemoteWebRtcSdp } from './remote-sdp-check.js';
import { withDefaultCandidates, withMediaLevelDefaults, withOfferMids } from './sdp-defaults.js';
import { RtpBridge } from './rtp-bridge.js';
import { fromWerift, toWerift, webrtcVideoOrder } from './webrtc-codecs.js';

export interface IceServerConfig {
  urls: readonly string[];
  username?: string;
  credential?: string;
}

export interface WebRtcTransportOptions {
  iceServers: readonly IceServerConfig[];
  /** Extra host candidate addresses; werift leaves loopback out, so tests on 127.0.0.1 add it here. */
  additionalHostAddresses: readonly string[];
  /** Only these local addresses are used for candidates (tests: ['127.0.0.1']); default all. */
  onlyAddresses?: readonly string[];
  connectTimeoutMs: number;
  disconnectGraceMs: number;
  /** Gathering is waited for (SIP carries complete descriptions), at most this long. */
  gatherTimeoutMs?: number;
  log: (level: 'debug' | 'info' | 'warn', fields: Record<string, unknown>, msg: string) => void;
}

export interface WebRtcTransportEvents {
  state: (state: string) => void;
  'restart-needed': () => void;
  failed: (error: ApplianceError) => void;
}

interface StreamLink {
  kind: MediaKind;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  bridge: RtpBridge | null;
  payloadType: number | null;
  remoteSsrc: number | null;
}

export class WebRtcTransport extends TypedEmitter<WebRtcTransportEvents> {
  private readonly pc: RTCPeerConnection;
  private readonly links = new Map<MediaKind, StreamLink>();
  private iceWasConnected = false;
  private everConnected = false;
  private closed = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastInboundAt = 0;
  private restartRequestedAt: number | null = null;
  private restartFailedEmitted = false;
  private readonly connectedWaiters: { resolve: () => void; reject: (e: ApplianceError) => void }[] = [];
  readonly counters = { candidatesDropped: 0, rtpIn: 0, rtpOut: 0, plisSent: 0, iceRestarts: 0, recoveries: 0 };

  constructor(private readonly caps: LocalMediaCapabilities, private readonly opts: WebRtcTransportOptions) {
    super();
    const video = caps.video ? webrtcVideoOrder(caps.video.codecs).map(toWerift) : [];
    const only = opts.onlyAddresses;
    this.pc = new RTCPeerConnection({
      codecs: { audio: caps.audio.codecs.map(toWerift), video },
      iceServers: opts.iceServers.map((s) => ({ urls: [...s.urls], ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) })),
      ...(opts.additionalHostAddresses.length > 0 ? { iceAdditionalHostAddresses: [...opts.additionalHostAddresses] } : {}),
      ...(only && only.length > 0 ? { iceInterfaceAddresses: { udp4: only.find((a) => !a.includes(':')) ?? '0.0.0.0', udp6: only.find((a) => a.includes(':')) ?? '::' } } : {}),
      iceUseIpv6: false,
      // max-compat: one transport per m-line in the offer, bundled when the answer accepts BUNDLE (browsers);
      // stacks without BUNDLE (baresip 1.0) then still get one DTLS session per stream.
      bundlePolicy: 'max-compat',
    });
    this.pc.connectionStateChange.subscribe((s) => this.onConnectionState(s));
    this.pc.iceConnectionStateChange.subscribe((s) => this.onIceState(s));
  }

  /** An offer with one sendrecv transceiver per stream the engine has, candidates included. */
  async createOffer(options: { iceRestart?: boolean } = {}): Promise<string> {
    this.ensureTransceivers();
    const offer = await this.pc.createOffer(options.iceRestart ? { iceRestart: true } : {});
    await this.pc.setLocalDescription(offer);
    await this.gathered();
    return this.localSdp();
  }

  /** Applies the far end's answer to our offer. */
  async acceptAnswer(sdp: string): Promise<void> {
    const checked = withOfferMids(this.check(sdp), this.localSdp());
    await this.pc.setRemoteDescription({ type: 'answer', sdp: checked });
    this.resumeRestartedIce();
  }

  /**
   * werift skips connectivity checks for a transport whose DTLS is already up, which is
   * exactly the case after an ICE restart: start them here (DTLS and SRTP carry on as they are).
   */
  private resumeRestartedIce(): void {
    for (const dtls of this.pc.dtlsTransports) {
      const ice = dtls.iceTransport;
      if (dtls.state === 'connected' && ice.state !== 'connected' && ice.state !== 'checking' && ice.state !== 'closed') {
        ice.start().catch((e: unknown) => this.opts.log('warn', { err: e instanceof Error ? e.message : String(e) }, 'webrtc ICE restart checks failed'));
      }
    }
  }

  /** Applies a far-end offer (inbound call or far-end re-INVITE) and returns our answer. */
  async answerOffer(sdp: string): Promise<string> {
    const checked = this.check(sdp);
    this.ensureTransceivers();
    await this.pc.setRemoteDescription({ type: 'offer', sdp: checked });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.gathered();
    this.resumeRestartedIce();
    return this.localSdp();
  }

  /** Resolves when ICE and DTLS are up; rejects with a coded error on failure or timeout. */
  connected(): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (e: ApplianceError) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        const i = this.connectedWaiters.indexOf(waiter);
        if (i >= 0) this.connectedWaiters.splice(i, 1);
        reject(this.failure(`no media connection within ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      this.connectedWaiters.push(waiter);
    });
  }

  /**
   * The plain-RTP session the engine runs: the engine keeps its own ports, and its "far end"
   * is this transport's loopback bridge for each negotiated stream.
   */
  async negotiatedSession(): Promise<NegotiatedSession> {
    const streams: NegotiatedStream[] = [];
    for (const link of this.links.values()) {
      const t = link.transceiver;
      const direction = t.currentDirection;
      if (!direction || direction === 'inactive' || direction === 'stopped' || t.mid === undefined || t.mid === null) continue;
      const codec = t.codecs.map(fromWerift).find((c) => c !== null) ?? null;
      if (!codec) continue;
      const local = link.kind === 'audio' ? this.caps.audio : this.caps.video;
      if (!local) continue;
      link.payloadType = codec.payloadType;
      link.bridge ??= await this.openBridge(link, local.rtpPort);
      const ports = this.bridgePorts.get(link.kind)!;
      streams.push({
        kind: link.kind,
        codec,
        direction,
        local: { address: this.caps.address, rtpPort: local.rtpPort, rtcpPort: local.rtcpPort },
        remote: { address: this.caps.address, rtpPort: ports.rtpPort, rtcpPort: ports.rtcpPort },
        srtp: null,
      });
    }
    if (!streams.some((s) => s.kind === 'audio')) throw new ApplianceError('E_CODEC_UNSUPPORTED', 'no audio stream was negotiated with the far end');
    return { streams };
  }

  /**
   * Asks the far end for a video keyframe (RTCP PLI). Browsers send keyframes only when asked,
   * and the first ones went out before the engine's receive pipeline was listening.
   */
  requestKeyframe(): boolean {
    const link = this.links.get('video');
    if (!link || link.remoteSsrc === null || this.closed) return false;
    this.counters.plisSent++;
    void link.transceiver.receiver.sendRtcpPLI(link.remoteSsrc).catch(() => undefined);
    return true;
  }

  iceConnectionState(): string {
    return this.pc.iceConnectionState;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.graceTimer);
    clearInterval(this.watchdog);
    for (const timer of this.keyframeTimers) clearTimeout(timer);
    for (const w of this.connectedWaiters.splice(0)) w.reject(new ApplianceError('E_CALL_DROPPED', 'the call ended before media connected'));
    for (const link of this.links.values()) link.bridge?.close();
    await this.pc.close().catch(() => undefined);
  }

  private readonly keyframeTimers: NodeJS.Timeout[] = [];

  /** Keyframe requests shortly after the engine starts receiving (until one is answered, there is no picture). */
  scheduleKeyframeRequests(delaysMs: readonly number[] = [100, 600, 1500, 3000]): void {
    for (const delay of delaysMs) this.keyframeTimers.push(setTimeout(() => this.requestKeyframe(), delay));
  }

  private readonly bridgePorts = new Map<MediaKind, { rtpPort: number; rtcpPort: number }>();

  private async openBridge(link: StreamLink, engineRtpPort: number): Promise<RtpBridge> {
    const bridge = new RtpBridge({
      engineAddress: this.caps.address,
      engineRtpPort,
      onRtpFromEngine: (packet) => {
        if (this.pc.connectionState !== 'connected') return;
        this.counters.rtpOut++;
        link.track.writeRtp(packet);
      },
      onRtcpFromEngine: (packet) => this.onEngineRtcp(link, packet),
    });
    this.bridgePorts.set(link.kind, await bridge.open());
    return bridge;
  }

  /** The engine's decoder asks for a keyframe with RTCP PLI/FIR: pass it on to the far end. */
  private onEngineRtcp(link: StreamLink, packet: Buffer): void {
    if (link.kind !== 'video' || link.remoteSsrc === null) return;
    for (let offset = 0; offset + 4 <= packet.length;) {
      const fmt = packet[offset]! & 0x1f;
      const type = packet[offset + 1]!;
      const length = (packet.readUInt16BE(offset + 2) + 1) * 4;
      if (type === 206 && (fmt === 1 || fmt === 4)) {
        this.requestKeyframe();
        return;
      }
      offset += length;
    }
  }

  private ensureTransceivers(): void {
    const kinds: MediaKind[] = this.caps.video && this.caps.video.codecs.length > 0 ? ['audio', 'video'] : ['audio'];
    for (const kind of kinds) {
      if (this.links.has(kind)) continue;
      const track = new MediaStreamTrack({ kind });
      const transceiver = this.pc.addTransceiver(track, { direction: 'sendrecv' });
      const link: StreamLink = { kind, transceiver, track, bridge: null, payloadType: null, remoteSsrc: null };
      transceiver.sender.onRtcp.subscribe(() => this.inbound());
      transceiver.receiver.onRtcp.subscribe(() => this.inbound());
      transceiver.onTrack.subscribe((remote) => {
        remote.onReceiveRtp.subscribe((rtp) => {
          this.inbound();
          if (link.payloadType === null || rtp.header.payloadType !== link.payloadType) return;
          link.remoteSsrc = rtp.header.ssrc;
          this.counters.rtpIn++;
          link.bridge?.toEngine(rtp.serialize());
        });
      });
      this.links.set(kind, link);
    }
  }

  /** Starts watching the far end's packets; called once media runs. */
  watchMedia(): void {
    if (this.watchdog || this.closed) return;
    this.lastInboundAt = Date.now();
    this.watchdog = setInterval(() => this.checkLiveness(), Math.max(100, Math.min(500, this.opts.disconnectGraceMs / 4)));
  }

  /** Marks an ICE restart offer as sent (the SIP side calls this when it re-INVITEs). */
  restartStarted(): void {
    this.counters.iceRestarts++;
    this.restartRequestedAt ??= Date.now();
  }

  private inbound(): void {
    this.lastInboundAt = Date.now();
    if (this.restartRequestedAt !== null) {
      this.restartRequestedAt = null;
      this.counters.recoveries++;
      this.opts.log('info', { iceRestarts: this.counters.iceRestarts }, 'webrtc media recovered');
    }
  }

  private expectsMedia(): boolean {
    for (const link of this.links.values()) {
      const d = link.transceiver.currentDirection;
      if (d === 'sendrecv' || d === 'recvonly') return true;
    }
    return false;
  }

  private checkLiveness(): void {
    if (this.closed || !this.expectsMedia()) return;
    const now = Date.now();
    if (this.restartRequestedAt === null) {
      if (now - this.lastInboundAt < this.opts.disconnectGraceMs) return;
      this.opts.log('warn', { silentMs: now - this.lastInboundAt }, 'webrtc media silent; asking for an ICE restart');
      this.restartRequestedAt = now;
      this.emit('restart-needed');
      return;
    }
    if (!this.restartFailedEmitted && now - this.restartRequestedAt >= this.opts.connectTimeoutMs) {
      this.restartFailedEmitted = true;
      this.emit('failed', new ApplianceError('E_ICE_FAILED', 'the media connection was lost and an ICE restart did not bring it back', { reason: 'no media after ICE restart' }));
    }
  }

  private check(sdp: string): string {
    const checked = checkRemoteWebRtcSdp(sdp);
    if (checked.dropped.length > 0) {
      this.counters.candidatesDropped += checked.dropped.length;
      // Browsers always add TCP candidates, which werift cannot use: only malformed ones are news.
      const malformed = checked.dropped.some((d) => d.reason !== 'not UDP');
      this.opts.log(malformed ? 'warn' : 'debug', { dropped: checked.dropped, kept: checked.kept }, 'ignored unusable ICE candidates from the far end');
    }
    return withMediaLevelDefaults(checked.sdp);
  }

  private async gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.opts.gatherTimeoutMs ?? 3_000);
      const sub = this.pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') done(); });
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }

  private localSdp(): string {
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new ApplianceError('E_MEDIA_PIPELINE', 'the WebRTC transport produced no description');
    return withDefaultCandidates(sdp);
  }

  private failure(reason: string): ApplianceError {
    return this.iceWasConnected
      ? new ApplianceError('E_DTLS_FAILED', `DTLS-SRTP failed: ${reason}`, { reason })
      : new ApplianceError('E_ICE_FAILED', `ICE failed: ${reason}`, { reason });
  }

  private onConnectionState(state: string): void {
    if (this.closed) return;
    this.opts.log('info', { state }, 'webrtc connection state');
    this.emit('state', state);
    if (state === 'connected') {
      this.everConnected = true;
      for (const w of this.connectedWaiters.splice(0)) w.resolve();
    } else if (state === 'failed') {
      const error = this.failure(this.iceWasConnected ? 'the DTLS handshake or the fingerprint check failed' : 'no candidate pair worked');
      for (const w of this.connectedWaiters.splice(0)) w.reject(error);
      if (this.everConnected) this.emit('failed', error);
    }
  }

  private onIceState(state: string): void {
    if (this.closed) return;
    this.opts.log('debug', { state }, 'webrtc ICE state');
    // werift reports 'completed' once when gathering ends, before any check: only 'connected' counts.
    if (state === 'connected') {
      this.iceWasConnected = true;
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    } else if (state === 'disconnected' && this.everConnected && !this.graceTimer) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined;
        if (!this.closed && this.pc.iceConnectionState === 'disconnected' && this.restartRequestedAt === null) {
          this.restartRequestedAt = Date.now();
          this.emit('restart-needed');
        }
      }, this.opts.disconnectGraceMs);
    } else if (state === 'failed' && this.everConnected) {
      this.emit('failed', new ApplianceError('E_ICE_FAILED', 'the media connection was lost', { reason: 'ice failed mid-call' }));
    }
  }
}
