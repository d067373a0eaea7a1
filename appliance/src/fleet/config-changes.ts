import { isDeepStrictEqual } from 'node:util';
import type { UnitAudio } from './bundle/types.js';

/**
 * Which parts of a new configuration differ from the running one, and whether the daemon
 * can take them without a restart. Pure.
 *
 *   hot (applied in place)   rooms (meetings, own room, join window), audio
 *                            (speaker volume, loop on/off and gain, through the controls)
 *   restart                  everything else: sip, media, hardware, server, store, lab, ui, log,
 *                            unit, fleet: they are read when components are built
 *
 * A restart is the daemon exiting with RESTART_EXIT_CODE once no call is in progress;
 * systemd (Restart=on-failure, RestartForceExitStatus=75) starts it again on the new config.
 */
export const HOT_SECTIONS = ['rooms'] as const;
export const RESTART_EXIT_CODE = 75;

export interface ConfigChanges {
  /** Top-level config sections that differ, plus "audio" when the bundle's audio differs. */
  changed: string[];
  hot: string[];
  restart: string[];
}

export function classifyChanges(
  running: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>,
  runningAudio: UnitAudio | null, nextAudio: UnitAudio,
): ConfigChanges {
  const keys = [...new Set([...Object.keys(running), ...Object.keys(next)])].sort();
  const changed = keys.filter((k) => !isDeepStrictEqual(running[k], next[k]));
  if (!isDeepStrictEqual(runningAudio, nextAudio)) changed.push('audio');
  const isHot = (k: string) => k === 'audio' || (HOT_SECTIONS as readonly string[]).includes(k);
  return { changed, hot: changed.filter(isHot), restart: changed.filter((k) => !isHot(k)) };
}
