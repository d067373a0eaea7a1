import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIoBoard } from '../../../src/adapters/ioboard-serial/create-io-board.js';
import { validateConfig } from '../../../src/config/validate.js';
import { createLogger } from '../../../src/log/logger.js';
import { systemClock } from '../../../src/ports/clock.js';

const silent = createLogger({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));
const base = {
  unit: { id: 'T-1', name: 'Test bed' },
  rooms: { ownRoomUri: 'sip:room@example.org' },
  sip: { proxy: { host: 'sip.example.org' } },
};
const ioBoard = (hardware: Record<string, unknown>) => validateConfig({ ...base, hardware }).hardware.ioBoard;

describe('hardware.ioBoard config', () => {
  it('is off by default, so existing configs and units without a pod are unchanged', () => {
    const c = ioBoard({});
    expect(c).toMatchObject({ enabled: false, reconnectInitialMs: 500, reconnectMaxMs: 30_000, loopReferenceGainDb: -12, loopRecheckSeconds: 15 });
    expect(createIoBoard(c, { mode: 'pi', clock: systemClock, logger: silent })).toBeNull();
  });

  it('refuses bad fields with E_CONFIG_INVALID naming them', () => {
    expect(() => ioBoard({ ioBoard: { enabled: true, usb: { vendorId: 'xyz', productId: '7523' } } })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => ioBoard({ ioBoard: { enabled: true, path: 'ttyUSB0' } })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => ioBoard({ ioBoard: { enabled: true, loopReferenceGainDb: 3 } })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
  });

  it('pi mode needs a path or a USB id to find the board', () => {
    const c = ioBoard({ mode: 'pi', ioBoard: { enabled: true } });
    expect(() => createIoBoard(c, { mode: 'pi', clock: systemClock, logger: silent })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID', detail: { field: 'hardware.ioBoard.path' } }));
    const inverted = ioBoard({ mode: 'pi', ioBoard: { enabled: true, path: '/dev/ttyUSB0', reconnectInitialMs: 5000, reconnectMaxMs: 1000 } });
    expect(() => createIoBoard(inverted, { mode: 'pi', clock: systemClock, logger: silent })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
  });

  it('a board that is not plugged in fails start() with E_IOBOARD_UNREACHABLE and keeps retrying', async () => {
    const c = ioBoard({ mode: 'pi', ioBoard: { enabled: true, usb: { vendorId: '1a86', productId: '7523' }, reconnectInitialMs: 50, reconnectMaxMs: 100 } });
    const failures: string[] = [];
    const logger = createLogger({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { if (String(chunk).includes('reconnect failed')) failures.push(String(chunk)); cb(); } }));
    const made = createIoBoard(c, { mode: 'pi', clock: systemClock, logger, sysfsRoot: '/nonexistent-sysfs' })!;
    try {
      await expect(made.board.start()).rejects.toMatchObject({ code: 'E_IOBOARD_UNREACHABLE' });
      await new Promise((r) => setTimeout(r, 300));
      expect(failures.length).toBeGreaterThanOrEqual(2);
    } finally {
      await made.stop();
    }
  });
});
