import { describe, expect, it } from 'vitest';
import { buildOffer, parseSdp, srtpParamsFromCrypto } from '../../../src/adapters/sip/sdp/index.js';
import { AUDIO_KEY, expectCode, fixture, unitCaps, VIDEO_KEY } from './helpers.js';

const OPTS = { sessionId: 1001, sessionVersion: 1, direction: 'sendrecv' as const, userName: 'bedside' };

describe('buildOffer', () => {
  it('produces exactly the fixture (CRLF line ends, audio then video, both suites per stream)', () => {
    const text = buildOffer(unitCaps(), OPTS);
    expect(text).toBe(fixture('unit-offer.sdp'));
    expect(text.split('\r\n').slice(0, -1).every((l) => !l.includes('\n'))).toBe(true);
  });

  it('offers RTP/SAVP with _80 as tag 1 and _32 as tag 2, both with the stream key', () => {
    const sd = parseSdp(buildOffer(unitCaps(), OPTS));
    const [audio, video] = sd.media;
    expect(audio!.proto).toBe('RTP/SAVP');
    expect(video!.proto).toBe('RTP/SAVP');
    const read = (m: typeof audio) => m!.crypto.map((c) => {
      const v = srtpParamsFromCrypto(c);
      return v.ok ? [c.tag, v.params.suite, [...v.params.keySalt]] : null;
    });
    expect(read(audio)).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80', [...AUDIO_KEY]], [2, 'AES_CM_128_HMAC_SHA1_32', [...AUDIO_KEY]]]);
    expect(read(video)).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80', [...VIDEO_KEY]], [2, 'AES_CM_128_HMAC_SHA1_32', [...VIDEO_KEY]]]);
  });

  it('writes codecs in capability order with their fmtp, and no rtcp-mux', () => {
    const sd = parseSdp(buildOffer(unitCaps(), OPTS));
    expect(sd.media[0]!.formats).toEqual(['111']);
    expect(sd.media[0]!.rtpmaps).toEqual([{ payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 }]);
    expect(sd.media[1]!.formats).toEqual(['102', '100']);
    expect(sd.media[1]!.fmtps).toEqual([{ payloadType: 102, value: 'packetization-mode=1;profile-level-id=42e01f', params: { 'packetization-mode': '1', 'profile-level-id': '42e01f' } }]);
    expect(sd.media.every((m) => !m.rtcpMux && m.rtcp === null)).toBe(true);
  });

  it('writes opus as /2 even when the capability leaves channels out', () => {
    const caps = unitCaps();
    caps.audio.codecs = [{ name: 'opus', payloadType: 96, clockRate: 48000, fmtp: {} }];
    expect(buildOffer(caps, OPTS)).toContain('a=rtpmap:96 opus/48000/2\r\n');
  });

  it('offers plain RTP/AVP without crypto when the capabilities have no SRTP keys', () => {
    const sd = parseSdp(buildOffer(unitCaps({ srtp: null }), OPTS));
    expect(sd.media.map((m) => m.proto)).toEqual(['RTP/AVP', 'RTP/AVP']);
    expect(sd.media.every((m) => m.crypto.length === 0)).toBe(true);
  });

  it('omits video without video capabilities', () => {
    const sd = parseSdp(buildOffer(unitCaps({ video: null }), OPTS));
    expect(sd.media.map((m) => m.media)).toEqual(['audio']);
  });

  it('writes a=rtcp only when RTCP is not on port + 1', () => {
    const caps = unitCaps();
    caps.audio.rtcpPort = 41000;
    const sd = parseSdp(buildOffer(caps, OPTS));
    expect(sd.media[0]!.rtcp).toEqual({ port: 41000, connection: null });
    expect(sd.media[1]!.rtcp).toBeNull();
  });

  it('carries the direction, session id/version and user name; "-" when absent', () => {
    const sd = parseSdp(buildOffer(unitCaps(), { sessionId: '8589934592123', sessionVersion: 7n, direction: 'sendonly' }));
    expect(sd.origin).toMatchObject({ username: '-', sessionId: '8589934592123', sessionVersion: '7' });
    expect(sd.media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
    expect(buildOffer(unitCaps(), OPTS)).toContain('o=bedside 1001 1 IN IP4 127.0.0.1\r\n');
  });

  it('uses IP6 for an IPv6 address', () => {
    const sd = parseSdp(buildOffer(unitCaps({ address: '2001:db8::5' }), OPTS));
    expect(sd.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::5' });
    expect(sd.origin.addrType).toBe('IP6');
  });

  it('refuses capabilities without an audio codec', () => {
    const caps = unitCaps();
    caps.audio.codecs = [];
    expectCode(() => buildOffer(caps, OPTS), 'E_CODEC_UNSUPPORTED');
  });
});
