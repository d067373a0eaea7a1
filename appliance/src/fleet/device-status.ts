import type { UnitStatus } from '../app/unit-controller.js';
import type { HeartbeatInput } from './heartbeat.js';

/** What the unit knows about its devices without a self-test. */
export interface DeviceFacts {
  mode: 'sim' | 'pi';
  videoEnabled: boolean;
  /** The bedside pod's I/O board (hardware.ioBoard.enabled); null when the unit has none. */
  ioBoard: { answered: boolean } | null;
  status: Pick<UnitStatus, 'faults' | 'controls'>;
}

/** Fault sources that mean the I/O board itself (link, firmware, the pod's buttons). */
export const IO_BOARD_FAULT_SOURCES = ['ioboard', 'io-board', 'pod'] as const;

/**
 * Device statuses for the heartbeat. buildHeartbeat turns any device with an active fault
 * into 'fault'; this says what holds otherwise. The loop amplifier is on the I/O board, so
 * without a board there is no loop, and while the board is unreachable or the loop is
 * switched off (not driven, so not measured) its state is unknown. Pure.
 */
export function deviceStatuses(f: DeviceFacts): NonNullable<HeartbeatInput['devices']> {
  const sources = new Set(f.status.faults.map((x) => x.source));
  const camera = f.videoEnabled ? (f.mode === 'sim' ? 'ok' : 'unknown') : 'absent';
  const media = f.mode === 'sim' ? { microphone: 'ok', speaker: 'ok' } as const : {};
  if (!f.ioBoard) return { camera, ...media, loop: 'absent', ioBoard: 'absent' };
  // Unreachable or the wrong firmware (a stuck pod button still leaves the board talking).
  const boardDown = sources.has('ioboard') || sources.has('io-board');
  const ioBoard = f.ioBoard.answered && !boardDown ? 'ok' : 'unknown';
  const loop = ioBoard === 'ok' && f.status.controls.loopEnabled ? 'ok' : 'unknown';
  return { camera, ...media, loop, ioBoard };
}
