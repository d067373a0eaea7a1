import { randomUUID } from 'node:crypto';
import { CallStateMachine, type CallEvent, type CallSnapshot, type TransitionRecord } from '../core/call-state.js';
import { PERSISTED_CONTROLS, applyControl, controlsAfterCall, restoreControls, type ControlAction, type ControlRole, type Controls } from '../core/controls.js';
import { ApplianceError, toApplianceError, type ErrorCode } from '../core/errors.js';
import { actionForGesture, type Gesture } from '../core/gestures.js';
import { ledPatternFor, type LedPattern } from '../core/led-pattern.js';
import { chooseRoom, nextMeeting, type ScheduledMeeting } from '../core/room-choice.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { MediaEngine } from '../ports/media-engine.js';
import type { CallEndReason, CallInfo, RegistrationState, Signaling } from '../ports/signaling.js';
import type { StatusLight } from '../ports/status-light.js';
import type { CallRecord, Store } from '../ports/store.js';
import type { Logger } from '../log/logger.js';
import { redactUri } from '../log/logger.js';

export interface UnitControllerDeps {
  signaling: Signaling;
  engine: MediaEngine;
  store: Store;
  light: StatusLight;
  clock: Clock;
  logger: Logger;
  rooms: { ownRoomUri: string; meetings: readonly ScheduledMeeting[]; minutesBefore: number };
  failureDisplayMs: number;
  /** A BYE or CANCEL not confirmed within this long still ends the call locally. */
  leaveTimeoutMs?: number;
  /** IT support's room (config sip.supportUri): callSupport() dials it. */
  supportUri?: string;
}

/** Who the unit is talking to, as far as the room tells: for the panel's participant list. */
export interface CurrentCallView {
  source: CallRecord['source'];
  roomUri: string;
  /** The far end's display name once established; null when the room sends none. */
  remoteDisplayName: string | null;
}

interface CallInProgress {
  id: string;
  roomUri: string;
  source: CallRecord['source'];
  meetingId: string | null;
  startedAt: number;
  establishedAt: number | null;
  info: CallInfo | null;
}

/** A hardware or device problem that is not a call failure: shown on the LED and the panel until cleared. */
export interface ActiveFault {
  code: ErrorCode;
  /** Which part: 'start-button', 'ioboard', 'loop', 'speaker', 'display'... */
  source: string;
  since: number;
}

export interface UnitStatus {
  call: CallSnapshot;
  registration: RegistrationState;
  led: LedPattern | null;
  controls: Controls;
  faults: readonly ActiveFault[];
  nextMeeting: { id: string; title: string | undefined; startsAt: string; joinable: boolean } | null;
}

/**
 * Turns button gestures and API actions into calls, and calls into state. The call state
 * machine is the only record of what the unit is doing; this class drives it and renders it
 * (LED, event log, calls table).
 */
export class UnitController {
  readonly machine: CallStateMachine;
  private current: CallInProgress | null = null;
  private failureTimer: TimerHandle | null = null;
  private leaveTimer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly log: Logger;
  private currentControls: Controls;
  private readonly activeFaults = new Map<string, ActiveFault>();
  private readonly changeListeners = new Set<() => void>();
  private testCall: { abort: () => void; settled: Promise<void> } | null = null;
  private rooms: UnitControllerDeps['rooms'];

  constructor(private readonly deps: UnitControllerDeps) {
    this.log = deps.logger;
    this.machine = new CallStateMachine({ nowMs: deps.clock.now(), onListenerError: (e) => this.log.error({ err: String(e) }, 'state listener failed') });
    this.currentControls = restoreControls({});
    this.rooms = deps.rooms;
  }

  /** A new room list applied without a restart (fleet config); a call in progress keeps its room. */
  setRooms(rooms: UnitControllerDeps['rooms']): void {
    this.rooms = rooms;
    this.notifyChange();
  }

  start(): void {
    this.unsubscribe = this.machine.onTransition((t) => this.onTransition(t));
    this.deps.signaling.on('ended', this.onSignalingEnded);
    this.deps.signaling.on('established', this.onInboundEstablished);
    this.deps.signaling.on('inbound-refused', this.onInboundRefused);
    this.deps.signaling.on('registration', this.onRegistration);
    const saved: Record<string, unknown> = {};
    for (const key of PERSISTED_CONTROLS) saved[key] = this.deps.store.getSetting(`controls.${key}`);
    this.currentControls = restoreControls(saved);
    this.deps.engine.setControls(this.currentControls);
    this.render();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.deps.signaling.off('ended', this.onSignalingEnded);
    this.deps.signaling.off('established', this.onInboundEstablished);
    this.deps.signaling.off('inbound-refused', this.onInboundRefused);
    this.deps.signaling.off('registration', this.onRegistration);
    this.failureTimer?.cancel();
    this.leaveTimer?.cancel();
  }

