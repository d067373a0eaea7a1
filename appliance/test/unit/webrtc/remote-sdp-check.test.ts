import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../../../src/core/errors.js';
import { candidateProblem, checkRemoteWebRtcSdp } from '../../../src/adapters/webrtc/remote-sdp-check.js';

const FINGERPRINT = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => (i * 7 % 256).toString(16).toUpperCase().padStart(2, '0')).join(':');

function answer(extra: { proto?: string; fingerprint?: string | null; candidates?: string[]; pwd?: string } = {}): string {
  return [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
    `m=audio 9 ${extra.proto ?? 'UDP/TLS/RTP/SAVPF'} 111`, 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=rtcp-mux',
    'a=ice-ufrag:abcd', `a=ice-pwd:${extra.pwd ?? 'abcdefghijklmnopqrstuvwx'}`,
    ...(extra.fingerprint === null ? [] : [`a=fingerprint:${extra.fingerprint ?? FINGERPRINT}`]),
    'a=setup:active', 'a=rtpmap:111 opus/48000/2',
    ...(extra.candidates ?? ['a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host']),
    '',
  ].join('\r\n');
}

describe('candidateProblem (RFC 8839 grammar)', () => {
  it('accepts host, srflx and relay candidates with extensions', () => {
    expect(candidateProblem('1 1 udp 2130706431 127.0.0.1 40000 typ host')).toBeNull();
    expect(candidateProblem('842163049 1 udp 1677729535 203.0.113.7 61234 typ srflx raddr 10.0.0.2 rport 61234 generation 0 network-cost 999')).toBeNull();
    expect(candidateProblem('abc+/ 1 UDP 16777215 2001:db8::1 3478 typ relay raddr 203.0.113.7 rport 50000')).toBeNull();
  });

  it.each([
    ['garbage', 'too few fields'],
    ['1 1 udp x 127.0.0.1 5 typ host', 'bad priority'],
    ['1 1 udp 0 127.0.0.1 5 typ host', 'bad priority'],
    ['1 1 udp 99999999999 127.0.0.1 5 typ host', 'bad priority'],
    ['1 0 udp 1 127.0.0.1 5 typ host', 'bad component id'],
    ['f@o 1 udp 1 127.0.0.1 5 typ host', 'bad foundation'],
    ['1 1 udp 1 127.0.0.1 70000 typ host', 'bad port'],
    ['1 1 udp 1 127.0.0.1 5 kind host', 'bad candidate type'],
    ['1 1 udp 1 127.0.0.1 5 typ bogus', 'bad candidate type'],
    ['1 1 udp 1 127.0.0.1 5 typ host raddr', 'dangling extension attribute'],
    ['1 1 tcp 1 127.0.0.1 9 typ host tcptype active', 'not UDP'],
    ['1 1 udp 1 abcd.local 5 typ host', 'not an IP address'],
    ['1 1 udp 1 999.1.1.1 5 typ host', 'not an IP address'],
    ['1 1 udp 1 127.0.0.1 0 typ host', 'port 0'],
  ])('%s -> %s', (value, reason) => {
    expect(candidateProblem(value)).toBe(reason);
  });
});

describe('checkRemoteWebRtcSdp', () => {
  it('keeps good candidates and drops bad ones, naming the line and reason only', () => {
    const r = checkRemoteWebRtcSdp(answer({ candidates: ['a=candidate:junk', 'a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host', 'a=candidate:2 1 udp 1 10.9.9.9 0 typ host'] }));
    expect(r.kept).toBe(1);
    expect(r.dropped).toEqual([{ line: 15, reason: 'too few fields' }, { line: 17, reason: 'port 0' }]);
    expect(r.sdp).toContain('a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host');
    expect(r.sdp).not.toContain('junk');
    expect(r.sdp.endsWith('\r\n')).toBe(true);
  });

  it('refuses SDES or plain RTP with E_SRTP_REFUSED', () => {
    expect(() => checkRemoteWebRtcSdp(answer({ proto: 'RTP/SAVP' }))).toThrowError(expect.objectContaining({ code: 'E_SRTP_REFUSED' }));
    expect(() => checkRemoteWebRtcSdp(answer({ proto: 'RTP/AVP' }))).toThrowError(expect.objectContaining({ code: 'E_SRTP_REFUSED' }));
  });

  it('refuses a missing or malformed fingerprint and bad ICE credentials with E_SDP_MALFORMED', () => {
    expect(() => checkRemoteWebRtcSdp(answer({ fingerprint: null }))).toThrowError(expect.objectContaining({ code: 'E_SDP_MALFORMED' }));
    expect(() => checkRemoteWebRtcSdp(answer({ fingerprint: 'sha-256 zz:zz' }))).toThrowError(expect.objectContaining({ code: 'E_SDP_MALFORMED' }));
    expect(() => checkRemoteWebRtcSdp(answer({ pwd: 'short' }))).toThrowError(expect.objectContaining({ code: 'E_SDP_MALFORMED' }));
  });

  it('only ever throws coded errors on mutated input', () => {
    const base = answer({ candidates: ['a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host', 'a=candidate:2 1 udp 1 127.0.0.1 40001 typ host'] });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ' :/\r\n=a0.9-';
    for (let i = 0; i < 2000; i++) {
      const chars = base.split('');
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(random() * chars.length);
        chars[at] = alphabet[Math.floor(random() * alphabet.length)]!;
      }
      try {
        checkRemoteWebRtcSdp(chars.join(''));
      } catch (e) {
        expect(isApplianceError(e), String(e)).toBe(true);
      }
    }
  });
});
