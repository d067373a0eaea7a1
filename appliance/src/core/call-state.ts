/**
 * The call state machine: the single source of truth for "what is the unit doing".
 * LEDs, the touch panel, the TV overlay and fleet reports all render its snapshot.
 *
 * States
 *   idle     ready; no call. The start button joins.
 *   joining  an INVITE is under way to `roomUri`. Holding the button cancels.
 *   in-call  media flows. Only a 2 s hold leaves (a bumped button never ends a meeting).
 *   leaving  BYE (from in-call) or CANCEL (from joining) sent; waiting for the call to end.
 *   failed   the join failed or the call dropped; `failure` says why and whether pressing
 *            again helps. Pressing retries; the failure screen timing out clears it.
 *
 * Transitions (event names are the `type` of CallEvent)
 *
 *     +------+      join-requested      +-------------+   established +---------+
 *     | idle |------------------------->|   joining   |-------------->| in-call |
 *     +------+                          +-------------+               +---------+
 *      ^  ^  ^                            |  ^      |                   |   |   |
 *      |  |  |                join-failed |  | retry| cancel-           |   |   |
 *      |  |  |                            |  |      | requested         |   |   |
 *      |  |  |                            v  |      v        leave-     |   |   |
 *      |  |  |   failure-cleared      +--------+ +---------+ requested  |   |   |
 *      |  |  +------------------------| failed | | leaving |<-----------+   |   |
 *      |  |                           +--------+ +---------+                |   |
 *      |  |                                ^          |                     |   |
 *      |  |                                |          |                     |   |
 *      |  |                                +----------|---------------------+   |
 *      |  |                                   ended   |     call-dropped        |
 *      |  +-------------------------------------------+                         |
 *      +---------------------- ended (far end hung up) -------------------------+
 *
 *     (retry = join-requested from failed, with a freshly chosen room)
 *
 * Every transition goes through CallStateMachine.dispatch(), which checks TRANSITIONS,
 * commits a new frozen snapshot, records `from -> to` with its trigger and notifies
 * listeners. Anything else throws ApplianceError('E_STATE_TRANSITION') and changes nothing.
 *
 * Timers (join timeout, leave timeout, failure screen timeout) belong to the caller: it
 * dispatches join-failed(E_NO_ANSWER), ended(code E_SIP_TIMEOUT) or failure-cleared when
 * they fire. A BYE or CANCEL that is never confirmed still ends in `ended`: the unit has
 * released its media and left; `code` records why the goodbye went unconfirmed.
 */
import { ApplianceError, type ErrorCode } from './errors.js';

export const CALL_STATES = ['idle', 'joining', 'in-call', 'leaving', 'failed'] as const;
export type CallState = (typeof CALL_STATES)[number];

/** How a call reached idle: the Signaling port's CallEndReason minus 'error' (that is join-failed or call-dropped here). */
export type EndReason = 'local-hangup' | 'remote-hangup' | 'cancelled';

export interface RoomTarget {
  uri: string;
  /** Set when a scheduled meeting was chosen rather than the unit's own room. */
  meetingId?: string;
}

export type CallEvent =
  | { type: 'join-requested'; room: RoomTarget }
  | { type: 'established' }
  | { type: 'leave-requested' }
  | { type: 'cancel-requested' }
  /** `code` only when the goodbye went unconfirmed (e.g. E_SIP_TIMEOUT). */
  | { type: 'ended'; reason: EndReason; code?: ErrorCode }
  | { type: 'join-failed'; code: ErrorCode }
  /** Defaults to E_CALL_DROPPED; pass E_MEDIA_PIPELINE etc. when known. */
  | { type: 'call-dropped'; code?: ErrorCode }
  | { type: 'failure-cleared' };

export type CallEventType = CallEvent['type'];

/** The transition table: state -> event -> next state. Absent means not allowed. */
export const TRANSITIONS: Readonly<Record<CallState, Readonly<Partial<Record<CallEventType, CallState>>>>> = Object.freeze({
  'idle': Object.freeze({ 'join-requested': 'joining' }),
  'joining': Object.freeze({ 'established': 'in-call', 'cancel-requested': 'leaving', 'join-failed': 'failed' }),
  'in-call': Object.freeze({ 'leave-requested': 'leaving', 'ended': 'idle', 'call-dropped': 'failed' }),
  'leaving': Object.freeze({ 'ended': 'idle' }),
  'failed': Object.freeze({ 'join-requested': 'joining', 'failure-cleared': 'idle' }),
} as const);

/** The state `event` leads to from `state`, or undefined when the table forbids it. */
export function nextState(state: CallState, event: CallEventType): CallState | undefined {
  return TRANSITIONS[state][event];
}

