/**
 * Checks a far-end WebRTC description before werift sees it (pure). Our own parser vets the
 * whole description (E_SDP_MALFORMED with the line number); then every a=candidate line is
 * checked against RFC 8839's grammar and dropped when malformed or unusable (not UDP, not an
 * IP address such as an mDNS name), so one bad candidate never breaks a call: ICE simply has
 * one candidate less. Streams must carry ICE credentials and a DTLS fingerprint.
 */
import { isIP } from 'node:net';
import { ApplianceError } from '../../core/errors.js';
import { parseSdp } from '../sip/sdp/index.js';
import type { SdpMedia, SessionDescription } from '../sip/sdp/index.js';

export const WEBRTC_PROTO = 'UDP/TLS/RTP/SAVPF';

export interface CheckedRemoteSdp {
  sdp: string;
  /** Candidate lines removed, with why (never the line itself: it names addresses). */
  dropped: { line: number; reason: string }[];
  kept: number;
}

const ICE_CHAR = /^[A-Za-z0-9+/]{1,32}$/;
const TOKEN = /^[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+$/;

/** Why a candidate attribute value cannot be used, or null when it can. */
export function candidateProblem(value: string): string | null {
  const f = value.trim().split(/[ \t]+/);
  if (f.length < 8) return 'too few fields';
  const [foundation, component, transport, priority, address, port, typ, type, ...rest] = f as [string, string, string, string, string, string, string, string, ...string[]];
  if (!ICE_CHAR.test(foundation)) return 'bad foundation';
  if (!/^\d{1,3}$/.test(component) || Number(component) < 1 || Number(component) > 256) return 'bad component id';
  if (!TOKEN.test(transport)) return 'bad transport';
  if (!/^\d{1,10}$/.test(priority) || Number(priority) < 1 || Number(priority) > 0xffffffff) return 'bad priority';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return 'bad port';
  if (typ !== 'typ' || !/^(host|srflx|prflx|relay)$/.test(type)) return 'bad candidate type';
  if (rest.length % 2 !== 0) return 'dangling extension attribute';
  for (let i = 0; i < rest.length; i += 2) {
    if (!TOKEN.test(rest[i]!) || !/^[\x21-\x7e]{1,256}$/.test(rest[i + 1]!)) return 'bad extension attribute';
  }
  if (transport.toUpperCase() !== 'UDP') return 'not UDP';
  if (isIP(address) === 0) return 'not an IP address';
  if (Number(port) === 0) return 'port 0';
  return null;
}

export function checkRemoteWebRtcSdp(text: string): CheckedRemoteSdp {
  const sd = parseSdp(text);
  const active = sd.media.filter((m) => m.port !== 0);
  if (active.length === 0) throw new ApplianceError('E_CODEC_UNSUPPORTED', 'the far end offers no active stream');
  active.forEach((m, i) => checkMedia(sd, m, i));
  const dropped: CheckedRemoteSdp['dropped'] = [];
  let kept = 0;
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  lines.forEach((line, index) => {
    if (line.startsWith('a=candidate:')) {
      const problem = candidateProblem(line.slice('a=candidate:'.length));
      if (problem) {
        dropped.push({ line: index + 1, reason: problem });
        return;
      }
      kept++;
    }
    out.push(line);
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return { sdp: out.join('\r\n') + '\r\n', dropped, kept };
}

function attribute(m: SdpMedia, sd: SessionDescription, name: string): string | null {
  const own = m.attributes.find((a) => a.name === name);
  if (own) return own.value;
  return sd.attributes.find((a) => a.name === name)?.value ?? null;
}

function checkMedia(sd: SessionDescription, m: SdpMedia, index: number): void {
  const where = { stream: index, kind: m.media };
  if (m.proto.toUpperCase() !== WEBRTC_PROTO) {
    throw new ApplianceError('E_SRTP_REFUSED', `m=${m.media.slice(0, 16)}: ${m.proto.slice(0, 32)} is not DTLS-SRTP`, where);
  }
  const ufrag = attribute(m, sd, 'ice-ufrag');
  const pwd = attribute(m, sd, 'ice-pwd');
  if (!ufrag || !/^[A-Za-z0-9+/]{4,256}$/.test(ufrag) || !pwd || !/^[A-Za-z0-9+/]{22,256}$/.test(pwd)) {
    throw new ApplianceError('E_SDP_MALFORMED', `m=${m.media.slice(0, 16)}: missing or malformed ICE credentials`, where);
  }
  const fingerprint = attribute(m, sd, 'fingerprint');
  const match = fingerprint === null ? null : /^(sha-1|sha-224|sha-256|sha-384|sha-512) ((?:[0-9A-Fa-f]{2}:)+[0-9A-Fa-f]{2})$/i.exec(fingerprint.trim());
  if (!match) throw new ApplianceError('E_SDP_MALFORMED', `m=${m.media.slice(0, 16)}: missing or malformed DTLS fingerprint`, where);
  const setup = attribute(m, sd, 'setup');
  if (setup !== null && !/^(active|passive|actpass)$/.test(setup)) {
    throw new ApplianceError('E_SDP_MALFORMED', `m=${m.media.slice(0, 16)}: bad a=setup`, where);
  }
}
