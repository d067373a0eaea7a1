import { describe, expect, it } from 'vitest';
import type { LocalMediaCapabilities } from '../../../src/core/media-types.js';
import { answerOffer, buildOffer, negotiateAnswer, parseSdp } from '../../../src/adapters/sip/sdp/index.js';
import { decodeBase64, encodeBase64 } from '../../../src/adapters/sip/sdp/base64.js';
import { AUDIO_KEY, expectCode, fixture, KEY30_B64, sdp, unitCaps, VIDEO_KEY } from './helpers.js';

const OPTS = { sessionId: 77, sessionVersion: 1, allowPlainRtp: false };
const KEY30 = decodeBase64(KEY30_B64)!;
const HEAD = ['v=0', 'o=- 9 9 IN IP4 203.0.113.9', 's=-', 'c=IN IP4 203.0.113.9', 't=0 0'];
const CRYPTO80 = `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`;
const AUDIO = ['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', CRYPTO80];
const VIDEO = ['m=video 7002 RTP/SAVP 100', 'a=rtpmap:100 VP8/90000', CRYPTO80];

function offer(...blocks: string[][]): string {
  return sdp(...HEAD, ...blocks.flat());
}

describe('answerOffer: real baresip offer', () => {
  const { sdp: text, session } = answerOffer(fixture('baresip-offer.sdp'), unitCaps(), OPTS);
  const ans = parseSdp(text);

  it('answers opus and VP8 on baresip payload types with the unit own keys and ports', () => {
    expect(text).toContain('m=audio 40000 RTP/SAVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=sendrecv\r\n' +
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${encodeBase64(AUDIO_KEY)}\r\n`);
    expect(text).toContain('m=video 40002 RTP/SAVP 96\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n' +
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${encodeBase64(VIDEO_KEY)}\r\n`);
    expect(ans.connection!.address).toBe('127.0.0.1');
    expect(ans.origin).toMatchObject({ sessionId: '77', sessionVersion: '1' });
  });

  it('returns the session: remote from the offer, rx = baresip key, tx = the unit key', () => {
    expect(session.streams[0]).toEqual({
      kind: 'audio',
      codec: { name: 'opus', payloadType: 96, clockRate: 48000, channels: 2, fmtp: { stereo: '1', 'sprop-stereo': '1' } },
      direction: 'sendrecv',
      local: { address: '127.0.0.1', rtpPort: 40000, rtcpPort: 40001 },
      remote: { address: '192.0.2.2', rtpPort: 20060, rtcpPort: 20061 },
      srtp: {
        tx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: AUDIO_KEY },
        rx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: decodeBase64('Bb5RasPt9p9gqVIZ2AtOO4daxr5EiPfZHz8SqE4U') },
      },
    });
    expect(session.streams[1]!.codec.name).toBe('VP8');
  });

  it('does not accept a=rtcp-mux and keeps RTCP on port + 1', () => {
    const r = answerOffer(fixture('baresip-offer-rtcp-mux.sdp'), unitCaps(), OPTS);
    expect(r.sdp).not.toContain('rtcp-mux');
    expect(r.session.streams.map((s) => s.remote.rtcpPort)).toEqual([20039, 20033]);
  });
});

describe('answerOffer: Pexip-like offer', () => {
  const { sdp: text, session } = answerOffer(fixture('pexip-offer.sdp'), unitCaps(), OPTS);
  const ans = parseSdp(text);

  it('keeps m= line count and order, rejecting the slides and BFCP lines with port 0', () => {
    expect(ans.media.map((m) => `${m.media} ${m.port} ${m.proto} ${m.formats.join(' ')}`)).toEqual([
      'audio 40000 RTP/SAVP 114',
      'video 40002 RTP/SAVP 97',
      'video 0 RTP/SAVP 97',
      'application 0 TCP/BFCP *',
    ]);
    expect(session.streams.map((s) => s.kind)).toEqual(['audio', 'video']);
  });

  it('skips H.264 High and picks Constrained Baseline packetization-mode 1', () => {
    expect(session.streams[1]!.codec).toMatchObject({ name: 'H264', payloadType: 97 });
    expect(ans.media[1]!.fmtps[0]!.params).toEqual({ 'packetization-mode': '1', 'profile-level-id': '42e01f' });
  });

  it('answers the first usable crypto line with its tag and suite, and honours a=rtcp', () => {
    expect(ans.media[0]!.crypto.map((c) => [c.tag, c.suite])).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80']]);
    expect(session.streams.map((s) => s.remote)).toEqual([
      { address: '198.51.100.20', rtpPort: 40020, rtcpPort: 40021 },
      { address: '198.51.100.20', rtpPort: 40022, rtcpPort: 40023 },
    ]);
  });
});

