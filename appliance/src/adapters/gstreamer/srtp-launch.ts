/** SDES crypto suites as srtpenc properties and srtpdec caps fields. */
import type { SrtpParams, SrtpSuite } from '../../core/media-types.js';
import { srtpKeyHex } from './launch-values.js';

interface SuiteNames {
  cipher: string;
  rtpAuth: string;
  rtcpAuth: string;
}

/** RFC 4568 6.2: the _32 suites still use an 80-bit tag for SRTCP. */
const SUITES: Record<SrtpSuite, SuiteNames> = {
  AES_CM_128_HMAC_SHA1_80: { cipher: 'aes-128-icm', rtpAuth: 'hmac-sha1-80', rtcpAuth: 'hmac-sha1-80' },
  AES_CM_128_HMAC_SHA1_32: { cipher: 'aes-128-icm', rtpAuth: 'hmac-sha1-32', rtcpAuth: 'hmac-sha1-80' },
};

/** Properties for an srtpenc protecting what the unit sends. */
export function srtpEncProperties(tx: SrtpParams): string {
  const s = SUITES[tx.suite];
  return `key=${srtpKeyHex(tx.keySalt)} rtp-cipher=${s.cipher} rtp-auth=${s.rtpAuth} rtcp-cipher=${s.cipher} rtcp-auth=${s.rtcpAuth}`;
}

/**
 * Caps fields from which srtpdec builds its stream. srtpdec only uses them when the caps also
 * carry `ssrc` (rtpssrcdemux adds it per far-end SSRC); otherwise it asks through its
 * `request-key` signal, which this binding cannot answer, and drops the packet.
 */
export function srtpCapsFields(rx: SrtpParams): string {
  const s = SUITES[rx.suite];
  return (
    `srtp-key=(buffer)${srtpKeyHex(rx.keySalt)}, srtp-cipher=(string)${s.cipher}, srtp-auth=(string)${s.rtpAuth}, ` +
    `srtcp-cipher=(string)${s.cipher}, srtcp-auth=(string)${s.rtcpAuth}`
  );
}
