/** Turns the far end's answer to the unit's offer into the session the media engine runs. */
import type {
  Codec,
  Direction,
  LocalMediaCapabilities,
  NegotiatedSession,
  NegotiatedStream,
  SrtpParams,
} from '../../../core/media-types.js';
import { codecsInOrder, codecsMatch } from './codecs.js';
import { srtpParamsFromCrypto } from './crypto-attribute.js';
import { unitDirection } from './direction.js';
import type { SdpMedia } from './model.js';
import { OFFERED_CRYPTO, offeredStreams, type OfferedStream } from './offer.js';
import { parseSdp } from './parse.js';
import { remoteView, transportFamily } from './remote-view.js';
import { streamError } from './sdp-errors.js';

export interface NegotiateAnswerOptions {
  /** Lab flag: accept plain RTP/AVP. */
  allowPlainRtp: boolean;
  /** The direction the offer carried (buildOffer's opts.direction); sendrecv when omitted. */
  offeredDirection?: Direction;
}

/**
 * `offerCaps` must be the capabilities the offer was built from with buildOffer().
 * Codec: the first one in the answer that matches an offered codec; the unit sends with the
 * answer's payload type and fmtp (the far end's receive constraints).
 */
export function negotiateAnswer(offerCaps: LocalMediaCapabilities, answerSdp: string, opts: NegotiateAnswerOptions): NegotiatedSession {
  const answer = parseSdp(answerSdp);
  const offered = offeredStreams(offerCaps);
  if (!offerCaps.srtp && !opts.allowPlainRtp) {
    throw streamError('E_SRTP_REFUSED', 'plain RTP was offered without the lab flag that allows it');
  }
  if (answer.media.length !== offered.length) {
    throw streamError('E_SDP_MALFORMED', `the answer has ${answer.media.length} m= lines, the offer had ${offered.length}`);
  }
  const streams: NegotiatedStream[] = [];
  offered.forEach((o, index) => {
    const m = answer.media[index]!;
    const where = { index, kind: o.kind };
    if (m.media !== o.kind) throw streamError('E_SDP_MALFORMED', `the answer has m=${m.media.slice(0, 16)} where the offer had m=${o.kind}`, where);
    if (m.port === 0) {
      if (o.kind === 'audio') throw streamError('E_CODEC_UNSUPPORTED', 'the far end rejected the audio stream', where);
      return;
    }
    const codec = firstOfferedCodec(m, o.codecs);
    if (!codec) {
      if (o.kind === 'audio') throw streamError('E_CODEC_UNSUPPORTED', 'the answer names no audio codec the unit offered', where);
      return; // An unusable video answer leaves the call audio-only.
    }
    const view = remoteView(answer, m);
    streams.push({
      kind: o.kind,
      codec,
      direction: unitDirection(opts.offeredDirection ?? 'sendrecv', view.direction, view.held),
      local: { address: offerCaps.address, rtpPort: o.rtpPort, rtcpPort: o.rtcpPort },
      remote: view.endpoint,
      srtp: answerSrtp(m, o, opts.allowPlainRtp, where),
    });
  });
  return { streams };
}

function firstOfferedCodec(m: SdpMedia, ours: Codec[]): Codec | null {
  for (const remote of codecsInOrder(m)) {
    if (ours.some((local) => codecsMatch(remote, local))) return remote;
  }
  return null;
}

function answerSrtp(
  m: SdpMedia,
  o: OfferedStream,
  allowPlainRtp: boolean,
  where: { index: number; kind: string },
): { tx: SrtpParams; rx: SrtpParams } | null {
  const family = transportFamily(m.proto);
  if (!o.key) {
    if (family !== 'AVP') throw streamError('E_SDP_MALFORMED', `the answer changed the transport to ${m.proto.slice(0, 32)}`, where);
    return null;
  }
  if (family === 'AVP') {
    if (allowPlainRtp) return null;
    throw streamError('E_SRTP_REFUSED', 'the far end answered plain RTP', where);
  }
  if (family !== 'SAVP') throw streamError('E_SDP_MALFORMED', `the answer changed the transport to ${m.proto.slice(0, 32)}`, where);
  for (const c of m.crypto) {
    const ours = OFFERED_CRYPTO.find((x) => x.tag === c.tag);
    if (!ours || ours.suite !== c.suite) continue; // RFC 4568: the answer must echo an offered tag and its suite.
    const verdict = srtpParamsFromCrypto(c);
    if (!verdict.ok) continue;
    return { tx: { suite: ours.suite, keySalt: o.key.keySalt }, rx: verdict.params };
  }
  throw streamError('E_SRTP_REFUSED', 'the answer carries no usable a=crypto line matching the offer', where);
}