export interface RetryAdvice {
  /** 'retry': pressing the button again may well work. 'call-it-support': it will not. */
  action: 'retry' | 'call-it-support';
  /** One short plain-English sentence for the bedside screen. */
  hint: string;
}

const CALL_IT_SUPPORT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_CONFIG_INVALID',
  'E_CONFIG_UNREADABLE',
  'E_SIP_AUTH',
  'E_TLS_UNTRUSTED',
  'E_ROOM_NOT_FOUND',
  'E_SRTP_REFUSED',
  'E_CODEC_UNSUPPORTED',
  'E_MEDIA_DEVICE',
  'E_DTLS_FAILED',
]);

const HINTS: Partial<Record<ErrorCode, string>> = {
  E_NO_ANSWER: 'The meeting room did not answer. Press the button to try again.',
  E_ROOM_BUSY: 'The meeting room is busy. Wait a moment and press the button again.',
  E_CALL_REJECTED: 'The meeting room turned the call down. Press the button to try again.',
  E_SERVER_UNREACHABLE: 'The network or the video server is not reachable. Press the button to try again.',
  E_SIP_TIMEOUT: 'The video server did not answer in time. Press the button to try again.',
  E_REGISTRATION_FAILED: 'The unit is not signed in to the video server yet. Press the button to try again.',
  E_CALL_DROPPED: 'The call was cut off. Press the button to join again.',
  E_MEDIA_PIPELINE: 'Sound or picture stopped working. Press the button to join again.',
  E_SIP_AUTH: 'The unit is not allowed to sign in. Call IT support; pressing again will not help.',
  E_TLS_UNTRUSTED: 'The video server is not trusted. Call IT support; pressing again will not help.',
  E_ROOM_NOT_FOUND: 'The meeting room does not exist. Call IT support; pressing again will not help.',
  E_SRTP_REFUSED: 'The meeting room will not encrypt the call. Call IT support; pressing again will not help.',
  E_CODEC_UNSUPPORTED: 'The meeting room and the unit cannot agree on sound or picture. Call IT support.',
  E_MEDIA_DEVICE: 'The camera, microphone or speaker is not working. Call IT support.',
  E_CONFIG_INVALID: 'The unit is not set up correctly. Call IT support.',
  E_CONFIG_UNREADABLE: 'The unit is not set up correctly. Call IT support.',
  // WebRTC rooms (issue 7)
  E_ICE_FAILED: 'The sound and picture connection to the meeting room failed. Press the button to try again.',
  E_DTLS_FAILED: 'The meeting room could not prove who it is. Call IT support; pressing again will not help.',
};

/**
 * Whether pressing the button again can help after `code`. Codes not listed as permanent
 * default to 'retry': a transient cause is the likelier one, and a nurse who retries a
 * permanent one once more loses seconds, while a nurse told to call IT for a busy room
 * loses the meeting.
 */
export function adviceFor(code: ErrorCode): RetryAdvice {
  const action = CALL_IT_SUPPORT.has(code) ? 'call-it-support' : 'retry';
  const hint = HINTS[code]
    ?? (action === 'retry'
      ? 'Something went wrong. Press the button to try again.'
      : 'Something went wrong. Call IT support; pressing again will not help.');
  return Object.freeze({ action, hint });
}

export interface CallFailure {
  code: ErrorCode;
  advice: RetryAdvice;
}

export interface CallEnd {
  reason: EndReason;
  code?: ErrorCode;
}

/** An immutable view of the machine. Frozen, nested objects included. */
export interface CallSnapshot {
  /** 0 at construction, +1 per transition. */
  readonly seq: number;
  readonly state: CallState;
  /** When the current state was entered (ms, the caller's clock). */
  readonly since: number;
  /** The room being joined, in, left, or that failed. null in idle. */
  readonly roomUri: string | null;
  /** The scheduled meeting chosen, if any; null for the unit's own room and in idle. */
  readonly meetingId: string | null;
  /** Set only in `failed`. */
  readonly failure: Readonly<CallFailure> | null;
  /** Set only in `idle` after a call ended (not after failure-cleared or at boot). */
  readonly lastEnd: Readonly<CallEnd> | null;
}

export interface TransitionRecord {
  readonly seq: number;
  readonly from: CallState;
  readonly to: CallState;
  readonly event: Readonly<CallEvent>;
  readonly atMs: number;
  /** The snapshot right after this transition (listeners may be told late, see dispatch). */
  readonly snapshot: CallSnapshot;
}

export type TransitionListener = (record: TransitionRecord) => void;

function freezeSnapshot(s: CallSnapshot): CallSnapshot {
  if (s.failure) Object.freeze(s.failure);
  if (s.lastEnd) Object.freeze(s.lastEnd);
  return Object.freeze(s);
}

