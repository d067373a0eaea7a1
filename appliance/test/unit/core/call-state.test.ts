import { describe, expect, it } from 'vitest';
import {
  CALL_STATES,
  CallStateMachine,
  TRANSITIONS,
  adviceFor,
  nextState,
  reduce,
  initialSnapshot,
  type CallEvent,
  type CallEventType,
  type CallState,
  type TransitionRecord,
} from '../../../src/core/call-state.js';
import { ApplianceError, ERROR_CODES, type ErrorCode } from '../../../src/core/errors.js';

const ROOM = { uri: 'sip:ward7@vmr.example.org' };
const MEETING_ROOM = { uri: 'sip:vuk-1234@vmr.example.org', meetingId: 'm-1' };

const EVENTS: Record<CallEventType, CallEvent> = {
  'join-requested': { type: 'join-requested', room: ROOM },
  'established': { type: 'established' },
  'leave-requested': { type: 'leave-requested' },
  'cancel-requested': { type: 'cancel-requested' },
  'ended': { type: 'ended', reason: 'local-hangup' },
  'join-failed': { type: 'join-failed', code: 'E_NO_ANSWER' },
  'call-dropped': { type: 'call-dropped' },
  'failure-cleared': { type: 'failure-cleared' },
};

/** Shortest event path from idle into each state. */
const PATH_TO: Record<CallState, CallEventType[]> = {
  'idle': [],
  'joining': ['join-requested'],
  'in-call': ['join-requested', 'established'],
  'leaving': ['join-requested', 'established', 'leave-requested'],
  'failed': ['join-requested', 'join-failed'],
};

function machineIn(state: CallState): { m: CallStateMachine; t: number } {
  const m = new CallStateMachine({ nowMs: 1000 });
  let t = 1000;
  for (const e of PATH_TO[state]) m.dispatch(EVENTS[e], (t += 10));
  expect(m.snapshot().state).toBe(state);
  return { m, t };
}

const EXPECTED: Array<[CallState, CallEventType, CallState]> = [
  ['idle', 'join-requested', 'joining'],
  ['joining', 'established', 'in-call'],
  ['joining', 'cancel-requested', 'leaving'],
  ['joining', 'join-failed', 'failed'],
  ['in-call', 'leave-requested', 'leaving'],
  ['in-call', 'ended', 'idle'],
  ['in-call', 'call-dropped', 'failed'],
  ['leaving', 'ended', 'idle'],
  ['failed', 'join-requested', 'joining'],
  ['failed', 'failure-cleared', 'idle'],
];

describe('transition table', () => {
  it('holds exactly the documented transitions', () => {
    const actual: Array<[CallState, CallEventType, CallState]> = [];
    for (const from of CALL_STATES) {
      for (const [event, to] of Object.entries(TRANSITIONS[from])) actual.push([from, event as CallEventType, to]);
    }
    expect(new Set(actual.map((x) => x.join(' ')))).toEqual(new Set(EXPECTED.map((x) => x.join(' '))));
  });

  it.each(EXPECTED)('%s --%s--> %s through the machine', (from, event, to) => {
    const { m } = machineIn(from);
    const seen: TransitionRecord[] = [];
    m.onTransition((r) => seen.push(r));
    const before = m.snapshot();
    const after = m.dispatch(EVENTS[event], 5000);
    expect(after.state).toBe(to);
    expect(after.seq).toBe(before.seq + 1);
    expect(after.since).toBe(5000);
    expect(m.snapshot()).toBe(after);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ from, to, seq: after.seq, atMs: 5000, event: EVENTS[event], snapshot: after });
  });

  const invalid: Array<[CallState, CallEventType]> = [];
  for (const from of CALL_STATES) {
    for (const event of Object.keys(EVENTS) as CallEventType[]) {
      if (nextState(from, event) === undefined) invalid.push([from, event]);
    }
  }

  it('forbids every other pair', () => {
    expect(invalid).toHaveLength(CALL_STATES.length * Object.keys(EVENTS).length - EXPECTED.length);
  });

  it.each(invalid)('%s refuses %s with E_STATE_TRANSITION, unchanged and silent', (from, event) => {
    const { m } = machineIn(from);
    const before = m.snapshot();
    const historyBefore = m.history();
    let notified = 0;
    m.onTransition(() => notified++);
    let caught: unknown;
    try {
      m.dispatch(EVENTS[event], 9999);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApplianceError);
    expect((caught as ApplianceError).code).toBe('E_STATE_TRANSITION');
    expect((caught as ApplianceError).detail).toEqual({ state: from, event });
    expect(m.snapshot()).toBe(before);
    expect(m.history()).toEqual(historyBefore);
    expect(notified).toBe(0);
    expect(m.can(event)).toBe(false);
  });
});

