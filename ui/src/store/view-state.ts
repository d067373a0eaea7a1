import type { PanelAction, ServerMessage, StatePayload, UiAction } from '../protocol.js';

/** Everything the panel renders, derived only from socket events: a pure reducer. */
export interface ViewState {
  connection: 'connecting' | 'open' | 'reconnecting';
  status: StatePayload | null;
  /** client clock - server clock (ms), measured on the last state message. */
  skewMs: number;
  /** An action sent and not yet answered: the button shows it at once. */
  pending: { action: UiAction; id: string; request: PanelAction } | null;
  /** The last refused action, until the state changes. */
  refused: { code: string; action: UiAction | null } | null;
}

export type ViewEvent =
  | { type: 'socket-open' }
  | { type: 'socket-closed' }
  | { type: 'action-sent'; action: PanelAction; id: string }
  | { type: 'server-message'; msg: ServerMessage; receivedAt: number };

export const initialViewState: ViewState = { connection: 'connecting', status: null, skewMs: 0, pending: null, refused: null };

export function reduceView(s: ViewState, e: ViewEvent): ViewState {
  switch (e.type) {
    case 'socket-open':
      return { ...s, connection: 'open' };
    case 'socket-closed':
      // Keep the last status on screen (dimmed by the banner); nothing sent is pending any more.
      return { ...s, connection: s.connection === 'connecting' && !s.status ? 'connecting' : 'reconnecting', pending: null };
    case 'action-sent':
      return { ...s, pending: { action: e.action.action, id: e.id, request: e.action }, refused: null };
    case 'server-message': {
      const m = e.msg;
      if (m.type === 'state') {
        const changed = !s.status || s.status.call.seq !== m.status.call.seq;
        return {
          ...s,
          connection: 'open',
          status: m.status,
          skewMs: e.receivedAt - m.status.serverTime,
          pending: changed ? null : s.pending,
          refused: changed ? null : s.refused,
        };
      }
      if (m.type === 'ack') {
        if (s.pending?.id !== m.id) return s;
        // A control's ack carries the new controls: show them now, the state push may come after.
        const status = m.controls && s.status ? { ...s.status, controls: m.controls } : s.status;
        return { ...s, pending: null, status };
      }
      const action = s.pending && s.pending.id === m.id ? s.pending.action : null;
      return { ...s, pending: action ? null : s.pending, refused: { code: m.code, action } };
    }
  }
}

export type Screen = 'connecting' | 'ready' | 'joining' | 'in-call' | 'leaving' | 'failed';

/** Which screen the state calls for. */
export function screenFor(s: ViewState): Screen {
  if (!s.status) return 'connecting';
  switch (s.status.call.state) {
    case 'idle': return 'ready';
    case 'joining': return 'joining';
    case 'in-call': return 'in-call';
    case 'leaving': return 'leaving';
    case 'failed': return 'failed';
  }
}
