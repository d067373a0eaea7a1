/**
 * The I/O board a target provides: on sim the real firmware in simavr (a new harness per
 * board() call: "plugging in" a board), on pi the board on HW_IOBOARD_TTY.
 */
import { openSerialPortStream } from '../../../appliance/src/adapters/ioboard-serial/serialport-stream.js';
import { SerialIoBoard } from '../../../appliance/src/adapters/ioboard-serial/ioboard-adapter.js';
import type { ApplianceError } from '../../../appliance/src/core/errors.js';
import { SimavrBoard, simBoardUnavailable } from './simavr-board.js';
import { env, hwTarget } from './target.js';
import { WireTap } from './wire-tap.js';

export const SIM_BOARD_ID = 0x5eed0bed;

/** Why the I/O board target cannot run here, or null. */
export function ioBoardTargetUnavailable(): string | null {
  if (hwTarget() === 'sim') return simBoardUnavailable();
  return env('HW_IOBOARD_TTY') ? null : 'HW_TARGET=pi needs HW_IOBOARD_TTY (the I/O board\'s serial port, e.g. /dev/serial/by-id/usb-...)';
}

/** A SerialIoBoard connected through a WireTap, and what it reported. */
export interface HostSide {
  readonly board: SerialIoBoard;
  tap(): WireTap;
  readonly protocolErrors: ApplianceError[];
}

export function hostSide(tty: string): HostSide {
  let tap: WireTap | null = null;
  const protocolErrors: ApplianceError[] = [];
  const board = new SerialIoBoard({
    openStream: async () => {
      tap = new WireTap(await openSerialPortStream(tty));
      return tap;
    },
    onProtocolError: (e) => protocolErrors.push(e),
  });
  return {
    board,
    protocolErrors,
    tap: () => {
      if (!tap) throw new Error('the board was not started');
      return tap;
    },
  };
}

/** The sim harness when on sim; null on pi. */
export async function plugInSimBoard(): Promise<SimavrBoard> {
  return SimavrBoard.start({ boardId: SIM_BOARD_ID });
}

export function boardTty(sim: SimavrBoard | null): string {
  return sim ? sim.pty : env('HW_IOBOARD_TTY')!;
}

export { nextEvent } from '../../../appliance/test/support/io-board-events.js';
