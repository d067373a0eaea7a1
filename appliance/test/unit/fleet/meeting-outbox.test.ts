import { describe, expect, it } from 'vitest';
import { meetingOf } from '../../../src/fleet/meeting-outbox.js';
import type { CallRecord } from '../../../src/ports/store.js';

const call = (over: Partial<CallRecord>): CallRecord => ({
  id: 'c1', roomUri: 'sip:room@example.org', source: 'own-room', meetingId: null,
  startedAt: 1_000, establishedAt: 2_000, endedAt: 1_802_000, endReason: 'local-hangup', errorCode: null,
  audioCodec: 'opus', videoCodec: 'VP8', packetsLost: 0, jitterMs: 1, ...over,
});

describe('meetingOf', () => {
  it('reports id, start, duration and source only: never the room', () => {
    const m = meetingOf(call({}));
    expect(m).toEqual({ id: 'c1', startedAt: new Date(2_000).toISOString(), durationSeconds: 1800, source: 'own-room' });
    expect(JSON.stringify(m)).not.toContain('example.org');
  });

  it('calls that never connected and calls to IT support are not meetings', () => {
    expect(meetingOf(call({ establishedAt: null }))).toBeNull();
    expect(meetingOf(call({ source: 'support' }))).toBeNull();
  });
});
