import { describe, expect, it } from 'vitest';
import { negotiateAnswer } from '../../../src/adapters/sip/sdp/index.js';
import { decodeBase64 } from '../../../src/adapters/sip/sdp/base64.js';
import { AUDIO_KEY, expectCode, fixture, KEY30_B64, sdp, unitCaps, VIDEO_KEY } from './helpers.js';

const SRTP = { allowPlainRtp: false };
const KEY30 = decodeBase64(KEY30_B64)!;
const HEAD = ['v=0', 'o=- 5 5 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 203.0.113.5', 't=0 0'];
const AUDIO_OK = ['m=audio 6000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`];
const VIDEO_OK = ['m=video 6002 RTP/SAVP 100', 'a=rtpmap:100 VP8/90000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`];

function answer(...blocks: string[][]): string {
  return sdp(...HEAD, ...blocks.flat());
}

describe('negotiateAnswer: real baresip answers to the unit offer', () => {
  it('sendrecv answer: opus and VP8, tx = our _80 key, rx = baresip key, RTCP on port + 1', () => {
    const s = negotiateAnswer(unitCaps(), fixture('baresip-answer.sdp'), SRTP);
    expect(s.streams).toHaveLength(2);
    const [audio, video] = s.streams;
    expect(audio).toEqual({
      kind: 'audio',
      codec: { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: { stereo: '1', 'sprop-stereo': '1' } },
      direction: 'sendrecv',
      local: { address: '127.0.0.1', rtpPort: 40000, rtcpPort: 40001 },
      remote: { address: '192.0.2.2', rtpPort: 20026, rtcpPort: 20027 },
      srtp: {
        tx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: AUDIO_KEY },
        rx: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: decodeBase64('4yRDyJZmhfG6j5G9/wYLlpI1Et3ENolVG+sm+BMV') },
      },
    });
    expect(video!.codec).toEqual({ name: 'VP8', payloadType: 100, clockRate: 90000, fmtp: { 'max-fs': '3600' } });
    expect(video!.local).toEqual({ address: '127.0.0.1', rtpPort: 40002, rtcpPort: 40003 });
    expect(video!.remote).toEqual({ address: '192.0.2.2', rtpPort: 20064, rtcpPort: 20065 });
    expect(video!.srtp!.tx).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: VIDEO_KEY });
  });

  it('hold: the unit offered sendonly, baresip answered recvonly, so the unit only sends', () => {
    const s = negotiateAnswer(unitCaps(), fixture('baresip-answer-hold.sdp'), { ...SRTP, offeredDirection: 'sendonly' });
    expect(s.streams.map((x) => x.direction)).toEqual(['sendonly', 'sendonly']);
  });

  it('suite selection follows the answer tag: tag 2 -> _32 with our key', () => {
    const s = negotiateAnswer(unitCaps(), fixture('baresip-answer-suite32.sdp'), SRTP);
    expect(s.streams[0]!.srtp!.tx).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: AUDIO_KEY });
    expect(s.streams[0]!.srtp!.rx.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(s.streams[1]!.srtp!.tx.suite).toBe('AES_CM_128_HMAC_SHA1_80');
  });
});

describe('negotiateAnswer: Pexip-like answer', () => {
  const s = negotiateAnswer(unitCaps(), fixture('pexip-answer.sdp'), SRTP);

  it('prefers the media-level c= over the session c= and honours a=rtcp ports', () => {
    expect(s.streams[0]!.remote).toEqual({ address: '198.51.100.21', rtpPort: 40030, rtcpPort: 40035 });
    expect(s.streams[1]!.remote).toEqual({ address: '198.51.100.20', rtpPort: 40032, rtcpPort: 40033 });
  });

  it('takes H.264 with the far end fmtp, audio on _32 and video on _80', () => {
    expect(s.streams[1]!.codec).toEqual({
      name: 'H264', payloadType: 102, clockRate: 90000,
      fmtp: { 'profile-level-id': '42e01f', 'max-mbps': '245760', 'max-fs': '8192', 'packetization-mode': '1' },
    });
    expect(s.streams.map((x) => x.srtp!.tx.suite)).toEqual(['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80']);
  });
});