describe('snapshot', () => {
  it('starts idle at seq 0 with the construction time', () => {
    const m = new CallStateMachine({ nowMs: 42 });
    expect(m.snapshot()).toEqual({ seq: 0, state: 'idle', since: 42, roomUri: null, meetingId: null, failure: null, lastEnd: null });
  });

  it('is frozen, nested objects included', () => {
    const { m } = machineIn('failed');
    const s = m.snapshot();
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.failure)).toBe(true);
    expect(Object.isFrozen(s.failure?.advice)).toBe(true);
    expect(() => {
      (s as { state: string }).state = 'idle';
    }).toThrow(TypeError);
  });

  it('carries the room and meeting id through joining, in-call and leaving, and drops them in idle', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    const joining = m.dispatch({ type: 'join-requested', room: MEETING_ROOM }, 1);
    expect(joining).toMatchObject({ state: 'joining', roomUri: MEETING_ROOM.uri, meetingId: 'm-1' });
    expect(m.dispatch({ type: 'established' }, 2)).toMatchObject({ roomUri: MEETING_ROOM.uri, meetingId: 'm-1' });
    expect(m.dispatch({ type: 'leave-requested' }, 3)).toMatchObject({ state: 'leaving', roomUri: MEETING_ROOM.uri, meetingId: 'm-1' });
    const idle = m.dispatch({ type: 'ended', reason: 'local-hangup' }, 4);
    expect(idle).toMatchObject({ state: 'idle', roomUri: null, meetingId: null, failure: null, lastEnd: { reason: 'local-hangup' } });
  });

  it('has a null meeting id for the own room', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    expect(m.dispatch({ type: 'join-requested', room: ROOM }, 1).meetingId).toBeNull();
  });

  it('records a far-end hang-up as the end reason', () => {
    const { m } = machineIn('in-call');
    expect(m.dispatch({ type: 'ended', reason: 'remote-hangup' }, 99).lastEnd).toEqual({ reason: 'remote-hangup' });
  });

  it('records an unconfirmed goodbye with its code and still reaches idle', () => {
    const { m } = machineIn('leaving');
    const s = m.dispatch({ type: 'ended', reason: 'local-hangup', code: 'E_SIP_TIMEOUT' }, 99);
    expect(s.state).toBe('idle');
    expect(s.lastEnd).toEqual({ reason: 'local-hangup', code: 'E_SIP_TIMEOUT' });
  });

  it('has failure with code and advice only in failed', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    m.dispatch({ type: 'join-requested', room: ROOM }, 1);
    const failed = m.dispatch({ type: 'join-failed', code: 'E_SIP_AUTH' }, 2);
    expect(failed.failure).toEqual({ code: 'E_SIP_AUTH', advice: adviceFor('E_SIP_AUTH') });
    expect(failed.roomUri).toBe(ROOM.uri);
    const retry = m.dispatch({ type: 'join-requested', room: MEETING_ROOM }, 3);
    expect(retry.failure).toBeNull();
    expect(retry.roomUri).toBe(MEETING_ROOM.uri);
  });

  it('uses E_CALL_DROPPED when a dropped call has no better code', () => {
    const { m } = machineIn('in-call');
    expect(m.dispatch({ type: 'call-dropped' }, 50).failure?.code).toBe('E_CALL_DROPPED');
    const other = machineIn('in-call').m;
    expect(other.dispatch({ type: 'call-dropped', code: 'E_MEDIA_PIPELINE' }, 50).failure?.code).toBe('E_MEDIA_PIPELINE');
  });

  it('increases seq by one per transition over a long run', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    const seqs = [m.snapshot().seq];
    for (let i = 0; i < 5; i++) {
      for (const e of ['join-requested', 'established', 'leave-requested', 'ended'] as const) seqs.push(m.dispatch(EVENTS[e], i).seq);
    }
    expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });
});

