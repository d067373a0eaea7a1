import {
  Invitation, Inviter, Registerer, RegistererState, RequestPendingError, SessionState, UserAgent,
  type Core, type Session, type SessionDescriptionHandler,
} from 'sip.js';
import { readFile } from 'node:fs/promises';
import { TypedEmitter } from '../../lib/typed-emitter.js';
import { ApplianceError, toApplianceError } from '../../core/errors.js';
import type { NegotiatedSession } from '../../core/media-types.js';
import type { MediaEngine } from '../../ports/media-engine.js';
import type { CallInfo, RegistrationState, Signaling, SignalingEvents } from '../../ports/signaling.js';
import type { Logger } from '../../log/logger.js';
import { redactUri } from '../../log/logger.js';
import { GstSessionDescriptionHandler } from './gst-session-description-handler.js';
import { WebRtcSessionDescriptionHandler, type WebRtcSdhOptions } from './webrtc-session-description-handler.js';
import type { WebRtcTransportOptions } from '../webrtc/webrtc-transport.js';
import { errorForSipStatus } from './sip-status-errors.js';
import { createStreamTransportClass, createWssTransportClass, type StreamTransport } from './transport/index.js';
import { callerAllowed } from './inbound-policy.js';
import { sipJsLogConnector } from './sipjs-log.js';
import { remoteDisplayName } from './remote-display-name.js';
import { OptionsKeepalive } from './options-keepalive.js';

export interface SipSignalingOptions {
  /** caFile: PEM bundle trusted for the proxy's certificate (read at start); default the system store. */
  proxy: { host: string; port: number; protocol: 'TLS' | 'TCP' | 'WSS'; caFile?: string; servername?: string; wsPath?: string };
  account?: { username: string; authUsername?: string; password: string; domain: string; displayName?: string };
  /** Used as the From user when no account is provisioned (calls without registration). */
  unitId: string;
  registerExpiresSeconds: number;
  allowInboundFrom: readonly string[];
  keepaliveIntervalMs: number;
  noAnswerTimeoutMs: number;
  connectTimeoutMs: number;
  allowPlainRtp: boolean;
  engine: MediaEngine;
  logger: Logger;
  /** Delay before retrying a failed connection; doubles up to 60 s. */
  retryInitialMs?: number;
  /** WebRTC media (ICE + DTLS-SRTP via werift): used for calls placed over WSS and for far-end WebRTC offers. */
  webrtc?: Omit<WebRtcTransportOptions, 'log'>;
}

const DEFAULT_WEBRTC: Omit<WebRtcTransportOptions, 'log'> = {
  iceServers: [], additionalHostAddresses: [], connectTimeoutMs: 10_000, disconnectGraceMs: 4_000,
};

interface ActiveCall {
  session: Session;
  target: string;
  sdh: GstSessionDescriptionHandler | WebRtcSessionDescriptionHandler | null;
  error: ApplianceError | null;
  localHangup: boolean;
  negotiated: NegotiatedSession | null;
  /** The far end's display name, when it sends one (for the panel's participant list). */
  remoteName?: string | null;
}

/** The Signaling port on SIP.js: our TLS/TCP transport, digest auth, GStreamer-backed SDP. */
export class SipSignaling extends TypedEmitter<SignalingEvents> implements Signaling {
  private ua: UserAgent | null = null;
  private registerer: Registerer | null = null;
  private regState: RegistrationState;
  private call_: ActiveCall | null = null;
  private keepalive: OptionsKeepalive | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  /** Ends the REGISTER in progress (its connection is gone). */
  private abandonRegister: ((error: ApplianceError) => void) | null = null;
  private stopped = true;
  private readonly log: Logger;

  constructor(private readonly opts: SipSignalingOptions) {
    super();
    this.regState = opts.account ? 'unregistered' : 'not-configured';
    this.retryMs = opts.retryInitialMs ?? 2_000;
    this.log = opts.logger;
  }

