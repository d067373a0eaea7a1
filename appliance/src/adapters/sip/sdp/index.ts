/** SDP offer/answer with SDES-SRTP for the SIP adapter. Pure: no I/O, keys come from the caller. */
export { parseSdp, parseFmtpParams, MAX_SDP_LENGTH } from './parse.js';
export { serializeSdp } from './serialize.js';
export { buildOffer, offeredStreams, OFFERED_CRYPTO, type OfferOptions, type OfferedStream } from './offer.js';
export { negotiateAnswer, type NegotiateAnswerOptions } from './negotiate.js';
export { answerOffer, type AnswerOfferOptions, type AnswerResult } from './answer.js';
export {
  parseCryptoAttribute,
  serializeCryptoAttribute,
  formatCryptoAttribute,
  srtpParamsFromCrypto,
  generateSrtpParams,
  isSrtpSuite,
  SRTP_SUITES,
  SRTP_KEY_SALT_LENGTH,
  type CryptoVerdict,
} from './crypto-attribute.js';
export { srtpKeyToHex, gstSrtpNames, type GstSrtpNames, type GstSrtpAuth, type GstSrtpCipher } from './srtp-gst.js';
export { codecsMatch, codecFromMedia, codecsInOrder } from './codecs.js';
export { reverseDirection, unitDirection } from './direction.js';
export type { SessionIdentity } from './local-description.js';
export type * from './model.js';