export function initialSnapshot(nowMs: number): CallSnapshot {
  return freezeSnapshot({ seq: 0, state: 'idle', since: nowMs, roomUri: null, meetingId: null, failure: null, lastEnd: null });
}

/**
 * The pure step: the snapshot after `event` at `atMs`. Throws E_STATE_TRANSITION when the
 * table forbids it. Does not mutate `prev`.
 */
export function reduce(prev: CallSnapshot, event: CallEvent, atMs: number): CallSnapshot {
  const to = nextState(prev.state, event.type);
  if (to === undefined) {
    throw new ApplianceError('E_STATE_TRANSITION', `'${event.type}' is not allowed in state '${prev.state}'`, {
      state: prev.state,
      event: event.type,
    });
  }
  const base = { seq: prev.seq + 1, state: to, since: atMs };
  switch (event.type) {
    case 'join-requested':
      return freezeSnapshot({ ...base, roomUri: event.room.uri, meetingId: event.room.meetingId ?? null, failure: null, lastEnd: null });
    case 'established':
    case 'leave-requested':
    case 'cancel-requested':
      return freezeSnapshot({ ...base, roomUri: prev.roomUri, meetingId: prev.meetingId, failure: null, lastEnd: null });
    case 'join-failed':
    case 'call-dropped': {
      const code = event.code ?? 'E_CALL_DROPPED';
      return freezeSnapshot({ ...base, roomUri: prev.roomUri, meetingId: prev.meetingId, failure: { code, advice: adviceFor(code) }, lastEnd: null });
    }
    case 'ended': {
      const lastEnd: CallEnd = event.code === undefined ? { reason: event.reason } : { reason: event.reason, code: event.code };
      return freezeSnapshot({ ...base, roomUri: null, meetingId: null, failure: null, lastEnd });
    }
    case 'failure-cleared':
      return freezeSnapshot({ ...base, roomUri: null, meetingId: null, failure: null, lastEnd: null });
  }
}

export interface CallStateMachineOptions {
  /** Time of construction (ms); becomes the initial snapshot's `since`. */
  nowMs: number;
  /** How many transitions history() keeps. Default 50. */
  historyLimit?: number;
  /**
   * Called when a listener throws. The transition has already been committed and the
   * remaining listeners are still told. Without it, the first such error is rethrown from
   * dispatch() after every listener has been told.
   */
  onListenerError?: (error: unknown, record: TransitionRecord) => void;
}

export class CallStateMachine {
  private current: CallSnapshot;
  private readonly listeners = new Set<TransitionListener>();
  private readonly recent: TransitionRecord[] = [];
  private readonly historyLimit: number;
  private readonly onListenerError: ((error: unknown, record: TransitionRecord) => void) | undefined;
  private readonly undelivered: TransitionRecord[] = [];
  private delivering = false;

  constructor(options: CallStateMachineOptions) {
    this.current = initialSnapshot(options.nowMs);
    this.historyLimit = Math.max(0, options.historyLimit ?? 50);
    this.onListenerError = options.onListenerError;
  }

  snapshot(): CallSnapshot {
    return this.current;
  }

  /** Whether `event` would be accepted now. */
  can(event: CallEventType): boolean {
    return nextState(this.current.state, event) !== undefined;
  }

  /** The last transitions, oldest first. */
  history(): readonly TransitionRecord[] {
    return this.recent.slice();
  }

  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * The chokepoint: every state change goes through here. Returns the new snapshot.
   * A listener may dispatch from inside its callback; that transition is committed at once,
   * and delivered to every listener after the current one has been delivered to all, so
   * every listener sees transitions in seq order.
   */
  dispatch(event: CallEvent, atMs: number): CallSnapshot {
    const from = this.current.state;
    const next = reduce(this.current, event, atMs);
    this.current = next;
    const record: TransitionRecord = Object.freeze({ seq: next.seq, from, to: next.state, event: Object.freeze({ ...event }), atMs, snapshot: next });
    this.recent.push(record);
    if (this.recent.length > this.historyLimit) this.recent.splice(0, this.recent.length - this.historyLimit);
    this.undelivered.push(record);
    if (!this.delivering) this.deliver();
    return next;
  }

  private deliver(): void {
    this.delivering = true;
    let firstError: { error: unknown } | undefined;
    try {
      for (let record = this.undelivered.shift(); record; record = this.undelivered.shift()) {
        for (const listener of [...this.listeners]) {
          try {
            listener(record);
          } catch (error) {
            if (this.onListenerError) this.onListenerError(error, record);
            else firstError ??= { error };
          }
        }
      }
    } finally {
      this.delivering = false;
    }
    if (firstError) throw firstError.error;
  }
}
