import type { BodyAndContentType, SessionDescriptionHandler, SessionDescriptionHandlerOptions } from 'sip.js';
import { ApplianceError, toApplianceError } from '../../core/errors.js';
import type { LocalMediaCapabilities, NegotiatedSession } from '../../core/media-types.js';
import type { MediaEngine } from '../../ports/media-engine.js';

export const SDP = 'application/sdp';

export interface OfferAnswerSettings {
  engine: MediaEngine;
  /** Called whenever media (re)starts with a negotiated session. */
  onNegotiated?: (session: NegotiatedSession) => void;
  /** Called with the coded reason when a description is refused (SIP.js then ends the call). */
  onError?: (error: ApplianceError) => void;
}

/**
 * What the two SIP.js handlers of the unit share: the offer/answer state of one call (our offer
 * awaiting its answer, or the far end's offer awaiting ours), the engine's capabilities allocated
 * once per call, coded errors, and an idempotent close that releases the engine. Each subclass
 * says how an offer is made, answered and taken.
 */
export abstract class OfferAnswerHandler<S extends OfferAnswerSettings = OfferAnswerSettings> implements SessionDescriptionHandler {
  protected localOfferPending = false;
  protected remoteOffer: string | null = null;
  protected current: NegotiatedSession | null = null;
  private caps: LocalMediaCapabilities | null = null;
  private closed = false;

  constructor(protected readonly settings: S) {}

  abstract getDescription(options?: SessionDescriptionHandlerOptions): Promise<BodyAndContentType>;
  abstract setDescription(sdp: string): Promise<void>;

  negotiated(): NegotiatedSession | null {
    return this.current;
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
    this.onClose();
    void this.settings.engine.release().catch(() => undefined);
  }

  /** Runs once, on the first close(), before the engine is released. */
  protected onClose(): void {}

  protected async capabilities(): Promise<LocalMediaCapabilities> {
    this.refuseWhenClosed();
    this.caps ??= await this.settings.engine.allocate();
    this.refuseWhenClosed();
    return this.caps;
  }

  /**
   * Starts media on the engine unless the call has ended meanwhile. The engine runs its calls
   * in order, so an apply() after close() would run after the release: media (the microphone)
   * would go on with no call.
   */
  protected async applyToEngine(session: NegotiatedSession): Promise<void> {
    this.refuseWhenClosed();
    await this.settings.engine.apply(session);
  }

  private refuseWhenClosed(): void {
    if (this.closed) throw new ApplianceError('E_MEDIA_PIPELINE', 'the call has ended');
  }

  /** Call once the engine has applied `session`. */
  protected mediaStarted(session: NegotiatedSession): void {
    this.current = session;
    this.settings.onNegotiated?.(session);
  }

  /** Runs one SIP.js call with its failure coded (E_MEDIA_PIPELINE unless it already has a code) and reported to onError. */
  protected async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = toApplianceError(e, 'E_MEDIA_PIPELINE');
      this.settings.onError?.(err);
      throw err;
    }
  }
}
