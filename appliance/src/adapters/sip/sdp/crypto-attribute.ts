/**
 * RFC 4568 (SDES) a=crypto attributes: syntax, usability for the unit, serialization, key generation.
 *
 * Parsing is two steps on purpose: parseCryptoAttribute() accepts anything the RFC grammar
 * allows (so the SDP model keeps it), srtpParamsFromCrypto() decides whether the unit can
 * honour it. A line the unit cannot honour is ignored, never an error by itself.
 */
import { ApplianceError } from '../../../core/errors.js';
import type { SrtpParams, SrtpSuite } from '../../../core/media-types.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { SdpCrypto, SdpCryptoKey } from './model.js';

export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** 16-byte AES-128 master key followed by the 14-byte master salt. */
export const SRTP_KEY_SALT_LENGTH = 30;

/**
 * Packets a key must last for the unit to accept it: the unit never re-keys, and a 30-minute
 * call with video sends about 2^20 packets per stream.
 */
const MIN_LIFETIME_PACKETS = 2 ** 20;
/** RFC 3711: an SRTP master key must not be used for more than 2^48 packets. */
const MAX_LIFETIME_PACKETS = 2 ** 48;

export function isSrtpSuite(s: string): s is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(s);
}

/** Syntax of one a=crypto value (after "crypto:"); null when it does not follow RFC 4568. */
export function parseCryptoAttribute(value: string): SdpCrypto | null {
  const fields = value.trim().split(/[ \t]+/);
  const [tagText, suite, keyParams, ...sessionParams] = fields;
  if (tagText === undefined || suite === undefined || keyParams === undefined) return null;
  if (!/^\d{1,9}$/.test(tagText)) return null;
  if (!/^[A-Za-z0-9_]+$/.test(suite)) return null;
  const keys: SdpCryptoKey[] = [];
  for (const part of keyParams.split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) return null;
    const method = part.slice(0, colon);
    const info = part.slice(colon + 1);
    if (!/^[A-Za-z0-9_-]+$/.test(method) || info === '') return null;
    let inline: SdpCryptoKey['inline'] = null;
    if (method === 'inline') {
      inline = parseInlineKeyInfo(info);
      if (!inline) return null;
    }
    keys.push({ method, info, inline });
  }
  return { tag: Number(tagText), suite, keys, sessionParams };
}

function parseInlineKeyInfo(info: string): SdpCryptoKey['inline'] {
  const parts = info.split('|');
  const keySalt = parts.shift();
  if (keySalt === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(keySalt)) return null;
  let lifetime: string | null = null;
  let mki: { value: string; length: number } | null = null;
  for (const p of parts) {
    const mkiMatch = /^(\d+):(\d{1,3})$/.exec(p);
    if (mkiMatch && mki === null) {
      const length = Number(mkiMatch[2]);
      if (length < 1 || length > 128) return null;
      mki = { value: mkiMatch[1]!, length };
    } else if (/^(?:2\^)?\d+$/.test(p) && lifetime === null && mki === null) {
      lifetime = p;
    } else {
      return null;
    }
  }
  return { keySalt, lifetime, mki };
}

export function serializeCryptoAttribute(c: SdpCrypto): string {
  const keys = c.keys.map((k) => `${k.method}:${k.info}`).join(';');
  return [String(c.tag), c.suite, keys, ...c.sessionParams].join(' ');
}

/** The a=crypto value the unit sends for its own key. */
export function formatCryptoAttribute(tag: number, params: SrtpParams): string {
  return `${tag} ${params.suite} inline:${encodeBase64(params.keySalt)}`;
}

export type CryptoVerdict = { ok: true; params: SrtpParams } | { ok: false; reason: string };

/** Whether the unit can use this line, and with which suite and key. */
export function srtpParamsFromCrypto(c: SdpCrypto): CryptoVerdict {
  if (!isSrtpSuite(c.suite)) return { ok: false, reason: `unsupported suite ${c.suite}` };
  if (c.keys.length !== 1) return { ok: false, reason: 'more than one key (needs MKI)' };
  const key = c.keys[0]!;
  if (!key.inline) return { ok: false, reason: `unsupported key method ${key.method}` };
  if (key.inline.mki) return { ok: false, reason: 'MKI is not supported' };
  if (key.inline.lifetime !== null) {
    const packets = lifetimePackets(key.inline.lifetime);
    if (packets < MIN_LIFETIME_PACKETS || packets > MAX_LIFETIME_PACKETS) {
      return { ok: false, reason: 'key lifetime out of range' };
    }
  }
  for (const p of c.sessionParams) {
    const problem = sessionParamProblem(p);
    if (problem) return { ok: false, reason: problem };
  }
  const bytes = decodeBase64(key.inline.keySalt);
  if (!bytes) return { ok: false, reason: 'key is not valid base64' };
  if (bytes.length !== SRTP_KEY_SALT_LENGTH) return { ok: false, reason: `key is ${bytes.length} bytes, expected ${SRTP_KEY_SALT_LENGTH}` };
  return { ok: true, params: { suite: c.suite, keySalt: bytes } };
}

function lifetimePackets(text: string): number {
  return text.startsWith('2^') ? 2 ** Number(text.slice(2)) : Number(text);
}

/** RFC 4568 section 6.3: session parameters change how SRTP runs; the unit runs only the defaults. */
function sessionParamProblem(p: string): string | null {
  const [name = '', value] = p.split('=', 2);
  switch (name) {
    case 'KDR':
      return value === '0' ? null : 'key derivation rate is not supported';
    case 'WSH':
      return value !== undefined && /^\d+$/.test(value) && Number(value) >= 64 ? null : 'bad window size hint';
    case 'FEC_ORDER':
      return value === 'FEC_SRTP' ? null : 'FEC order is not supported';
    case 'UNENCRYPTED_SRTP':
    case 'UNENCRYPTED_SRTCP':
    case 'UNAUTHENTICATED_SRTP':
      return `${name} is refused`;
    default:
      return `session parameter ${name} is not supported`;
  }
}

/** Fresh SRTP master key and salt from a caller-supplied random source (e.g. node:crypto randomBytes). */
export function generateSrtpParams(
  randomBytes: (n: number) => Uint8Array,
  suite: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80',
): SrtpParams {
  const bytes = randomBytes(SRTP_KEY_SALT_LENGTH);
  if (bytes.length !== SRTP_KEY_SALT_LENGTH) {
    throw new ApplianceError('E_MEDIA_PIPELINE', `random source returned ${bytes.length} bytes, expected ${SRTP_KEY_SALT_LENGTH}`);
  }
  return { suite, keySalt: Uint8Array.from(bytes) };
}
