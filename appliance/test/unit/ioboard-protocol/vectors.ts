import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The test vectors of protocol/ioboard.json, the same ones the firmware's C tests use. */
export interface ProtocolVectors {
  crc16: { ascii?: string; hex?: string; crc: number }[];
  cobs: { decoded: string; encoded: string }[];
  frames: { seq: number; type: string; payload: string; wire: string }[];
}

export const SPEC_PATH = fileURLToPath(new URL('../../../../protocol/ioboard.json', import.meta.url));
export const vectors: ProtocolVectors = JSON.parse(readFileSync(SPEC_PATH, 'utf8')).testVectors;

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
