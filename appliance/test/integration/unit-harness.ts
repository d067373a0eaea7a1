/** Builds a real unit (sim hardware, real SIP and GStreamer) against test peers on 127.0.0.1. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { validateConfig } from '../../src/config/validate.js';
import type { CallState } from '../../src/core/call-state.js';
import { createLogger } from '../../src/log/logger.js';
import { createUnit, type Unit } from '../../src/unit.js';

export interface TestUnitOptions {
  proxyPort: number;
  caPath?: string;
  roomUri: string;
  username?: string;
  password?: string;
  noAnswerTimeoutSeconds?: number;
  allowInboundFrom?: string[];
  video?: boolean;
  toneHz?: number;
  keepaliveIntervalSeconds?: number;
  /** The bedside pod's I/O board on this tty (e.g. a SimavrBoard's pty). */
  ioBoardPath?: string;
  /** Signaling transport (default tls); wss also selects WebRTC media. */
  transport?: 'tls' | 'wss';
  /** media.webrtc settings, e.g. { additionalHostAddresses: ['127.0.0.1'] }. */
  webrtc?: Record<string, unknown>;
  /** sip.echoTestUri: the echo service the self-test calls. */
  echoTestUri?: string;
  /** sim: speaker and microphone in a simulated room on this loopback port (audio tests). */
  simRoomPort?: number;
  /** media.audio.processing overrides (echo cancellation, gain control...). */
  audioProcessing?: Record<string, unknown>;
}

export interface TestUnit {
  unit: Unit;
  dir: string;
  logs: string[];
  waitForState(state: CallState, timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function createTestUnit(o: TestUnitOptions): TestUnit {
  const dir = mkdtempSync(join(tmpdir(), 'unit-'));
  const config = validateConfig({
    unit: { id: 'TEST-0001', name: 'Test bed 1', ward: 'Test ward' },
    rooms: { ownRoomUri: o.roomUri },
    sip: {
      transport: o.transport ?? 'tls',
      proxy: { host: '127.0.0.1', port: o.proxyPort },
      ...(o.username ? { account: { username: o.username, password: o.password ?? '', domain: 'localhost' } } : {}),
      ...(o.caPath ? { trustedCaFile: o.caPath } : {}),
      tlsServerName: 'localhost',
      noAnswerTimeoutSeconds: o.noAnswerTimeoutSeconds ?? 30,
      allowInboundFrom: o.allowInboundFrom ?? [],
      ...(o.echoTestUri ? { echoTestUri: o.echoTestUri } : {}),
      connectTimeoutSeconds: 3,
      ...(o.keepaliveIntervalSeconds ? { keepaliveIntervalSeconds: o.keepaliveIntervalSeconds } : {}),
    },
    media: { audio: { simToneHz: o.toneHz ?? 1000, ...(o.simRoomPort ? { simRoomPort: o.simRoomPort } : {}), ...(o.audioProcessing ? { processing: o.audioProcessing } : {}) }, video: { enabled: o.video ?? true, display: 'counter', width: 320, height: 240, framerate: 15 }, simOutputDir: dir, ...(o.webrtc ? { webrtc: o.webrtc } : {}) },
    hardware: { mode: 'sim', ...(o.ioBoardPath ? { ioBoard: { enabled: true, path: o.ioBoardPath, reconnectInitialMs: 100, reconnectMaxMs: 1000 } } : {}) },
    lab: {},
    server: { host: '127.0.0.1', port: 0 },
    store: { path: join(dir, 'unit.db') },
    log: { level: 'debug' },
    ui: { failureDisplaySeconds: 1 },
  });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } });
  const unit = createUnit(config, createLogger({ level: 'debug' }, sink));
  return {
    unit, dir, logs,
    waitForState(state, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (unit.controller.machine.snapshot().state === state) { resolve(); return; }
        const timer = setTimeout(() => {
          off();
          reject(new Error(`state ${state} not reached in ${timeoutMs} ms; now ${JSON.stringify(unit.controller.machine.snapshot())}`));
        }, timeoutMs);
        const off = unit.controller.machine.onTransition((t) => {
          if (t.to === state) { clearTimeout(timer); off(); resolve(); }
        });
      });
    },
    async cleanup() {
      await unit.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn` returns a truthy value, polling. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
