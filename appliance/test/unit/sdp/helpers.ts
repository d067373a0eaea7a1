import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ApplianceError, type ErrorCode } from '../../../src/core/errors.js';
import type { LocalMediaCapabilities } from '../../../src/core/media-types.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

const ascii = (s: string) => new TextEncoder().encode(s);

/** The unit's keys used for unit-offer.sdp (30 printable bytes each, so the base64 is recognisable). */
export const AUDIO_KEY = ascii('aBCdefghiJKLmopQrsTUvwxyz12345');
export const VIDEO_KEY = ascii('1234567890abcdefghijklmnopqrst');

/** The capabilities fixtures/unit-offer.sdp was built from. */
export function unitCaps(overrides: Partial<LocalMediaCapabilities> = {}): LocalMediaCapabilities {
  return {
    address: '127.0.0.1',
    audio: { rtpPort: 40000, rtcpPort: 40001, codecs: [{ name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: { useinbandfec: '1' } }] },
    video: {
      rtpPort: 40002,
      rtcpPort: 40003,
      codecs: [
        { name: 'H264', payloadType: 102, clockRate: 90000, fmtp: { 'packetization-mode': '1', 'profile-level-id': '42e01f' } },
        { name: 'VP8', payloadType: 100, clockRate: 90000, fmtp: {} },
      ],
    },
    srtp: {
      audio: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: AUDIO_KEY },
      video: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: VIDEO_KEY },
    },
    ...overrides,
  };
}

export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Runs fn, expects an ApplianceError with this code, returns it for further checks. */
export function expectCode(fn: () => unknown, code: ErrorCode): ApplianceError {
  const e = caught(fn);
  expect(e).toBeInstanceOf(ApplianceError);
  expect((e as ApplianceError).code).toBe(code);
  return e as ApplianceError;
}

/** Joins lines with CRLF and a final CRLF. */
export function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

/** A 30-byte key in base64 (40 characters, no padding). */
export const KEY30_B64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';
