/**
 * Runs kamailio (Debian 12, 5.6) in the foreground on 127.0.0.1 with a generated config
 * (kamailio-config.ts) in a private temp dir. Used by integration tests and the demo room.
 *
 * kamailio -DD -E: no fork into the background, logs to stderr (collected; see `log()`).
 * -Y: private runtime dir (no /run/kamailio needed). -m 64 -M 8: small shared/private memory.
 * Running as root is fine for tests (kamailio only warns).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kamailioConfig } from './kamailio-config.js';
import type { KamailioReply, KamailioUser } from './kamailio-config.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, LOOPBACK, waitForTcpPort } from './ports.js';

export interface KamailioOptions {
  /** SIP domain and digest realm, default `localhost` (matches the test PKI's SAN). */
  domain?: string;
  users: readonly KamailioUser[];
  /** TLS certificate and key kamailio presents: the test PKI's `server`, or an untrusted one. */
  certificatePath: string;
  privateKeyPath: string;
  /** Ports on 127.0.0.1; free ones are chosen when omitted. */
  sipPort?: number;
  tlsPort?: number;
  /** Also serve SIP over secure WebSocket (RFC 7118); a free port when true. */
  wss?: boolean | number;
  replyUsers?: Readonly<Record<string, KamailioReply>>;
  debugLevel?: number;
  inviteTimeoutMs?: number;
  /** Milliseconds to wait for the ports to accept connections (default 10 s). */
  startTimeoutMs?: number;
}

export class Kamailio {
  readonly domain: string;
  private dir: string | null = null;
  private proc: ManagedProcess | null = null;
  private ports: { sip: number; tls: number; wss: number | undefined } | null = null;

  constructor(private readonly options: KamailioOptions) {
    this.domain = options.domain ?? 'localhost';
  }

  /** UDP + TCP port (for baresip). */
  get sipPort(): number {
    return this.requirePorts().sip;
  }

  /** TLS port (for the unit). */
  get tlsPort(): number {
    return this.requirePorts().tls;
  }

  /** Secure WebSocket port (only with the `wss` option). */
  get wssPort(): number {
    const wss = this.requirePorts().wss;
    if (wss === undefined) throw new Error('kamailio started without wss');
    return wss;
  }

  get host(): string {
    return LOOPBACK;
  }

  /** Writes the config, starts kamailio and waits until its TCP and TLS ports accept connections. */
  async start(): Promise<void> {
    if (this.proc) throw new Error('kamailio already started');
    const sip = this.options.sipPort ?? (await freePort({ udp: true }));
    const tls = this.options.tlsPort ?? (await freePort());
    const wssOption = this.options.wss;
    const wss = typeof wssOption === 'number' ? wssOption : wssOption ? await freePort() : undefined;
    this.ports = { sip, tls, wss };
    this.dir = await mkdtemp(path.join(tmpdir(), 'test-kamailio-'));
    const cfgPath = path.join(this.dir, 'kamailio.cfg');
    const runDir = path.join(this.dir, 'run');
    await writeFile(
      cfgPath,
      kamailioConfig({
        domain: this.domain,
        sipPort: sip,
        tlsPort: tls,
        ...(wss !== undefined ? { wssPort: wss } : {}),
        certificatePath: this.options.certificatePath,
        privateKeyPath: this.options.privateKeyPath,
        users: this.options.users,
        ...(this.options.replyUsers ? { replyUsers: this.options.replyUsers } : {}),
        ...(this.options.debugLevel !== undefined ? { debugLevel: this.options.debugLevel } : {}),
        ...(this.options.inviteTimeoutMs !== undefined ? { inviteTimeoutMs: this.options.inviteTimeoutMs } : {}),
      }),
    );
    await mkdir(runDir);
    this.proc = new ManagedProcess('kamailio', 'kamailio', [
      '-f', cfgPath, '-DD', '-E', '-Y', runDir, '-P', path.join(runDir, 'kamailio.pid'), '-m', '64', '-M', '8',
    ], { signalOnTestExit: 'SIGTERM' });
    this.proc.start();
    const timeout = this.options.startTimeoutMs ?? 10_000;
    const isDead = () => (this.proc?.exitDescription() ? `${this.proc.exitDescription()}\n${this.proc.tail()}` : null);
    try {
      await waitForTcpPort(tls, timeout, isDead);
      await waitForTcpPort(sip, timeout, isDead);
      if (wss !== undefined) await waitForTcpPort(wss, timeout, isDead);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Kills kamailio (SIGTERM, then SIGKILL), waits for it, removes the temp dir. Safe twice. */
  async stop(): Promise<void> {
    await this.proc?.stop(3000);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** Everything kamailio printed (its log), for debugging failed tests. */
  log(): string {
    return this.proc?.log() ?? '';
  }

  /** Waits for a log line matching `pattern` printed after `fromIndex` (use `log().length`). */
  waitForLog(pattern: RegExp, timeoutMs = 5000, fromIndex = 0): Promise<RegExpMatchArray> {
    if (!this.proc) throw new Error('kamailio not started');
    return this.proc.waitForOutput(pattern, timeoutMs, fromIndex);
  }

  /** `sip:user@domain` */
  aor(user: string): string {
    return `sip:${user}@${this.domain}`;
  }

  private requirePorts(): { sip: number; tls: number; wss: number | undefined } {
    if (!this.ports) throw new Error('kamailio not started');
    return this.ports;
  }
}
