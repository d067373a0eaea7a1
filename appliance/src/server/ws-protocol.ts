/**
 * The touch panel's WebSocket protocol (`/ws`), version 1. The UI imports these types
 * (type-only), so this file is the one definition of the wire format.
 *
 *   server -> client  { v: 1, type: 'state', status }                on connect and on every change
 *                     { v: 1, type: 'ack', id, action, call }         an action was accepted
 *                     { v: 1, type: 'error', code, message, id? }     a message or action was refused
 *   client -> server  { v: 1, type: 'action', action, id }            join | leave | cancel | call-support | self-test
 *                     { v: 1, type: 'action', action: 'control', control, id }   mute, privacy, volume, loop, loop gain
 *
 * Additions since the first v1 (all additive, so a v1 panel of the first slice still works):
 * the actions call-support, self-test and control; `controls` on the ack of a control; the
 * state's `controls`, `faults`, `participants`, `support` and `selfTest`.
 *
 * A refused message never closes the socket: the panel keeps its state stream. Refusals
 * carry a code: E_WS_MESSAGE (not a valid message), E_STATE_TRANSITION (not now),
 * E_CONTROL_INVALID (out of range, or IT only), E_SUPPORT_NOT_CONFIGURED.
 * The loop gain is IT's: only a connection that presented the configured token may set it.
 */
import type { UnitStatus } from '../app/unit-controller.js';
import type { SelfTestReport } from '../app/self-test.js';
import type { CallSnapshot } from '../core/call-state.js';
import type { ControlAction, Controls } from '../core/controls.js';
import type { ErrorCode } from '../core/errors.js';

export const PROTOCOL_VERSION = 1 as const;

/** Actions without parameters. */
export const SIMPLE_ACTIONS = ['join', 'leave', 'cancel', 'call-support', 'self-test'] as const;
export const UI_ACTIONS = [...SIMPLE_ACTIONS, 'control'] as const;
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
  /** Who the unit is calling or talking to, as far as the room tells (null outside a call; no display name before it answers). */
  participants: { farEnd: { displayName: string | null; uri: string }; support: boolean } | null;
  /** Whether "call IT support" can dial (sip.supportUri configured). */
  support: { available: boolean };
  selfTest: SelfTestReport;
}

/** Protocol-level codes the server adds to core/errors.ts's codes. */
export type WsErrorCode = ErrorCode | 'E_WS_MESSAGE' | 'E_INTERNAL';

export type ServerMessage =
  | { v: 1; type: 'state'; status: StatePayload }
  | { v: 1; type: 'ack'; id: string; action: UiAction; call: CallSnapshot; controls?: Controls }
  | { v: 1; type: 'error'; code: WsErrorCode; message: string; id?: string };

export type SimpleAction = (typeof SIMPLE_ACTIONS)[number];
export type ActionMessage =
  | { v: 1; type: 'action'; action: SimpleAction; id: string }
  | { v: 1; type: 'action'; action: 'control'; control: ControlAction; id: string };
export type ClientMessage = ActionMessage;

const bool = { type: 'boolean' } as const;
const controlVariant = (type: string, properties: Record<string, unknown>) => ({
  type: 'object',
  properties: { type: { const: type }, ...properties },
  required: ['type', ...Object.keys(properties)],
  additionalProperties: false,
});

/** The shape of a control action; ranges and roles are core/controls.ts's (E_CONTROL_INVALID). */
export const CONTROL_ACTION_SCHEMA = {
  type: 'object',
  oneOf: [
    controlVariant('mic-mute', { muted: bool }),
    controlVariant('camera-private', { private: bool }),
    controlVariant('speaker-volume', { volume: { type: 'number' } }),
    controlVariant('speaker-volume-step', { direction: { enum: ['up', 'down'] } }),
    controlVariant('speaker-mute', { muted: bool }),
    controlVariant('loop', { enabled: bool }),
    controlVariant('loop-gain', { gainDb: { type: 'number' } }),
  ],
} as const;

const common = {
  v: { const: PROTOCOL_VERSION },
  type: { const: 'action' },
  id: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

/** JSON schema for every inbound message (ajv). */
export const CLIENT_MESSAGE_SCHEMA = {
  type: 'object',
  oneOf: [
    { type: 'object', properties: { ...common, action: { enum: [...SIMPLE_ACTIONS] } }, required: ['v', 'type', 'action', 'id'], additionalProperties: false },
    { type: 'object', properties: { ...common, action: { const: 'control' }, control: CONTROL_ACTION_SCHEMA }, required: ['v', 'type', 'action', 'id', 'control'], additionalProperties: false },
  ],
} as const;
