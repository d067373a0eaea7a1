import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBoardTty, listUsbTtys } from '../../../src/adapters/ioboard-serial/find-board-tty.js';

/**
 * A sysfs look-alike with the kernel's real shapes: a CH340 (ttyUSB0, usb-serial port below
 * the interface), two CDC-ACM boards of one model told apart by serial (ttyACM0/1), a
 * built-in UART (ttyAMA0, not USB) and a virtual tty without a device link.
 */
function fakeSysfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-sysfs-tty-'));
  const usbDev = (path: string, vendor: string, product: string, serial?: string) => {
    const d = join(root, 'devices', path);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'idVendor'), `${vendor}\n`);
    writeFileSync(join(d, 'idProduct'), `${product}\n`);
    if (serial) writeFileSync(join(d, 'serial'), `${serial}\n`);
    return d;
  };
  const tty = (name: string, device: string | null) => {
    const d = join(root, 'class', 'tty', name);
    mkdirSync(d, { recursive: true });
    if (device) {
      mkdirSync(device, { recursive: true });
      symlinkSync(device, join(d, 'device'));
    }
  };
  const ch340 = usbDev('pci0000:00/usb1/1-1', '1A86', '7523');
  tty('ttyUSB0', join(ch340, '1-1:1.0', 'ttyUSB0'));
  const a = usbDev('platform/usb2/2-1', '2341', '0043', 'POD-A');
  tty('ttyACM0', join(a, '2-1:1.0'));
  const b = usbDev('platform/usb2/2-2', '2341', '0043', 'POD-B');
  tty('ttyACM1', join(b, '2-2:1.0'));
  tty('ttyAMA0', join(root, 'devices', 'platform', 'serial0'));
  tty('tty0', null);
  return root;
}

describe('finding the I/O board tty in sysfs', () => {
  let root = '';
  beforeAll(() => { root = fakeSysfs(); });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists only USB-backed ttys, with lower-case ids and the serial', () => {
    expect(listUsbTtys(root, '/dev')).toEqual([
      { path: '/dev/ttyACM0', name: 'ttyACM0', vendorId: '2341', productId: '0043', serial: 'POD-A' },
      { path: '/dev/ttyACM1', name: 'ttyACM1', vendorId: '2341', productId: '0043', serial: 'POD-B' },
      { path: '/dev/ttyUSB0', name: 'ttyUSB0', vendorId: '1a86', productId: '7523', serial: null },
    ]);
  });

  it('finds a board by vendor/product (case-insensitive), walking up from a usb-serial port', () => {
    expect(findBoardTty({ vendorId: '1a86', productId: '7523' }, root).path).toBe('/dev/ttyUSB0');
  });

  it('tells two boards of one model apart by serial', () => {
    expect(findBoardTty({ vendorId: '2341', productId: '0043', serial: 'POD-B' }, root).path).toBe('/dev/ttyACM1');
  });

  it('refuses to guess between two matching boards without a serial', () => {
    expect(() => findBoardTty({ vendorId: '2341', productId: '0043' }, root)).toThrow(expect.objectContaining({ code: 'E_IOBOARD_UNREACHABLE' }));
  });

  it('says what it looked for and what it saw when no board matches', () => {
    try {
      findBoardTty({ vendorId: '0403', productId: '6001' }, root);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_IOBOARD_UNREACHABLE', detail: { wanted: '0403:6001' } });
      expect((e as { detail: { seen: string[] } }).detail.seen).toContain('ttyUSB0=1a86:7523');
    }
  });

  it('finds nothing (coded) under a root without class/tty', () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-sysfs-'));
    try {
      expect(listUsbTtys(empty)).toEqual([]);
      expect(() => findBoardTty({ vendorId: '1a86', productId: '7523' }, empty)).toThrow(expect.objectContaining({ code: 'E_IOBOARD_UNREACHABLE' }));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
