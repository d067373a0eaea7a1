import { describe, expect, it } from 'vitest';
import type { CallSnapshot, ServerMessage, StatePayload } from '../src/protocol.js';
import { parseServerMessage } from '../src/protocol.js';
import { reconnectDelayMs } from '../src/store/backoff.js';
import { initialViewState, reduceView, screenFor, type ViewState } from '../src/store/view-state.js';

function call(seq: number, state: CallSnapshot['state'], extra: Partial<CallSnapshot> = {}): CallSnapshot {
  return { seq, state, since: 1_000, roomUri: null, meetingId: null, failure: null, lastEnd: null, ...extra };
}
function stateMsg(c: CallSnapshot, serverTime = 5_000): ServerMessage {
  const status: StatePayload = { call: c, registration: 'registered', led: null, nextMeeting: null, unit: null, joinTarget: null, serverTime };
  return { v: 1, type: 'state', status };
}
const recv = (s: ViewState, msg: ServerMessage, at = 5_000) => reduceView(s, { type: 'server-message', msg, receivedAt: at });

describe('view state', () => {
  it('shows connecting until the first state, then the screen for the call state', () => {
    let s = initialViewState;
    expect(screenFor(s)).toBe('connecting');
    s = reduceView(s, { type: 'socket-open' });
    s = recv(s, stateMsg(call(0, 'idle')), 5_250);
    expect(screenFor(s)).toBe('ready');
    expect(s.skewMs).toBe(250);
    expect(screenFor(recv(s, stateMsg(call(1, 'joining'))))).toBe('joining');
    expect(screenFor(recv(s, stateMsg(call(2, 'in-call'))))).toBe('in-call');
    expect(screenFor(recv(s, stateMsg(call(3, 'leaving'))))).toBe('leaving');
    expect(screenFor(recv(s, stateMsg(call(4, 'failed'))))).toBe('failed');
  });

  it('marks an action pending at once and clears it when the state moves or the server answers', () => {
    let s = recv(initialViewState, stateMsg(call(0, 'idle')));
    s = reduceView(s, { type: 'action-sent', action: { action: 'join' }, id: 'a1' });
    expect(s.pending).toEqual({ action: 'join', id: 'a1', request: { action: 'join' } });
    expect(recv(s, stateMsg(call(1, 'joining'))).pending).toBeNull();
    expect(recv(s, stateMsg(call(0, 'idle'))).pending, 'a repeat of the same state').not.toBeNull();
    expect(recv(s, { v: 1, type: 'ack', id: 'a1', action: 'join', call: call(1, 'joining') }).pending).toBeNull();
    const refused = recv(s, { v: 1, type: 'error', id: 'a1', code: 'E_STATE_TRANSITION', message: 'no' });
    expect(refused.pending).toBeNull();
    expect(refused.refused).toEqual({ code: 'E_STATE_TRANSITION', action: 'join' });
  });

  it('keeps the last screen while reconnecting, and recovers on the next state', () => {
    let s = recv(initialViewState, stateMsg(call(2, 'in-call')));
    s = reduceView(s, { type: 'action-sent', action: { action: 'leave' }, id: 'a2' });
    s = reduceView(s, { type: 'socket-closed' });
    expect(s.connection).toBe('reconnecting');
    expect(s.pending).toBeNull();
    expect(screenFor(s)).toBe('in-call');
    s = recv(s, stateMsg(call(0, 'idle')));
    expect(s.connection).toBe('open');
    expect(screenFor(s)).toBe('ready');
  });

  it('stays "connecting" when the very first attempt fails', () => {
    expect(reduceView(initialViewState, { type: 'socket-closed' }).connection).toBe('connecting');
  });

  it('accepts only protocol v1 messages of a known type', () => {
    expect(parseServerMessage('{"v":1,"type":"ack","id":"a","action":"join","call":{}}')?.type).toBe('ack');
    expect(parseServerMessage('{"v":2,"type":"state"}')).toBeNull();
    expect(parseServerMessage('{"v":1,"type":"surprise"}')).toBeNull();
    expect(parseServerMessage('nope')).toBeNull();
    expect(parseServerMessage('null')).toBeNull();
  });

  it('backs off 250 ms, 500 ms, 1 s ... up to 5 s between reconnects', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => reconnectDelayMs(n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});

describe('controls as shown', () => {
  it('applies a tap not yet confirmed, and takes the controls from a control ack', async () => {
    const { shownControls, DEFAULT_CONTROLS } = await import('../src/logic/shown-controls.js');
    expect(shownControls(DEFAULT_CONTROLS, { action: 'control', control: { type: 'mic-mute', muted: true } }).micMuted).toBe(true);
    expect(shownControls({ ...DEFAULT_CONTROLS, speakerVolume: 95 }, { action: 'control', control: { type: 'speaker-volume-step', direction: 'up' } }).speakerVolume).toBe(100);
    expect(shownControls(DEFAULT_CONTROLS, { action: 'control', control: { type: 'speaker-volume-step', direction: 'down' } }).speakerVolume).toBe(50);
    expect(shownControls(DEFAULT_CONTROLS, { action: 'leave' })).toBe(DEFAULT_CONTROLS);
    let s = recv(initialViewState, stateMsg(call(2, 'in-call')));
    s = reduceView(s, { type: 'action-sent', action: { action: 'control', control: { type: 'loop', enabled: true } }, id: 'c1' });
    expect(s.pending?.request).toEqual({ action: 'control', control: { type: 'loop', enabled: true } });
    s = recv(s, { v: 1, type: 'ack', id: 'c1', action: 'control', call: call(2, 'in-call'), controls: { ...DEFAULT_CONTROLS, loopEnabled: true } });
    expect(s.pending).toBeNull();
    expect(s.status?.controls?.loopEnabled).toBe(true);
  });
});