  registrationState(): RegistrationState {
    return this.regState;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    const o = this.opts;
    const ca = o.proxy.caFile ? await readCaFile(o.proxy.caFile) : undefined;
    this.stopped = false;
    const user = o.account?.username ?? o.unitId;
    const domain = o.account?.domain ?? o.proxy.host;
    const uri = UserAgent.makeURI(`sip:${user}@${domain}`);
    if (!uri) throw new ApplianceError('E_CONFIG_INVALID', `cannot form a SIP URI for ${user}@${domain}`, { field: 'sip.account' });
    const tlsOptions = { ...(ca ? { ca } : {}), ...(o.proxy.servername ? { servername: o.proxy.servername } : {}) };
    const common = { host: o.proxy.host, port: o.proxy.port, tls: tlsOptions, connectTimeoutMs: o.connectTimeoutMs, logger: transportLogger(this.log) };
    const Transport = o.proxy.protocol === 'WSS'
      ? createWssTransportClass({ ...common, ...(o.proxy.wsPath ? { path: o.proxy.wsPath } : {}), keepaliveIntervalMs: o.keepaliveIntervalMs })
      : createStreamTransportClass({ ...common, protocol: o.proxy.protocol });
    // RFC 7118 section 5: the Contact of a WebSocket client says transport=ws, even over WSS.
    const contactTransport = o.proxy.protocol === 'WSS' ? 'ws' : o.proxy.protocol.toLowerCase();
    this.ua = new UserAgent({
      uri,
      transportConstructor: Transport,
      transportOptions: {},
      ...(o.account ? { authorizationUsername: o.account.authUsername ?? o.account.username, authorizationPassword: o.account.password } : {}),
      displayName: o.account?.displayName || 'Bedside unit',
      contactParams: { transport: contactTransport },
      userAgentString: 'BedsideVideoUnit/0.1',
      logBuiltinEnabled: false,
      logConfiguration: false,
      logLevel: 'warn',
      logConnector: sipJsLogConnector(this.log),
      noAnswerTimeout: 60,
      sessionDescriptionHandlerFactory: (session: Session) => this.createSdh(session),
      delegate: {
        onInvite: (invitation) => this.onInvite(invitation),
        onConnect: () => this.onConnected(),
        onDisconnect: (error) => this.onDisconnected(error),
      },
    });
    this.keepalive = new OptionsKeepalive(this.ua, {
      target: `sip:${o.proxy.host}:${o.proxy.port};transport=${o.proxy.protocol.toLowerCase()}`,
      intervalMs: o.keepaliveIntervalMs,
      logger: this.log,
      onDead: () => this.log.warn('proxy does not answer OPTIONS keepalives'),
    });
    if (o.account) {
      this.registerer = this.newRegisterer(this.ua);
    }
    try {
      await this.ua.start();
      await this.registerOnce();
    } catch (e) {
      this.onConnectFailed(e);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.keepalive?.stop();
    await this.hangup().catch(() => undefined);
    if (this.registerer && this.regState === 'registered' && this.ua?.isConnected()) {
      await withTimeout(this.registerer.unregister().then(() => undefined), 2_000).catch(() => undefined);
    }
    // dispose() waits for an outstanding REGISTER to end, up to Timer F (32 s) if nobody answers.
    if (this.registerer) await withTimeout(this.registerer.dispose(), 2_000).catch(() => undefined);
    await this.ua?.stop().catch(() => undefined);
    this.ua = null;
    this.registerer = null;
    this.setRegistration(this.opts.account ? 'unregistered' : 'not-configured');
  }

  async call(target: string): Promise<CallInfo> {
    const ua = this.ua;
    if (!ua || this.stopped) throw new ApplianceError('E_STATE_TRANSITION', 'signaling is not started');
    if (this.call_) throw new ApplianceError('E_STATE_TRANSITION', 'a call is already in progress');
    const targetUri = UserAgent.makeURI(target);
    if (!targetUri) throw new ApplianceError('E_ROOM_NOT_FOUND', `not a SIP URI: ${redactUri(target)}`);
    if (!ua.isConnected()) await this.connectNow();

    const inviter = new Inviter(ua, targetUri, { earlyMedia: false });
    const active: ActiveCall = { session: inviter, target, sdh: null, error: null, localHangup: false, negotiated: null };
    this.call_ = active;
    const noAnswer = setTimeout(() => {
      if (inviter.state === SessionState.Establishing || inviter.state === SessionState.Initial) {
        active.error ??= new ApplianceError('E_NO_ANSWER', `no answer within ${this.opts.noAnswerTimeoutMs} ms`);
        void inviter.cancel().catch(() => undefined);
      }
    }, this.opts.noAnswerTimeoutMs);

    return new Promise<CallInfo>((resolve, reject) => {
      let settled = false;
      inviter.stateChange.addListener((state) => {
        if (state === SessionState.Established && !settled) {
          settled = true;
          clearTimeout(noAnswer);
          // SIP.js hands the 2xx (its display name) to requestDelegate.onAccept only after
          // Established, a few microtasks on: report the call once that has run.
          setImmediate(() => {
            if (inviter.state !== SessionState.Established) { reject(new ApplianceError('E_CALL_DROPPED', 'the call ended as it was answered')); return; }
            const info = callInfo(active);
            this.log.info({ target: redactUri(target), audio: info.audioCodec, video: info.videoCodec }, 'call established');
            this.emit('established', info);
            resolve(info);
          });
        } else if (state === SessionState.Terminated) {
          clearTimeout(noAnswer);
          if (this.call_ === active) this.call_ = null;
          if (!settled) {
            settled = true;
            // SIP.js moves to Terminated before it calls the request delegate's onReject,
            // which carries the status we map to a code: settle after it has run.
            setImmediate(() => reject(active.error ?? (active.localHangup ? new ApplianceError('E_CALL_DROPPED', 'cancelled') : this.transportError() ?? unansweredEnd(inviter))));
            return;
          }
          this.emitEnded(active);
        }
      });
      inviter.invite({
        requestDelegate: {
          onAccept: (response: Core.IncomingResponse) => { active.remoteName = remoteDisplayName(response.message); },
          onReject: (response: Core.IncomingResponse) => {
            const m = response.message;
            active.error ??= m.statusCode === 503 && this.transportError() ? this.transportError()! : errorForSipStatus(m.statusCode ?? 0, m.reasonPhrase ?? '', 'invite');
          },
        },
      }).catch((e: unknown) => {
        active.error ??= this.transportError() ?? toApplianceError(e, 'E_CALL_REJECTED');
        if (!settled) {
          settled = true;
          clearTimeout(noAnswer);
          if (this.call_ === active) this.call_ = null;
          reject(active.error);
        }
      });
    });
  }

  async hangup(): Promise<void> {
    const active = this.call_;
    if (!active) return;
    active.localHangup = true;
    const s = active.session;
    try {
      if (s.state === SessionState.Established) await s.bye();
      else if (s instanceof Inviter && (s.state === SessionState.Establishing || s.state === SessionState.Initial)) await s.cancel();
      else if (s instanceof Invitation && s.state !== SessionState.Terminated) await s.reject();
    } catch (e) {
      this.log.warn({ err: toApplianceError(e, 'E_CALL_DROPPED').message }, 'hangup request failed; ending locally');
      active.sdh?.close();
      if (this.call_ === active) this.call_ = null;
    }
  }

  /** The negotiated media of the current call (codecs, ports) for reports. */
  currentMedia(): NegotiatedSession | null {
    return this.call_?.negotiated ?? null;
  }

  /**
   * The media profile comes from the far end: a far-end offer in UDP/TLS/RTP/SAVPF (WebRTC) gets
   * the WebRTC handler, any other the SDES-SRTP one; the unit's own offers follow the signalling
   * transport (a room reached over WSS is a WebRTC room).
   */
  private createSdh(session: Session): SessionDescriptionHandler {
    const active = this.call_ && this.call_.session === session ? this.call_ : null;
    const farEndOffer = session instanceof Invitation ? session.body : undefined;
    const webrtc = farEndOffer !== undefined ? isWebRtcOffer(farEndOffer) : this.opts.proxy.protocol === 'WSS';
    if (webrtc) return this.createWebRtcSdh(session, active);
    const sdh = new GstSessionDescriptionHandler({
      engine: this.opts.engine,
      allowPlainRtp: this.opts.allowPlainRtp,
      onNegotiated: (n) => { if (active) active.negotiated = n; },
      onError: (err) => {
        this.log.warn({ code: err.code, err: err.message }, 'session description refused');
        if (active) active.error ??= err;
      },
    });
    if (active) active.sdh = sdh;
    return sdh;
  }

  private createWebRtcSdh(session: Session, active: ActiveCall | null): SessionDescriptionHandler {
    const log = this.log.child({ component: 'webrtc' });
    const sdh = new WebRtcSessionDescriptionHandler({
      engine: this.opts.engine,
      transport: this.opts.webrtc ?? DEFAULT_WEBRTC,
      log: (level, fields, msg) => log[level](fields, msg),
      onNegotiated: (n) => { if (active) active.negotiated = n; },
      onError: (err) => {
        this.log.warn({ code: err.code, err: err.message }, 'WebRTC session description refused');
        if (active) active.error ??= err;
      },
      onMediaFailure: (err) => {
        this.log.warn({ code: err.code, err: err.message }, 'WebRTC media failed; ending the call');
        if (!active || this.call_ !== active) return;
        active.error ??= err;
        if (session.state === SessionState.Established) void session.bye().catch(() => undefined);
      },
      onRestartNeeded: () => {
        if (!active || this.call_ !== active || session.state !== SessionState.Established) return;
        this.log.warn('WebRTC media disconnected; restarting ICE with a re-INVITE');
        const options: WebRtcSdhOptions = { iceRestart: true };
        session.invite({ sessionDescriptionHandlerOptions: options }).catch((e: unknown) => {
          this.log.warn({ err: toApplianceError(e, 'E_ICE_FAILED').message }, 'ICE restart re-INVITE failed');
        });
      },
    });
    if (active) active.sdh = sdh;
    return sdh;
  }

  private onInvite(invitation: Invitation): void {
    const from = invitation.remoteIdentity.uri.toString();
    if (!callerAllowed(from, this.opts.allowInboundFrom)) {
      this.log.warn({ from: redactUri(from) }, 'inbound call refused: caller not allow-listed');
      void invitation.reject({ statusCode: 603, reasonPhrase: 'Decline' }).catch(() => undefined);
      this.emit('inbound-refused', from);
      return;
    }
    if (this.call_) {
      void invitation.reject({ statusCode: 486, reasonPhrase: 'Busy Here' }).catch(() => undefined);
      return;
    }
    const active: ActiveCall = { session: invitation, target: from, sdh: null, error: null, localHangup: false, negotiated: null, remoteName: invitation.remoteIdentity.displayName || null };
    this.call_ = active;
    invitation.stateChange.addListener((state) => {
      if (state === SessionState.Established) this.emit('established', callInfo(active));
      if (state === SessionState.Terminated) {
        if (this.call_ === active) this.call_ = null;
        this.emitEnded(active);
      }
    });
    this.log.info({ from: redactUri(from) }, 'answering allow-listed inbound call');
    void invitation.accept().catch((e: unknown) => {
      active.error ??= toApplianceError(e, 'E_CALL_REJECTED');
    });
  }

  private emitEnded(active: ActiveCall): void {
    if (active.error) this.emit('ended', 'error', active.error);
    else this.emit('ended', active.localHangup ? 'local-hangup' : 'remote-hangup');
  }

  private newRegisterer(ua: UserAgent): Registerer {
    const registerer = new Registerer(ua, { expires: this.opts.registerExpiresSeconds, logConfiguration: false });
    registerer.stateChange.addListener((s) => {
      if (registerer !== this.registerer) return; // a replaced one finishing its last request
      if (s === RegistererState.Registered) this.setRegistration('registered');
      else if (s === RegistererState.Unregistered && this.regState === 'registered') this.setRegistration('unregistered');
    });
    return registerer;
  }

  /**
   * SIP.js refuses a new REGISTER while one is unanswered, for up to Timer F (32 s), even when
   * the connection it went out on is gone; its advice is a new Registerer.
   */
  private replaceRegisterer(): void {
    const old = this.registerer;
    if (!old || !this.ua) return;
    this.registerer = this.newRegisterer(this.ua);
    void old.dispose().catch(() => undefined);
  }

  private async registerOnce(): Promise<void> {
    if (!this.registerer) return;
    this.setRegistration('registering');
    if ((await this.sendRegister(this.registerer)) === 'busy') {
      this.replaceRegisterer();
      await this.sendRegister(this.registerer);
    }
  }

  /** One REGISTER and its outcome; 'busy' when SIP.js still waits for an earlier one. */
  private sendRegister(registerer: Registerer): Promise<'done' | 'busy'> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: 'done' | 'busy', state?: RegistrationState, error?: ApplianceError) => {
        if (settled) return;
        settled = true;
        registerer.stateChange.removeListener(onState);
        if (this.abandonRegister === abandon) this.abandonRegister = null;
        if (state) this.setRegistration(state, error);
        resolve(outcome);
      };
      const abandon = (error: ApplianceError) => settle('done', 'failed', error);
      // SIP.js drops a 200 OK that does not list our binding ("No Contact header pointing to
      // us") without calling any delegate. When there is an onReject, it runs right after this.
      const onState = (s: RegistererState) => {
        if (s !== RegistererState.Unregistered) return;
        setImmediate(() => settle('done', 'failed', new ApplianceError('E_REGISTRATION_FAILED', 'the registrar did not confirm the binding')));
      };
      registerer.stateChange.addListener(onState);
      this.abandonRegister = abandon;
      registerer.register({
        requestDelegate: {
          // After a reconnect the Registerer may already be in Registered, so no state change
          // follows: the accepted REGISTER itself says we are registered again.
          onAccept: () => settle('done', 'registered'),
          onReject: (response: Core.IncomingResponse) => {
            const m = response.message;
            settle('done', 'failed', errorForSipStatus(m.statusCode ?? 0, m.reasonPhrase ?? '', 'register'));
          },
        },
      }).catch((e: unknown) => {
        if (e instanceof RequestPendingError) settle('busy');
        else settle('done', 'failed', this.transportError() ?? toApplianceError(e, 'E_REGISTRATION_FAILED'));
      });
    });
  }

  private onConnected(): void {
    this.retryMs = this.opts.retryInitialMs ?? 2_000;
    this.keepalive?.start();
    // SIP.js does not re-register after a reconnect by itself. The first connect registers from start().
    if (this.registerer && this.regState !== 'registering' && this.regState !== 'unregistered') void this.registerOnce();
  }

  private onDisconnected(error?: Error): void {
    this.keepalive?.stop();
    if (this.stopped) return;
    this.log.warn({ err: error?.message }, 'SIP connection lost');
    const err = this.transportError() ?? new ApplianceError('E_SERVER_UNREACHABLE', 'connection to the SIP server lost');
    // A REGISTER that went out on the lost connection will never be answered: stop waiting for it.
    if (this.abandonRegister) {
      this.abandonRegister(err);
      this.replaceRegisterer();
    } else if (this.opts.account) {
      this.setRegistration('failed', err);
    }
  }

  private onConnectFailed(e: unknown): void {
    const err = this.transportError() ?? toApplianceError(e, 'E_SERVER_UNREACHABLE');
    this.log.warn({ code: err.code, err: err.message, retryInMs: this.retryMs }, 'cannot connect to the SIP server');
    this.setRegistration(this.opts.account ? 'failed' : 'not-configured', err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped || !this.ua) return;
      this.ua.reconnect().then(() => this.registerOnce()).catch((e: unknown) => {
        this.retryMs = Math.min(this.retryMs * 2, 60_000);
        this.onConnectFailed(e);
      });
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** A press should not wait for the background retry: try once now, with a coded error. */
  private async connectNow(): Promise<void> {
    try {
      await this.ua!.reconnect();
      if (this.registerer) await this.registerOnce();
    } catch (e) {
      throw this.transportError() ?? toApplianceError(e, 'E_SERVER_UNREACHABLE');
    }
  }

  private transportError(): ApplianceError | undefined {
    return (this.ua?.transport as StreamTransport | undefined)?.lastError?.();
  }

  private setRegistration(state: RegistrationState, error?: ApplianceError): void {
    if (state === this.regState && !error) return;
    this.regState = state;
    if (error) this.log.warn({ code: error.code, err: error.message }, `registration ${state}`);
    else this.log.info(`registration ${state}`);
    this.emit('registration', state, error);
  }

}

