/**
 * Each running pipeline keeps one libuv threadpool thread blocked in its bus poll (see
 * gst-binding.ts). With the default pool of 4, a call's four pipelines occupy every thread:
 * fs and dns work then waits for bus traffic and new pipelines start slowly. The daemon should
 * run with UV_THREADPOOL_SIZE >= RECOMMENDED_THREADPOOL_SIZE (set before the pool's first use,
 * e.g. in the service environment); below that the engine adds heartbeat branches as a safety net.
 */
export const RECOMMENDED_THREADPOOL_SIZE = 16;

/** The pool size this process gets: libuv reads UV_THREADPOOL_SIZE once, default 4, max 1024. */
export function libuvThreadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['UV_THREADPOOL_SIZE']);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}
