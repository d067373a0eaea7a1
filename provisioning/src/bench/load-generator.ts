import { Agent, request } from 'node:http';
import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { signingString, type Heartbeat } from '../../../appliance/src/fleet/protocol.js';

/**
 * Open-loop load on loopback: every simulated unit sends a signed heartbeat once per
 * interval, the units spread evenly over it, so the offered rate is units / interval no
 * matter how the server keeps up. Latency counts from the moment a request was due, so a
 * server falling behind shows in the figures (no coordinated omission).
 */
export interface SimulatedUnit { serial: string; signingKey: KeyObject }

export interface LoadResult {
  requests: number;
  errors: number;
  /** Completed requests per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCounts: Record<string, number>;
  /**
   * Open loop: p99 of each 5 s window, by when requests were due. On a machine shared with
   * other work, a burst elsewhere shows as one bad window rather than hiding in one figure.
   */
  windowP99Ms?: number[];
}

export const WINDOW_MS = 5000;

function windowP99s(samples: ReadonlyArray<readonly [number, number]>): number[] {
  const windows: number[][] = [];
  for (const [dueAt, latency] of samples) (windows[Math.floor(dueAt / WINDOW_MS)] ??= []).push(latency);
  return windows.filter(Boolean).map((w) => Math.round(percentile([...w].sort((a, b) => a - b), 99) * 100) / 100);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round(((s[m - 1]! + s[m]!) / 2) * 100) / 100;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(latencies: number[], errors: number, seconds: number, statusCounts: Record<string, number>): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    requests: latencies.length, errors, rps: r(latencies.length / seconds),
    p50Ms: r(percentile(sorted, 50)), p99Ms: r(percentile(sorted, 99)), maxMs: r(sorted.at(-1) ?? NaN), statusCounts,
  };
}

function heartbeatBody(uptime: number, withMeeting: boolean): string {
  const hb: Heartbeat = {
    v: 1, softwareVersion: '0.3.0', bundleVersion: 1, uptimeSeconds: uptime, callState: 'idle',
    devices: { camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'ok', ioBoard: 'ok' },
    registration: 'registered', faults: [], lastSelfTest: null,
    meetings: withMeeting ? [{ id: randomUUID(), startedAt: new Date(Date.now() - 1_800_000).toISOString(), durationSeconds: 1500, source: 'scheduled' }] : [],
  };
  return JSON.stringify(hb);
}

interface Target { host: string; port: number }

interface Prepared { method: string; path: string; headers: Record<string, string>; body: string }

/**
 * Requests are built and signed before the clock starts: on a shared machine the
 * generator's own signing would otherwise compete with the server it measures (real units
 * sign on their own CPUs). Dates stay well inside the server's 5-minute skew window.
 */
function prepareHeartbeats(units: readonly SimulatedUnit[], count: number, meetingShare: number): Prepared[] {
  const date = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const unit = units[i % units.length]!;
    const body = heartbeatBody(i, Math.random() < meetingShare);
    const signature = sign(null, Buffer.from(signingString('POST', '/v1/heartbeat', date, body)), unit.signingKey).toString('base64');
    return {
      method: 'POST', path: '/v1/heartbeat', body,
      headers: { 'content-type': 'application/json', 'x-unit-serial': unit.serial, 'x-unit-date': date, 'x-unit-signature': signature },
    };
  });
}

function send(agent: Agent, target: Target, method: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.host, port: target.port, method, path, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface OpenLoopOptions {
  url: string;
  units: readonly SimulatedUnit[];
  intervalSeconds: number;
  durationSeconds: number;
  /** Share of heartbeats that report a finished meeting. */
  meetingShare: number;
  /** Send GET /healthz instead (the baseline: HTTP alone, no signature, no storage). */
  baseline?: boolean;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<LoadResult> {
  const u = new URL(o.url);
  const target = { host: u.hostname, port: Number(u.port) };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const spacingMs = (o.intervalSeconds * 1000) / o.units.length;
  const total = Math.floor((o.durationSeconds * 1000) / spacingMs);
  const latencies: number[] = [];
  const samples: Array<[number, number]> = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const inflight = new Set<Promise<void>>();
  const prepared = o.baseline
    ? Array.from({ length: total }, (): Prepared => ({ method: 'GET', path: '/healthz', headers: {}, body: '' }))
    : prepareHeartbeats(o.units, total, o.meetingShare);
  const start = performance.now();
  const fire = (i: number, due: number) => {
    const r = prepared[i]!;
    const p = send(agent, target, r.method, r.path, r.headers, r.body);
    const done: Promise<void> = p.then((status) => {
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status !== 200) errors++;
      const latency = performance.now() - due;
      latencies.push(latency);
      samples.push([due - start, latency]);
    }, () => {
      statusCounts.network = (statusCounts.network ?? 0) + 1;
      errors++;
    }).finally(() => inflight.delete(done));
    inflight.add(done);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - start;
      while (next < total && next * spacingMs <= now) {
        fire(next, start + next * spacingMs);
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(5, next * spacingMs - now)));
    };
    tick();
  });
  await Promise.all(inflight);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { ...summarize(latencies, errors, seconds, statusCounts), windowP99Ms: windowP99s(samples) };
}

/** Closed loop: `concurrency` requests always in flight for `seconds`: the most the server does. */
export async function runClosedLoop(url: string, units: readonly SimulatedUnit[], concurrency: number, seconds: number): Promise<LoadResult> {
  const u = new URL(url);
  const target = { host: u.hostname, port: Number(u.port) };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let i = 0;
  const prepared = prepareHeartbeats(units, Math.min(units.length, 10_000), 0);
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const r = prepared[i++ % prepared.length]!;
      const t0 = performance.now();
      try {
        const status = await send(agent, target, r.method, r.path, r.headers, r.body);
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const result = summarize(latencies, errors, (performance.now() - start) / 1000, statusCounts);
  agent.destroy();
  return result;
}
