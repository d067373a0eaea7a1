/**
 * Runs baresip 1.0.0 (Debian 12) as a far end for tests and the demo room: registered over
 * TCP to a registrar on 127.0.0.1, sending a tone and a fake video picture, recording the
 * audio it sends and receives, controlled and watched through ctrl_tcp (baresip-ctrl.ts).
 *
 * Modes (how it treats incoming calls):
 * - `auto`:      answers at once (account answermode=auto).
 * - `busy`:      rejects with 486: manual answer mode, and on CALL_INCOMING we send the
 *                `hangup` command, which baresip turns into "486 Rejected" for a call that
 *                was never answered (call_hangup() in baresip 1.0 uses 486 when no code is given).
 * - `no-answer`: rings (180) forever: manual answer mode and nobody answers.
 * - `echo`:      answers and loops the caller's audio and video back (echo module).
 *
 * Quirks (baresip 1.0.0):
 * - The config dir must hold `config` and `accounts`; baresip writes `uuid` (and
 *   `current_contact`, `contacts`) next to them.
 * - SIGTERM makes baresip unregister and exit cleanly (WAV headers get patched on call close,
 *   which happens before exit); it is killed after a grace period if that hangs.
 * - Registration success is not reliably seen as a REGISTER_OK event (it can happen before
 *   ctrl_tcp is connected), so start() polls the `reginfo` command instead.
 * - `video_debug` reports `vidisp: <display> WxH frames=N`: N counts frames that were decoded
 *   and handed to the display, i.e. video really received (0 when the far end sends none).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { baresipAccountLine, baresipConfig } from './baresip-config.js';
import type { MediaEncryption } from './baresip-config.js';
import { BaresipControl, stripAnsi } from './baresip-ctrl.js';
import type { BaresipEvent, BaresipResponse } from './baresip-ctrl.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitForTcpPort } from './ports.js';

export type { BaresipEvent, BaresipResponse } from './baresip-ctrl.js';

export type BaresipMode = 'auto' | 'busy' | 'no-answer' | 'echo';

export interface BaresipOptions {
  /** Label used in logs and error messages (default: the username). */
  name?: string;
  username: string;
  password: string;
  /** SIP domain of the account, e.g. `kamailio.domain`. */
  domain: string;
  /** Registrar/proxy TCP port on 127.0.0.1, e.g. `kamailio.sipPort`. */
  proxyPort: number;
  mode?: BaresipMode;
  /** Tone it sends, Hz (default 700). */
  toneHz?: number;
  /** Default `srtp-mand`; `none` offers and accepts plain RTP only. */
  mediaEncryption?: MediaEncryption;
  /** Send and receive VP8 video (default true). */
  video?: boolean;
  /** Register at start (default true). Without registration it can still dial out. */
  register?: boolean;
  /** Extra baresip flags for debugging: `-s` SIP trace, `-v` verbose. */
  sipTrace?: boolean;
  verbose?: boolean;
  startTimeoutMs?: number;
}

export interface VideoStats {
  /** Frames baresip decoded and handed to its display: video actually received. */
  framesReceived: number;
  /** Frames taken from the video source for sending. */
  framesSent: number;
  /** The video stream is protected by SRTP and keys are in place. */
  secure: boolean;
  /** Media encryption in use (`srtp-mand`, ...) or null. */
  encryption: string | null;
}

export interface AudioStats {
  secure: boolean;
  encryption: string | null;
}

export interface Recordings {
  /** WAV dumps of the audio it sent, oldest call first. */
  sent: string[];
  /** WAV dumps of the audio it received, oldest call first. */
  received: string[];
}

export class Baresip {
  readonly name: string;
  readonly aor: string;
  private dir: string | null = null;
  private proc: ManagedProcess | null = null;
  private ctrl: BaresipControl | null = null;
  private readonly eventLog: BaresipEvent[] = [];
  private readonly eventListeners = new Set<(e: BaresipEvent) => void>();
  private currentMode: BaresipMode;

  constructor(private readonly options: BaresipOptions) {
    this.name = options.name ?? options.username;
    this.aor = `sip:${options.username}@${options.domain}`;
    this.currentMode = options.mode ?? 'auto';
  }

