/**
 * Call quality read from a running receive pipeline without signals: rtpbin's jitter buffer
 * `stats` and the video sink's basesink `stats`, both GstStructure strings.
 */
import type { MediaStats } from '../../ports/media-engine.js';
import type { GstElementHandle } from './gst-binding.js';
import { parseStructureNumbers } from './gst-values.js';
import type { PipelineRunner } from './pipeline-runner.js';

export type AudioReceiveStats = NonNullable<MediaStats['audio']>;

/**
 * rtpbin names its jitter buffers `rtpjitterbuffer<n>` from a process-wide counter, and creates
 * one only when the first packet arrives. A pipeline built after index n was seen can only hold
 * higher indices, so the search starts there.
 */
let jitterBufferFloor = 0;
const SEARCH_SPAN = 512;

export class JitterBufferLocator {
  private readonly from = jitterBufferFloor;
  private found: GstElementHandle | undefined;

  constructor(private readonly runner: PipelineRunner) {}

  element(): GstElementHandle | undefined {
    if (this.found === undefined) {
      const hit = this.runner.findAutoNamed('rtpjitterbuffer', this.from, SEARCH_SPAN);
      if (hit !== undefined) {
        this.found = hit.element;
        jitterBufferFloor = Math.max(jitterBufferFloor, hit.index + 1);
      }
    }
    return this.found;
  }
}

/** `num-pushed`, `num-lost` and `avg-jitter` (ns) of the jitter buffer; zeros before the first packet. */
export function audioReceiveStats(jitterBuffer: GstElementHandle | undefined): AudioReceiveStats {
  if (jitterBuffer === undefined) return { packetsReceived: 0, packetsLost: 0, jitterMs: 0 };
  const s = parseStructureNumbers(jitterBuffer['stats']);
  return {
    packetsReceived: s['num-pushed'] ?? 0,
    packetsLost: s['num-lost'] ?? 0,
    jitterMs: (s['avg-jitter'] ?? 0) / 1e6,
  };
}

/** Frames the video sink rendered (basesink `stats` field `rendered`). */
export function framesRendered(sink: GstElementHandle | undefined): number {
  if (sink === undefined) return 0;
  return parseStructureNumbers(sink['stats'])['rendered'] ?? 0;
}

export interface SrtpReceiveCounts {
  /** Packets srtpdec tried to unprotect (SRTP and SRTCP). */
  received: number;
  /** Of those, dropped: authentication or replay failures (a wrong key shows up here). */
  dropped: number;
}

/** srtpdec's `stats`: packets with an unknown SSRC are dropped before they are counted. */
export function srtpReceiveCounts(srtpdec: GstElementHandle | undefined): SrtpReceiveCounts | null {
  if (srtpdec === undefined) return null;
  const s = parseStructureNumbers(srtpdec['stats']);
  return { received: s['recv-count'] ?? 0, dropped: s['recv-drop-count'] ?? 0 };
}
