/**
 * "The far end is talking but the loop output is silent": raised when the far end has been
 * above `talkingDb` while an output that should play stayed below `silentDb` for `holdMs`,
 * cleared as soon as that output plays again. Pure (time comes in with each sample).
 */
export interface SilentOutputWatchOptions {
  talkingDb?: number;
  silentDb?: number;
  holdMs?: number;
}

export type WatchVerdict = 'raise' | 'clear' | null;

export class SilentOutputWatch {
  private readonly talkingDb: number;
  private readonly silentDb: number;
  private readonly holdMs: number;
  private silentSince: number | null = null;
  private raised = false;

  constructor(options: SilentOutputWatchOptions = {}) {
    this.talkingDb = options.talkingDb ?? -45;
    this.silentDb = options.silentDb ?? -70;
    this.holdMs = options.holdMs ?? 3000;
  }

  get active(): boolean {
    return this.raised;
  }

  /** One measurement: far-end and output levels (dBFS), and whether the output is meant to play. */
  update(nowMs: number, farDb: number, outputDb: number, shouldPlay: boolean): WatchVerdict {
    if (!shouldPlay || outputDb > this.silentDb) {
      this.silentSince = null;
      return this.settle(false);
    }
    if (farDb < this.talkingDb) return null;
    this.silentSince ??= nowMs;
    return nowMs - this.silentSince >= this.holdMs ? this.settle(true) : null;
  }

  reset(): WatchVerdict {
    this.silentSince = null;
    return this.settle(false);
  }

  private settle(raised: boolean): WatchVerdict {
    if (raised === this.raised) return null;
    this.raised = raised;
    return raised ? 'raise' : 'clear';
  }
}
