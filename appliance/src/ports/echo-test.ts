import type { ErrorCode } from '../core/errors.js';

/**
 * The echo test call: the unit calls an echo service, plays a probe and measures what
 * comes back. The self-test screen and fleet heartbeats show the report.
 */
export interface EchoTestReport {
  /** True when the probe came back through the whole chain (network, codec, jitter buffer). */
  ok: boolean;
  /** Probe sent -> probe heard back, ms; null when it never came back. */
  roundTripMs: number | null;
  /**
   * How much of the far end's audio leaked from the speaker back into the microphone,
   * in dB relative to what was played (lower is better; below -25 dB is good).
   */
  echoLeakDb: number | null;
  /** Set when the test could not run or failed (E_NO_ANSWER, E_MEDIA_DEVICE...). */
  code?: ErrorCode;
  /** One line a technician can read. */
  summary: string;
}

export interface EchoTester {
  run(options?: { signal?: AbortSignal }): Promise<EchoTestReport>;
}
