/**
 * The adaptive jitter buffer: rtpbin's latency follows the measured jitter of the far end's
 * audio. Pure: the engine reads the jitter buffer's stats and applies the target.
 *
 * Target = 4 x average jitter + 40 ms (one Opus frame plus decoder slack), within 40..300 ms.
 * It grows at once when the network gets worse and shrinks only when the target is at least
 * 30 ms below the current setting, so a meeting does not hear the delay pumping.
 */
export const JITTER_MIN_MS = 40;
export const JITTER_MAX_MS = 300;
const SHRINK_HYSTERESIS_MS = 30;

export function jitterBufferTargetMs(avgJitterMs: number): number {
  const raw = Number.isFinite(avgJitterMs) && avgJitterMs > 0 ? 4 * avgJitterMs + 40 : JITTER_MIN_MS;
  return Math.round(Math.min(JITTER_MAX_MS, Math.max(JITTER_MIN_MS, raw)) / 10) * 10;
}

/** The latency to set now, or null to leave it. */
export function nextJitterBufferMs(currentMs: number, avgJitterMs: number): number | null {
  const target = jitterBufferTargetMs(avgJitterMs);
  if (target > currentMs) return target;
  if (target <= currentMs - SHRINK_HYSTERESIS_MS) return target;
  return null;
}