  status(): UnitStatus {
    const next = nextMeeting(this.rooms.meetings, this.deps.clock.now(), { beforeStartMinutes: this.rooms.minutesBefore });
    return {
      call: this.machine.snapshot(),
      registration: this.deps.signaling.registrationState(),
      led: this.deps.light.current(),
      controls: this.currentControls,
      faults: [...this.activeFaults.values()],
      nextMeeting: next ? { id: next.meeting.id, title: next.meeting.title, startsAt: next.meeting.startsAt, joinable: next.joinable } : null,
    };
  }

  /**
   * Runs a test call (the self-test's echo call) that is not a meeting: the state machine
   * stays idle, its SIP session is not taken for an inbound caller, and a press of Start or
   * "call IT support" aborts it and waits for its hang-up before placing the real call.
   */
  async runTestCall<T>(fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const state = this.machine.snapshot().state;
    if (state !== 'idle' && state !== 'failed') throw new ApplianceError('E_STATE_TRANSITION', `cannot run a test call while ${state}`, { state });
    if (this.testCall) throw new ApplianceError('E_STATE_TRANSITION', 'a test call is already running', { state: 'test-call' });
    const ac = new AbortController();
    const onOuterAbort = (): void => ac.abort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const done = fn(ac.signal);
    const call = { abort: () => ac.abort(), settled: done.then(() => undefined, () => undefined) };
    this.testCall = call;
    this.log.info('test call started');
    try {
      return await done;
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      if (this.testCall === call) this.testCall = null;
      this.log.info('test call ended');
    }
  }

  private async endTestCall(): Promise<void> {
    const call = this.testCall;
    if (!call) return;
    this.log.info('a call was asked for: ending the test call first');
    call.abort();
    await call.settled;
  }

  /** Called after anything in status() changes that is not a call transition (controls, faults). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => { this.changeListeners.delete(listener); };
  }

  controls(): Controls {
    return this.currentControls;
  }

  /** Applies a control action (E_CONTROL_INVALID when refused), persists what persists, tells the engine. */
  setControl(action: ControlAction, role: ControlRole = 'bedside'): Controls {
    const next = applyControl(this.currentControls, action, role);
    this.commitControls(next);
    this.log.info({ control: action.type, role }, 'control changed');
    return next;
  }

  /** Marks a hardware fault active (idempotent per source+code); the LED shows it until cleared. */
  raiseFault(code: ErrorCode, source: string): void {
    const key = `${source}:${code}`;
    if (this.activeFaults.has(key)) return;
    this.activeFaults.set(key, { code, source, since: this.deps.clock.now() });
    this.log.warn({ code, source }, 'fault raised');
    this.deps.store.appendEvent('fault', { code, source, active: true });
    this.render();
    this.notifyChange();
  }

  /** Clears one fault, or every fault of `source` when `code` is omitted. */
  clearFault(source: string, code?: ErrorCode): void {
    let changed = false;
    for (const [key, f] of this.activeFaults) {
      if (f.source === source && (code === undefined || f.code === code)) {
        this.activeFaults.delete(key);
        this.deps.store.appendEvent('fault', { code: f.code, source, active: false });
        changed = true;
      }
    }
    if (!changed) return;
    this.log.info({ source, ...(code ? { code } : {}) }, 'fault cleared');
    this.render();
    this.notifyChange();
  }

  onGesture(g: Gesture): void {
    const decision = actionForGesture(this.machine.snapshot().state, g);
    this.log.debug({ gesture: g.type, action: decision.action, reason: decision.reason }, 'button');
    if (g.type === 'stuck') this.raiseFault('E_BUTTON_STUCK', 'start-button');
    else if (g.type === 'unstuck') this.clearFault('start-button', 'E_BUTTON_STUCK');
    if (decision.action === 'join') void this.join();
    else if (decision.action === 'cancel') void this.cancel();
    else if (decision.action === 'leave') void this.leave();
  }

  /** Joins the scheduled meeting in its window, else the unit's own room. */
  async join(): Promise<CallSnapshot> {
    if (this.testCall) await this.endTestCall(); // only then may join yield: a press is seen at once
    const state = this.machine.snapshot().state;
    if (state !== 'idle' && state !== 'failed') throw new ApplianceError('E_STATE_TRANSITION', `cannot join while ${state}`, { state });
    const now = this.deps.clock.now();
    const choice = chooseRoom({ ownRoomUri: this.rooms.ownRoomUri, meetings: this.rooms.meetings, nowMs: now, joinWindow: { beforeStartMinutes: this.rooms.minutesBefore } });
    return this.placeCall(choice.uri, choice.source, choice.meetingId ?? null);
  }

