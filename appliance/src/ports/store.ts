import type { CallEndReason } from './signaling.js';

/** One finished call. Room URIs identify meeting rooms, never patients; no names are stored. */
export interface CallRecord {
  id: string;
  roomUri: string;
  source: 'scheduled' | 'own-room' | 'inbound' | 'support';
  meetingId: string | null;
  startedAt: number;
  establishedAt: number | null;
  endedAt: number;
  endReason: CallEndReason | 'failed';
  errorCode: string | null;
  audioCodec: string | null;
  videoCodec: string | null;
  packetsLost: number | null;
  jitterMs: number | null;
}

export interface EventRecord {
  at: number;
  type: string;
  data: Record<string, unknown>;
}

export interface Store {
  start(): Promise<void>;
  stop(): Promise<void>;
  appendEvent(type: string, data?: Record<string, unknown>, at?: number): void;
  recordCall(call: CallRecord): void;
  recentCalls(limit: number): CallRecord[];
  recentEvents(limit: number): EventRecord[];
  /** Per-unit settings that survive restarts (volume, loop on/off...). */
  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
}