  get mode(): BaresipMode {
    return this.currentMode;
  }

  /**
   * Switches between `auto`, `busy` and `no-answer` while running (baresip's `answermode`
   * command). `echo` is fixed at start, as it changes the media sources.
   */
  async setMode(mode: Exclude<BaresipMode, 'echo'>): Promise<void> {
    if (this.currentMode === 'echo') throw new Error(`baresip ${this.name}: echo mode cannot be changed`);
    const r = await this.command('answermode', mode === 'auto' ? 'auto' : 'manual');
    if (!r.ok) throw new Error(`baresip ${this.name}: answermode failed: ${r.data}`);
    this.currentMode = mode;
  }

  /** Folder the sndfile WAV dumps go to. */
  get recordingsDir(): string {
    if (!this.dir) throw new Error(`baresip ${this.name} not started`);
    return path.join(this.dir, 'recordings');
  }

  /** Writes the config dir, starts baresip, connects ctrl_tcp and waits until registered. */
  async start(): Promise<void> {
    if (this.proc) throw new Error(`baresip ${this.name} already started`);
    const o = this.options;
    const sipPort = await freePort({ udp: true, count: 2 }); // UDP+TCP on sipPort, TLS on sipPort+1
    const ctrlPort = await freePort();
    this.dir = await mkdtemp(path.join(tmpdir(), `test-baresip-${this.name}-`));
    await mkdir(this.recordingsDir);
    const mode = this.mode;
    await writeFile(
      path.join(this.dir, 'config'),
      baresipConfig({
        sipPort,
        ctrlPort,
        recordingsDir: this.recordingsDir,
        echo: mode === 'echo',
        ...(o.toneHz !== undefined ? { toneHz: o.toneHz } : {}),
        ...(o.video !== undefined ? { video: o.video } : {}),
        ...(o.mediaEncryption === 'dtls_srtp' ? { webrtc: true } : {}),
      }),
    );
    await writeFile(
      path.join(this.dir, 'accounts'),
      baresipAccountLine({
        username: o.username,
        password: o.password,
        domain: o.domain,
        proxyPort: o.proxyPort,
        answerMode: mode === 'auto' ? 'auto' : 'manual',
        registerInterval: o.register === false ? 0 : 600,
        ...(o.mediaEncryption ? { mediaEncryption: o.mediaEncryption } : {}),
      }),
    );
    const args = ['-f', this.dir];
    if (o.sipTrace) args.push('-s');
    if (o.verbose) args.push('-v');
    this.proc = new ManagedProcess(`baresip ${this.name}`, 'baresip', args, { cwd: this.dir });
    this.proc.start();

    const timeout = o.startTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeout;
    const isDead = () => (this.proc?.exitDescription() ? `${this.proc.exitDescription()}\n${this.proc.tail()}` : null);
    try {
      await waitForTcpPort(ctrlPort, timeout, isDead);
      this.ctrl = new BaresipControl(ctrlPort);
      this.ctrl.onEvent((e) => this.handleEvent(e));
      await this.ctrl.connect();
      if (o.register !== false) await this.waitRegistered(deadline, isDead);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops baresip (SIGTERM, SIGKILL after 3 s) and removes its temp dir unless `keepFiles`. Safe twice. */
  async stop(options: { keepFiles?: boolean } = {}): Promise<void> {
    this.ctrl?.close();
    this.ctrl = null;
    await this.proc?.stop(3000);
    if (this.dir && !options.keepFiles) {
      await rm(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
  }

  /** Runs a baresip command over ctrl_tcp; the response's `data` has ANSI codes removed. */
  async command(command: string, params?: string, timeoutMs?: number): Promise<BaresipResponse> {
    if (!this.ctrl) throw new Error(`baresip ${this.name} not started`);
    const r = await this.ctrl.command(command, params, timeoutMs);
    return { ok: r.ok, data: stripAnsi(r.data) };
  }

  /** Places a call; resolves when baresip accepted the command (use waitForEvent for progress). */
  async dial(uri: string): Promise<void> {
    const r = await this.command('dial', uri);
    if (!r.ok) throw new Error(`baresip ${this.name}: dial ${uri} failed: ${r.data}`);
  }

  /** Hangs up the current call (or rejects an unanswered incoming call with 486). */
  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /** Answers the current incoming call (modes `no-answer`). */
  async answer(): Promise<void> {
    await this.command('accept');
  }

  /** All events received so far (since start). */
  events(): readonly BaresipEvent[] {
    return this.eventLog;
  }

  onEvent(listener: (e: BaresipEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * The first event matching `match` (an event type such as `CALL_ESTABLISHED`, or a predicate)
   * among those received from index `since` on (default 0: all since start; pass
   * `events().length` taken before an action to only see what follows it).
   */
  waitForEvent(
    match: string | ((e: BaresipEvent) => boolean),
    options: { timeoutMs?: number; since?: number } = {},
  ): Promise<BaresipEvent> {
    const pred = typeof match === 'string' ? (e: BaresipEvent) => e.type === match : match;
    const found = this.eventLog.slice(options.since ?? 0).find(pred);
    if (found) return Promise.resolve(found);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        const seen = this.eventLog.map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ');
        reject(new Error(`baresip ${this.name}: no matching event in ${timeoutMs} ms; events: ${seen}\n${this.proc?.tail() ?? ''}`));
      }, timeoutMs);
      const unsubscribe = this.onEvent((e) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(e);
      });
    });
  }

  /**
   * WAV dumps written by sndfile, one sent/received pair per call. Files are named by the
   * second the call's audio started: a second call within the same second overwrites them.
   */
  async recordings(): Promise<Recordings> {
    const files = (await readdir(this.recordingsDir)).sort();
    const full = (f: string) => path.join(this.recordingsDir, f);
    return {
      sent: files.filter((f) => f.endsWith('-enc.wav')).map(full),
      received: files.filter((f) => f.endsWith('-dec.wav')).map(full),
    };
  }

  /** Video counters of the current call, or null when there is no call (or no video stream). */
  async videoStats(): Promise<VideoStats | null> {
    const r = await this.command('video_debug');
    if (!r.ok || !r.data.includes('--- Video stream ---')) return null;
    const received = /vidisp: .*frames=(\d+)/.exec(r.data);
    const sent = /source: .*frames=(\d+)/.exec(r.data);
    const menc = parseMenc(r.data);
    return {
      framesReceived: received ? Number(received[1]) : 0,
      framesSent: sent ? Number(sent[1]) : 0,
      ...menc,
    };
  }

  /** Media encryption state of the audio stream of the current call, or null without a call. */
  async audioStats(): Promise<AudioStats | null> {
    const r = await this.command('audio_debug');
    if (!r.ok || !r.data.includes('menc:')) return null;
    return parseMenc(r.data);
  }

  /** Everything baresip printed, for debugging failed tests. */
  log(): string {
    return this.proc?.log() ?? '';
  }

  private handleEvent(e: BaresipEvent): void {
    this.eventLog.push(e);
    if (e.type === 'CALL_INCOMING' && this.mode === 'busy') {
      this.command('hangup').catch(() => undefined);
    }
    for (const listener of this.eventListeners) listener(e);
  }

  private async waitRegistered(deadline: number, isDead: () => string | null): Promise<void> {
    let last = '';
    while (Date.now() < deadline) {
      const dead = isDead();
      if (dead) throw new Error(dead);
      last = (await this.command('reginfo')).data;
      if (/\bOK\b/.test(last)) return;
      const failed = this.eventLog.find((e) => e.type === 'REGISTER_FAIL');
      if (failed) throw new Error(`baresip ${this.name} registration failed: ${failed.param ?? ''}\n${this.proc?.tail() ?? ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`baresip ${this.name} did not register: ${last.trim()}\n${this.proc?.tail() ?? ''}`);
  }
}

function parseMenc(text: string): { secure: boolean; encryption: string | null } {
  const m = /menc: (\S+) \(secure=(yes|no)\)/.exec(text);
  if (!m) return { secure: false, encryption: null };
  return { secure: m[2] === 'yes', encryption: m[1] === '(none)' ? null : (m[1] ?? null) };
}