  /** True when "call IT support" can dial anywhere (sip.supportUri is configured). */
  supportAvailable(): boolean {
    return Boolean(this.deps.supportUri);
  }

  /** Dials IT support's room through the same call path as a meeting (E_SUPPORT_NOT_CONFIGURED without sip.supportUri). */
  async callSupport(): Promise<CallSnapshot> {
    const uri = this.deps.supportUri;
    if (!uri) throw new ApplianceError('E_SUPPORT_NOT_CONFIGURED', 'no IT support room is configured (sip.supportUri)');
    if (this.testCall) await this.endTestCall(); // only then may join yield: a press is seen at once
    const state = this.machine.snapshot().state;
    if (state !== 'idle' && state !== 'failed') throw new ApplianceError('E_STATE_TRANSITION', `cannot call IT support while ${state}`, { state });
    return this.placeCall(uri, 'support', null);
  }

  /** The call in progress, for the panel; null when there is none. */
  currentCall(): CurrentCallView | null {
    const c = this.current;
    return c ? { source: c.source, roomUri: c.roomUri, remoteDisplayName: c.info?.remoteDisplayName ?? null } : null;
  }

  private placeCall(uri: string, source: CallRecord['source'], meetingId: string | null): CallSnapshot {
    this.failureTimer?.cancel();
    const call: CallInProgress = { id: randomUUID(), roomUri: uri, source, meetingId, startedAt: this.deps.clock.now(), establishedAt: null, info: null };
    this.current = call;
    const snap = this.dispatch({ type: 'join-requested', room: { uri, ...(meetingId ? { meetingId } : {}) } });
    this.deps.signaling.call(uri).then(
      (info) => this.onEstablished(call, info),
      (e: unknown) => this.onJoinFailed(call, toApplianceError(e, 'E_CALL_REJECTED')),
    );
    return snap;
  }

  async leave(): Promise<CallSnapshot> {
    return this.hangUp('in-call', 'leave-requested');
  }

  async cancel(): Promise<CallSnapshot> {
    return this.hangUp('joining', 'cancel-requested');
  }

  /** BYE (in a call) or CANCEL (joining); the call ends when the far end confirms or the leave timeout fires. */
  private hangUp(from: 'in-call' | 'joining', event: 'leave-requested' | 'cancel-requested'): CallSnapshot {
    const state = this.machine.snapshot().state;
    if (state !== from) throw new ApplianceError('E_STATE_TRANSITION', `cannot ${event === 'leave-requested' ? 'leave' : 'cancel'} while ${state}`, { state });
    const snap = this.dispatch({ type: event });
    this.armLeaveTimeout();
    void this.deps.signaling.hangup();
    return snap;
  }

  private onEstablished(call: CallInProgress, info: CallInfo): void {
    if (this.current !== call) return;
    call.establishedAt = this.deps.clock.now();
    call.info = info;
    const state = this.machine.snapshot().state;
    if (state === 'joining') this.dispatch({ type: 'established' });
    // Cancelled while the 200 OK was on its way: the call exists now, so end it with a BYE.
    else if (state === 'leaving') void this.deps.signaling.hangup();
  }

  private onJoinFailed(call: CallInProgress, err: ApplianceError): void {
    if (this.current !== call) return;
    const state = this.machine.snapshot().state;
    if (state === 'leaving') {
      this.finish(call, 'cancelled', null);
      this.dispatch({ type: 'ended', reason: 'cancelled' });
      return;
    }
    if (state !== 'joining') return;
    this.log.warn({ code: err.code, err: err.message, room: redactUri(call.roomUri) }, 'join failed');
    this.finish(call, 'failed', err.code);
    this.dispatch({ type: 'join-failed', code: err.code });
  }

  private readonly onSignalingEnded = (reason: CallEndReason, error?: ApplianceError): void => {
    const call = this.current;
    const state = this.machine.snapshot().state;
    if (!call || call.establishedAt === null) return; // pre-answer endings arrive through call()'s rejection
    if (state === 'leaving') {
      this.finish(call, 'local-hangup', null);
      this.dispatch({ type: 'ended', reason: 'local-hangup' });
    } else if (state === 'in-call') {
      if (reason === 'error') {
        const code: ErrorCode = error?.code ?? 'E_CALL_DROPPED';
        this.finish(call, 'failed', code);
        this.dispatch({ type: 'call-dropped', code });
      } else {
        this.finish(call, reason === 'local-hangup' ? 'local-hangup' : 'remote-hangup', null);
        this.dispatch({ type: 'ended', reason: 'remote-hangup' });
      }
    }
  };

