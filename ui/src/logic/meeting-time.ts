/** The 30-minute frame of a discharge conference, with a gentle warning 5 minutes before. */
export const MEETING_MINUTES = 30;
export const WARN_AT_MINUTES = 25;

export type MeetingPhase = 'normal' | 'warn' | 'over';

export function meetingPhase(elapsedMs: number): MeetingPhase {
  const minutes = elapsedMs / 60_000;
  if (minutes >= MEETING_MINUTES) return 'over';
  if (minutes >= WARN_AT_MINUTES) return 'warn';
  return 'normal';
}

/** "m:ss" under an hour, "h:mm:ss" after; negative (clock skew) shows as 0:00. */
export function formatElapsed(elapsedMs: number): string {
  const total = Math.max(0, Math.floor(elapsedMs / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Time since `sinceServerMs` on the server's clock, given the measured offset (client - server). */
export function elapsedSince(sinceServerMs: number, clientNowMs: number, skewMs: number): number {
  return clientNowMs - skewMs - sinceServerMs;
}
