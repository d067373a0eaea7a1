/** Reconnect delays: quick at first (a daemon restart takes a second or two), then every 5 s at most. */
export function reconnectDelayMs(attempt: number, baseMs = 250, maxMs = 5_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}