  /** An allow-listed caller was answered: the unit is in a call it did not place. */
  private readonly onInboundEstablished = (info: CallInfo): void => {
    if (this.testCall) return; // the self-test's own echo call, not a caller
    const state = this.machine.snapshot().state;
    if (state !== 'idle' && state !== 'failed') return;
    const now = this.deps.clock.now();
    this.current = { id: randomUUID(), roomUri: info.target, source: 'inbound', meetingId: null, startedAt: now, establishedAt: now, info };
    this.dispatch({ type: 'join-requested', room: { uri: info.target } });
    this.dispatch({ type: 'established' });
  };

  private readonly onInboundRefused = (from: string): void => {
    this.deps.store.appendEvent('inbound-refused', { code: 'E_INBOUND_REFUSED', from: redactUri(from) });
  };

  private readonly onRegistration = (state: RegistrationState, error?: ApplianceError): void => {
    this.deps.store.appendEvent('registration', { state, ...(error ? { code: error.code } : {}) });
  };

  private armLeaveTimeout(): void {
    this.leaveTimer?.cancel();
    this.leaveTimer = this.deps.clock.setTimeout(() => {
      this.leaveTimer = null;
      const call = this.current;
      if (this.machine.snapshot().state !== 'leaving') return;
      this.log.warn('far end did not confirm the hang-up in time; ending locally');
      void this.deps.engine.release();
      if (call) this.finish(call, call.establishedAt === null ? 'cancelled' : 'local-hangup', 'E_SIP_TIMEOUT');
      this.dispatch({ type: 'ended', reason: call?.establishedAt === null ? 'cancelled' : 'local-hangup', code: 'E_SIP_TIMEOUT' });
    }, this.deps.leaveTimeoutMs ?? 5_000);
  }

  private finish(call: CallInProgress, endReason: CallRecord['endReason'], errorCode: string | null): void {
    if (this.current !== call) return;
    this.current = null;
    const stats = this.deps.engine.stats();
    try {
      this.deps.store.recordCall({
        id: call.id, roomUri: call.roomUri, source: call.source, meetingId: call.meetingId,
        startedAt: call.startedAt, establishedAt: call.establishedAt, endedAt: this.deps.clock.now(),
        endReason, errorCode,
        audioCodec: call.info?.audioCodec ?? null, videoCodec: call.info?.videoCodec ?? null,
        packetsLost: stats.audio?.packetsLost ?? null, jitterMs: stats.audio?.jitterMs ?? null,
      });
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'could not record the call');
    }
  }

  private dispatch(event: CallEvent): CallSnapshot {
    return this.machine.dispatch(event, this.deps.clock.now());
  }

  private onTransition(t: TransitionRecord): void {
    this.log.info({ from: t.from, to: t.to, event: t.event.type, seq: t.seq, ...(t.snapshot.failure ? { code: t.snapshot.failure.code } : {}) }, `${t.from} -> ${t.to}`);
    try {
      this.deps.store.appendEvent('state', { from: t.from, to: t.to, event: t.event.type, ...(t.snapshot.failure ? { code: t.snapshot.failure.code } : {}) }, t.atMs);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'could not append to the event log');
    }
    if (t.to !== 'leaving') { this.leaveTimer?.cancel(); this.leaveTimer = null; }
    if ((t.from === 'in-call' || t.from === 'leaving') && t.to !== 'in-call') this.commitControls(controlsAfterCall(this.currentControls));
    if (t.to === 'failed') {
      this.failureTimer?.cancel();
      this.failureTimer = this.deps.clock.setTimeout(() => {
        this.failureTimer = null;
        if (this.machine.snapshot().state === 'failed') this.dispatch({ type: 'failure-cleared' });
      }, this.deps.failureDisplayMs);
    }
    this.render();
  }

  private commitControls(next: Controls): void {
    const prev = this.currentControls;
    if (PERSISTED_CONTROLS.every((k) => prev[k] === next[k]) && prev.micMuted === next.micMuted && prev.cameraPrivate === next.cameraPrivate && prev.speakerMuted === next.speakerMuted) return;
    this.currentControls = next;
    for (const key of PERSISTED_CONTROLS) {
      if (prev[key] === next[key]) continue;
      try {
        this.deps.store.setSetting(`controls.${key}`, next[key]);
      } catch (e) {
        this.log.error({ err: (e as Error).message, key }, 'could not persist a control');
      }
    }
    this.deps.engine.setControls(next);
    this.render();
    this.notifyChange();
  }

  private notifyChange(): void {
    for (const l of this.changeListeners) {
      try { l(); } catch (e) { this.log.error({ err: String(e) }, 'change listener failed'); }
    }
  }

  private render(): void {
    const c = this.currentControls;
    this.deps.light.show(ledPatternFor(this.machine.snapshot().state, { micMuted: c.micMuted, cameraPrivate: c.cameraPrivate, fault: this.activeFaults.size > 0 }));
  }
}
