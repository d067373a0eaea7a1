/** Runs a launch line with gst-launch-1.0 and reports its CPU time. For the benchmark and tests. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GstRun {
  cpuMs: number;
  wallMs: number;
  stderr: string;
}

export function runGstLaunch(launch: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<GstRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gst-run-'));
  const timeFile = join(dir, 'time');
  const started = performance.now();
  return new Promise<GstRun>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%U %S', 'gst-launch-1.0', '-q', '-e', ...launchArgs(launch)], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 50_000_000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      let cpuMs = Number.NaN;
      try {
        const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        cpuMs = ((user ?? 0) + (sys ?? 0)) * 1000;
      } catch {
        // no time file: the run failed before /usr/bin/time wrote it
      }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`gst-launch-1.0 exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve({ cpuMs, wallMs, stderr });
    });
  });
}

/**
 * gst-launch escapes the spaces inside each argument, so the line goes in as one argument per
 * token; quotes around a value (paths here have no spaces) are dropped with it.
 */
export function launchArgs(launch: string): string[] {
  return (launch.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((t) => t.replace(/"/g, ''));
}

/** Per-element latencies (ms) from GStreamer's latency tracer output (flags=element). */
export function elementLatenciesMs(stderr: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of stderr.matchAll(/element-latency, element-id=\(string\)\S+, element=\(string\)([^,]+), src=\(string\)[^,]+, time=\(guint64\)(\d+)/g)) {
    const list = out.get(m[1]!) ?? [];
    list.push(Number(m[2]) / 1e6);
    out.set(m[1]!, list);
  }
  return out;
}

/** Environment that makes gst-launch log every element's processing latency. */
export const LATENCY_TRACER_ENV = { GST_DEBUG: 'GST_TRACER:7', GST_TRACERS: 'latency(flags=element)', GST_DEBUG_NO_COLOR: '1' };