describe('answerOffer: far-end re-INVITEs', () => {
  const first = answerOffer(fixture('pexip-offer.sdp'), unitCaps(), OPTS).session;

  it('hold with a=sendonly: the unit answers recvonly and only receives', () => {
    const r = answerOffer(fixture('pexip-reinvite-hold.sdp'), unitCaps(), { ...OPTS, sessionVersion: 2, previous: first });
    expect(parseSdp(r.sdp).media.slice(0, 2).map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
    expect(r.session.streams.map((s) => s.direction)).toEqual(['recvonly', 'recvonly']);
    expect(r.session.streams.map((s) => s.srtp!.tx)).toEqual(first.streams.map((s) => s.srtp!.tx));
  });

  it('RFC 2543 hold with c=0.0.0.0: the unit stops sending; inactive stays inactive', () => {
    const r = answerOffer(fixture('pexip-reinvite-hold-c0.sdp'), unitCaps(), { ...OPTS, previous: first });
    expect(r.session.streams.map((s) => s.direction)).toEqual(['recvonly', 'inactive']);
    expect(parseSdp(r.sdp).connection!.address).toBe('127.0.0.1');
  });

  it('resume: sendrecv again', () => {
    const r = answerOffer(fixture('pexip-offer.sdp'), unitCaps(), { ...OPTS, sessionVersion: 3, previous: first });
    expect(r.session.streams.map((s) => s.direction)).toEqual(['sendrecv', 'sendrecv']);
  });

  it.each([
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
    ['sendrecv', 'sendrecv'],
  ])('offer %s -> answer %s', (offered, answered) => {
    const r = answerOffer(offer([...AUDIO, `a=${offered}`]), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[0]!.direction).toBe(answered);
    expect(r.session.streams[0]!.direction).toBe(answered);
  });

  it('a session-level direction applies to sections without their own', () => {
    const r = answerOffer(sdp(...HEAD, 'a=sendonly', ...AUDIO, ...VIDEO, 'a=sendrecv'), unitCaps(), OPTS);
    expect(r.session.streams.map((s) => s.direction)).toEqual(['recvonly', 'sendrecv']);
  });

  it('codec change: follows the new offer', () => {
    const r = answerOffer(offer(AUDIO, ['m=video 7002 RTP/SAVP 120', 'a=rtpmap:120 VP8/90000', CRYPTO80]), unitCaps(), { ...OPTS, previous: first });
    expect(r.session.streams[1]!.codec).toMatchObject({ name: 'VP8', payloadType: 120 });
  });

  it('new far-end keys: rx follows the offer, tx keeps the previous key for the same suite', () => {
    const previous = structuredClone(first);
    const oldTx = new Uint8Array(30).fill(7);
    previous.streams[0]!.srtp!.tx = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: oldTx };
    const r = answerOffer(offer(AUDIO, VIDEO), unitCaps(), { ...OPTS, previous });
    expect(r.session.streams[0]!.srtp).toEqual({ tx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: oldTx }, rx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: KEY30 } });
    expect(r.sdp).toContain(`inline:${encodeBase64(oldTx)}`);
    // video had no different previous key, so it uses the capability key
    expect(r.session.streams[1]!.srtp!.tx.keySalt).toEqual(VIDEO_KEY);
  });

  it('a suite change uses the capability key, not the previous one', () => {
    const previous = structuredClone(first);
    previous.streams[0]!.srtp!.tx = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(7) };
    const r = answerOffer(offer(['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', `a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`]), unitCaps(), { ...OPTS, previous });
    expect(r.session.streams[0]!.srtp!.tx).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: AUDIO_KEY });
    expect(r.sdp).toContain(`a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:${encodeBase64(AUDIO_KEY)}`);
  });
});

