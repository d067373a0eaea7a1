/** Typed model of one session description (RFC 8866), as parsed and as serialized. */
import type { Direction } from '../../../core/media-types.js';

export interface SdpOrigin {
  username: string;
  /** Kept as text: values often exceed 2^53. */
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: 'IN';
  addrType: 'IP4' | 'IP6';
  address: string;
  /** Multicast TTL (IP4 only). */
  ttl?: number;
  /** Number of multicast addresses. */
  count?: number;
}

export interface SdpBandwidth {
  type: string;
  kbps: number;
}

export interface SdpTiming {
  start: string;
  stop: string;
  /** r= lines that follow this t=, verbatim. */
  repeats: string[];
}

/** An attribute the model has no typed field for, kept verbatim. */
export interface SdpAttribute {
  name: string;
  value: string | null;
}

export interface SdpRtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface SdpFmtp {
  payloadType: number;
  /** Everything after "<pt> ", verbatim (serialized from this). */
  value: string;
  /** value split at ';', names lower-cased (media type parameter names are case-insensitive). */
  params: Record<string, string>;
}

export interface SdpRtcp {
  port: number;
  connection: SdpConnection | null;
}

export interface SdpCryptoKey {
  method: string;
  /** Everything after "<method>:", verbatim. */
  info: string;
  /** Decomposed key-info when method is "inline". */
  inline: { keySalt: string; lifetime: string | null; mki: { value: string; length: number } | null } | null;
}

/** An RFC 4568 a=crypto line that is syntactically valid (usable or not: see srtpParamsFromCrypto). */
export interface SdpCrypto {
  tag: number;
  suite: string;
  keys: SdpCryptoKey[];
  sessionParams: string[];
}

export interface SdpSsrc {
  ssrc: number;
  attribute: string;
  value: string | null;
}

export interface SdpMedia {
  media: string;
  port: number;
  portCount: number | null;
  proto: string;
  formats: string[];
  title: string | null;
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  encryptionKey: string | null;
  rtpmaps: SdpRtpMap[];
  fmtps: SdpFmtp[];
  rtcp: SdpRtcp | null;
  rtcpMux: boolean;
  /** Media-level direction attribute, null when absent (then the session level applies). */
  direction: Direction | null;
  crypto: SdpCrypto[];
  ssrcs: SdpSsrc[];
  /** Other attributes in order, including a=crypto lines that did not parse. */
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  version: 0;
  origin: SdpOrigin;
  sessionName: string;
  info: string | null;
  uri: string | null;
  emails: string[];
  phones: string[];
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  timeZones: string | null;
  encryptionKey: string | null;
  /** Session-level direction attribute: the default for media sections without one. */
  direction: Direction | null;
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export function emptyMedia(media: string, port: number, proto: string, formats: string[]): SdpMedia {
  return {
    media, port, portCount: null, proto, formats,
    title: null, connection: null, bandwidths: [], encryptionKey: null,
    rtpmaps: [], fmtps: [], rtcp: null, rtcpMux: false, direction: null,
    crypto: [], ssrcs: [], attributes: [],
  };
}

/**
 * The canonical order of payload types in a section: the m= line order, then payload types that
 * only appear in a=rtpmap/a=fmtp, ascending. The parser sorts rtpmaps/fmtps this way and the
 * serializer writes them this way, so parse -> serialize -> parse is exact.
 */
export function payloadTypeOrder(m: SdpMedia): number[] {
  const listed = m.formats.map(Number).filter((n) => Number.isInteger(n));
  const extra = [...m.rtpmaps.map((r) => r.payloadType), ...m.fmtps.map((f) => f.payloadType)]
    .filter((pt) => !listed.includes(pt))
    .sort((a, b) => a - b);
  return [...new Set([...listed, ...extra])];
}
