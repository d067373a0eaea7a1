/** The SDP offer the unit sends when it places a call (or re-offers in a re-INVITE). */
import { ApplianceError } from '../../../core/errors.js';
import type { Codec, Direction, LocalMediaCapabilities, MediaKind, SrtpParams, SrtpSuite } from '../../../core/media-types.js';
import { addCodec, addRtcpPort, cryptoLine, sessionSkeleton, type SessionIdentity } from './local-description.js';
import { emptyMedia, type SdpMedia } from './model.js';
import { serializeSdp } from './serialize.js';

/**
 * Each SRTP stream offers both suites with the same key, _80 first (preferred). Only one suite
 * is ever selected by the answer, so the key is used with one suite only; reusing it keeps the
 * unit at one key per stream (LocalMediaCapabilities.srtp) and the answer's tag maps straight
 * back to a suite. The suite field of the capability keys is not used for offers.
 */
export const OFFERED_CRYPTO: readonly { tag: number; suite: SrtpSuite }[] = [
  { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' },
  { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32' },
];

export interface OfferOptions extends SessionIdentity {
  /** The unit's direction for every stream; sendrecv normally. */
  direction: Direction;
}

/** One m= line of an offer built from capabilities, in m= order. */
export interface OfferedStream {
  kind: MediaKind;
  rtpPort: number;
  rtcpPort: number;
  codecs: Codec[];
  /** The unit's key for this stream; null offers plain RTP/AVP. */
  key: SrtpParams | null;
}

export function offeredStreams(caps: LocalMediaCapabilities): OfferedStream[] {
  const streams: OfferedStream[] = [{ kind: 'audio', ...caps.audio, key: caps.srtp?.audio ?? null }];
  if (caps.video && caps.video.codecs.length > 0) streams.push({ kind: 'video', ...caps.video, key: caps.srtp?.video ?? null });
  return streams;
}

export function buildOffer(caps: LocalMediaCapabilities, opts: OfferOptions): string {
  if (caps.audio.codecs.length === 0) throw new ApplianceError('E_CODEC_UNSUPPORTED', 'the unit has no audio codec to offer', { reason: 'no local audio codec' });
  const sd = sessionSkeleton(opts, caps.address);
  for (const s of offeredStreams(caps)) sd.media.push(offerMedia(s, opts.direction));
  return serializeSdp(sd);
}

function offerMedia(s: OfferedStream, direction: Direction): SdpMedia {
  const m = emptyMedia(s.kind, s.rtpPort, s.key ? 'RTP/SAVP' : 'RTP/AVP', s.codecs.map((c) => String(c.payloadType)));
  addRtcpPort(m, s.rtpPort, s.rtcpPort);
  for (const c of s.codecs) addCodec(m, c, c.fmtp);
  m.direction = direction;
  if (s.key) {
    for (const o of OFFERED_CRYPTO) m.crypto.push(cryptoLine(o.tag, { suite: o.suite, keySalt: s.key.keySalt }));
  }
  return m;
}