function isWebRtcOffer(sdp: string): boolean {
  return /^m=\S+ \d+ UDP\/TLS\/RTP\/SAVPF /im.test(sdp);
}

/** Why a call ended before Established with no coded error: a 2xx (a dialog) means its SDP answer was missing. */
function unansweredEnd(inviter: Inviter): ApplianceError {
  return inviter.dialog
    ? new ApplianceError('E_SDP_MALFORMED', 'the room accepted the call without a session description')
    : new ApplianceError('E_CALL_REJECTED', 'the call ended before it was answered');
}

function callInfo(active: ActiveCall): CallInfo {
  const streams = active.negotiated?.streams ?? [];
  return {
    target: active.target,
    audioCodec: streams.find((s) => s.kind === 'audio')?.codec.name ?? null,
    videoCodec: streams.find((s) => s.kind === 'video')?.codec.name ?? null,
    remoteDisplayName: active.remoteName ?? null,
  };
}

function transportLogger(log: Logger) {
  const at = (level: 'debug' | 'info' | 'warn' | 'error' | 'trace') => (entry: { msg: string } & Record<string, unknown>) => {
    const { msg, ...rest } = entry;
    log[level]({ component: 'sip-transport', ...rest }, msg);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), trace: at('trace') };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ApplianceError('E_CONFIG_INVALID', `cannot read sip.trustedCaFile ${path}: ${(e as Error).message}`, { field: 'sip.trustedCaFile' });
  }
}
