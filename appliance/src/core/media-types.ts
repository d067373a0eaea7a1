/** Plain data shared by the SDP logic, the session description handler and the media engine. */

export type MediaKind = 'audio' | 'video';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type CodecName = 'opus' | 'H264' | 'VP8';

export interface Codec {
  name: CodecName;
  payloadType: number;
  clockRate: number;
  /** Audio channels as written in a=rtpmap (opus is always 2 there). */
  channels?: number;
  /** a=fmtp parameters, as key -> value. */
  fmtp: Record<string, string>;
}

/** RFC 4568 crypto suites the unit supports. */
export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpParams {
  suite: SrtpSuite;
  /** 30 bytes: 16-byte master key followed by the 14-byte master salt. */
  keySalt: Uint8Array;
}

export interface RtpEndpoint {
  address: string;
  rtpPort: number;
  rtcpPort: number;
}

/** One negotiated m= line, from the unit's point of view. */
export interface NegotiatedStream {
  kind: MediaKind;
  codec: Codec;
  /** What the unit does: 'sendonly' means the unit sends and does not expect media back. */
  direction: Direction;
  local: RtpEndpoint;
  remote: RtpEndpoint;
  /** tx encrypts what the unit sends (its own key); rx decrypts what it receives (the far end's key). null only with the lab plain-RTP flag. */
  srtp: { tx: SrtpParams; rx: SrtpParams } | null;
}

export interface NegotiatedSession {
  streams: NegotiatedStream[];
}

/** What the unit can do, used to build offers and answers. */
export interface LocalMediaCapabilities {
  address: string;
  audio: { rtpPort: number; rtcpPort: number; codecs: Codec[] };
  video: { rtpPort: number; rtcpPort: number; codecs: Codec[] } | null;
  /** The unit's own SRTP keys, one per stream. null only with the lab plain-RTP flag. */
  srtp: { audio: SrtpParams; video: SrtpParams } | null;
}
