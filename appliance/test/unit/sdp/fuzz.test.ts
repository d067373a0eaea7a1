import { describe, expect, it } from 'vitest';
import { ApplianceError } from '../../../src/core/errors.js';
import { answerOffer, negotiateAnswer, parseSdp, serializeSdp } from '../../../src/adapters/sip/sdp/index.js';
import { fixture, unitCaps } from './helpers.js';
import { prng as rng } from '../../support/prng.js';


const CHARS = ['\r', '\n', '\r\n', '=', ':', ' ', '  ', '/', '0', '9', 'a', 'Z', '-', '|', '^', ';', '\t', '\u0000', 'é', '\uffff', '*', '.', '#'];
const NUMBERS = ['0', '-1', '65536', '99999999999999999999', '', 'x', '1e3', '0x10', '127', '128', '2^64'];
const LINES = [
  'm=', 'a=', 'c=IN IP4', 'c=IN IP4 0.0.0.0', 'a=crypto:1', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^99|1:999',
  'a=rtpmap:96', 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96', 'a=rtcp:', 'a=rtcp:1 IN IP9 x', 'a=sendonly', 'a=inactive',
  'm=video 0 RTP/SAVP 96', 'm=audio 5000 RTP/AVP 96', 'v=0', 't=0 0', 'o=- 1 1 IN IP4 1.2.3.4', 'b=AS:', 'k=clear:x',
  'a=ssrc:1', 'a=ssrc:99999999999 cname:x', 'a=rtcp-mux', 'x=y', '', ' ',
];

function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const at = () => Math.floor(rand() * (text.length + 1));
  const lines = () => text.split('\r\n');
  switch (Math.floor(rand() * 9)) {
    case 0: { const i = at(); return text.slice(0, i) + text.slice(i + 1); }
    case 1: { const i = at(); return text.slice(0, i) + pick(CHARS) + text.slice(i); }
    case 2: { const i = at(); return text.slice(0, i) + pick(CHARS) + text.slice(i + 1); }
    case 3: { const l = lines(); l.splice(Math.floor(rand() * l.length), 1); return l.join('\r\n'); }
    case 4: { const l = lines(); const i = Math.floor(rand() * l.length); l.splice(i, 0, l[i]!); return l.join('\r\n'); }
    case 5: {
      const l = lines();
      const i = Math.floor(rand() * l.length);
      const j = Math.floor(rand() * l.length);
      [l[i], l[j]] = [l[j]!, l[i]!];
      return l.join('\r\n');
    }
    case 6: return text.slice(0, at());
    case 7: {
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return text;
      const m = pick(numbers);
      return text.slice(0, m.index) + pick(NUMBERS) + text.slice(m.index! + m[0].length);
    }
    default: { const l = lines(); l.splice(Math.floor(rand() * l.length), 0, pick(LINES)); return l.join('\r\n'); }
  }
}

function outcome(fn: () => unknown, allowed: readonly string[]): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(ApplianceError);
    const err = e as ApplianceError;
    expect(allowed).toContain(err.code);
    expect(err.detail.internal).toBeUndefined();
    return 'error';
  }
}

describe('fuzz: random mutations of valid descriptions', () => {
  const sources = ['baresip-offer.sdp', 'baresip-offer-rtcp-mux.sdp', 'pexip-offer.sdp', 'baresip-answer.sdp', 'pexip-answer.sdp', 'pexip-reinvite-hold-c0.sdp'].map(fixture);
  const rand = rng(20240611);
  const cases = Array.from({ length: 500 }, () => {
    let text = sources[Math.floor(rand() * sources.length)]!;
    const rounds = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < rounds; i++) text = mutate(text, rand);
    return text;
  });

  it('parseSdp succeeds (and round-trips) or throws E_SDP_MALFORMED, nothing else', () => {
    const tally = { ok: 0, error: 0 };
    for (const text of cases) {
      const result = outcome(() => {
        const sd = parseSdp(text);
        expect(parseSdp(serializeSdp(sd))).toEqual(sd);
      }, ['E_SDP_MALFORMED']);
      tally[result]++;
    }
    // Both paths must be exercised for the test to mean anything.
    expect(tally.ok).toBeGreaterThan(50);
    expect(tally.error).toBeGreaterThan(50);
  });

  it('answerOffer and negotiateAnswer only ever throw their documented codes', () => {
    const codes = ['E_SDP_MALFORMED', 'E_SRTP_REFUSED', 'E_CODEC_UNSUPPORTED'] as const;
    for (const text of cases) {
      outcome(() => answerOffer(text, unitCaps(), { sessionId: 1, sessionVersion: 1, allowPlainRtp: false }), codes);
      outcome(() => negotiateAnswer(unitCaps(), text, { allowPlainRtp: true }), codes);
    }
  });
});
