import type { Controls } from '../core/controls.js';
import type { ErrorCode } from '../core/errors.js';
import type { LocalMediaCapabilities, NegotiatedSession } from '../core/media-types.js';

export interface MediaLevels {
  /** dBFS, per direction; -Infinity when silent or not running. */
  micDb: number;
  farEndDb: number;
  /** What the speaker output plays (after volume, mute and limiter), dBFS; -Infinity when absent or silent. */
  speakerDb?: number;
  /** What the hearing-loop output plays (after compressor, gain, on/off), dBFS; -Infinity when absent or off. */
  loopDb?: number;
}

/** A device problem the call survives (an output missing or silent); shown as a unit fault. */
export interface MediaFault {
  code: ErrorCode;
  /** Which part: 'speaker', 'loop', 'microphone'. */
  source: string;
  message: string;
}

export interface MediaStats {
  /** jitterBufferMs: the receive jitter buffer's current (adaptive) size. */
  audio: { packetsReceived: number; packetsLost: number; jitterMs: number; jitterBufferMs?: number } | null;
  video: { framesDecoded: number } | null;
}

export interface MediaEngineEvents {
  /** The first decoded far-end audio buffer of a session reached the output. */
  'first-audio': () => void;
  'levels': (levels: MediaLevels) => void;
  /** One far-end meter measurement (dBFS), at the meter's own rate; 'levels' also fires on the other meters. */
  'far-level': (db: number) => void;
  /** A pipeline failed; the call should end with this error (code E_MEDIA_PIPELINE or E_MEDIA_DEVICE). */
  'error': (error: Error) => void;
  /** An output is missing or silent; the call goes on with what remains (raise it as a fault). */
  'fault': (fault: MediaFault) => void;
  /** The fault of `source` is over (the output works again, or the call ended). */
  'fault-cleared': (source: string) => void;
}

export interface MediaEngine {
  /** Loads what can be loaded without opening the camera, so a call starts fast. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reserves local RTP/RTCP ports and creates fresh SRTP keys for one call. */
  allocate(): Promise<LocalMediaCapabilities>;
  /** Starts media for a negotiated session, or updates it (re-INVITE) when one runs. */
  apply(session: NegotiatedSession): Promise<void>;
  /** Ends the call's media and frees its ports. Safe to call when nothing runs. */
  release(): Promise<void>;
  stats(): MediaStats;
  /**
   * Mute, privacy, speaker volume, loop on/off and gain. Applies to the running session at
   * once and to every later one; callable whether or not a session runs.
   */
  setControls(controls: Controls): void;
  on<E extends keyof MediaEngineEvents>(event: E, listener: MediaEngineEvents[E]): this;
  off<E extends keyof MediaEngineEvents>(event: E, listener: MediaEngineEvents[E]): this;
}
