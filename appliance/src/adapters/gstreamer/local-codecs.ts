/** The codecs and SRTP keys the GStreamer engine offers for one call. */
import { randomBytes } from 'node:crypto';
import type { Codec, SrtpParams } from '../../core/media-types.js';

export const OPUS: Readonly<Codec> = Object.freeze({
  name: 'opus',
  payloadType: 111,
  clockRate: 48000,
  channels: 2,
  fmtp: Object.freeze({ useinbandfec: '1' }) as Record<string, string>,
});

export const H264: Readonly<Codec> = Object.freeze({
  name: 'H264',
  payloadType: 96,
  clockRate: 90000,
  fmtp: Object.freeze({ 'packetization-mode': '1', 'profile-level-id': '42e01f' }) as Record<string, string>,
});

export const VP8: Readonly<Codec> = Object.freeze({
  name: 'VP8',
  payloadType: 97,
  clockRate: 90000,
  fmtp: Object.freeze({}) as Record<string, string>,
});

/** Fresh copies, so a caller may edit what it gets. */
export function audioCodecs(): Codec[] {
  return [copy(OPUS)];
}

export function videoCodecs(): Codec[] {
  return [copy(H264), copy(VP8)];
}

/** A fresh 30-byte master key + salt for AES_CM_128_HMAC_SHA1_80. */
export function newSrtpParams(): SrtpParams {
  return { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(randomBytes(30)) };
}

function copy(codec: Readonly<Codec>): Codec {
  return { ...codec, fmtp: { ...codec.fmtp } };
}