describe('negotiateAnswer: codecs', () => {
  it('takes the first codec in the answer that was offered, not the unit preference', () => {
    const s = negotiateAnswer(unitCaps(), answer(AUDIO_OK, [
      'm=video 6002 RTP/SAVP 34 100 102', 'a=rtpmap:34 H263/90000', 'a=rtpmap:100 VP8/90000',
      'a=rtpmap:102 H264/90000', 'a=fmtp:102 packetization-mode=1;profile-level-id=42e01f',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`,
    ]), SRTP);
    expect(s.streams[1]!.codec.name).toBe('VP8');
  });

  it('sends with the answer payload type when it differs from the offer', () => {
    const s = negotiateAnswer(unitCaps(), answer(['m=audio 6000 RTP/SAVP 120', 'a=rtpmap:120 OPUS/48000/2', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`], VIDEO_OK), SRTP);
    expect(s.streams[0]!.codec).toMatchObject({ name: 'opus', payloadType: 120 });
  });

  it('treats a rejected (port 0) video line as an audio-only call', () => {
    const s = negotiateAnswer(unitCaps(), answer(AUDIO_OK, ['m=video 0 RTP/SAVP 100']), SRTP);
    expect(s.streams.map((x) => x.kind)).toEqual(['audio']);
  });

  it('drops video when the answer names no offered video codec (H.264 mode 0, High profile, H.263)', () => {
    for (const v of [
      ['m=video 6002 RTP/SAVP 102', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 profile-level-id=42e01f'],
      ['m=video 6002 RTP/SAVP 102', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 profile-level-id=640c1f;packetization-mode=1'],
      ['m=video 6002 RTP/SAVP 34', 'a=rtpmap:34 H263/90000'],
    ]) {
      const s = negotiateAnswer(unitCaps(), answer(AUDIO_OK, [...v, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`]), SRTP);
      expect(s.streams.map((x) => x.kind)).toEqual(['audio']);
    }
  });

  it('accepts H.264 Baseline and a different level against the unit Constrained Baseline', () => {
    const s = negotiateAnswer(unitCaps(), answer(AUDIO_OK, ['m=video 6002 RTP/SAVP 102', 'a=rtpmap:102 H264/90000',
      'a=fmtp:102 profile-level-id=42001e;packetization-mode=1', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`]), SRTP);
    expect(s.streams[1]!.codec.fmtp['profile-level-id']).toBe('42001e');
  });

  it('fails with E_CODEC_UNSUPPORTED when audio is rejected or has no offered codec', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(['m=audio 0 RTP/SAVP 111'], VIDEO_OK), SRTP), 'E_CODEC_UNSUPPORTED');
    const e = expectCode(() => negotiateAnswer(unitCaps(), answer(['m=audio 6000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`], VIDEO_OK), SRTP), 'E_CODEC_UNSUPPORTED');
    expect(e.detail).toMatchObject({ stream: 0, kind: 'audio' });
  });
});

describe('negotiateAnswer: SRTP', () => {
  const plainAudio = ['m=audio 6000 RTP/AVP 111', 'a=rtpmap:111 opus/48000/2'];
  const plainVideo = ['m=video 6002 RTP/AVP 100', 'a=rtpmap:100 VP8/90000'];

  it('refuses an RTP/AVP answer when SRTP is mandatory', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(plainAudio, plainVideo), SRTP), 'E_SRTP_REFUSED');
    expectCode(() => negotiateAnswer(unitCaps(), answer(AUDIO_OK, plainVideo), SRTP), 'E_SRTP_REFUSED');
  });

  it('accepts an RTP/AVP answer to an SRTP offer with the lab flag, as plain RTP', () => {
    const s = negotiateAnswer(unitCaps(), answer(plainAudio, VIDEO_OK), { allowPlainRtp: true });
    expect(s.streams.map((x) => x.srtp === null)).toEqual([true, false]);
  });

  it('refuses RTP/SAVP without a crypto line, even with the lab flag', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(['m=audio 6000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2'], VIDEO_OK), { allowPlainRtp: true }), 'E_SRTP_REFUSED');
  });

  it.each([
    ['a tag the offer did not have', `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}`],
    ['tag 1 with the _32 suite', `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`],
    ['a suite that was not offered', `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${KEY30_B64}`],
    ['a short key', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUA=='],
    ['an MKI', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31|1:1`],
    ['an unreadable crypto line', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80'],
  ])('refuses an answer whose only crypto line has %s', (_name, line) => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(['m=audio 6000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2', line], VIDEO_OK), SRTP), 'E_SRTP_REFUSED');
  });

  it('skips an unusable crypto line and takes the next usable one', () => {
    const s = negotiateAnswer(unitCaps(), answer(['m=audio 6000 RTP/SAVP 111', 'a=rtpmap:111 opus/48000/2',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30_B64}|2^31|1:1`,
      `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${KEY30_B64}`], VIDEO_OK), SRTP);
    expect(s.streams[0]!.srtp).toEqual({ tx: { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: AUDIO_KEY }, rx: { suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: KEY30 } });
  });

  it('plain offer (no keys): needs the lab flag, takes an RTP/AVP answer, rejects an RTP/SAVP one', () => {
    const caps = unitCaps({ srtp: null });
    expectCode(() => negotiateAnswer(caps, answer(plainAudio, plainVideo), SRTP), 'E_SRTP_REFUSED');
    const s = negotiateAnswer(caps, answer(plainAudio, plainVideo), { allowPlainRtp: true });
    expect(s.streams.map((x) => x.srtp)).toEqual([null, null]);
    expectCode(() => negotiateAnswer(caps, answer(AUDIO_OK, plainVideo), { allowPlainRtp: true }), 'E_SDP_MALFORMED');
  });

  it('treats a transport change to DTLS as a broken answer', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(['m=audio 6000 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2'], VIDEO_OK), SRTP), 'E_SDP_MALFORMED');
  });
});

