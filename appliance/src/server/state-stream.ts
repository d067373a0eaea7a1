import { Ajv } from 'ajv';
import type { UnitController } from '../app/unit-controller.js';
import type { SelfTest } from '../app/self-test.js';
import type { ControlRole } from '../core/controls.js';
import { isApplianceError } from '../core/errors.js';
import { performAction } from './panel-actions.js';
import type { Signaling } from '../ports/signaling.js';
import type { Logger } from '../log/logger.js';
import { CLIENT_MESSAGE_SCHEMA, PROTOCOL_VERSION, type ClientMessage, type ServerMessage, type StatePayload, type UnitInfo } from './ws-protocol.js';

/** The part of a `ws` WebSocket the stream uses (ws ships no types of its own here). */
export interface PanelSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close' | 'error', listener: () => void): void;
}

const OPEN = 1;

const validateClientMessage = new Ajv({ strict: true, allErrors: false }).compile<ClientMessage>(CLIENT_MESSAGE_SCHEMA);

export interface StateStreamDeps {
  controller: UnitController;
  selfTest: SelfTest;
  /** When given, registration changes are pushed too (not only call transitions). */
  signaling?: Pick<Signaling, 'on' | 'off'>;
  unit?: UnitInfo;
  logger: Logger;
}

/** The snapshot every panel renders: call state, registration, LED, next meeting, who the unit is. */
export function statePayload(deps: Pick<StateStreamDeps, 'controller' | 'unit' | 'selfTest'>): StatePayload {
  const status = deps.controller.status();
  const current = status.call.state === 'joining' || status.call.state === 'in-call' || status.call.state === 'leaving' ? deps.controller.currentCall() : null;
  const participants = current ? { farEnd: { displayName: current.remoteDisplayName, uri: current.roomUri }, support: current.source === 'support' } : null;
  const meeting = status.nextMeeting?.joinable ? status.nextMeeting : null;
  const joinTarget = meeting
    ? { kind: 'meeting' as const, uri: null, title: meeting.title ?? null }
    : deps.unit ? { kind: 'own-room' as const, uri: deps.unit.ownRoomUri, title: null } : null;
  return {
    ...status, unit: deps.unit ?? null, joinTarget, serverTime: Date.now(),
    participants, support: { available: deps.controller.supportAvailable() }, selfTest: deps.selfTest.report(),
  };
}

/**
 * Fans the unit's state out to every connected panel and turns their action messages into
 * controller calls. Subscribes on the first socket, unsubscribes on the last.
 */
export class StateStream {
  private readonly sockets = new Map<PanelSocket, ControlRole>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: StateStreamDeps) {}

  get size(): number {
    return this.sockets.size;
  }

  /** `role` is 'it' only for a connection that presented the configured token (it may set the loop gain). */
  attach(socket: PanelSocket, role: ControlRole = 'bedside'): void {
    this.sockets.set(socket, role);
    if (this.sockets.size === 1) this.subscribe();
    socket.on('message', (data: Buffer, isBinary: boolean) => { void this.onMessage(socket, isBinary ? null : data.toString('utf8')); });
    socket.on('close', () => this.detach(socket));
    socket.on('error', () => this.detach(socket));
    this.send(socket, this.stateMessage());
  }

  /** Closes every socket (server shutdown). */
  closeAll(): void {
    for (const s of this.sockets.keys()) s.close(1001, 'server stopping');
    this.sockets.clear();
    this.unsubscribeAll();
  }

  private detach(socket: PanelSocket): void {
    if (this.sockets.delete(socket) && this.sockets.size === 0) this.unsubscribeAll();
  }

  private subscribe(): void {
    const offTransition = this.deps.controller.machine.onTransition(() => this.broadcast());
    // Controls and faults change without a call transition; so does a running self-test.
    const offChange = this.deps.controller.onChange(() => this.broadcast());
    const offSelfTest = this.deps.selfTest.onChange(() => this.broadcast());
    const onRegistration = (): void => this.broadcast();
    this.deps.signaling?.on('registration', onRegistration);
    this.unsubscribe = () => {
      offTransition();
      offChange();
      offSelfTest();
      this.deps.signaling?.off('registration', onRegistration);
    };
  }

  private unsubscribeAll(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private stateMessage(): ServerMessage {
    return { v: PROTOCOL_VERSION, type: 'state', status: statePayload(this.deps) };
  }

  private broadcast(): void {
    const msg = this.stateMessage();
    for (const s of this.sockets.keys()) this.send(s, msg);
  }

  private send(socket: PanelSocket, msg: ServerMessage): void {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(msg));
  }

  private async onMessage(socket: PanelSocket, text: string | null): Promise<void> {
    let parsed: unknown;
    try {
      parsed = text === null ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!validateClientMessage(parsed)) {
      const why = text === null ? 'binary frames are not accepted' : parsed === undefined ? 'not JSON' : (validateClientMessage.errors?.[0] ? `${validateClientMessage.errors[0].instancePath || '/'} ${validateClientMessage.errors[0].message ?? ''}` : 'invalid');
      const id = typeof (parsed as { id?: unknown } | undefined)?.id === 'string' ? (parsed as { id: string }).id.slice(0, 64) : undefined;
      this.send(socket, { v: PROTOCOL_VERSION, type: 'error', code: 'E_WS_MESSAGE', message: `message refused: ${why.trim()}`, ...(id ? { id } : {}) });
      return;
    }
    const { action, id } = parsed;
    try {
      const result = await performAction(this.deps, parsed, this.sockets.get(socket) ?? 'bedside');
      this.send(socket, { v: PROTOCOL_VERSION, type: 'ack', id, action, ...result });
    } catch (e) {
      if (isApplianceError(e)) {
        this.send(socket, { v: PROTOCOL_VERSION, type: 'error', id, code: e.code, message: e.message });
      } else {
        this.deps.logger.error({ err: String(e), action }, 'ui action failed');
        this.send(socket, { v: PROTOCOL_VERSION, type: 'error', id, code: 'E_INTERNAL', message: 'the action failed' });
      }
    }
  }
}
