import type { SessionDescriptionHandler, BodyAndContentType } from 'sip.js';
import { ApplianceError, toApplianceError } from '../../core/errors.js';
import type { Direction, LocalMediaCapabilities, NegotiatedSession } from '../../core/media-types.js';
import type { MediaEngine } from '../../ports/media-engine.js';
import { answerOffer, buildOffer, negotiateAnswer, parseSdp } from './sdp/index.js';

const SDP = 'application/sdp';

export interface SdhOptions {
  engine: MediaEngine;
  allowPlainRtp: boolean;
  /** Called whenever media (re)starts with a negotiated session. */
  onNegotiated?: (session: NegotiatedSession) => void;
  /** Called with the coded reason when a description is refused (SIP.js then ends the call). */
  onError?: (error: ApplianceError) => void;
}

/**
 * Offer/answer for one call, with GStreamer doing the media. The unit is normally the
 * offerer (INVITE); the far end may later send re-INVITEs (hold/resume, codec change),
 * which arrive as an offer in setDescription() and are answered in getDescription().
 */
export class GstSessionDescriptionHandler implements SessionDescriptionHandler {
  private caps: LocalMediaCapabilities | null = null;
  private localOfferPending = false;
  private lastOfferedDirection: Direction = 'sendrecv';
  private remoteOffer: string | null = null;
  private current: NegotiatedSession | null = null;
  private readonly sessionId = String(Math.floor(Math.random() * 9e9) + 1e9);
  private sessionVersion = 0;
  private closed = false;

  constructor(private readonly opts: SdhOptions) {}

  negotiated(): NegotiatedSession | null {
    return this.current;
  }

  async getDescription(): Promise<BodyAndContentType> {
    return this.guard(async () => {
      const caps = await this.capabilities();
      this.sessionVersion += 1;
      const identity = { sessionId: this.sessionId, sessionVersion: this.sessionVersion, userName: 'bedside-unit' };
      if (this.remoteOffer !== null) {
        const offer = this.remoteOffer;
        this.remoteOffer = null;
        const { sdp, session } = answerOffer(offer, caps, { ...identity, allowPlainRtp: this.opts.allowPlainRtp, ...(this.current ? { previous: this.current } : {}) });
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
        const session = negotiateAnswer(await this.capabilities(), sdp, { allowPlainRtp: this.opts.allowPlainRtp, offeredDirection: this.lastOfferedDirection });
        await this.startMedia(session);
        return;
      }
      parseSdp(sdp); // refuse a malformed offer now, with its code, rather than when answering
      this.remoteOffer = sdp;
    });
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]?.trim().toLowerCase() === SDP;
  }

  async rollbackDescription(): Promise<void> {
    this.localOfferPending = false;
    this.remoteOffer = null;
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.opts.engine.release().catch(() => undefined);
  }

  private async capabilities(): Promise<LocalMediaCapabilities> {
    if (this.closed) throw new ApplianceError('E_MEDIA_PIPELINE', 'the call has ended');
    this.caps ??= await this.opts.engine.allocate();
    return this.caps;
  }

  private async startMedia(session: NegotiatedSession): Promise<void> {
    await this.opts.engine.apply(session);
    this.current = session;
    this.opts.onNegotiated?.(session);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = toApplianceError(e, 'E_MEDIA_PIPELINE');
      this.opts.onError?.(err);
      throw err;
    }
  }
}
