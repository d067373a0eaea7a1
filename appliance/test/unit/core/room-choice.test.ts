import { describe, expect, it } from 'vitest';
import { chooseRoom, nextMeeting, parseMeetingStart, type ScheduledMeeting } from '../../../src/core/room-choice.js';

const OWN = 'sip:ward7-bed3@vmr.example.org';
const MIN = 60_000;
const T10 = Date.parse('2025-03-04T10:00:00Z');

function meeting(id: string, startsAt: string, durationMinutes = 30): ScheduledMeeting {
  return { id, roomUri: `sip:${id}@vmr.example.org`, startsAt, durationMinutes, title: `Meeting ${id}` };
}

const m10 = meeting('a', '2025-03-04T10:00:00Z');

describe('chooseRoom', () => {
  it('uses the own room when there are no meetings', () => {
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [], nowMs: T10 })).toEqual({ uri: OWN, source: 'own-room' });
  });

  it('chooses the meeting exactly when its window opens, 15 minutes before the start', () => {
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 - 15 * MIN })).toEqual({
      uri: m10.roomUri,
      source: 'scheduled',
      meetingId: 'a',
    });
  });

  it('does not choose it 1 ms before the window opens', () => {
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 - 15 * MIN - 1 }).source).toBe('own-room');
  });

  it('chooses it until 1 ms before the scheduled end, and never at or after the end', () => {
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 + 30 * MIN - 1 }).meetingId).toBe('a');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 + 30 * MIN })).toEqual({ uri: OWN, source: 'own-room' });
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 + 5 * 60 * MIN }).source).toBe('own-room');
  });

  it('honours a custom join window', () => {
    const joinWindow = { beforeStartMinutes: 5, afterEndMinutes: 10 };
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 - 6 * MIN, joinWindow }).source).toBe('own-room');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 - 5 * MIN, joinWindow }).source).toBe('scheduled');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 + 39 * MIN, joinWindow }).source).toBe('scheduled');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 + 40 * MIN, joinWindow }).source).toBe('own-room');
    // A partial window keeps the other default.
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [m10], nowMs: T10 - 15 * MIN, joinWindow: { afterEndMinutes: 5 } }).source).toBe('scheduled');
  });

  it('picks the overlapping meeting whose start is nearest to now', () => {
    const early = meeting('early', '2025-03-04T09:45:00Z', 60); // started 20 min before now
    const soon = meeting('soon', '2025-03-04T10:15:00Z'); // starts in 10 min
    const nowMs = T10 + 5 * MIN;
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [early, soon], nowMs }).meetingId).toBe('soon');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [soon, early], nowMs }).meetingId).toBe('soon');
    // Just started beats one starting later.
    const justStarted = meeting('just', '2025-03-04T10:03:00Z');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [soon, justStarted, early], nowMs }).meetingId).toBe('just');
  });

  it('breaks an exact tie for the one already running, then by list order', () => {
    const running = meeting('running', '2025-03-04T09:55:00Z');
    const upcoming = meeting('upcoming', '2025-03-04T10:05:00Z');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [upcoming, running], nowMs: T10 }).meetingId).toBe('running');
    const twin1 = meeting('twin1', '2025-03-04T10:05:00Z');
    const twin2 = meeting('twin2', '2025-03-04T10:05:00Z');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [twin1, twin2], nowMs: T10 }).meetingId).toBe('twin1');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [twin2, twin1], nowMs: T10 }).meetingId).toBe('twin2');
  });

  it('never chooses an ended meeting even if its start is nearest', () => {
    const ended = meeting('ended', '2025-03-04T09:50:00Z', 10); // ended exactly at 10:00
    const later = meeting('later', '2025-03-04T10:14:00Z');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [ended, later], nowMs: T10 }).meetingId).toBe('later');
  });

  it('understands offsets: 11:00+01:00 is 10:00Z', () => {
    const cet = meeting('cet', '2025-03-04T11:00:00+01:00');
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [cet], nowMs: T10 }).meetingId).toBe('cet');
  });

  it('ignores meetings with invalid dates, durations or rooms', () => {
    const bad: ScheduledMeeting[] = [
      meeting('nonsense', 'tomorrow at ten'),
      meeting('no-offset', '2025-03-04T10:00:00'),
      meeting('feb30', '2025-02-30T10:00:00Z'),
      meeting('hour24', '2025-03-04T24:00:00Z'),
      meeting('zero', '2025-03-04T10:00:00Z', 0),
      meeting('negative', '2025-03-04T10:00:00Z', -5),
      meeting('nan', '2025-03-04T10:00:00Z', Number.NaN),
      { ...meeting('no-room', '2025-03-04T10:00:00Z'), roomUri: '' },
    ];
    expect(chooseRoom({ ownRoomUri: OWN, meetings: bad, nowMs: T10 })).toEqual({ uri: OWN, source: 'own-room' });
    expect(chooseRoom({ ownRoomUri: OWN, meetings: [...bad, m10], nowMs: T10 }).meetingId).toBe('a');
  });
});

describe('parseMeetingStart', () => {
  it.each([
    ['2025-03-04T10:00:00Z', T10],
    ['2025-03-04T10:00Z', T10],
    ['2025-03-04T10:00:00.000Z', T10],
    ['2025-03-04T11:00:00+01:00', T10],
    ['2024-02-29T10:00:00Z', Date.UTC(2024, 1, 29, 10)],
  ])('%s -> %d', (s, ms) => {
    expect(parseMeetingStart(s)).toBe(ms);
  });

  it.each(['', '2025-03-04', '2025-03-04T10:00:00', '2025-02-29T10:00:00Z', '2025-04-31T10:00:00Z', '2025-03-04T10:60:00Z', '2025-03-04T10:00:00+25:00'])(
    'rejects %j',
    (s) => {
      expect(parseMeetingStart(s)).toBeNull();
    },
  );
});

describe('nextMeeting', () => {
  it('is null with no meetings, or when all have ended', () => {
    expect(nextMeeting([], T10)).toBeNull();
    expect(nextMeeting([m10], T10 + 30 * MIN)).toBeNull();
  });

  it('names the meeting the button would join now', () => {
    const early = meeting('early', '2025-03-04T09:45:00Z', 60);
    const soon = meeting('soon', '2025-03-04T10:15:00Z');
    const n = nextMeeting([early, soon], T10 + 5 * MIN);
    expect(n).toEqual({ meeting: soon, startsAtMs: T10 + 15 * MIN, endsAtMs: T10 + 45 * MIN, joinable: true });
  });

  it('otherwise names the earliest meeting whose window has not opened', () => {
    const afternoon = meeting('pm', '2025-03-04T14:00:00Z');
    const noon = meeting('noon', '2025-03-04T12:00:00Z');
    const n = nextMeeting([afternoon, noon, meeting('bad', 'nope')], T10);
    expect(n).toEqual({ meeting: noon, startsAtMs: T10 + 120 * MIN, endsAtMs: T10 + 150 * MIN, joinable: false });
  });

  it('agrees with chooseRoom at the window edges', () => {
    const meetings = [m10];
    for (const nowMs of [T10 - 15 * MIN - 1, T10 - 15 * MIN, T10 + 30 * MIN - 1, T10 + 30 * MIN]) {
      const choice = chooseRoom({ ownRoomUri: OWN, meetings, nowMs });
      const shown = nextMeeting(meetings, nowMs);
      expect(shown?.joinable ?? false).toBe(choice.source === 'scheduled');
    }
  });
});
