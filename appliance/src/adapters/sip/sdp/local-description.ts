/** Pieces shared by the offers and answers the unit writes. */
import type { Codec, SrtpParams } from '../../../core/media-types.js';
import { encodeBase64 } from './base64.js';
import { fmtpValue, rtpMapFor } from './codecs.js';
import type { SdpConnection, SdpCrypto, SdpMedia, SessionDescription } from './model.js';
import { parseFmtpParams } from './parse.js';

export interface SessionIdentity {
  /** o= sess-id: digits, stable for the call. */
  sessionId: string | number | bigint;
  /** o= sess-version: digits, incremented for every new description in the call. */
  sessionVersion: string | number | bigint;
  userName?: string;
}

export function connectionFor(address: string): SdpConnection {
  return { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
}

export function sessionSkeleton(id: SessionIdentity, address: string): SessionDescription {
  const c = connectionFor(address);
  return {
    version: 0,
    origin: {
      username: id.userName && /^\S+$/.test(id.userName) ? id.userName : '-',
      sessionId: String(id.sessionId),
      sessionVersion: String(id.sessionVersion),
      netType: 'IN',
      addrType: c.addrType,
      address,
    },
    sessionName: '-',
    info: null, uri: null, emails: [], phones: [],
    connection: c,
    bandwidths: [],
    timings: [{ start: '0', stop: '0', repeats: [] }],
    timeZones: null, encryptionKey: null, direction: null, attributes: [], media: [],
  };
}

/** Adds rtpmap and (non-empty) fmtp for a codec under the given payload type. */
export function addCodec(m: SdpMedia, c: Codec, fmtp: Record<string, string>, payloadType = c.payloadType): void {
  m.rtpmaps.push(rtpMapFor(c, payloadType));
  const value = fmtpValue(fmtp);
  if (value !== '') m.fmtps.push({ payloadType, value, params: parseFmtpParams(value) });
}

export function addRtcpPort(m: SdpMedia, rtpPort: number, rtcpPort: number): void {
  // RFC 3605: only needed when RTCP is not on the next port up.
  if (rtcpPort !== rtpPort + 1) m.rtcp = { port: rtcpPort, connection: null };
}

/** a=crypto:<tag> <suite> inline:<key||salt> for one of the unit's own keys. */
export function cryptoLine(tag: number, params: SrtpParams): SdpCrypto {
  const keySalt = encodeBase64(params.keySalt);
  return {
    tag,
    suite: params.suite,
    keys: [{ method: 'inline', info: keySalt, inline: { keySalt, lifetime: null, mki: null } }],
    sessionParams: [],
  };
}
