/** Reading codecs out of an m= section and deciding whether a far-end codec matches one of ours. */
import type { Codec, CodecName } from '../../../core/media-types.js';
import type { SdpMedia, SdpRtpMap } from './model.js';

const CANONICAL: Record<string, CodecName> = { opus: 'opus', h264: 'H264', vp8: 'VP8' };

/** The codec the far end describes for one payload type, or null when it is not one the unit knows. */
export function codecFromMedia(m: SdpMedia, payloadType: number): Codec | null {
  // opus, H.264 and VP8 all use dynamic payload types, so an rtpmap is required.
  const r = m.rtpmaps.find((x) => x.payloadType === payloadType);
  if (!r) return null;
  const name = CANONICAL[r.encoding.toLowerCase()];
  if (!name) return null;
  const codec: Codec = { name, payloadType, clockRate: r.clockRate, fmtp: { ...(m.fmtps.find((f) => f.payloadType === payloadType)?.params ?? {}) } };
  if (r.channels !== undefined) codec.channels = r.channels;
  return codec;
}

/** Codecs the far end lists in an m= line, in its order of preference. */
export function codecsInOrder(m: SdpMedia): Codec[] {
  const out: Codec[] = [];
  for (const fmt of m.formats) {
    const c = codecFromMedia(m, Number(fmt));
    if (c) out.push(c);
  }
  return out;
}

/** Whether a far-end codec can be used with one of the unit's codecs (same format, compatible parameters). */
export function codecsMatch(remote: Codec, local: Codec): boolean {
  if (remote.name !== local.name || remote.clockRate !== local.clockRate) return false;
  switch (remote.name) {
    case 'opus':
      // RFC 7587 always writes /2; a missing count is a common slip, harmless to accept.
      return remote.channels === undefined || remote.channels === 2;
    case 'H264':
      return packetizationMode(remote) === packetizationMode(local) && h264ProfilesCompatible(remote, local);
    case 'VP8':
      return true;
  }
}

function packetizationMode(c: Codec): string {
  return fmtpParam(c, 'packetization-mode') ?? '0';
}

/** Parameter names are case-insensitive; far-end codecs are already lower-cased, local ones may not be. */
function fmtpParam(c: Codec, name: string): string | undefined {
  for (const [k, v] of Object.entries(c.fmtp)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** RFC 6184: absent profile-level-id means Baseline, level 1. */
const DEFAULT_PROFILE_LEVEL_ID = '42000a';

interface H264Profile {
  family: string;
  /** profile_idc and profile-iop, 4 hex digits. */
  profileHex: string;
  level: number;
}

export function h264Profile(c: Codec): H264Profile | null {
  const plid = fmtpParam(c, 'profile-level-id') ?? DEFAULT_PROFILE_LEVEL_ID;
  if (!/^[0-9A-Fa-f]{6}$/.test(plid)) return null;
  const idc = parseInt(plid.slice(0, 2), 16);
  const iop = parseInt(plid.slice(2, 4), 16);
  const level = parseInt(plid.slice(4, 6), 16);
  let family: string;
  if (idc === 0x42) family = iop & 0x40 ? 'constrained-baseline' : 'baseline';
  else if (idc === 0x4d) family = iop & 0x80 ? 'constrained-baseline' : 'main';
  else if (idc === 0x58) family = (iop & 0xc0) === 0xc0 ? 'constrained-baseline' : iop & 0x80 ? 'baseline' : 'extended';
  else if (idc === 0x64) family = 'high';
  else family = `idc-${idc}`;
  return { family, profileHex: plid.slice(0, 4).toLowerCase(), level };
}

const BASELINE_FAMILIES = new Set(['baseline', 'constrained-baseline']);

/**
 * Same profile; Baseline and Constrained Baseline count as one because the unit's encoders
 * produce Constrained Baseline (decodable by any Baseline decoder) and real Baseline streams do
 * not use the FMO/ASO tools that set the two apart. Levels may differ (RFC 6184 level rules).
 */
function h264ProfilesCompatible(a: Codec, b: Codec): boolean {
  const pa = h264Profile(a);
  const pb = h264Profile(b);
  if (!pa || !pb) return false;
  return pa.family === pb.family || (BASELINE_FAMILIES.has(pa.family) && BASELINE_FAMILIES.has(pb.family));
}

/** rtpmap line content for one of the unit's codecs. */
export function rtpMapFor(c: Codec, payloadType = c.payloadType): SdpRtpMap {
  const r: SdpRtpMap = { payloadType, encoding: c.name, clockRate: c.clockRate };
  const channels = c.channels ?? (c.name === 'opus' ? 2 : undefined);
  if (channels !== undefined) r.channels = channels;
  return r;
}

export function fmtpValue(params: Record<string, string>): string {
  return Object.entries(params).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';');
}

/**
 * The fmtp the unit answers with for a codec it chose from an offer: its own parameters,
 * except that an H.264 answer keeps the offer's profile and takes the lower of the two levels
 * (RFC 6184 section 8.2.2).
 */
export function answerFmtp(local: Codec, offered: Codec): Record<string, string> {
  const params = { ...local.fmtp };
  if (local.name === 'H264') {
    const theirs = h264Profile(offered);
    const ours = h264Profile(local);
    if (theirs && ours) {
      const level = Math.min(theirs.level, ours.level);
      for (const k of Object.keys(params)) if (k.toLowerCase() === 'profile-level-id') delete params[k];
      params['profile-level-id'] = theirs.profileHex + level.toString(16).padStart(2, '0');
    }
  }
  return params;
}
