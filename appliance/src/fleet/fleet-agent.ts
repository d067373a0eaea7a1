import { readFileSync, rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { AppConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { LOOP_GAIN_MAX_DB, LOOP_GAIN_MIN_DB } from '../core/controls.js';
import { ApplianceError, isApplianceError } from '../core/errors.js';
import type { UnitStatus } from '../app/unit-controller.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../ports/store.js';
import { queueReport, loadAgentState, saveAgentState, type AgentState } from './agent-state.js';
import { applySecrets } from './bundle/secret-refs.js';
import { BundleError, type UnitAudio } from './bundle/types.js';
import { decryptSecrets, verifyBundle } from './bundle/verify.js';
import { classifyChanges, type ConfigChanges } from './config-changes.js';
import { ConfigSlots } from './config-slots.js';
import { FleetClient } from './fleet-client.js';
import { buildHeartbeat, type HeartbeatInput } from './heartbeat.js';
import { MeetingOutbox } from './meeting-outbox.js';
import type { ApplyReport } from './protocol.js';
import { loadOrCreateUnitKeys, type UnitKeys } from './unit-keys.js';

/**
 * The unit's fleet agent: enrolls with a one-time token, polls for its signed bundle,
 * verifies and applies it atomically (hot where it can, else a restart), confirms or rolls
 * back, and heartbeats its health and finished meetings. Every refusal is coded and logged
 * without secrets; the last good configuration always stays in place.
 */

export type FleetAgentEvent =
  | { type: 'enrolled' }
  | { type: 'applied'; version: number; changes: ConfigChanges; restart: boolean }
  | { type: 'confirmed'; version: number }
  | { type: 'refused'; version: number | null; code: string; message: string }
  | { type: 'rolled-back'; version: number; code: string; message: string }
  | { type: 'heartbeat'; meetingsSent: number; meetingsAccepted: number }
  | { type: 'error'; code: string; fleetCode?: string; message: string }
  | { type: 'revoked' };

export interface FleetAgentDeps {
  /** The running configuration (its fleet block is the local one, from the unit's own file). */
  config: AppConfig;
  store: Store;
  status: () => UnitStatus;
  logger: Logger;
  softwareVersion: string;
  uptimeSeconds?: () => number;
  /** Applies rooms/audio changes in place; throws when the unit cannot take them. */
  hotApply: (config: AppConfig, audio: UnitAudio | null, changes: ConfigChanges) => void | Promise<void>;
  /** Asks the daemon to restart onto the configuration now in the current slot. */
  requestRestart: (reason: string) => void;
  devices?: () => HeartbeatInput['devices'];
  lastSelfTest?: () => HeartbeatInput['lastSelfTest'];
  client?: FleetClient;
  /** Poll interval while checking a new config's registration. */
  checkPollMs?: number;
}

const ENROLL_RETRY_MIN_MS = 5_000;
const ENROLL_RETRY_MAX_MS = 5 * 60_000;

export class FleetAgent {
  private readonly fleet: AppConfig['fleet'];
  private readonly serial: string;
  private readonly log: Logger;
  private readonly slots: ConfigSlots;
  private readonly outbox: MeetingOutbox;
  private keys: UnitKeys | null = null;
  private state: AgentState | null = null;
  private client: FleetClient | null = null;
  private running: { config: AppConfig; audio: UnitAudio | null };
  private queue: Promise<unknown> = Promise.resolve();
  private timers = new Set<NodeJS.Timeout>();
  private started = false;
  private enrollRetryMs = ENROLL_RETRY_MIN_MS;
  private readonly listeners = new Set<(e: FleetAgentEvent) => void>();

  constructor(private readonly deps: FleetAgentDeps) {
    this.fleet = deps.config.fleet;
    this.serial = deps.config.unit.id;
    this.log = deps.logger;
    this.slots = new ConfigSlots(this.fleet.stateDir);
    this.outbox = new MeetingOutbox(deps.store);
    this.running = { config: deps.config, audio: null };
  }

  onEvent(listener: (e: FleetAgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  get appliedVersion(): number {
    return this.state?.appliedVersion ?? 0;
  }

  get enrolled(): boolean {
    return this.state?.enrollment != null;
  }

  /** IT revoked the unit: the agent sends nothing more and the last good configuration stays. */
  get revoked(): boolean {
    return this.state?.revokedAt !== undefined;
  }

  /** Loads keys and state (I/O) and starts the timers; `timers: false` leaves driving to the caller (tests). */
  async start(opts: { timers?: boolean } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (!this.fleet.serverUrl) throw new ApplianceError('E_CONFIG_INVALID', 'fleet.serverUrl is not set', { field: 'fleet.serverUrl' });
    this.keys = loadOrCreateUnitKeys(this.fleet.stateDir);
    this.state = loadAgentState(this.fleet.stateDir);
    this.running.audio = this.slots.read('current')?.bundle.audio ?? null;
    const base = this.deps.client ?? new FleetClient({
      serverUrl: this.fleet.serverUrl, serial: this.serial, timeoutMs: this.fleet.requestTimeoutSeconds * 1000,
      ...(this.fleet.trustedCaFile ? { trustedCaFile: this.fleet.trustedCaFile } : {}),
    });
    this.client = base.withSigningKey(this.keys.signingKey);
    this.log.info({ enrolled: this.enrolled, appliedVersion: this.state.appliedVersion }, 'fleet agent started');
    if (opts.timers === false) return;
    if (this.state.pending) void this.confirmPending();
    if (this.revoked) {
      this.log.error({ code: 'E_FLEET_REFUSED', fleetCode: 'E_UNIT_REVOKED', revokedAt: this.state.revokedAt }, 'this unit was revoked by IT: no fleet requests; the last good configuration stays');
      return;
    }
    this.schedule(() => this.enrollLoop(), 0);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.queue.catch(() => undefined);
  }

  /** Enrolls once; true when enrolled (now or before). Refusals are coded events, not throws. */
  enroll(): Promise<boolean> {
    return this.serialized(async () => {
      const state = this.need();
      if (state.enrollment) return true;
      if (state.revokedAt) return false;
      const token = this.readToken();
      if (!token) {
        this.emitError(new ApplianceError('E_FLEET_REFUSED', `no enrollment token (fleet.enrollmentToken or ${this.fleet.enrollmentTokenFile})`, { fleetCode: 'E_ENROLL_TOKEN' }));
        return false;
      }
      const keys = this.keys!;
      try {
        const res = await this.client!.enroll({
          serial: this.serial, token, signingKey: keys.signingPublicPem, encryptionKey: keys.encryptionPublicPem,
          softwareVersion: this.deps.softwareVersion.slice(0, 64) || 'unknown',
        });
        state.enrollment = {
          serial: res.serial, fleetPublicKey: res.fleetPublicKey, enrolledAt: new Date().toISOString(),
          heartbeatIntervalSeconds: res.heartbeatIntervalSeconds, pollIntervalSeconds: res.pollIntervalSeconds,
        };
        saveAgentState(this.fleet.stateDir, state);
      } catch (e) {
        this.emitError(e);
        return false;
      }
      // The token is spent: it must not stay on disk.
      rmSync(this.fleet.enrollmentTokenFile, { force: true });
      this.log.info({ serial: this.serial }, 'enrolled with the fleet server');
      this.emit({ type: 'enrolled' });
      return true;
    });
  }

  /** Fetches the bundle (If-None-Match) and applies it if new. */
  poll(): Promise<void> {
    return this.serialized(async () => {
      const state = this.need();
      if (!state.enrollment || state.revokedAt) return;
      await this.flushReports();
      let fetched;
      try {
        fetched = await this.client!.fetchBundle(state.etag);
      } catch (e) {
        this.emitError(e);
        return;
      }
      if (fetched.kind !== 'bundle') return;
      await this.handleBundle(fetched.text, fetched.etag);
    });
  }

  /** One heartbeat: status, device health and the meetings outbox; polls when the server holds a newer bundle. */
  heartbeat(): Promise<void> {
    const newer = this.serialized(async () => {
      const state = this.need();
      if (!state.enrollment || state.revokedAt) return false;
      await this.flushReports();
      const meetings = this.outbox.collect().slice(0, 100);
      const hb = buildHeartbeat({
        status: this.deps.status(), softwareVersion: this.deps.softwareVersion, bundleVersion: state.appliedVersion,
        uptimeSeconds: this.deps.uptimeSeconds?.() ?? process.uptime(), meetings,
        ...(this.deps.devices ? { devices: this.deps.devices() } : {}),
        ...(this.deps.lastSelfTest ? { lastSelfTest: this.deps.lastSelfTest() } : {}),
      });
      try {
        const res = await this.client!.heartbeat(hb);
        this.outbox.acknowledge(res.acceptedMeetings);
        this.emit({ type: 'heartbeat', meetingsSent: meetings.length, meetingsAccepted: res.acceptedMeetings.length });
        return res.bundleVersion > state.appliedVersion && res.bundleVersion !== state.refusedVersion;
      } catch (e) {
        this.emitError(e);
        return false;
      }
    });
    return newer.then((n) => (n ? this.poll() : undefined));
  }

  /**
   * After a restart onto a new config: it must register within fleet.registrationCheckSeconds
   * (when it has a SIP account), else the previous config is restored and the daemon restarts.
   */
  confirmPending(): Promise<void> {
    return this.serialized(async () => {
      const state = this.need();
      const pending = state.pending;
      if (!pending) return;
      const failure = await this.registrationCheck();
      if (failure === null) {
        state.pending = null;
        queueReport(state, { version: pending.version, outcome: 'applied' });
        saveAgentState(this.fleet.stateDir, state);
        this.log.info({ version: pending.version }, 'new configuration confirmed');
        this.emit({ type: 'confirmed', version: pending.version });
        await this.applyAudioAfterRestart();
      } else {
        this.slots.rollBack();
        state.appliedVersion = pending.previousVersion;
        state.refusedVersion = Math.max(state.refusedVersion, pending.version);
        state.pending = null;
        const message = `version ${pending.version} failed its checks: ${failure.message}`;
        queueReport(state, { version: pending.version, outcome: 'rolled-back', code: failure.code, message: message.slice(0, 500) });
        saveAgentState(this.fleet.stateDir, state);
        this.log.error({ code: 'E_BUNDLE_ROLLED_BACK', cause: failure.code, version: pending.version, restoredVersion: pending.previousVersion }, 'new configuration rolled back');
        this.emit({ type: 'rolled-back', version: pending.version, code: failure.code, message });
        this.deps.requestRestart(`configuration ${pending.version} rolled back to ${pending.previousVersion}`);
      }
      await this.flushReports();
    });
  }

  /**
   * A bundle that needed a restart may also carry new speaker and loop settings; they live
   * in the controls (persisted in the store), not in the config the daemon booted with, so
   * they are set here once the new config is confirmed. Only when they differ from the
   * previous bundle's: a volume the nurse changed at the bedside is not reset by a restart.
   */
  private async applyAudioAfterRestart(): Promise<void> {
    const current = this.slots.read('current');
    if (!current) return;
    if (isDeepStrictEqual(current.bundle.audio, this.slots.read('previous')?.bundle.audio)) return;
    try {
      checkAudio(current.bundle.audio);
      await this.deps.hotApply(this.running.config, current.bundle.audio, { changed: ['audio'], hot: ['audio'], restart: [] });
      this.running.audio = current.bundle.audio;
    } catch (e) {
      this.log.error({ code: isApplianceError(e) ? e.code : 'E_CONTROL_INVALID', version: current.version, err: (e as Error).message }, 'the bundle\'s audio settings could not be applied');
    }
  }

  private async registrationCheck(): Promise<{ code: string; message: string } | null> {
    if (!this.running.config.sip.account) return null;
    const deadline = Date.now() + this.fleet.registrationCheckSeconds * 1000;
    const step = this.deps.checkPollMs ?? 250;
    while (Date.now() < deadline) {
      if (this.deps.status().registration === 'registered') return null;
      await new Promise((r) => setTimeout(r, step));
    }
    const last = this.deps.status().registration;
    return { code: 'E_REGISTRATION_FAILED', message: `SIP registration ${last} after ${this.fleet.registrationCheckSeconds} s` };
  }

  private async handleBundle(text: string, etag: string | null): Promise<void> {
    const state = this.need();
    const enrollment = state.enrollment!;
    const verified = verifyBundle(text, { fleetPublicKey: enrollment.fleetPublicKey, unitSerial: this.serial, lastAppliedVersion: state.appliedVersion });
    // Only a bundle that verified may mark its version refused: a forged one must not block the real one.
    if (!verified.ok) return this.refuse(versionIn(text), verified.code, verified.message, etag, false);
    const { bundle, version } = verified;
    if (version === state.refusedVersion) { state.etag = etag; saveAgentState(this.fleet.stateDir, state); return; }
    let next: AppConfig;
    try {
      const secrets = decryptSecrets(bundle, this.keys!.encryptionKey);
      const filled = applySecrets(verified.config, secrets);
      next = validateConfig({ ...filled, fleet: structuredClone(this.running.config.fleet) });
      checkAudio(bundle.audio);
    } catch (e) {
      if (e instanceof BundleError) return this.refuse(version, e.code, e.message, etag, true);
      if (isApplianceError(e)) return this.refuse(version, e.code, e.message, etag, true);
      throw e;
    }
    const changes = classifyChanges(this.running.config, next, this.running.audio, bundle.audio);
    const previous = { config: this.running.config, audio: this.running.audio };
    this.slots.install({ version, bundle, config: next as unknown as Record<string, unknown> });
    const restart = changes.restart.length > 0;
    if (restart) {
      state.pending = { version, previousVersion: state.appliedVersion, boots: 0 };
      state.appliedVersion = version;
      state.etag = etag;
      saveAgentState(this.fleet.stateDir, state);
      this.log.info({ version, changed: changes.changed, restart: changes.restart }, 'new configuration installed; restart needed');
      this.emit({ type: 'applied', version, changes, restart });
      this.deps.requestRestart(`configuration ${version} changes ${changes.restart.join(', ')}`);
      return;
    }
    try {
      if (changes.hot.length > 0) await this.deps.hotApply(next, changes.hot.includes('audio') ? bundle.audio : null, changes);
    } catch (e) {
      this.slots.rollBack();
      try { await this.deps.hotApply(previous.config, previous.audio, changes); } catch { /* the restart below restores it */ }
      const code = isApplianceError(e) ? e.code : 'E_BUNDLE_ROLLED_BACK';
      const message = `version ${version} could not be applied: ${(e as Error).message}`;
      state.refusedVersion = Math.max(state.refusedVersion, version);
      state.etag = etag;
      queueReport(state, { version, outcome: 'rolled-back', code, message: message.slice(0, 500) });
      saveAgentState(this.fleet.stateDir, state);
      this.log.error({ code: 'E_BUNDLE_ROLLED_BACK', cause: code, version }, 'new configuration rolled back');
      this.emit({ type: 'rolled-back', version, code, message });
      await this.flushReports();
      return;
    }
    this.running = { config: next, audio: bundle.audio };
    state.appliedVersion = version;
    state.etag = etag;
    queueReport(state, { version, outcome: 'applied' });
    saveAgentState(this.fleet.stateDir, state);
    this.log.info({ version, changed: changes.changed }, 'new configuration applied in place');
    this.emit({ type: 'applied', version, changes, restart });
    await this.flushReports();
  }

  private async refuse(version: number | null, code: string, message: string, etag: string | null, authentic: boolean): Promise<void> {
    const state = this.need();
    // The message never holds secret values: verify/validate messages name fields and versions only.
    this.log.warn({ code: 'E_BUNDLE_REFUSED', reason: code, version, appliedVersion: state.appliedVersion }, `bundle refused: ${message}`);
    state.etag = etag;
    if (version !== null && version >= 1) {
      if (authentic && version > state.appliedVersion) state.refusedVersion = Math.max(state.refusedVersion, version);
      queueReport(state, { version, outcome: 'refused', code: /^E_[A-Z0-9_]+$/.test(code) ? code : 'E_BUNDLE_REFUSED', message: message.slice(0, 500) });
    }
    saveAgentState(this.fleet.stateDir, state);
    this.emit({ type: 'refused', version, code, message });
    await this.flushReports();
  }

  private async flushReports(): Promise<void> {
    const state = this.need();
    while (state.reports.length > 0 && !state.revokedAt) {
      const report: ApplyReport = state.reports[0]!;
      try {
        await this.client!.applyReport(report);
      } catch (e) {
        this.emitError(e);
        return;
      }
      state.reports.shift();
      saveAgentState(this.fleet.stateDir, state);
    }
  }

  private readToken(): string | null {
    if (this.fleet.enrollmentToken) return this.fleet.enrollmentToken;
    try {
      const t = readFileSync(this.fleet.enrollmentTokenFile, 'utf8').trim();
      return t.length > 0 ? t : null;
    } catch {
      return null;
    }
  }

  private async enrollLoop(): Promise<void> {
    if (!this.started) return;
    if (await this.enroll()) {
      const e = this.need().enrollment!;
      this.every(() => this.heartbeat(), e.heartbeatIntervalSeconds * 1000, 0);
      this.every(() => this.poll(), e.pollIntervalSeconds * 1000, 0);
      return;
    }
    this.schedule(() => this.enrollLoop(), this.enrollRetryMs);
    this.enrollRetryMs = Math.min(ENROLL_RETRY_MAX_MS, this.enrollRetryMs * 2);
  }

  private every(fn: () => Promise<void>, ms: number, firstMs: number): void {
    const run = async () => {
      if (!this.started) return;
      await fn().catch((e: unknown) => this.emitError(e));
      this.schedule(run, ms);
    };
    this.schedule(run, firstMs);
  }

  private schedule(fn: () => Promise<void> | void, ms: number): void {
    if (!this.started || this.revoked) return;
    const t = setTimeout(() => { this.timers.delete(t); void fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private need(): AgentState {
    if (!this.state) throw new ApplianceError('E_FLEET_STATE', 'the fleet agent is not started');
    return this.state;
  }

  private emitError(e: unknown): void {
    const err = isApplianceError(e) ? e : new ApplianceError('E_FLEET_UNREACHABLE', String(e));
    const fleetCode = typeof err.detail.fleetCode === 'string' ? err.detail.fleetCode : undefined;
    this.log.warn({ code: err.code, ...(fleetCode ? { fleetCode } : {}) }, `fleet: ${err.message}`);
    this.emit({ type: 'error', code: err.code, ...(fleetCode ? { fleetCode } : {}), message: err.message });
    if (fleetCode === 'E_UNIT_REVOKED') this.markRevoked();
  }

  /** Revocation is final on the server (the serial never enrolls again): stop asking, keep the config. */
  private markRevoked(): void {
    const state = this.state;
    if (!state || state.revokedAt) return;
    state.revokedAt = new Date().toISOString();
    saveAgentState(this.fleet.stateDir, state);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.log.error({ code: 'E_FLEET_REFUSED', fleetCode: 'E_UNIT_REVOKED', appliedVersion: state.appliedVersion }, 'this unit was revoked by IT: fleet requests stop; the last good configuration stays');
    this.emit({ type: 'revoked' });
  }

  private emit(e: FleetAgentEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch (err) { this.log.error({ err: String(err) }, 'fleet event listener failed'); }
    }
  }
}

/** The version a refused bundle claims, for the report (it is not trusted for anything else). */
function versionIn(text: string): number | null {
  try {
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : null;
  } catch {
    return null;
  }
}

function checkAudio(audio: UnitAudio): void {
  const g = audio.loop.gainDb;
  if (g < LOOP_GAIN_MIN_DB || g > LOOP_GAIN_MAX_DB) {
    throw new ApplianceError('E_CONTROL_INVALID', `audio.loop.gainDb ${g} is outside ${LOOP_GAIN_MIN_DB}..${LOOP_GAIN_MAX_DB} dB`, { field: 'audio.loop.gainDb' });
  }
}
