import type { AppConfig } from '../../config/schema.js';
import { ApplianceError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../log/logger.js';
import { findBoardTty } from './find-board-tty.js';
import { SerialIoBoard } from './ioboard-adapter.js';
import { openSerialPortStream } from './serialport-stream.js';
import { SimavrBoard } from './simavr-board.js';

export type IoBoardConfig = AppConfig['hardware']['ioBoard'];

/** The board id the simulated board reports in sim mode. */
export const SIM_MODE_BOARD_ID = 0x51a0b0a7;

export interface ConfiguredIoBoard {
  board: SerialIoBoard;
  /** sim mode without a path: the firmware in simavr (started on first connect), else null. */
  sim(): SimavrBoard | null;
  /** Stops the board and, in sim mode, the simulator. */
  stop(): Promise<void>;
}

export interface IoBoardFactoryOptions {
  mode: 'sim' | 'pi';
  clock: Clock;
  logger: Logger;
  /** Tests: a fake sysfs tree for the USB lookup. */
  sysfsRoot?: string;
}

/**
 * The I/O board from config.hardware.ioBoard: an explicit tty path, else the USB device with
 * the configured vendor/product (and serial), looked up again on every reconnect so a board
 * that comes back as another ttyUSBn is found; in sim mode without either, the real firmware
 * in simavr. Null when the board is not enabled. E_CONFIG_INVALID when pi mode has no way to find it.
 */
export function createIoBoard(c: IoBoardConfig, o: IoBoardFactoryOptions): ConfiguredIoBoard | null {
  if (!c.enabled) return null;
  if (c.reconnectMaxMs < c.reconnectInitialMs) {
    throw new ApplianceError('E_CONFIG_INVALID', 'hardware.ioBoard.reconnectMaxMs must be at least reconnectInitialMs', { field: 'hardware.ioBoard.reconnectMaxMs' });
  }
  let sim: SimavrBoard | null = null;
  const useSim = o.mode === 'sim' && !c.path && !c.usb;
  if (!useSim && !c.path && !c.usb) {
    throw new ApplianceError('E_CONFIG_INVALID', 'hardware.ioBoard needs path or usb (vendorId, productId) when enabled', { field: 'hardware.ioBoard.path' });
  }
  const log = o.logger;
  const openStream = async () => {
    if (useSim) {
      if (!sim?.running) sim = await SimavrBoard.start({ boardId: SIM_MODE_BOARD_ID, maxLines: 200 });
      return openSerialPortStream(sim.pty);
    }
    const path = c.path ?? findBoardTty({ vendorId: c.usb!.vendorId, productId: c.usb!.productId, ...(c.usb!.serial ? { serial: c.usb!.serial } : {}) }, o.sysfsRoot).path;
    return openSerialPortStream(path);
  };
  const board = new SerialIoBoard({
    openStream,
    clock: o.clock,
    reconnect: { initialMs: c.reconnectInitialMs, maxMs: c.reconnectMaxMs },
    onProtocolError: (e) => log.debug({ code: e.code, err: e.message }, 'I/O board protocol error'),
    onReconnectFailed: (e, afterMs) => log.debug({ code: e.code, err: e.message, afterMs }, 'I/O board reconnect failed'),
  });
  return {
    board,
    sim: () => sim,
    async stop() {
      await board.stop();
      await sim?.stop();
    },
  };
}
