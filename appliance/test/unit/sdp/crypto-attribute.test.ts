import { describe, expect, it } from 'vitest';
import {
  formatCryptoAttribute,
  generateSrtpParams,
  gstSrtpNames,
  parseCryptoAttribute,
  serializeCryptoAttribute,
  srtpKeyToHex,
  srtpParamsFromCrypto,
} from '../../../src/adapters/sip/sdp/index.js';
import { decodeBase64, encodeBase64 } from '../../../src/adapters/sip/sdp/base64.js';
import { expectCode, KEY30_B64 } from './helpers.js';

const KEY30 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcd');

function verdict(value: string) {
  const c = parseCryptoAttribute(value);
  if (!c) throw new Error(`did not parse: ${value}`);
  return srtpParamsFromCrypto(c);
}

describe('parseCryptoAttribute (RFC 4568 syntax)', () => {
  it('reads tag, suite and an inline key', () => {
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`)).toEqual({
      tag: 1,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keys: [{ method: 'inline', info: KEY30_B64, inline: { keySalt: KEY30_B64, lifetime: null, mki: null } }],
      sessionParams: [],
    });
  });

  it('reads lifetime, MKI, several keys and session parameters', () => {
    const c = parseCryptoAttribute(`7 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}|2^20|1:4;inline:${KEY30_B64}|2^20|2:4 KDR=0 WSH=128`)!;
    expect(c.tag).toBe(7);
    expect(c.keys.map((k) => k.inline)).toEqual([
      { keySalt: KEY30_B64, lifetime: '2^20', mki: { value: '1', length: 4 } },
      { keySalt: KEY30_B64, lifetime: '2^20', mki: { value: '2', length: 4 } },
    ]);
    expect(c.sessionParams).toEqual(['KDR=0', 'WSH=128']);
  });

  it('reads an MKI without a lifetime, and a decimal lifetime', () => {
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1:1`)!.keys[0]!.inline).toEqual({ keySalt: KEY30_B64, lifetime: null, mki: { value: '1', length: 1 } });
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1048576`)!.keys[0]!.inline!.lifetime).toBe('1048576');
  });

  it('keeps unknown suites and key methods (the usability check rejects them)', () => {
    expect(parseCryptoAttribute('1 F8_128_HMAC_SHA1_80 uri:https://example.org/k')!.keys[0]).toEqual({ method: 'uri', info: 'https://example.org/k', inline: null });
  });

  it.each([
    ['no fields', ''],
    ['no key params', '1 AES_CM_128_HMAC_SHA1_80'],
    ['non-numeric tag', `a AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`],
    ['ten-digit tag', `1234567890 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`],
    ['bad suite characters', `1 AES-CM inline:${KEY30_B64}`],
    ['key param without method', `1 AES_CM_128_HMAC_SHA1_80 ${KEY30_B64}`],
    ['empty key info', '1 AES_CM_128_HMAC_SHA1_80 inline:'],
    ['non-base64 key', '1 AES_CM_128_HMAC_SHA1_80 inline:not*base64'],
    ['garbage after the key', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|abc`],
    ['two lifetimes', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^20|2^30`],
    ['lifetime after MKI', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1:1|2^20`],
    ['MKI length 0', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1:0`],
    ['MKI length above 128', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1:129`],
  ])('returns null for %s', (_name, value) => {
    expect(parseCryptoAttribute(value)).toBeNull();
  });

  it('serializes back to the same text', () => {
    for (const text of [
      `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`,
      `2 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}|2^31|1:1 WSH=64`,
      `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^20|1:4;inline:${KEY30_B64}|2^20|2:4`,
    ]) {
      expect(serializeCryptoAttribute(parseCryptoAttribute(text)!)).toBe(text);
    }
  });

  it('formats the unit\'s own key', () => {
    expect(formatCryptoAttribute(2, { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: KEY30 })).toBe(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`);
  });
});

describe('srtpParamsFromCrypto (what the unit can honour)', () => {
  it('accepts both supported suites with a 30-byte key', () => {
    expect(verdict(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`)).toEqual({ ok: true, params: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: KEY30 } });
    expect(verdict(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`)).toEqual({ ok: true, params: { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: KEY30 } });
  });

  it('accepts lifetimes the unit will not outlast and harmless session parameters', () => {
    for (const v of [
      `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31`,
      `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^48`,
      `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1048576`,
      `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} KDR=0 WSH=64 FEC_ORDER=FEC_SRTP`,
    ]) {
      expect(verdict(v).ok).toBe(true);
    }
  });

  it.each([
    ['an unsupported suite', `1 AES_256_CM_HMAC_SHA1_80 inline:${KEY30_B64}`, /unsupported suite/],
    ['AEAD suites', `1 AEAD_AES_128_GCM inline:${KEY30_B64}`, /unsupported suite/],
    ['a 29-byte key', `1 AES_CM_128_HMAC_SHA1_80 inline:${encodeBase64(new Uint8Array(29))}`, /29 bytes/],
    ['a 46-byte key', `1 AES_CM_128_HMAC_SHA1_80 inline:${encodeBase64(new Uint8Array(46))}`, /46 bytes/],
    ['a key with bad padding', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}=`, /base64/],
    ['an MKI', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31|1:1`, /MKI/],
    ['two keys', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64};inline:${KEY30_B64}`, /more than one key/],
    ['a non-inline key method', '1 AES_CM_128_HMAC_SHA1_80 uri:https://example.org/k', /key method/],
    ['a short lifetime', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^10`, /lifetime/],
    ['a lifetime above 2^48', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^64`, /lifetime/],
    ['UNENCRYPTED_SRTP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} UNENCRYPTED_SRTP`, /refused/],
    ['UNAUTHENTICATED_SRTP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} UNAUTHENTICATED_SRTP`, /refused/],
    ['a key derivation rate', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} KDR=24`, /key derivation/],
    ['a small window size hint', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} WSH=8`, /window/],
    ['FEC before SRTP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} FEC_ORDER=SRTP_FEC`, /FEC/],
    ['an unknown session parameter', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64} FOO=1`, /FOO/],
  ])('ignores a line with %s', (_name, value, reason) => {
    const v = verdict(value);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(reason);
  });
});

describe('key helpers', () => {
  it('generates a key from the supplied random source, copying it', () => {
    const src = new Uint8Array(30).map((_, i) => i);
    const p = generateSrtpParams((n) => (n === 30 ? src : new Uint8Array(0)));
    expect(p.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect([...p.keySalt]).toEqual([...src]);
    src[0] = 99;
    expect(p.keySalt[0]).toBe(0);
    expect(generateSrtpParams(() => src, 'AES_CM_128_HMAC_SHA1_32').suite).toBe('AES_CM_128_HMAC_SHA1_32');
  });

  it('refuses a random source that returns the wrong length', () => {
    expectCode(() => generateSrtpParams(() => new Uint8Array(16)), 'E_MEDIA_PIPELINE');
  });

  it('writes keys as lower-case hex for GStreamer caps', () => {
    expect(srtpKeyToHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
    expect(srtpKeyToHex(KEY30)).toHaveLength(60);
  });

  it('names GStreamer ciphers and auths; SRTCP keeps an 80-bit tag for the _32 suite', () => {
    expect(gstSrtpNames('AES_CM_128_HMAC_SHA1_80')).toEqual({ rtpCipher: 'aes-128-icm', rtpAuth: 'hmac-sha1-80', rtcpCipher: 'aes-128-icm', rtcpAuth: 'hmac-sha1-80' });
    expect(gstSrtpNames('AES_CM_128_HMAC_SHA1_32')).toEqual({ rtpCipher: 'aes-128-icm', rtpAuth: 'hmac-sha1-32', rtcpCipher: 'aes-128-icm', rtcpAuth: 'hmac-sha1-80' });
  });

  it('base64 agrees with Node for every length and rejects sloppy input', () => {
    for (let n = 0; n < 50; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const b64 = encodeBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(decodeBase64(b64)).toEqual(bytes);
      expect(decodeBase64(b64.replace(/=+$/, ''))).toEqual(bytes);
    }
    for (const bad of ['A', 'AB=C', 'AB C', 'ABC*', 'AB===', '=AB']) expect(decodeBase64(bad)).toBeNull();
  });
});