describe('answerOffer: choices', () => {
  it('first offered codec the unit supports wins, per m= line', () => {
    const r = answerOffer(offer(
      ['m=audio 7000 RTP/SAVP 0 8 109 111', 'a=rtpmap:109 opus/48000/2', 'a=fmtp:109 maxplaybackrate=16000', 'a=rtpmap:111 opus/48000/2', CRYPTO80],
      ['m=video 7002 RTP/SAVP 100 102', 'a=rtpmap:100 VP8/90000', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 packetization-mode=1', CRYPTO80],
    ), unitCaps(), OPTS);
    expect(r.session.streams.map((s) => [s.codec.name, s.codec.payloadType])).toEqual([['opus', 109], ['VP8', 100]]);
    expect(r.session.streams[0]!.codec.fmtp).toEqual({ maxplaybackrate: '16000' });
  });

  it('prefers _80 even when the offer lists _32 first (SRTCP tag length differs between stacks)', () => {
    const r = answerOffer(offer(['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2',
      `a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`, CRYPTO80]), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[0]!.crypto.map((c) => [c.tag, c.suite])).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80']]);
  });

  it('takes _32 with the offered tag when it is the only usable suite', () => {
    const r = answerOffer(offer(['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2',
      `a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`, `a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|1:1`]), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[0]!.crypto.map((c) => [c.tag, c.suite])).toEqual([[4, 'AES_CM_128_HMAC_SHA1_32']]);
    expect(r.session.streams[0]!.srtp).toEqual({ tx: { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: AUDIO_KEY }, rx: { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: KEY30 } });
  });

  it('skips unusable crypto lines (MKI, bad key, unknown suite) for a usable one', () => {
    const r = answerOffer(offer(['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31|1:1`,
      'a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:QUJD',
      `a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:${KEY30_B64}`,
      `a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31`]), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[0]!.crypto.map((c) => c.tag)).toEqual([9]);
  });

  it('H.264: answers the offer profile at the lower of the two levels', () => {
    const h264 = (plid: string) => answerOffer(offer(AUDIO, ['m=video 7002 RTP/SAVP 126', 'a=rtpmap:126 H264/90000',
      `a=fmtp:126 profile-level-id=${plid};packetization-mode=1`, CRYPTO80]), unitCaps(), OPTS);
    expect(parseSdp(h264('42e028').sdp).media[1]!.fmtps[0]!.params['profile-level-id']).toBe('42e01f');
    expect(parseSdp(h264('42001f').sdp).media[1]!.fmtps[0]!.params['profile-level-id']).toBe('42001f');
    expect(parseSdp(h264('42c00d').sdp).media[1]!.fmtps[0]!.params['profile-level-id']).toBe('42c00d');
  });

  it('rejects video with port 0 when the unit has no video, and a second audio line', () => {
    const r = answerOffer(offer(AUDIO, VIDEO), unitCaps({ video: null }), OPTS);
    expect(parseSdp(r.sdp).media.map((m) => m.port)).toEqual([40000, 0]);
    const two = answerOffer(offer(AUDIO, ['m=audio 7004 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', CRYPTO80]), unitCaps(), OPTS);
    expect(parseSdp(two.sdp).media.map((m) => m.port)).toEqual([40000, 0]);
    expect(two.session.streams).toHaveLength(1);
  });

  it('answers a disabled (port 0) offer line with port 0', () => {
    const r = answerOffer(offer(AUDIO, ['m=video 0 RTP/SAVP 100']), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[1]).toMatchObject({ media: 'video', port: 0, formats: ['100'] });
  });

  it('rejects video with only codecs the unit lacks, even without crypto', () => {
    const r = answerOffer(offer(AUDIO, ['m=video 7002 RTP/AVP 34', 'a=rtpmap:34 H263/90000']), unitCaps(), OPTS);
    expect(parseSdp(r.sdp).media[1]!.port).toBe(0);
  });

  it('honours a=rtcp and writes its own a=rtcp when its RTCP port is not port + 1', () => {
    const caps: LocalMediaCapabilities = unitCaps();
    caps.audio.rtcpPort = 41001;
    const r = answerOffer(offer([...AUDIO, 'a=rtcp:7101', 'a=rtcp-mux']), caps, OPTS);
    expect(r.session.streams[0]!.remote.rtcpPort).toBe(7101);
    expect(r.session.streams[0]!.local.rtcpPort).toBe(41001);
    expect(parseSdp(r.sdp).media[0]).toMatchObject({ rtcp: { port: 41001, connection: null }, rtcpMux: false });
  });

  it('takes the media-level c= over the session c=', () => {
    const r = answerOffer(offer([...AUDIO, 'c=IN IP4 203.0.113.77']), unitCaps(), OPTS);
    expect(r.session.streams[0]!.remote.address).toBe('203.0.113.77');
  });
});

describe('answerOffer: plain RTP and failures', () => {
  const plain = ['m=audio 7000 RTP/AVP 111', 'a=rtpmap:111 opus/48000/2'];

  it('E_SRTP_REFUSED for an RTP/AVP offer when SRTP is mandatory', () => {
    expectCode(() => answerOffer(offer(plain), unitCaps(), OPTS), 'E_SRTP_REFUSED');
    expectCode(() => answerOffer(offer(AUDIO, ['m=video 7002 RTP/AVP 100', 'a=rtpmap:100 VP8/90000']), unitCaps(), OPTS), 'E_SRTP_REFUSED');
  });

  it('answers RTP/AVP without crypto under the lab flag', () => {
    const r = answerOffer(offer(plain), unitCaps(), { ...OPTS, allowPlainRtp: true });
    expect(parseSdp(r.sdp).media[0]).toMatchObject({ proto: 'RTP/AVP', crypto: [] });
    expect(r.session.streams[0]!.srtp).toBeNull();
  });

  it.each([
    ['no crypto line', []],
    ['only an MKI line', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31|1:1`]],
    ['only a wrong-length key', ['a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUA==']],
    ['only an unknown suite', [`a=crypto:1 AEAD_AES_256_GCM inline:${KEY30_B64}`]],
  ])('E_SRTP_REFUSED for RTP/SAVP with %s', (_name, lines) => {
    const e = expectCode(() => answerOffer(offer(['m=audio 7000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', ...lines]), unitCaps(), { ...OPTS, allowPlainRtp: true }), 'E_SRTP_REFUSED');
    expect(e.detail).toMatchObject({ stream: 0, kind: 'audio' });
  });

  it('E_SRTP_REFUSED for an SRTP offer when the unit has no keys', () => {
    expectCode(() => answerOffer(offer(AUDIO), unitCaps({ srtp: null }), { ...OPTS, allowPlainRtp: true }), 'E_SRTP_REFUSED');
  });

  it('E_CODEC_UNSUPPORTED when no offered audio codec is supported', () => {
    const e = expectCode(() => answerOffer(offer(['m=audio 7000 RTP/SAVP 0 8 9', 'a=rtpmap:9 G722/8000', CRYPTO80], VIDEO), unitCaps(), OPTS), 'E_CODEC_UNSUPPORTED');
    expect(String(e.detail.reason)).toMatch(/no codec/);
  });

  it('E_CODEC_UNSUPPORTED for an offer without audio, or with audio over DTLS only', () => {
    expectCode(() => answerOffer(offer(VIDEO), unitCaps(), OPTS), 'E_CODEC_UNSUPPORTED');
    expectCode(() => answerOffer(sdp(...HEAD), unitCaps(), OPTS), 'E_CODEC_UNSUPPORTED');
    const e = expectCode(() => answerOffer(offer(['m=audio 7000 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2']), unitCaps(), OPTS), 'E_CODEC_UNSUPPORTED');
    expect(String(e.detail.reason)).toMatch(/transport/);
  });

  it('E_SDP_MALFORMED for a malformed offer', () => {
    expectCode(() => answerOffer(sdp(...HEAD, 'm=audio x RTP/SAVP 111'), unitCaps(), OPTS), 'E_SDP_MALFORMED');
  });
});

describe('unit to unit: buildOffer -> answerOffer -> negotiateAnswer', () => {
  it('both ends agree on codecs, crossed keys, crossed endpoints and directions', () => {
    const a = unitCaps();
    const b: LocalMediaCapabilities = {
      ...unitCaps({ address: '127.0.0.2' }),
      audio: { ...a.audio, rtpPort: 50000, rtcpPort: 50001 },
      video: { ...a.video!, rtpPort: 50002, rtcpPort: 50003 },
      srtp: { audio: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(1) }, video: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(2) } },
    };
    const offerText = buildOffer(a, { sessionId: 1, sessionVersion: 1, direction: 'sendrecv' });
    const answered = answerOffer(offerText, b, { sessionId: 2, sessionVersion: 1, allowPlainRtp: false });
    const atA = negotiateAnswer(a, answered.sdp, { allowPlainRtp: false });
    const atB = answered.session;
    expect(atA.streams.map((s) => s.codec.name)).toEqual(['opus', 'H264']);
    expect(atB.streams.map((s) => s.codec.name)).toEqual(['opus', 'H264']);
    atA.streams.forEach((s, i) => {
      const o = atB.streams[i]!;
      expect(s.srtp!.tx).toEqual(o.srtp!.rx);
      expect(s.srtp!.rx).toEqual(o.srtp!.tx);
      expect(s.remote).toEqual(o.local);
      expect(o.remote).toEqual(s.local);
      expect(s.direction).toBe('sendrecv');
      expect(s.codec.payloadType).toBe(o.codec.payloadType);
    });
  });
});
