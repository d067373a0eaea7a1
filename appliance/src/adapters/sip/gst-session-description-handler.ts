import type { BodyAndContentType } from 'sip.js';
import type { Direction, NegotiatedSession } from '../../core/media-types.js';
import { answerOffer, buildOffer, negotiateAnswer, parseSdp } from './sdp/index.js';
import { OfferAnswerHandler, SDP, type OfferAnswerSettings } from './offer-answer-handler.js';

export interface SdhOptions extends OfferAnswerSettings {
  allowPlainRtp: boolean;
}

/**
 * Offer/answer for one call, with GStreamer doing the media. The unit is normally the
 * offerer (INVITE); the far end may later send re-INVITEs (hold/resume, codec change),
 * which arrive as an offer in setDescription() and are answered in getDescription().
 */
export class GstSessionDescriptionHandler extends OfferAnswerHandler<SdhOptions> {
  private lastOfferedDirection: Direction = 'sendrecv';
  private readonly sessionId = String(Math.floor(Math.random() * 9e9) + 1e9);
  private sessionVersion = 0;

  async getDescription(): Promise<BodyAndContentType> {
    return this.guard(async () => {
      const caps = await this.capabilities();
      this.sessionVersion += 1;
      const identity = { sessionId: this.sessionId, sessionVersion: this.sessionVersion, userName: 'bedside-unit' };
      if (this.remoteOffer !== null) {
        const offer = this.remoteOffer;
        this.remoteOffer = null;
        const { sdp, session } = answerOffer(offer, caps, { ...identity, allowPlainRtp: this.settings.allowPlainRtp, ...(this.current ? { previous: this.current } : {}) });
        await this.startMedia(session);
        return { body: sdp, contentType: SDP };
      }
      this.lastOfferedDirection = 'sendrecv';
      const body = buildOffer(caps, { ...identity, direction: this.lastOfferedDirection });
      this.localOfferPending = true;
      return { body, contentType: SDP };
    });
  }

  async setDescription(sdp: string): Promise<void> {
    return this.guard(async () => {
      if (this.localOfferPending) {
        this.localOfferPending = false;
        const session = negotiateAnswer(await this.capabilities(), sdp, { allowPlainRtp: this.settings.allowPlainRtp, offeredDirection: this.lastOfferedDirection });
        await this.startMedia(session);
        return;
      }
      parseSdp(sdp); // refuse a malformed offer now, with its code, rather than when answering
      this.remoteOffer = sdp;
    });
  }

  private async startMedia(session: NegotiatedSession): Promise<void> {
    await this.applyToEngine(session);
    this.mediaStarted(session);
  }
}
