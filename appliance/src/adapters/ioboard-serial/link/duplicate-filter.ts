/**
 * Inbound duplicate detection from the spec: a reliable message with the same seq as the
 * last one applied, within the sender's whole retry period, is a retransmission (its ACK
 * was lost): ACK it again but do not apply it again. Later, the same seq is the 8-bit
 * counter wrapping and counts as new.
 */
export class DuplicateFilter {
  private last: { seq: number; at: number } | null = null;

  constructor(private readonly windowMs: number) {}

  /** True when the message is new (and remembers it), false for a retransmission. */
  accept(seq: number, now: number): boolean {
    if (this.last && this.last.seq === seq && now - this.last.at <= this.windowMs) return false;
    this.last = { seq, at: now };
    return true;
  }

  /** A HELLO starts a new session. */
  reset(): void {
    this.last = null;
  }
}
