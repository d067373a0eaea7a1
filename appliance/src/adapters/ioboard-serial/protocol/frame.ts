import { cobsDecode, cobsEncode } from './cobs.js';
import { crc16 } from './crc16.js';
import { frameError } from './errors.js';
import { LIMITS, PROTOCOL_VERSION } from './protocol-gen.js';

export interface Frame {
  version: number;
  seq: number;
  type: number;
  payload: Uint8Array;
}

/** The frame's bytes before COBS: header, payload, CRC (little-endian). */
export function frameBytes(frame: Frame): Uint8Array {
  if (frame.payload.length > LIMITS.maxPayload) throw new RangeError(`payload of ${frame.payload.length} bytes > ${LIMITS.maxPayload}`);
  const raw = new Uint8Array(LIMITS.headerLength + frame.payload.length + LIMITS.crcLength);
  raw.set([frame.version & 0xff, frame.seq & 0xff, frame.type & 0xff, frame.payload.length]);
  raw.set(frame.payload, LIMITS.headerLength);
  const body = LIMITS.headerLength + frame.payload.length;
  const crc = crc16(raw.subarray(0, body));
  raw[body] = crc & 0xff;
  raw[body + 1] = crc >> 8;
  return raw;
}

/** Wire form: COBS(frame bytes) followed by the 0x00 delimiter. */
export function encodeFrame(frame: Frame): Uint8Array {
  const enc = cobsEncode(frameBytes(frame));
  const wire = new Uint8Array(enc.length + 1);
  wire.set(enc);
  return wire;
}

/**
 * Decodes one COBS frame with its delimiter removed. Throws E_IOBOARD_FRAME with
 * detail.reason and, when the bytes were there, detail.seq / detail.type.
 */
export function decodeFrame(encoded: Uint8Array): Frame {
  if (encoded.length > LIMITS.maxEncoded) throw frameError('oversize', { length: encoded.length });
  const raw = cobsDecode(encoded);
  if (raw === null) throw frameError('cobs');
  const seen: Record<string, number> = {};
  if (raw.length >= 2) seen.seq = raw[1] as number;
  if (raw.length >= 3) seen.type = raw[2] as number;
  if (raw.length < LIMITS.headerLength + LIMITS.crcLength) throw frameError('short', { length: raw.length, ...seen });
  const body = raw.length - LIMITS.crcLength;
  const got = (raw[body] as number) | ((raw[body + 1] as number) << 8);
  const want = crc16(raw.subarray(0, body));
  if (got !== want) throw frameError('crc', { ...seen, got, want });
  const length = raw[3] as number;
  if (length !== body - LIMITS.headerLength || length > LIMITS.maxPayload) throw frameError('length', { ...seen, length });
  const version = raw[0] as number;
  if (version !== PROTOCOL_VERSION) throw frameError('version', { ...seen, version });
  return { version, seq: raw[1] as number, type: raw[2] as number, payload: raw.slice(LIMITS.headerLength, body) };
}