describe('reduce (pure step)', () => {
  it('does not touch the previous snapshot', () => {
    const s0 = initialSnapshot(0);
    const s1 = reduce(s0, { type: 'join-requested', room: ROOM }, 5);
    expect(s0).toEqual(initialSnapshot(0));
    expect(s1).toMatchObject({ state: 'joining', seq: 1, since: 5 });
  });
});

describe('listeners', () => {
  it('see from -> to with the trigger, and stop after unsubscribing', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    const lines: string[] = [];
    const off = m.onTransition((r) => lines.push(`${r.from} -> ${r.to} (${r.event.type})`));
    m.dispatch({ type: 'join-requested', room: ROOM }, 1);
    m.dispatch({ type: 'established' }, 2);
    off();
    m.dispatch({ type: 'leave-requested' }, 3);
    expect(lines).toEqual(['idle -> joining (join-requested)', 'joining -> in-call (established)']);
  });

  it('get transitions dispatched from inside a listener after the current one, in seq order', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    const a: number[] = [];
    const b: number[] = [];
    m.onTransition((r) => {
      a.push(r.seq);
      if (r.to === 'failed') m.dispatch({ type: 'failure-cleared' }, r.atMs + 1);
    });
    m.onTransition((r) => b.push(r.seq));
    m.dispatch({ type: 'join-requested', room: ROOM }, 1);
    const returned = m.dispatch({ type: 'join-failed', code: 'E_NO_ANSWER' }, 2);
    expect(returned.state).toBe('failed');
    expect(m.snapshot().state).toBe('idle');
    expect(a).toEqual([1, 2, 3]);
    expect(b).toEqual([1, 2, 3]);
  });

  it('a throwing listener does not stop the others; the error goes to onListenerError', () => {
    const errors: unknown[] = [];
    const m = new CallStateMachine({ nowMs: 0, onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    m.onTransition(() => {
      throw new Error('ui broke');
    });
    m.onTransition((r) => seen.push(r.to));
    expect(() => m.dispatch({ type: 'join-requested', room: ROOM }, 1)).not.toThrow();
    expect(seen).toEqual(['joining']);
    expect(errors).toHaveLength(1);
  });

  it('without onListenerError, the listener error is rethrown after the transition is committed and delivered', () => {
    const m = new CallStateMachine({ nowMs: 0 });
    const seen: string[] = [];
    let broken = true;
    m.onTransition(() => {
      if (broken) throw new Error('ui broke');
    });
    m.onTransition((r) => seen.push(r.to));
    expect(() => m.dispatch({ type: 'join-requested', room: ROOM }, 1)).toThrow('ui broke');
    broken = false;
    expect(m.snapshot().state).toBe('joining');
    expect(seen).toEqual(['joining']);
    // The machine keeps working afterwards.
    m.dispatch({ type: 'established' }, 2);
    expect(seen).toEqual(['joining', 'in-call']);
  });
});

describe('history', () => {
  it('keeps the last transitions, oldest first, up to the limit', () => {
    const m = new CallStateMachine({ nowMs: 0, historyLimit: 3 });
    for (const e of ['join-requested', 'established', 'leave-requested', 'ended'] as const) m.dispatch(EVENTS[e], 1);
    expect(m.history().map((r) => `${r.from}->${r.to}`)).toEqual(['joining->in-call', 'in-call->leaving', 'leaving->idle']);
  });
});

describe('adviceFor', () => {
  it.each<ErrorCode>(['E_NO_ANSWER', 'E_ROOM_BUSY', 'E_SERVER_UNREACHABLE', 'E_CALL_DROPPED', 'E_SIP_TIMEOUT'])('%s -> retry', (code) => {
    expect(adviceFor(code).action).toBe('retry');
  });

  it.each<ErrorCode>(['E_SIP_AUTH', 'E_TLS_UNTRUSTED', 'E_ROOM_NOT_FOUND', 'E_SRTP_REFUSED', 'E_CODEC_UNSUPPORTED', 'E_MEDIA_DEVICE'])(
    '%s -> call-it-support',
    (code) => {
      expect(adviceFor(code).action).toBe('call-it-support');
    },
  );

  it('gives every code a short hint that agrees with the advice', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const { action, hint } = adviceFor(code);
      expect(hint.length).toBeGreaterThan(10);
      expect(hint.length).toBeLessThanOrEqual(100);
      if (action === 'call-it-support') expect(hint).toMatch(/IT support/);
      else expect(hint).toMatch(/[Pp]ress/);
    }
  });
});
