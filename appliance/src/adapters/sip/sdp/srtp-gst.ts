/** Translation of negotiated SRTP parameters into what GStreamer's srtpenc/srtpdec take. */
import type { SrtpSuite } from '../../../core/media-types.js';

export type GstSrtpCipher = 'aes-128-icm';
export type GstSrtpAuth = 'hmac-sha1-80' | 'hmac-sha1-32';

export interface GstSrtpNames {
  /** srtpenc rtp-cipher / srtpdec caps srtp-cipher */
  rtpCipher: GstSrtpCipher;
  /** srtpenc rtp-auth / srtpdec caps srtp-auth */
  rtpAuth: GstSrtpAuth;
  /** srtpenc rtcp-cipher / srtpdec caps srtcp-cipher */
  rtcpCipher: GstSrtpCipher;
  /** srtpenc rtcp-auth / srtpdec caps srtcp-auth */
  rtcpAuth: GstSrtpAuth;
}

/**
 * RFC 4568 section 6.2: both suites authenticate SRTCP with an 80-bit tag; only the SRTP
 * tag is shortened to 32 bits in AES_CM_128_HMAC_SHA1_32, so rtcpAuth stays hmac-sha1-80.
 * Not every stack agrees: baresip 1.0 (libre) also shortens the SRTCP tag, so with _32 its
 * RTCP fails authentication here (RTP is unaffected). The negotiation prefers _80 for that reason.
 */
export function gstSrtpNames(suite: SrtpSuite): GstSrtpNames {
  return {
    rtpCipher: 'aes-128-icm',
    rtpAuth: suite === 'AES_CM_128_HMAC_SHA1_32' ? 'hmac-sha1-32' : 'hmac-sha1-80',
    rtcpCipher: 'aes-128-icm',
    rtcpAuth: 'hmac-sha1-80',
  };
}

/** Lower-case hex of the 30-byte key||salt, as GStreamer's (buffer) caps syntax wants it. */
export function srtpKeyToHex(keySalt: Uint8Array): string {
  let hex = '';
  for (const b of keySalt) hex += b.toString(16).padStart(2, '0');
  return hex;
}
