/** A real unit (sim hardware, real SIP and GStreamer) with its touch panel server, for browser tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { validateConfig } from '../../src/config/validate.js';
import type { CallState } from '../../src/core/call-state.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { build, DEFAULT_UI_DIR } from '../../src/server/build.js';
import { createUnit, type Unit } from '../../src/unit.js';

export interface PanelUnitOptions {
  proxyPort: number;
  caPath: string;
  roomUri: string;
  username: string;
  password: string;
  video?: boolean;
  /** IT support's room (sip.supportUri). */
  supportUri?: string;
}

export class PanelUnit {
  readonly unit: Unit;
  readonly dir: string;
  private readonly logger: Logger;
  private panel: FastifyInstance | null = null;
  port = 0;

  constructor(o: PanelUnitOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'panel-'));
    const config = validateConfig({
      unit: { id: 'E2E-0001', name: 'Stue 12 · seng 3', ward: 'G2 Geriatri', room: '12', bed: '3' },
      rooms: { ownRoomUri: o.roomUri },
      sip: {
        transport: 'tls', proxy: { host: '127.0.0.1', port: o.proxyPort },
        account: { username: o.username, password: o.password, domain: 'localhost' },
        trustedCaFile: o.caPath, tlsServerName: 'localhost', connectTimeoutSeconds: 3,
        ...(o.supportUri ? { supportUri: o.supportUri } : {}),
      },
      media: { video: { enabled: o.video ?? false, display: 'counter', width: 320, height: 240, framerate: 15 }, simOutputDir: this.dir },
      hardware: { mode: 'sim' },
      server: { host: '127.0.0.1', port: 0 },
      store: { path: join(this.dir, 'unit.db') },
      // Long enough to look at the failure screen, screenshot it and run axe on it.
      ui: { failureDisplaySeconds: 120 },
    });
    this.logger = createLogger({ level: 'warn' }, new Writable({ write(_c, _e, cb) { cb(); } }));
    this.unit = createUnit(config, this.logger);
  }

  /** The panel server as the daemon should build it: with signaling (registration pushes) and the unit's identity. */
  async servePanel(port = 0): Promise<string> {
    const c = this.unit.config;
    this.panel = build({
      controller: this.unit.controller, signaling: this.unit.signaling, selfTest: this.unit.selfTest, logger: this.logger, uiDir: DEFAULT_UI_DIR,
      unit: { id: c.unit.id, name: c.unit.name, ward: c.unit.ward, room: c.unit.room, bed: c.unit.bed, ownRoomUri: c.rooms.ownRoomUri },
    });
    await this.panel.listen({ host: '127.0.0.1', port });
    const addr = this.panel.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Stops the panel server only (the daemon restarting, as the browser sees it). */
  async stopPanel(): Promise<void> {
    await this.panel?.close();
    this.panel = null;
  }

  waitForState(state: CallState, timeoutMs = 10_000): Promise<void> {
    const machine = this.unit.controller.machine;
    return new Promise((resolve, reject) => {
      if (machine.snapshot().state === state) { resolve(); return; }
      const timer = setTimeout(() => { off(); reject(new Error(`state ${state} not reached; now ${machine.snapshot().state}`)); }, timeoutMs);
      const off = machine.onTransition((t) => { if (t.to === state) { clearTimeout(timer); off(); resolve(); } });
    });
  }

  async cleanup(): Promise<void> {
    await this.stopPanel();
    await this.unit.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
