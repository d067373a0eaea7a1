/**
 * Which room the start button joins: a scheduled meeting whose join window is open now,
 * else the unit's own room.
 *
 * A meeting's join window is [start - beforeStartMinutes, end + afterEndMinutes), where
 * end = start + durationMinutes. With the defaults (15, 0) it opens 15 minutes before the
 * start and closes at the scheduled end: at the end instant the meeting has ended and is
 * never chosen. When several windows are open, the meeting whose start is nearest to now
 * wins (ties: the one that started first, then list order). Meetings with an unparsable
 * start (see parseMeetingStart), a non-positive or non-finite duration or an empty room are skipped; config
 * validation is what rejects them loudly.
 */

export interface ScheduledMeeting {
  id: string;
  roomUri: string;
  /** ISO 8601 with an offset or Z, e.g. 2025-03-04T10:00:00+01:00. */
  startsAt: string;
  durationMinutes: number;
  title?: string;
}

export interface JoinWindow {
  beforeStartMinutes: number;
  afterEndMinutes: number;
}

export const DEFAULT_JOIN_WINDOW: Readonly<JoinWindow> = Object.freeze({ beforeStartMinutes: 15, afterEndMinutes: 0 });

export interface RoomChoice {
  uri: string;
  source: 'scheduled' | 'own-room';
  meetingId?: string;
}

export interface ChooseRoomInput {
  ownRoomUri: string;
  meetings: readonly ScheduledMeeting[];
  nowMs: number;
  joinWindow?: Partial<JoinWindow>;
}

const MINUTE_MS = 60_000;

interface TimedMeeting {
  meeting: ScheduledMeeting;
  startsAtMs: number;
  endsAtMs: number;
  opensAtMs: number;
  closesAtMs: number;
}

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * ms since the epoch for a meeting start, or null. The string must carry Z or an offset:
 * a local time would make the choice depend on the process time zone.
 */
export function parseMeetingStart(startsAt: string): number | null {
  const m = typeof startsAt === 'string' ? ISO_WITH_OFFSET.exec(startsAt) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, sec, oh, om] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
  // Date.parse accepts 2025-02-30 and 24:00 and rolls them over; a typo must not move a meeting.
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || h! > 23 || mi! > 59 || sec! > 59 || oh! > 23 || om! > 59) return null;
  const ms = Date.parse(startsAt);
  return Number.isFinite(ms) ? ms : null;
}

function timed(meetings: readonly ScheduledMeeting[], window: Partial<JoinWindow> | undefined): TimedMeeting[] {
  const w = { ...DEFAULT_JOIN_WINDOW, ...window };
  const out: TimedMeeting[] = [];
  for (const meeting of meetings) {
    const startsAtMs = parseMeetingStart(meeting.startsAt);
    if (startsAtMs === null) continue;
    if (!Number.isFinite(meeting.durationMinutes) || meeting.durationMinutes <= 0) continue;
    if (typeof meeting.roomUri !== 'string' || meeting.roomUri.length === 0) continue;
    const endsAtMs = startsAtMs + meeting.durationMinutes * MINUTE_MS;
    out.push({
      meeting,
      startsAtMs,
      endsAtMs,
      opensAtMs: startsAtMs - w.beforeStartMinutes * MINUTE_MS,
      closesAtMs: endsAtMs + w.afterEndMinutes * MINUTE_MS,
    });
  }
  return out;
}

function isOpen(m: TimedMeeting, nowMs: number): boolean {
  return m.opensAtMs <= nowMs && nowMs < m.closesAtMs;
}

function joinable(meetings: readonly ScheduledMeeting[], nowMs: number, window: Partial<JoinWindow> | undefined): TimedMeeting | null {
  let best: TimedMeeting | null = null;
  for (const m of timed(meetings, window)) {
    if (!isOpen(m, nowMs)) continue;
    if (best === null) {
      best = m;
      continue;
    }
    const d = Math.abs(m.startsAtMs - nowMs);
    const bestD = Math.abs(best.startsAtMs - nowMs);
    if (d < bestD || (d === bestD && m.startsAtMs < best.startsAtMs)) best = m;
  }
  return best;
}

export function chooseRoom(input: ChooseRoomInput): RoomChoice {
  const m = joinable(input.meetings, input.nowMs, input.joinWindow);
  if (m) return { uri: m.meeting.roomUri, source: 'scheduled', meetingId: m.meeting.id };
  return { uri: input.ownRoomUri, source: 'own-room' };
}

export interface MeetingOnScreen {
  meeting: ScheduledMeeting;
  startsAtMs: number;
  endsAtMs: number;
  /** True when pressing the button now joins this meeting. */
  joinable: boolean;
}

/**
 * The meeting the touch panel should name: the one the button would join now, else the
 * next one whose window has not opened yet (earliest start). null when none is left.
 * Uses the same rules as chooseRoom, so the screen and the button never disagree.
 */
export function nextMeeting(meetings: readonly ScheduledMeeting[], nowMs: number, joinWindow?: Partial<JoinWindow>): MeetingOnScreen | null {
  const now = joinable(meetings, nowMs, joinWindow);
  if (now) return { meeting: now.meeting, startsAtMs: now.startsAtMs, endsAtMs: now.endsAtMs, joinable: true };
  let best: TimedMeeting | null = null;
  for (const m of timed(meetings, joinWindow)) {
    if (m.opensAtMs <= nowMs) continue;
    if (best === null || m.startsAtMs < best.startsAtMs) best = m;
  }
  return best ? { meeting: best.meeting, startsAtMs: best.startsAtMs, endsAtMs: best.endsAtMs, joinable: false } : null;
}
