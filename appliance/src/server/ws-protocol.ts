/**
 * The touch panel's WebSocket protocol (`/ws`), version 1. The UI imports these types
 * (type-only), so this file is the one definition of the wire format.
 *
 *   server -> client  { v: 1, type: 'state', status }                on connect and on every change
 *                     { v: 1, type: 'ack', id, action, call }         an action was accepted
 *                     { v: 1, type: 'error', code, message, id? }     a message or action was refused
 *   client -> server  { v: 1, type: 'action', action, id }            join | leave | cancel
 *
 * A refused message never closes the socket: the panel keeps its state stream.
 */
import type { UnitStatus } from '../app/unit-controller.js';
import type { CallSnapshot } from '../core/call-state.js';
import type { ErrorCode } from '../core/errors.js';

export const PROTOCOL_VERSION = 1 as const;

export const UI_ACTIONS = ['join', 'leave', 'cancel'] as const;
export type UiAction = (typeof UI_ACTIONS)[number];

/** What the bedside screen shows about the unit itself. Never a patient name. */
export interface UnitInfo {
  id: string;
  name: string;
  ward: string;
  room: string;
  bed: string;
  /** The unit's own room, joined when no scheduled meeting is in its window. */
  ownRoomUri: string;
}

export interface StatePayload extends UnitStatus {
  unit: UnitInfo | null;
  /** The room a press of Start would join now (scheduled meeting in its window, else the own room). */
  joinTarget: { kind: 'meeting' | 'own-room'; uri: string | null; title: string | null } | null;
  /** Server wall clock (ms) when sent: lets the panel turn `call.since` into an elapsed time. */
  serverTime: number;
}

/** Protocol-level codes the server adds to core/errors.ts's codes. */
export type WsErrorCode = ErrorCode | 'E_WS_MESSAGE' | 'E_INTERNAL';

export type ServerMessage =
  | { v: 1; type: 'state'; status: StatePayload }
  | { v: 1; type: 'ack'; id: string; action: UiAction; call: CallSnapshot }
  | { v: 1; type: 'error'; code: WsErrorCode; message: string; id?: string };

export interface ActionMessage { v: 1; type: 'action'; action: UiAction; id: string }
export type ClientMessage = ActionMessage;

/** JSON schema for every inbound message (ajv). */
export const CLIENT_MESSAGE_SCHEMA = {
  type: 'object',
  properties: {
    v: { const: PROTOCOL_VERSION },
    type: { const: 'action' },
    action: { enum: [...UI_ACTIONS] },
    id: { type: 'string', minLength: 1, maxLength: 64 },
  },
  required: ['v', 'type', 'action', 'id'],
  additionalProperties: false,
} as const;
