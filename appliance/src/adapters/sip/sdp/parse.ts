/**
 * SDP parser (RFC 8866). Tolerant where it costs nothing (LF-only line ends, trailing blank
 * lines, runs of spaces between fields, unknown attributes kept), strict about what the unit
 * relies on (line syntax, v/o/s/t, c=, m=, rtpmap, fmtp, rtcp, direction). Every failure is an
 * ApplianceError E_SDP_MALFORMED naming the line; nothing else is ever thrown.
 */
import { ApplianceError, isApplianceError } from '../../../core/errors.js';
import type { Direction } from '../../../core/media-types.js';
import { parseCryptoAttribute } from './crypto-attribute.js';
import {
  emptyMedia,
  payloadTypeOrder,
  type SdpBandwidth,
  type SdpConnection,
  type SdpFmtp,
  type SdpMedia,
  type SdpOrigin,
  type SdpRtcp,
  type SdpRtpMap,
  type SessionDescription,
} from './model.js';
import { sdpMalformed } from './sdp-errors.js';

/** Far larger than any real offer; bounds the work done on hostile input. */
export const MAX_SDP_LENGTH = 65_536;

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const SESSION_TYPES = new Set('vosiuepcbtrzka');
const MEDIA_TYPES = new Set('icbka');
const ONCE_PER_LEVEL = new Set('osiuczk');
const TOKEN = /^[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+$/;

export function parseSdp(text: string): SessionDescription {
  try {
    return parseLines(splitLines(text));
  } catch (e) {
    if (isApplianceError(e)) throw e;
    // A parser bug must still surface as the documented error; `internal` lets tests spot it.
    throw new ApplianceError('E_SDP_MALFORMED', 'SDP: parser failure', { line: 0, reason: 'parser failure', internal: true }, { cause: e });
  }
}

function splitLines(text: unknown): string[] {
  if (typeof text !== 'string') throw sdpMalformed(0, 'not text');
  if (text.length > MAX_SDP_LENGTH) throw sdpMalformed(0, `longer than ${MAX_SDP_LENGTH} characters`);
  const lines = text.split('\n').map((l, i) => {
    const line = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (line.includes('\r')) throw sdpMalformed(i + 1, 'carriage return inside a line');
    if (line.includes('\0')) throw sdpMalformed(i + 1, 'NUL character');
    return line;
  });
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw sdpMalformed(0, 'empty description');
  return lines;
}

interface Level {
  seen: Set<string>;
}

function parseLines(lines: string[]): SessionDescription {
  let origin: SdpOrigin | null = null;
  let sessionName: string | null = null;
  const session: Omit<SessionDescription, 'origin' | 'sessionName'> = {
    version: 0, info: null, uri: null, emails: [], phones: [], connection: null, bandwidths: [],
    timings: [], timeZones: null, encryptionKey: null, direction: null, attributes: [], media: [],
  };
  const sessionLevel: Level = { seen: new Set() };
  let media: SdpMedia | null = null;
  let mediaLevel: Level = { seen: new Set() };
  const mediaLines: number[] = [];

  lines.forEach((line, index) => {
    const n = index + 1;
    if (line === '') throw sdpMalformed(n, 'empty line');
    if (line.length < 2 || line[1] !== '=') throw sdpMalformed(n, 'not a <type>=<value> line');
    const type = line[0]!;
    const value = line.slice(2);
    if (!/^[a-z]$/.test(type)) throw sdpMalformed(n, 'line type is not a lower-case letter');
    if (n === 1) {
      if (type !== 'v') throw sdpMalformed(1, 'first line is not v=');
      if (value !== '0') throw sdpMalformed(1, 'unsupported SDP version');
      return;
    }
    if (type === 'm') {
      media = parseMediaLine(value, n);
      session.media.push(media);
      mediaLevel = { seen: new Set() };
      mediaLines.push(n);
      return;
    }
    const level = media ? mediaLevel : sessionLevel;
    const allowed = media ? MEDIA_TYPES : SESSION_TYPES;
    if (!allowed.has(type)) {
      if (SESSION_TYPES.has(type)) throw sdpMalformed(n, `${type}= is not allowed in a media section`);
      throw sdpMalformed(n, `unknown line type ${type}=`);
    }
    if (ONCE_PER_LEVEL.has(type) || type === 'v') {
      if (level.seen.has(type) || type === 'v') throw sdpMalformed(n, `more than one ${type}= line`);
      level.seen.add(type);
    }
    const m: SdpMedia | null = media;
    switch (type) {
      case 'o': origin = parseOrigin(value, n); break;
      case 's': sessionName = value; break;
      case 'i': if (m) m.title = value; else session.info = value; break;
      case 'u': session.uri = value; break;
      case 'e': session.emails.push(value); break;
      case 'p': session.phones.push(value); break;
      case 'c': { const c = parseConnection(value, n); if (m) m.connection = c; else session.connection = c; break; }
      case 'b': (m ? m.bandwidths : session.bandwidths).push(parseBandwidth(value, n)); break;
      case 't': session.timings.push(parseTiming(value, n)); break;
      case 'r': {
        const last = session.timings[session.timings.length - 1];
        if (!last) throw sdpMalformed(n, 'r= without a preceding t=');
        last.repeats.push(value);
        break;
      }
      case 'z': session.timeZones = value; break;
      case 'k': if (m) m.encryptionKey = value; else session.encryptionKey = value; break;
      case 'a': if (m) mediaAttribute(m, value, n); else sessionAttribute(session, value, n); break;
    }
  });

  if (!origin) throw sdpMalformed(0, 'no o= line');
  if (sessionName === null) throw sdpMalformed(0, 'no s= line');
  if (session.timings.length === 0) throw sdpMalformed(0, 'no t= line');
  session.media.forEach((m, i) => {
    const order = payloadTypeOrder(m);
    m.rtpmaps.sort((a, b) => order.indexOf(a.payloadType) - order.indexOf(b.payloadType));
    m.fmtps.sort((a, b) => order.indexOf(a.payloadType) - order.indexOf(b.payloadType));
    if (m.port !== 0 && !m.connection && !session.connection) {
      throw sdpMalformed(mediaLines[i] ?? 0, 'no c= line for an active stream (neither in the media section nor at session level)');
    }
  });
  return { ...session, origin, sessionName };
}

function fields(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}

function parseOrigin(value: string, n: number): SdpOrigin {
  const f = fields(value);
  if (f.length !== 6) throw sdpMalformed(n, 'o= needs 6 fields');
  const [username, sessionId, sessionVersion, netType, addrType, address] = f as [string, string, string, string, string, string];
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseConnection(value: string, n: number): SdpConnection {
  const f = fields(value);
  if (f.length !== 3) throw sdpMalformed(n, 'c= needs 3 fields');
  const [netType, addrType, spec] = f as [string, string, string];
  if (netType !== 'IN') throw sdpMalformed(n, `unsupported network type ${netType.slice(0, 8)}`);
  if (addrType !== 'IP4' && addrType !== 'IP6') throw sdpMalformed(n, 'address type is not IP4 or IP6');
  return parseAddressSpec(addrType, spec, n);
}

function parseAddressSpec(addrType: 'IP4' | 'IP6', spec: string, n: number): SdpConnection {
  const [address = '', ...suffix] = spec.split('/');
  if (!isAddress(addrType, address)) throw sdpMalformed(n, `bad ${addrType} address`);
  if (suffix.length > (addrType === 'IP4' ? 2 : 1) || suffix.some((s) => !/^\d{1,5}$/.test(s))) {
    throw sdpMalformed(n, 'bad multicast suffix on the address');
  }
  const c: SdpConnection = { netType: 'IN', addrType, address };
  const nums = suffix.map(Number);
  if (addrType === 'IP4') {
    if (nums[0] !== undefined) c.ttl = nums[0];
    if (nums[1] !== undefined) c.count = nums[1];
  } else if (nums[0] !== undefined) {
    c.count = nums[0];
  }
  return c;
}

const HOSTNAME = /^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/;

function isAddress(addrType: 'IP4' | 'IP6', address: string): boolean {
  if (address.length === 0 || address.length > 253) return false;
  if (addrType === 'IP4') {
    if (/^[\d.]+$/.test(address)) {
      const parts = address.split('.');
      return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
    }
    return HOSTNAME.test(address);
  }
  if (address.includes(':')) return /^[0-9A-Fa-f:.]+$/.test(address) && address.split(':').length <= 9;
  return HOSTNAME.test(address);
}

function parseBandwidth(value: string, n: number): SdpBandwidth {
  const match = /^([A-Za-z0-9_-]+):(\d{1,10})$/.exec(value.trim());
  if (!match) throw sdpMalformed(n, 'b= is not <type>:<number>');
  return { type: match[1]!, kbps: Number(match[2]) };
}

function parseTiming(value: string, n: number) {
  const f = fields(value);
  if (f.length !== 2 || !f.every((x) => /^\d{1,20}$/.test(x))) throw sdpMalformed(n, 't= needs two numbers');
  return { start: f[0]!, stop: f[1]!, repeats: [] };
}

function parsePort(text: string, n: number, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw sdpMalformed(n, `${what} is not a port number`);
  return Number(text);
}

function isRtpProto(proto: string): boolean {
  return proto.split('/').includes('RTP');
}

function parseMediaLine(value: string, n: number): SdpMedia {
  const f = fields(value);
  if (f.length < 4) throw sdpMalformed(n, 'm= needs media, port, proto and at least one format');
  const [mediaType, portSpec, proto, ...formats] = f as [string, string, string, ...string[]];
  if (!/^[A-Za-z0-9_-]+$/.test(mediaType)) throw sdpMalformed(n, 'bad media type in m=');
  const [portText = '', countText, extra] = portSpec.split('/');
  if (extra !== undefined) throw sdpMalformed(n, 'bad port in m=');
  const port = parsePort(portText, n, 'm= port');
  let portCount: number | null = null;
  if (countText !== undefined) {
    if (!/^\d{1,5}$/.test(countText) || Number(countText) < 1) throw sdpMalformed(n, 'bad port count in m=');
    portCount = Number(countText);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9/._-]*$/.test(proto)) throw sdpMalformed(n, 'bad proto in m=');
  if (isRtpProto(proto)) {
    for (const fmt of formats) {
      if (!/^\d{1,3}$/.test(fmt) || Number(fmt) > 127) throw sdpMalformed(n, 'RTP format is not a payload type 0-127');
    }
  } else if (!formats.every((fmt) => TOKEN.test(fmt))) {
    throw sdpMalformed(n, 'bad format in m=');
  }
  const m = emptyMedia(mediaType, port, proto, formats);
  m.portCount = portCount;
  return m;
}

function splitAttribute(value: string, n: number): { name: string; value: string | null } {
  const colon = value.indexOf(':');
  // Some stacks leave a trailing space after value-less attributes ("a=sendrecv ").
  const name = colon < 0 ? value.trimEnd() : value.slice(0, colon);
  if (!TOKEN.test(name)) throw sdpMalformed(n, 'bad attribute name');
  return { name, value: colon < 0 ? null : value.slice(colon + 1) };
}

function direction(name: string, value: string | null, current: Direction | null, n: number): Direction {
  if (value !== null) throw sdpMalformed(n, `a=${name} takes no value`);
  if (current !== null) throw sdpMalformed(n, 'more than one direction attribute');
  return name as Direction;
}

function sessionAttribute(session: Omit<SessionDescription, 'origin' | 'sessionName'>, raw: string, n: number): void {
  const a = splitAttribute(raw, n);
  if (DIRECTIONS.includes(a.name)) session.direction = direction(a.name, a.value, session.direction, n);
  else session.attributes.push(a);
}

function mediaAttribute(m: SdpMedia, raw: string, n: number): void {
  const a = splitAttribute(raw, n);
  const rtp = isRtpProto(m.proto);
  if (DIRECTIONS.includes(a.name)) {
    m.direction = direction(a.name, a.value, m.direction, n);
    return;
  }
  switch (a.name) {
    case 'rtpmap':
      if (rtp) return void m.rtpmaps.push(parseRtpMap(a.value, m, n));
      break;
    case 'fmtp':
      if (rtp) return void m.fmtps.push(parseFmtp(a.value, m, n));
      break;
    case 'rtcp':
      if (m.rtcp) throw sdpMalformed(n, 'more than one a=rtcp');
      m.rtcp = parseRtcp(a.value, n);
      return;
    case 'rtcp-mux':
      if (a.value !== null) throw sdpMalformed(n, 'a=rtcp-mux takes no value');
      m.rtcpMux = true;
      return;
    case 'crypto': {
      const c = a.value === null ? null : parseCryptoAttribute(a.value);
      if (c) return void m.crypto.push(c);
      break; // RFC 4568: a crypto line the unit cannot read is ignored, not fatal.
    }
    case 'ssrc': {
      const match = a.value === null ? null : /^(\d{1,10}) ([^:\s]+)(?::(.*))?$/.exec(a.value);
      if (match && Number(match[1]) <= 0xffffffff) {
        return void m.ssrcs.push({ ssrc: Number(match[1]), attribute: match[2]!, value: match[3] ?? null });
      }
      break;
    }
  }
  m.attributes.push(a);
}

function parseRtpMap(value: string | null, m: SdpMedia, n: number): SdpRtpMap {
  const match = value === null ? null : /^(\d{1,3})[ \t]+([^/\s]+)\/(\d{1,10})(?:\/(\d{1,3}))?[ \t]*$/.exec(value);
  if (!match) throw sdpMalformed(n, 'a=rtpmap is not <pt> <encoding>/<clock rate>[/<channels>]');
  const payloadType = Number(match[1]);
  if (payloadType > 127) throw sdpMalformed(n, 'a=rtpmap payload type above 127');
  if (m.rtpmaps.some((r) => r.payloadType === payloadType)) throw sdpMalformed(n, `second a=rtpmap for payload type ${payloadType}`);
  const clockRate = Number(match[3]);
  if (clockRate === 0) throw sdpMalformed(n, 'a=rtpmap clock rate is 0');
  const r: SdpRtpMap = { payloadType, encoding: match[2]!, clockRate };
  if (match[4] !== undefined) {
    if (Number(match[4]) === 0) throw sdpMalformed(n, 'a=rtpmap channel count is 0');
    r.channels = Number(match[4]);
  }
  return r;
}

function parseFmtp(value: string | null, m: SdpMedia, n: number): SdpFmtp {
  const match = value === null ? null : /^(\d{1,3})(?:[ \t]+(.*))?$/.exec(value);
  if (!match || Number(match[1]) > 127) throw sdpMalformed(n, 'a=fmtp is not <pt> <parameters>');
  const payloadType = Number(match[1]);
  if (m.fmtps.some((f) => f.payloadType === payloadType)) throw sdpMalformed(n, `second a=fmtp for payload type ${payloadType}`);
  const params = parseFmtpParams(match[2] ?? '');
  return { payloadType, value: match[2] ?? '', params };
}

export function parseFmtpParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of text.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (key === '' || key === '__proto__') continue;
    params[key] = eq < 0 ? '' : p.slice(eq + 1).trim();
  }
  return params;
}

function parseRtcp(value: string | null, n: number): SdpRtcp {
  const f = fields(value ?? '');
  if (f.length !== 1 && f.length !== 4) throw sdpMalformed(n, 'a=rtcp is not <port> [IN <IP4|IP6> <address>]');
  const port = parsePort(f[0]!, n, 'a=rtcp port');
  if (f.length === 1) return { port, connection: null };
  return { port, connection: parseConnection(f.slice(1).join(' '), n) };
}
