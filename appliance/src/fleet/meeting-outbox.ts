import type { CallRecord, Store } from '../ports/store.js';
import type { MeetingReport } from './protocol.js';

const OUTBOX_KEY = 'fleet.outbox';
const CURSOR_KEY = 'fleet.meetingsCursor';
const MAX_OUTBOX = 10_000;
const SCAN_LIMIT = 1_000;

interface Cursor { endedAt: number; ids: string[] }

/** A finished call as the fleet sees it: id, start, duration and source only. */
export function meetingOf(call: CallRecord): MeetingReport | null {
  if (call.establishedAt === null) return null; // never connected: not a meeting held
  if (call.source === 'support') return null; // a call to IT support is not a meeting
  return {
    id: call.id,
    startedAt: new Date(call.establishedAt).toISOString(),
    durationSeconds: Math.min(86_400, Math.max(0, Math.round((call.endedAt - call.establishedAt) / 1000))),
    source: call.source,
  };
}

/**
 * Meetings waiting to reach the fleet server, kept in the unit's store so that a unit that
 * is offline, or restarts, loses none. Calls are picked up from the calls table past a
 * cursor; a meeting leaves the outbox only when the server lists it as accepted.
 */
export class MeetingOutbox {
  constructor(private readonly store: Store) {}

  pending(): MeetingReport[] {
    return this.store.getSetting<MeetingReport[]>(OUTBOX_KEY) ?? [];
  }

  /** Moves calls finished since the cursor into the outbox; returns the outbox. */
  collect(): MeetingReport[] {
    const cursor = this.store.getSetting<Cursor>(CURSOR_KEY) ?? { endedAt: 0, ids: [] };
    const outbox = this.pending();
    const queued = new Set(outbox.map((m) => m.id));
    const fresh = this.store.recentCalls(SCAN_LIMIT)
      .filter((c) => c.endedAt > cursor.endedAt || (c.endedAt === cursor.endedAt && !cursor.ids.includes(c.id)))
      .sort((a, b) => a.endedAt - b.endedAt);
    if (fresh.length === 0) return outbox;
    for (const call of fresh) {
      const m = meetingOf(call);
      if (m && !queued.has(m.id)) { outbox.push(m); queued.add(m.id); }
    }
    const last = fresh[fresh.length - 1]!.endedAt;
    const ids = [...fresh.filter((c) => c.endedAt === last).map((c) => c.id), ...(last === cursor.endedAt ? cursor.ids : [])];
    if (outbox.length > MAX_OUTBOX) outbox.splice(0, outbox.length - MAX_OUTBOX);
    this.store.setSetting(OUTBOX_KEY, outbox);
    this.store.setSetting(CURSOR_KEY, { endedAt: last, ids });
    return outbox;
  }

  acknowledge(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const accepted = new Set(ids);
    const outbox = this.pending();
    const left = outbox.filter((m) => !accepted.has(m.id));
    if (left.length !== outbox.length) this.store.setSetting(OUTBOX_KEY, left);
  }
}
