/**
 * Offer/answer for a WebRTC room: werift does ICE + DTLS-SRTP (WebRtcTransport), GStreamer does
 * the media over plain RTP on loopback. The first answer is only taken once ICE and DTLS are up
 * (or failed, with E_ICE_FAILED / E_DTLS_FAILED), so a join either has media or a coded error.
 * Later, a lost ICE connection asks the SIP side for a re-INVITE with an ICE restart offer.
 */
import type { BodyAndContentType, SessionDescriptionHandlerOptions } from 'sip.js';
import { type ApplianceError, toApplianceError } from '../../core/errors.js';
import { WebRtcTransport, type WebRtcTransportOptions } from '../webrtc/webrtc-transport.js';
import { OfferAnswerHandler, SDP, type OfferAnswerSettings } from './offer-answer-handler.js';

export interface WebRtcSdhOptions extends SessionDescriptionHandlerOptions {
  /** Re-offer with fresh ICE credentials (RFC 8445 ICE restart). */
  iceRestart?: boolean;
}

export interface WebRtcSdhSettings extends OfferAnswerSettings {
  transport: Omit<WebRtcTransportOptions, 'log'>;
  log: WebRtcTransportOptions['log'];
  /** A description was refused or media could not connect (SIP.js then ends the call). */
  onError?: (error: ApplianceError) => void;
  /** Media failed during the call: the SIP side should end it with this error. */
  onMediaFailure?: (error: ApplianceError) => void;
  /** ICE has been disconnected for the grace period: the SIP side should re-INVITE with iceRestart. */
  onRestartNeeded?: () => void;
}

export class WebRtcSessionDescriptionHandler extends OfferAnswerHandler<WebRtcSdhSettings> {
  private transport: WebRtcTransport | null = null;

  /** The werift side, for stats and tests. */
  webrtc(): WebRtcTransport | null {
    return this.transport;
  }

  async getDescription(options?: WebRtcSdhOptions): Promise<BodyAndContentType> {
    return this.guard(async () => {
      const transport = await this.ensureTransport();
      if (this.remoteOffer !== null) {
        const offer = this.remoteOffer;
        this.remoteOffer = null;
        const body = await transport.answerOffer(offer);
        // The answer goes out now; media starts once ICE and DTLS are up. The codecs are known
        // already, so the call reports them from the moment it is established.
        if (!this.current) {
          this.settings.onNegotiated?.(await transport.negotiatedSession());
          void this.startWhenConnected(transport);
        }
        return { body, contentType: SDP };
      }
      const body = await transport.createOffer({ iceRestart: options?.iceRestart === true });
      if (options?.iceRestart === true) transport.restartStarted();
      this.localOfferPending = true;
      return { body, contentType: SDP };
    });
  }

  async setDescription(sdp: string): Promise<void> {
    return this.guard(async () => {
      const transport = await this.ensureTransport();
      if (this.localOfferPending) {
        this.localOfferPending = false;
        await transport.acceptAnswer(sdp);
        if (!this.current) await this.startWhenConnected(transport, true);
        return;
      }
      this.remoteOffer = sdp;
    });
  }

  protected override onClose(): void {
    void this.transport?.close();
  }

  private async ensureTransport(): Promise<WebRtcTransport> {
    const caps = await this.capabilities();
    if (!this.transport) {
      const transport = new WebRtcTransport(caps, { ...this.settings.transport, log: this.settings.log });
      transport.on('failed', (error) => this.settings.onMediaFailure?.(error));
      transport.on('restart-needed', () => this.settings.onRestartNeeded?.());
      this.transport = transport;
    }
    return this.transport;
  }

  private async startWhenConnected(transport: WebRtcTransport, rethrow = false): Promise<void> {
    try {
      await transport.connected();
      const session = await transport.negotiatedSession();
      await this.applyToEngine(session);
      transport.scheduleKeyframeRequests();
      transport.watchMedia();
      this.mediaStarted(session);
    } catch (e) {
      const error = toApplianceError(e, 'E_MEDIA_PIPELINE');
      if (rethrow) throw error;
      this.settings.onMediaFailure?.(error);
    }
  }
}
