/**
 * The daemon's /ws protocol v1, as the panel sees it. The server's definition is
 * appliance/src/server/ws-protocol.ts; the end-to-end test checks the two agree.
 */
export const PROTOCOL_VERSION = 1;

export type SimpleAction = 'join' | 'leave' | 'cancel' | 'call-support' | 'self-test';
export type UiAction = SimpleAction | 'control';

export type ControlAction =
  | { type: 'mic-mute'; muted: boolean }
  | { type: 'camera-private'; private: boolean }
  | { type: 'speaker-volume'; volume: number }
  | { type: 'speaker-volume-step'; direction: 'up' | 'down' }
  | { type: 'speaker-mute'; muted: boolean }
  | { type: 'loop'; enabled: boolean }
  | { type: 'loop-gain'; gainDb: number };

/** What a component asks the store to send. */
export type PanelAction = { action: SimpleAction } | { action: 'control'; control: ControlAction };

export interface Controls {
  micMuted: boolean;
  cameraPrivate: boolean;
  speakerVolume: number;
  speakerMuted: boolean;
  loopEnabled: boolean;
  loopGainDb: number;
}

export type SelfTestItem = 'camera' | 'microphone' | 'speaker' | 'loop' | 'network' | 'registration';
export interface SelfTestCheck { item: SelfTestItem; outcome: 'pass' | 'fail' | 'not-available' | 'running' | 'pending'; code?: string; detail?: string }
export interface SelfTestReport {
  state: 'never-run' | 'running' | 'done' | 'aborted';
  startedAt: number | null;
  finishedAt: number | null;
  checks: SelfTestCheck[];
  echoTestAvailable: boolean;
}
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
  /** Added later in v1: a daemon of the first slice leaves them out, so the panel treats them as optional. */
  controls?: Controls;
  faults?: Array<{ code: string; source: string; since: number }>;
  participants?: { farEnd: { displayName: string | null; uri: string }; support: boolean } | null;
  support?: { available: boolean };
  selfTest?: SelfTestReport;
}

export type ServerMessage =
  | { v: 1; type: 'state'; status: StatePayload }
  | { v: 1; type: 'ack'; id: string; action: UiAction; call: CallSnapshot; controls?: Controls }
  | { v: 1; type: 'error'; code: string; message: string; id?: string };

export type ActionMessage = { v: 1; type: 'action'; id: string } & PanelAction;

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
