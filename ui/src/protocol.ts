/**
 * The daemon's /ws protocol v1, as the panel sees it. The server's definition is
 * appliance/src/server/ws-protocol.ts; the end-to-end test checks the two agree.
 */
export const PROTOCOL_VERSION = 1;

export type UiAction = 'join' | 'leave' | 'cancel';
export type CallState = 'idle' | 'joining' | 'in-call' | 'leaving' | 'failed';
export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed' | 'not-configured';

export interface CallSnapshot {
  seq: number;
  state: CallState;
  since: number;
  roomUri: string | null;
  meetingId: string | null;
  failure: { code: string; advice: { action: 'retry' | 'call-it-support'; hint: string } } | null;
  lastEnd: { reason: string; code?: string } | null;
}

export interface StatePayload {
  call: CallSnapshot;
  registration: RegistrationState;
  led: { name: string } | null;
  nextMeeting: { id: string; title?: string; startsAt: string; joinable: boolean } | null;
  unit: { id: string; name: string; ward: string; room: string; bed: string; ownRoomUri: string } | null;
  joinTarget: { kind: 'meeting' | 'own-room'; uri: string | null; title: string | null } | null;
  serverTime: number;
}

export type ServerMessage =
  | { v: 1; type: 'state'; status: StatePayload }
  | { v: 1; type: 'ack'; id: string; action: UiAction; call: CallSnapshot }
  | { v: 1; type: 'error'; code: string; message: string; id?: string };

export interface ActionMessage { v: 1; type: 'action'; action: UiAction; id: string }

/** Accepts only messages of this protocol version with a known type. */
export function parseServerMessage(text: string): ServerMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const o = m as { v?: unknown; type?: unknown };
  if (o.v !== PROTOCOL_VERSION || (o.type !== 'state' && o.type !== 'ack' && o.type !== 'error')) return null;
  return m as ServerMessage;
}
