/**
 * Every value written into a gst-launch string goes through one of these checks.
 * Values come from config (device names, paths) and from the far end's SDP (addresses, ports,
 * payload types), so anything outside a conservative alphabet is refused, never escaped.
 */
import { isIP } from 'node:net';
import { ApplianceError } from '../../core/errors.js';

/** ALSA names (`plughw:CARD=USB,DEV=0`), V4L2 paths (`/dev/video0`). */
const DEVICE_NAME = /^[A-Za-z0-9_.:,=@/+-]{1,128}$/;
/** Absolute file paths without spaces, quotes or shell/launch syntax. */
const FILE_PATH = /^\/[A-Za-z0-9_./+-]{0,511}$/;

/** A device name, double-quoted for the launch line; E_MEDIA_DEVICE when unsafe. */
export function deviceValue(device: string, what: string): string {
  if (!DEVICE_NAME.test(device)) {
    throw new ApplianceError('E_MEDIA_DEVICE', `Refusing unsafe ${what} device name`, { what, device });
  }
  return `"${device}"`;
}

/** An output file path (sim sinks), double-quoted; E_MEDIA_DEVICE when unsafe. */
export function pathValue(path: string, what: string): string {
  if (!FILE_PATH.test(path) || path.split('/').includes('..')) {
    throw new ApplianceError('E_MEDIA_DEVICE', `Refusing unsafe ${what} path`, { what, path });
  }
  return `"${path}"`;
}

/** An IPv4 or IPv6 literal, double-quoted. Host names are refused: the SDP must carry addresses. */
export function hostValue(address: string): string {
  if (isIP(address) === 0) {
    throw new ApplianceError('E_MEDIA_PIPELINE', 'Media address is not an IP address', { address });
  }
  return `"${address}"`;
}

export function portValue(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ApplianceError('E_MEDIA_PIPELINE', 'Media port out of range', { port });
  }
  return String(port);
}

export function payloadTypeValue(pt: number): string {
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ApplianceError('E_MEDIA_PIPELINE', 'RTP payload type out of range', { payloadType: pt });
  }
  return String(pt);
}

/** An integer within [min, max], for sizes, rates and frequencies from config. */
export function intValue(value: number, min: number, max: number, what: string): string {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ApplianceError('E_MEDIA_PIPELINE', `${what} out of range`, { what, value, min, max });
  }
  return String(Math.round(value));
}

/** SRTP master key + salt (30 bytes) as hex. */
export function srtpKeyHex(keySalt: Uint8Array): string {
  if (keySalt.length !== 30) {
    throw new ApplianceError('E_MEDIA_PIPELINE', 'SRTP key+salt must be 30 bytes', { length: keySalt.length });
  }
  return Buffer.from(keySalt).toString('hex');
}
