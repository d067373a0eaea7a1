/** The daemon as its own process (dist/main.js), so a test can SIGKILL it mid-meeting and start it again. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MAIN = resolve(__dirname, '../../dist/main.js');

export interface DaemonConfig {
  dir: string;
  port: number;
  proxyPort: number;
  caPath: string;
  roomUri: string;
  username: string;
  password: string;
}

export class DaemonProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private readonly configPath: string;

  constructor(private readonly c: DaemonConfig) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx tsc -b\` first`);
    this.configPath = join(c.dir, 'config.json');
    writeFileSync(this.configPath, JSON.stringify({
      unit: { id: 'E2E-KILL', name: 'Stue 14 · seng 1', ward: 'G2 Geriatri', room: '14', bed: '1' },
      rooms: { ownRoomUri: c.roomUri },
      sip: {
        transport: 'tls', proxy: { host: '127.0.0.1', port: c.proxyPort },
        account: { username: c.username, password: c.password, domain: 'localhost' },
        trustedCaFile: c.caPath, tlsServerName: 'localhost', connectTimeoutSeconds: 3,
      },
      media: { video: { enabled: false, display: 'counter' } },
      hardware: { mode: 'sim' },
      server: { host: '127.0.0.1', port: c.port },
      store: { path: join(c.dir, 'unit.db') },
      log: { level: 'warn' },
    }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.c.port}/`;
  }

  /** Starts the process and waits until /status answers with a registered unit. */
  async start(timeoutMs = 15_000): Promise<void> {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, APPLIANCE_CONFIG: this.configPath, UV_THREADPOOL_SIZE: '16' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d) => { this.output += String(d); });
    child.stderr?.on('data', (d) => { this.output += String(d); });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${this.output.slice(-2000)}`);
      const s = await this.status().catch(() => null);
      if (s?.registration === 'registered') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`daemon did not register within ${timeoutMs} ms: ${this.output.slice(-2000)}`);
  }

  async status(): Promise<{ call: { state: string }; registration: string }> {
    const res = await fetch(`${this.url}status`);
    return res.json() as Promise<{ call: { state: string }; registration: string }>;
  }

  /** SIGKILL: no BYE, no cleanup, as when the process crashes. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  }
}
