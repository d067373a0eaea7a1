/**
 * Finds the I/O board's tty by USB vendor/product (and serial) from sysfs. serialport's own
 * list() shells out to udevadm, which a minimal image may not have; sysfs is always there:
 * /sys/class/tty/<name>/device resolves to the USB interface (ttyACM) or the usb-serial port
 * below it (ttyUSB), and the USB device directory above carries idVendor, idProduct, serial.
 */
import { readdirSync, readFileSync, realpathSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApplianceError } from '../../core/errors.js';

export interface UsbMatch {
  /** 4 hex digits, e.g. "1a86" (case-insensitive). */
  vendorId: string;
  productId: string;
  /** The USB iSerial; unset: any. */
  serial?: string;
}

export interface UsbTty {
  /** /dev/<name> */
  path: string;
  name: string;
  vendorId: string;
  productId: string;
  serial: string | null;
}

function readAttr(dir: string, name: string): string | null {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return null;
  }
}

/** The USB device directory (the one with idVendor) at or above `dir`, stopping at the sysfs root. */
function usbDeviceAbove(dir: string, root: string): string | null {
  for (let d = dir; d.startsWith(root) && d !== root; d = dirname(d)) {
    if (existsSync(join(d, 'idVendor')) && existsSync(join(d, 'idProduct'))) return d;
  }
  return null;
}

/** Every tty backed by a USB device, sorted by name. */
export function listUsbTtys(sysfsRoot = '/sys', devRoot = '/dev'): UsbTty[] {
  let root: string;
  let names: string[];
  try {
    root = realpathSync(sysfsRoot);
    names = readdirSync(join(root, 'class', 'tty'));
  } catch {
    return [];
  }
  const classDir = join(root, 'class', 'tty');
  const out: UsbTty[] = [];
  for (const name of names.sort()) {
    let device: string;
    try {
      device = realpathSync(join(classDir, name, 'device'));
    } catch {
      continue; // virtual ttys (tty0, ptmx, ...) have no device link
    }
    const usb = usbDeviceAbove(device, root);
    if (!usb) continue;
    const vendorId = readAttr(usb, 'idVendor');
    const productId = readAttr(usb, 'idProduct');
    if (!vendorId || !productId) continue;
    out.push({ path: join(devRoot, name), name, vendorId: vendorId.toLowerCase(), productId: productId.toLowerCase(), serial: readAttr(usb, 'serial') });
  }
  return out;
}

/** The board's tty; E_IOBOARD_UNREACHABLE naming what was looked for when none (or several without a serial) match. */
export function findBoardTty(match: UsbMatch, sysfsRoot = '/sys', devRoot = '/dev'): UsbTty {
  const all = listUsbTtys(sysfsRoot, devRoot);
  const hits = all.filter((t) => t.vendorId === match.vendorId.toLowerCase()
    && t.productId === match.productId.toLowerCase()
    && (match.serial === undefined || t.serial === match.serial));
  const wanted = `${match.vendorId}:${match.productId}${match.serial !== undefined ? ` serial ${match.serial}` : ''}`;
  if (hits.length === 0) {
    throw new ApplianceError('E_IOBOARD_UNREACHABLE', `no USB serial device ${wanted} is plugged in`, {
      wanted, seen: all.map((t) => `${t.name}=${t.vendorId}:${t.productId}`),
    });
  }
  if (hits.length > 1) {
    throw new ApplianceError('E_IOBOARD_UNREACHABLE', `${hits.length} USB serial devices match ${wanted}: set hardware.ioBoard.usb.serial`, {
      wanted, seen: hits.map((t) => `${t.name} serial ${t.serial ?? '-'}`),
    });
  }
  return hits[0] as UsbTty;
}