describe('negotiateAnswer: directions and addresses', () => {
  const withDir = (dir: string) => answer([...AUDIO_OK, `a=${dir}`], [...VIDEO_OK, `a=${dir}`]);

  it.each([
    ['sendrecv', 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
  ])('answer %s -> the unit is %s', (answerDir, unit) => {
    const s = negotiateAnswer(unitCaps(), withDir(answerDir), SRTP);
    expect(s.streams.map((x) => x.direction)).toEqual([unit, unit]);
  });

  it('uses a session-level direction when a section has none, and a media-level one over it', () => {
    const s = negotiateAnswer(unitCaps(), sdp(...HEAD, 'a=sendonly', ...AUDIO_OK, ...VIDEO_OK, 'a=sendrecv'), SRTP);
    expect(s.streams.map((x) => x.direction)).toEqual(['recvonly', 'sendrecv']);
  });

  it('never sends more than the offer allowed', () => {
    const s = negotiateAnswer(unitCaps(), withDir('sendrecv'), { ...SRTP, offeredDirection: 'recvonly' });
    expect(s.streams.map((x) => x.direction)).toEqual(['recvonly', 'recvonly']);
  });

  it('c=0.0.0.0 is hold: the unit stops sending (recvonly, or inactive when the far end does not send)', () => {
    const held = (dir: string) => sdp('v=0', 'o=- 5 5 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', ...AUDIO_OK, `a=${dir}`, ...VIDEO_OK, `a=${dir}`);
    expect(negotiateAnswer(unitCaps(), held('sendrecv'), SRTP).streams.map((x) => x.direction)).toEqual(['recvonly', 'recvonly']);
    expect(negotiateAnswer(unitCaps(), held('sendonly'), SRTP).streams.map((x) => x.direction)).toEqual(['recvonly', 'recvonly']);
    expect(negotiateAnswer(unitCaps(), held('inactive'), SRTP).streams.map((x) => x.direction)).toEqual(['inactive', 'inactive']);
    expect(negotiateAnswer(unitCaps(), held('sendrecv'), SRTP).streams[0]!.remote.address).toBe('0.0.0.0');
  });

  it('a media-level c=0.0.0.0 holds only that stream', () => {
    const s = negotiateAnswer(unitCaps(), answer(AUDIO_OK, [...VIDEO_OK, 'c=IN IP4 0.0.0.0']), SRTP);
    expect(s.streams.map((x) => x.direction)).toEqual(['sendrecv', 'recvonly']);
  });

  it('ignores a=rtcp-mux in an answer (the unit never offers it) and keeps RTCP on port + 1', () => {
    const s = negotiateAnswer(unitCaps(), answer([...AUDIO_OK, 'a=rtcp-mux'], VIDEO_OK), SRTP);
    expect(s.streams[0]!.remote.rtcpPort).toBe(6001);
  });
});

describe('negotiateAnswer: broken answers', () => {
  it('E_SDP_MALFORMED for an unparsable answer', () => {
    expectCode(() => negotiateAnswer(unitCaps(), 'this is not SDP', SRTP), 'E_SDP_MALFORMED');
  });

  it('E_SDP_MALFORMED when the answer has a different number of m= lines', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(AUDIO_OK), SRTP), 'E_SDP_MALFORMED');
    expectCode(() => negotiateAnswer(unitCaps({ video: null }), answer(AUDIO_OK, VIDEO_OK), SRTP), 'E_SDP_MALFORMED');
  });

  it('E_SDP_MALFORMED when the answer swaps the media types', () => {
    expectCode(() => negotiateAnswer(unitCaps(), answer(VIDEO_OK, AUDIO_OK), SRTP), 'E_SDP_MALFORMED');
  });
});
