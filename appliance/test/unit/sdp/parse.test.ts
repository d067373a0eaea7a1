import { describe, expect, it } from 'vitest';
import { parseSdp, serializeSdp, MAX_SDP_LENGTH } from '../../../src/adapters/sip/sdp/index.js';
import { expectCode, fixture, sdp } from './helpers.js';

const MINIMAL = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];
const AUDIO = ['m=audio 5004 RTP/AVP 96', 'a=rtpmap:96 opus/48000/2'];

describe('parseSdp: real baresip offer', () => {
  const sd = parseSdp(fixture('baresip-offer.sdp'));

  it('reads the session lines', () => {
    expect(sd.origin).toEqual({ username: '-', sessionId: '2091591910', sessionVersion: '1453459576', netType: 'IN', addrType: 'IP4', address: '192.0.2.2' });
    expect(sd.sessionName).toBe('-');
    expect(sd.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.2' });
    expect(sd.timings).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sd.attributes).toEqual([{ name: 'tool', value: 'baresip 1.0.0' }]);
    expect(sd.direction).toBeNull();
  });

  it('reads the audio section with its codecs, crypto, ssrc and other attributes', () => {
    const a = sd.media[0]!;
    expect(a.media).toBe('audio');
    expect(a.port).toBe(20060);
    expect(a.proto).toBe('RTP/SAVP');
    expect(a.formats).toEqual(['96', '0', '8', '101']);
    expect(a.rtpmaps).toEqual([
      { payloadType: 96, encoding: 'opus', clockRate: 48000, channels: 2 },
      { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
      { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
      { payloadType: 101, encoding: 'telephone-event', clockRate: 8000 },
    ]);
    expect(a.fmtps).toEqual([
      { payloadType: 96, value: 'stereo=1;sprop-stereo=1', params: { stereo: '1', 'sprop-stereo': '1' } },
      { payloadType: 101, value: '0-15', params: { '0-15': '' } },
    ]);
    expect(a.direction).toBe('sendrecv');
    expect(a.rtcpMux).toBe(false);
    expect(a.rtcp).toBeNull();
    expect(a.ssrcs).toEqual([{ ssrc: 3747116166, attribute: 'cname', value: 'sip:bedside@127.0.0.1' }]);
    expect(a.crypto).toHaveLength(1);
    expect(a.crypto[0]!.tag).toBe(1);
    expect(a.crypto[0]!.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(a.crypto[0]!.keys[0]!.inline).toEqual({ keySalt: 'Bb5RasPt9p9gqVIZ2AtOO4daxr5EiPfZHz8SqE4U', lifetime: null, mki: null });
    expect(a.attributes).toEqual([
      { name: 'label', value: '1' },
      { name: 'rtcp-rsize', value: null },
      { name: 'minptime', value: '20' },
      { name: 'ptime', value: '20' },
    ]);
    expect(a.connection).toBeNull();
  });

  it('reads the VP8 video section', () => {
    const v = sd.media[1]!;
    expect(v.media).toBe('video');
    expect(v.rtpmaps).toEqual([{ payloadType: 96, encoding: 'VP8', clockRate: 90000 }]);
    expect(v.fmtps[0]!.params).toEqual({ 'max-fs': '3600' });
    expect(v.attributes).toContainEqual({ name: 'rtcp-fb', value: '* nack pli' });
    expect(v.attributes).toContainEqual({ name: 'content', value: 'main' });
  });

  it('sees a=rtcp-mux in the rtcp_mux variant', () => {
    const mux = parseSdp(fixture('baresip-offer-rtcp-mux.sdp'));
    expect(mux.media.map((m) => m.rtcpMux)).toEqual([true, true]);
  });
});

describe('parseSdp: Pexip-like offer', () => {
  const sd = parseSdp(fixture('pexip-offer.sdp'));

  it('keeps bandwidth, a=rtcp, lifetimes and all four m= lines', () => {
    expect(sd.bandwidths).toEqual([{ type: 'AS', kbps: 2464 }]);
    expect(sd.media.map((m) => `${m.media} ${m.port} ${m.proto}`)).toEqual([
      'audio 40020 RTP/SAVP',
      'video 40022 RTP/SAVP',
      'video 40024 RTP/SAVP',
      'application 5070 TCP/BFCP',
    ]);
    expect(sd.media[0]!.rtcp).toEqual({ port: 40021, connection: null });
    expect(sd.media[0]!.bandwidths).toEqual([{ type: 'TIAS', kbps: 64000 }]);
    expect(sd.media[0]!.crypto.map((c) => [c.tag, c.suite, c.keys[0]!.inline!.lifetime])).toEqual([
      [1, 'AES_CM_128_HMAC_SHA1_80', '2^48'],
      [2, 'AES_CM_128_HMAC_SHA1_32', '2^48'],
    ]);
  });

  it('reads several H.264 fmtp lines per payload type', () => {
    const v = sd.media[1]!;
    expect(v.formats).toEqual(['100', '97', '98', '99', '34']);
    expect(v.fmtps.find((f) => f.payloadType === 97)!.params).toEqual({
      'profile-level-id': '42e01f', 'max-mbps': '245760', 'max-fs': '8192', 'max-fps': '3000', 'packetization-mode': '1',
    });
    expect(v.fmtps.find((f) => f.payloadType === 98)!.params['packetization-mode']).toBe('0');
    expect(v.rtpmaps.find((r) => r.payloadType === 34)).toEqual({ payloadType: 34, encoding: 'H263', clockRate: 90000 });
  });

  it('accepts non-RTP formats such as BFCP "*"', () => {
    const app = sd.media[3]!;
    expect(app.formats).toEqual(['*']);
    expect(app.attributes).toContainEqual({ name: 'floorctrl', value: 'c-s' });
  });

  it('reads hold re-INVITEs', () => {
    const hold = parseSdp(fixture('pexip-reinvite-hold.sdp'));
    expect(hold.media.slice(0, 3).map((m) => m.direction)).toEqual(['sendonly', 'sendonly', 'sendonly']);
    const c0 = parseSdp(fixture('pexip-reinvite-hold-c0.sdp'));
    expect(c0.connection!.address).toBe('0.0.0.0');
    expect(c0.media.map((m) => m.direction)).toEqual([null, 'inactive']);
  });
});

describe('parseSdp: tolerated variations', () => {
  it('accepts LF-only line ends and a missing final line end', () => {
    const text = [...MINIMAL, ...AUDIO].join('\n');
    expect(parseSdp(text).media[0]!.rtpmaps[0]!.encoding).toBe('opus');
  });

  it('accepts trailing blank lines', () => {
    expect(parseSdp(sdp(...MINIMAL, ...AUDIO) + '\r\n\r\n').media).toHaveLength(1);
  });

  it('accepts runs of spaces between fields', () => {
    const sd = parseSdp(sdp('v=0', 'o=-  1 1 IN IP4 10.0.0.1', 's=-', 'c=IN  IP4 10.0.0.1', 't=0 0', 'm=audio  5004 RTP/AVP  96'));
    expect(sd.media[0]!.formats).toEqual(['96']);
  });

  it('accepts trailing spaces after value-less attributes and m= formats', () => {
    const sd = parseSdp(sdp(...MINIMAL, 'm=audio 5004 RTP/AVP 96 ', 'a=sendonly ', 'a=rtcp-mux\t'));
    expect(sd.media[0]).toMatchObject({ formats: ['96'], direction: 'sendonly', rtcpMux: true });
  });

  it('applies a session-level direction as the default and keeps media-level overrides', () => {
    const sd = parseSdp(sdp(...MINIMAL, 'a=sendonly', ...AUDIO, 'm=video 5006 RTP/AVP 97', 'a=inactive'));
    expect(sd.direction).toBe('sendonly');
    expect(sd.media.map((m) => m.direction)).toEqual([null, 'inactive']);
  });

  it('accepts a stream with its own c= and no session c=, and a disabled stream with no c= at all', () => {
    const sd = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 96', 'c=IN IP4 10.0.0.2', 'm=video 0 RTP/AVP 97'));
    expect(sd.connection).toBeNull();
    expect(sd.media[0]!.connection!.address).toBe('10.0.0.2');
  });

  it('reads IPv6, hostnames, multicast suffixes and a=rtcp with an address', () => {
    const sd = parseSdp(sdp('v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'c=IN IP6 2001:db8::1', 't=0 0',
      'm=audio 5004 RTP/AVP 96', 'c=IN IP4 224.2.1.1/127/3', 'a=rtcp:53020 IN IP4 media.example.org',
      'm=video 5006 RTP/AVP 97', 'c=IN IP4 media.example.org'));
    expect(sd.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::1' });
    expect(sd.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '224.2.1.1', ttl: 127, count: 3 });
    expect(sd.media[0]!.rtcp).toEqual({ port: 53020, connection: { netType: 'IN', addrType: 'IP4', address: 'media.example.org' } });
    expect(sd.media[1]!.connection!.address).toBe('media.example.org');
  });

  it('keeps crypto lines it cannot read as plain attributes instead of failing', () => {
    const sd = parseSdp(sdp(...MINIMAL, 'm=audio 5004 RTP/SAVP 96', 'a=crypto:x AES_CM_128_HMAC_SHA1_80', 'a=crypto'));
    expect(sd.media[0]!.crypto).toEqual([]);
    expect(sd.media[0]!.attributes).toEqual([{ name: 'crypto', value: 'x AES_CM_128_HMAC_SHA1_80' }, { name: 'crypto', value: null }]);
  });

  it('keeps UTF-8 text in s= and attribute values', () => {
    const sd = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=Udskrivelse – stue 4', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=x-note:blåbær'));
    expect(sd.sessionName).toBe('Udskrivelse – stue 4');
    expect(sd.attributes).toEqual([{ name: 'x-note', value: 'blåbær' }]);
  });

  it('reads repeat times after t=', () => {
    const sd = parseSdp(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=3034423619 3042462419', 'r=604800 3600 0 90000'));
    expect(sd.timings).toEqual([{ start: '3034423619', stop: '3042462419', repeats: ['604800 3600 0 90000'] }]);
  });
});

describe('parseSdp: malformed input', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['empty text', '', 0, /empty/],
    ['only blank lines', '\r\n\r\n', 0, /empty/],
    ['missing v=', sdp(...MINIMAL.slice(1)), 1, /first line is not v=/],
    ['wrong version', sdp('v=1', ...MINIMAL.slice(1)), 1, /version/],
    ['second v=', sdp(...MINIMAL, 'v=0'), 6, /more than one v=/],
    ['missing o=', sdp('v=0', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'), 0, /no o=/],
    ['o= with 5 fields', sdp('v=0', 'o=- 1 1 IN IP4', 's=-', 't=0 0'), 2, /o= needs 6 fields/],
    ['missing s=', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 't=0 0'), 0, /no s=/],
    ['missing t=', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-'), 0, /no t=/],
    ['t= not numeric', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=now later'), 4, /t= needs two numbers/],
    ['r= before t=', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'r=1 2 3', 't=0 0'), 4, /r= without/],
    ['not a type line', sdp(...MINIMAL, 'hello'), 6, /not a <type>=<value>/],
    ['space before =', sdp(...MINIMAL, 'a =sendrecv'), 6, /not a <type>=<value>/],
    ['upper-case type', sdp(...MINIMAL, 'A=sendrecv'), 6, /lower-case/],
    ['unknown type letter', sdp(...MINIMAL, 'x=foo'), 6, /unknown line type x=/],
    ['t= in a media section', sdp(...MINIMAL, ...AUDIO, 't=0 0'), 8, /not allowed in a media section/],
    ['two c= at session level', sdp(...MINIMAL, 'c=IN IP4 10.0.0.2'), 6, /more than one c=/],
    ['two c= in a media section', sdp(...MINIMAL, ...AUDIO, 'c=IN IP4 10.0.0.2', 'c=IN IP4 10.0.0.3'), 9, /more than one c=/],
    ['empty line inside', sdp(...MINIMAL, '', ...AUDIO), 6, /empty line/],
    ['bare CR inside a line', sdp(...MINIMAL) + 'm=audio 5004\rRTP/AVP 96\r\n', 6, /carriage return/],
    ['LF CR order', [...MINIMAL, ...AUDIO].join('\n\r'), 2, /carriage return/],
    ['doubled CR', [...MINIMAL, ...AUDIO].join('\r\r\n'), 1, /carriage return/],
    ['NUL byte', sdp(...MINIMAL, 'a=x\u0000y'), 6, /NUL/],
    ['c= with unknown network type', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=ATM NSAP 47.0005', 't=0 0'), 4, /network type/],
    ['c= with unknown address type', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP5 10.0.0.1', 't=0 0'), 4, /IP4 or IP6/],
    ['c= with a bad IPv4 address', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.256', 't=0 0'), 4, /bad IP4 address/],
    ['c= with 2 fields', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN 10.0.0.1', 't=0 0'), 4, /c= needs 3 fields/],
    ['b= not a number', sdp(...MINIMAL, 'b=AS:lots'), 6, /b= is not/],
    ['m= with too few fields', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP'), 6, /m= needs/],
    ['m= non-numeric port', sdp(...MINIMAL, 'm=audio port RTP/AVP 96'), 6, /m= port is not a port number/],
    ['m= port too big', sdp(...MINIMAL, 'm=audio 70000 RTP/AVP 96'), 6, /m= port is not a port number/],
    ['m= negative port', sdp(...MINIMAL, 'm=audio -5 RTP/AVP 96'), 6, /m= port is not a port number/],
    ['m= bad port count', sdp(...MINIMAL, 'm=audio 5004/0 RTP/AVP 96'), 6, /port count/],
    ['m= RTP format not a number', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP opus'), 6, /payload type/],
    ['m= RTP format above 127', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP 200'), 6, /payload type/],
    ['active stream without any c=', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 0 RTP/AVP 96', 'm=video 5006 RTP/AVP 97'), 6, /no c= line/],
    ['bad attribute name', sdp(...MINIMAL, 'a=bad name:1'), 6, /attribute name/],
    ['rtpmap without clock rate', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP 96', 'a=rtpmap:96 opus'), 7, /a=rtpmap/],
    ['rtpmap with payload type above 127', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP 96', 'a=rtpmap:300 opus/48000'), 7, /above 127/],
    ['rtpmap twice for one payload type', sdp(...MINIMAL, ...AUDIO, 'a=rtpmap:96 VP8/90000'), 8, /second a=rtpmap/],
    ['rtpmap with clock rate 0', sdp(...MINIMAL, 'm=audio 5004 RTP/AVP 96', 'a=rtpmap:96 opus/0'), 7, /clock rate is 0/],
    ['fmtp without payload type', sdp(...MINIMAL, ...AUDIO, 'a=fmtp:useinbandfec=1'), 8, /a=fmtp/],
    ['fmtp twice for one payload type', sdp(...MINIMAL, ...AUDIO, 'a=fmtp:96 a=1', 'a=fmtp:96 b=2'), 9, /second a=fmtp/],
    ['rtcp with a bad port', sdp(...MINIMAL, ...AUDIO, 'a=rtcp:abc'), 8, /a=rtcp port/],
    ['rtcp with half an address', sdp(...MINIMAL, ...AUDIO, 'a=rtcp:5005 IN IP4'), 8, /a=rtcp is not/],
    ['direction with a value', sdp(...MINIMAL, ...AUDIO, 'a=sendonly:yes'), 8, /takes no value/],
    ['two directions in one section', sdp(...MINIMAL, ...AUDIO, 'a=sendonly', 'a=recvonly'), 9, /more than one direction/],
    ['rtcp-mux with a value', sdp(...MINIMAL, ...AUDIO, 'a=rtcp-mux:1'), 8, /takes no value/],
    ['binary garbage', '\u0001\u0002\u0003garbage', 1, /not a <type>=<value>/],
    ['not a string', 42 as unknown as string, 0, /not text/],
  ];

  it.each(cases)('%s -> E_SDP_MALFORMED at line %#', (_name, text, line, reason) => {
    const e = expectCode(() => parseSdp(text), 'E_SDP_MALFORMED');
    expect(e.detail.line).toBe(line);
    expect(String(e.detail.reason)).toMatch(reason);
    expect(e.message).toMatch(line > 0 ? `SDP line ${line}:` : 'SDP:');
    expect(e.detail.internal).toBeUndefined();
  });

  it('rejects a description longer than the limit', () => {
    const big = sdp(...MINIMAL, `a=x:${'y'.repeat(MAX_SDP_LENGTH)}`);
    expect(expectCode(() => parseSdp(big), 'E_SDP_MALFORMED').detail.reason).toMatch(/longer than/);
  });

  it('never copies line text (which may hold keys) into the error', () => {
    const key = 'Bb5RasPt9p9gqVIZ2AtOO4daxr5EiPfZHz8SqE4U';
    const e = expectCode(() => parseSdp(sdp(...MINIMAL, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}`, 'a=sendonly:' + key)), 'E_SDP_MALFORMED');
    expect(e.message + JSON.stringify(e.detail)).not.toContain(key);
  });
});

describe('serializeSdp: round trips', () => {
  const names = [
    'baresip-offer.sdp', 'baresip-offer-rtcp-mux.sdp', 'baresip-answer.sdp', 'baresip-answer-hold.sdp',
    'baresip-answer-suite32.sdp', 'unit-offer.sdp', 'unit-offer-hold.sdp', 'pexip-offer.sdp',
    'pexip-reinvite-hold.sdp', 'pexip-reinvite-hold-c0.sdp', 'pexip-answer.sdp',
  ];

  it.each(names)('%s parses to the same model after serialize -> parse', (name) => {
    const first = parseSdp(fixture(name));
    const text = serializeSdp(first);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').every((l) => !l.includes('\n') && !l.includes('\r'))).toBe(true);
    expect(parseSdp(text)).toEqual(first);
  });

  it('writes the unit offer byte for byte as the fixture it produced', () => {
    const text = fixture('unit-offer.sdp');
    expect(serializeSdp(parseSdp(text))).toBe(text);
  });

  it('keeps multicast, a=rtcp addresses, k=, i=, e=, p=, z= and session attributes', () => {
    const text = sdp('v=0', 'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5', 's=SDP Seminar', 'i=A Seminar',
      'u=http://www.example.com/seminars/sdp.pdf', 'e=j.doe@example.com (Jane Doe)', 'p=+1 617 555-6011',
      'c=IN IP4 224.2.17.12/127', 'b=AS:128', 't=2873397496 2873404696', 'r=7d 1h 0 25h', 'z=2882844526 -1h',
      'k=prompt', 'a=recvonly', 'a=tool:x', 'm=audio 49170/2 RTP/AVP 0', 'i=voice', 'k=prompt',
      'a=rtcp:53020 IN IP6 2001:db8::2', 'm=video 51372 RTP/AVP 99', 'a=rtpmap:99 h263-1998/90000', 'a=fmtp:99');
    const first = parseSdp(text);
    expect(parseSdp(serializeSdp(first))).toEqual(first);
    expect(first.media[1]!.fmtps).toEqual([{ payloadType: 99, value: '', params: {} }]);
  });
});
