import { describe, expect, it } from 'vitest';
import { withDefaultCandidates, withMediaLevelDefaults, withOfferMids } from '../../../src/adapters/webrtc/sdp-defaults.js';

const OURS = [
  'v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0',
  'a=candidate:1 1 udp 100 fd00::2 40001 typ host', 'a=candidate:2 1 udp 200 192.0.2.2 40000 typ host',
  'm=video 9 UDP/TLS/RTP/SAVPF 97', 'c=IN IP4 0.0.0.0', 'a=mid:1',
  'm=application 0 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', '',
].join('\r\n');

describe('sdp-defaults', () => {
  it('puts the first IPv4 host candidate in m= and c=; bundled sections without candidates follow; rejected ones stay', () => {
    const out = withDefaultCandidates(OURS);
    expect(out).toContain('m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.2');
    expect(out).toContain('m=video 40000 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 192.0.2.2');
    expect(out).toContain('m=application 0 UDP/DTLS/SCTP');
    expect(out.endsWith('\r\n')).toBe(true);
  });

  it('leaves a description without candidates as it is', () => {
    const none = OURS.replace(/a=candidate:[^\r]*\r\n/g, '');
    expect(withDefaultCandidates(none)).toBe(none);
  });

  it('copies session-level setup, fingerprint and ICE credentials into sections that lack them', () => {
    const answer = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789012345678901', 'a=setup:active', 'a=fingerprint:SHA-256 AA:BB',
      'm=audio 10870 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1', 'a=setup:passive', ''].join('\r\n');
    const out = withMediaLevelDefaults(answer);
    const media = out.slice(out.indexOf('m=audio'));
    expect(media).toContain('a=ice-ufrag:abcd');
    expect(media).toContain('a=fingerprint:SHA-256 AA:BB');
    expect(media).toContain('a=setup:passive');
    expect(media).not.toContain('a=setup:active');
  });

  it('gives answer sections without a=mid the offer mid at the same index', () => {
    const answer = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 1 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1', 'm=video 1 UDP/TLS/RTP/SAVPF 97', 'c=IN IP4 127.0.0.1', 'a=mid:1', ''].join('\r\n');
    const out = withOfferMids(answer, OURS);
    expect(out).toContain('c=IN IP4 127.0.0.1\r\na=mid:0\r\nm=video');
    expect(out.match(/a=mid:1/g)).toHaveLength(1);
  });
});
