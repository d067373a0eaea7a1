/**
 * The unit's answer to a far-end offer: an inbound call or a far-end re-INVITE (hold/resume,
 * codec change, new keys). RFC 3264: the answer has as many m= lines as the offer, in the same
 * order; a line the unit will not use is answered with port 0.
 */
import type {
  Codec,
  Direction,
  LocalMediaCapabilities,
  MediaKind,
  NegotiatedSession,
  NegotiatedStream,
  SrtpParams,
  SrtpSuite,
} from '../../../core/media-types.js';
import { answerFmtp, codecsInOrder, codecsMatch } from './codecs.js';
import { srtpParamsFromCrypto } from './crypto-attribute.js';
import { unitDirection } from './direction.js';
import { addCodec, addRtcpPort, cryptoLine, sessionSkeleton, type SessionIdentity } from './local-description.js';
import { emptyMedia, type SdpMedia, type SessionDescription } from './model.js';
import { parseSdp } from './parse.js';
import { mediaKind, remoteView, transportFamily } from './remote-view.js';
import { serializeSdp } from './serialize.js';
import { streamError } from './sdp-errors.js';

export interface AnswerOfferOptions extends SessionIdentity {
  /** Lab flag: accept a plain RTP/AVP offer. */
  allowPlainRtp: boolean;
  /** The session in force before this offer (re-INVITE): the unit keeps its send key per suite. */
  previous?: NegotiatedSession;
  /** What the unit wants on every stream; sendrecv when omitted. */
  direction?: Direction;
}

export interface AnswerResult {
  sdp: string;
  session: NegotiatedSession;
}

type Outcome = { media: SdpMedia; stream: NegotiatedStream } | { media: SdpMedia; rejected: string };

interface Context {
  offer: SessionDescription;
  caps: LocalMediaCapabilities;
  opts: AnswerOfferOptions;
  used: Set<MediaKind>;
}

export function answerOffer(remoteOfferSdp: string, caps: LocalMediaCapabilities, opts: AnswerOfferOptions): AnswerResult {
  const offer = parseSdp(remoteOfferSdp);
  const ctx: Context = { offer, caps, opts, used: new Set() };
  const sd = sessionSkeleton(opts, caps.address);
  const streams: NegotiatedStream[] = [];
  let audioRejected: string | null = null;
  offer.media.forEach((m, index) => {
    const outcome = answerMedia(ctx, m, index);
    sd.media.push(outcome.media);
    if ('stream' in outcome) streams.push(outcome.stream);
    else if (m.media === 'audio') audioRejected ??= outcome.rejected;
  });
  if (!ctx.used.has('audio')) {
    throw streamError('E_CODEC_UNSUPPORTED', audioRejected ? `no usable audio stream: ${audioRejected}` : 'the offer has no audio stream');
  }
  return { sdp: serializeSdp(sd), session: { streams } };
}

function answerMedia(ctx: Context, m: SdpMedia, index: number): Outcome {
  const reject = (reason: string): Outcome => ({ media: emptyMedia(m.media, 0, m.proto, m.formats), rejected: reason });
  const kind = mediaKind(m);
  if (m.port === 0) return reject('the far end disabled it');
  if (!kind) return reject('unsupported media type');
  if (ctx.used.has(kind)) return reject(`the unit handles one ${kind} stream`);
  const local = kind === 'audio' ? ctx.caps.audio : ctx.caps.video;
  if (!local || local.codecs.length === 0) return reject(`the unit has no ${kind}`);
  const family = transportFamily(m.proto);
  if (!family) return reject(`unsupported transport ${m.proto.slice(0, 32)}`);
  const choice = firstSupportedCodec(m, local.codecs);
  if (!choice) return reject('no codec the unit supports');

  const where = { index, kind };
  const chosen = family === 'SAVP' ? chooseCrypto(ctx, m, kind, where) : null;
  if (family === 'AVP' && !ctx.opts.allowPlainRtp) throw streamError('E_SRTP_REFUSED', 'the far end offered plain RTP', where);

  ctx.used.add(kind);
  const view = remoteView(ctx.offer, m);
  const direction = unitDirection(ctx.opts.direction ?? 'sendrecv', view.direction, view.held);
  const media = emptyMedia(kind, local.rtpPort, m.proto, [String(choice.remote.payloadType)]);
  addRtcpPort(media, local.rtpPort, local.rtcpPort);
  addCodec(media, choice.local, answerFmtp(choice.local, choice.remote), choice.remote.payloadType);
  media.direction = direction;
  if (chosen) media.crypto.push(cryptoLine(chosen.tag, chosen.srtp.tx));
  return {
    media,
    stream: {
      kind,
      codec: choice.remote,
      direction,
      local: { address: ctx.caps.address, rtpPort: local.rtpPort, rtcpPort: local.rtcpPort },
      remote: view.endpoint,
      srtp: chosen ? chosen.srtp : null,
    },
  };
}

function firstSupportedCodec(m: SdpMedia, ours: Codec[]): { remote: Codec; local: Codec } | null {
  for (const remote of codecsInOrder(m)) {
    const local = ours.find((c) => codecsMatch(remote, c));
    if (local) return { remote, local };
  }
  return null;
}

/**
 * The first offered AES_CM_128_HMAC_SHA1_80 line the unit can honour, else the first usable _32
 * one. _80 goes first whatever the offer order: for _32, RFC 4568 keeps an 80-bit SRTCP tag, but
 * some stacks (baresip 1.0 / libre, checked on this machine) use 32 bits there too, so with _32
 * RTCP fails to authenticate against one kind of peer or the other. With _80 there is no doubt.
 */
function chooseCrypto(
  ctx: Context,
  m: SdpMedia,
  kind: MediaKind,
  where: { index: number; kind: string },
): { tag: number; srtp: { tx: SrtpParams; rx: SrtpParams } } {
  const ownKey = ctx.caps.srtp?.[kind];
  if (!ownKey) throw streamError('E_SRTP_REFUSED', 'the far end offered SRTP but the unit has no SRTP keys', where);
  const usable = m.crypto.flatMap((c) => {
    const verdict = srtpParamsFromCrypto(c);
    return verdict.ok ? [{ tag: c.tag, rx: verdict.params }] : [];
  });
  const chosen = usable.find((u) => u.rx.suite === 'AES_CM_128_HMAC_SHA1_80') ?? usable[0];
  if (!chosen) throw streamError('E_SRTP_REFUSED', 'the offer carries no usable a=crypto line', where);
  const suite = chosen.rx.suite;
  const keySalt = previousTxKey(ctx.opts.previous, kind, suite) ?? ownKey.keySalt;
  return { tag: chosen.tag, srtp: { tx: { suite, keySalt }, rx: chosen.rx } };
}

/** Keeping the send key across re-INVITEs spares the media engine a sender re-key on hold/resume. */
function previousTxKey(previous: NegotiatedSession | undefined, kind: MediaKind, suite: SrtpSuite): Uint8Array | null {
  const s = previous?.streams.find((x) => x.kind === kind);
  return s?.srtp && s.srtp.tx.suite === suite ? s.srtp.tx.keySalt : null;
}
