/** The engine's codecs in werift's terms, and back. VP8 is put first for WebRTC rooms (every browser has it). */
import { RTCRtpCodecParameters } from 'werift';
import type { Codec, CodecName } from '../../core/media-types.js';

const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

export function toWerift(c: Codec): RTCRtpCodecParameters {
  const kind = c.name === 'opus' ? 'audio' : 'video';
  const parameters = Object.entries(c.fmtp).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';');
  return new RTCRtpCodecParameters({
    mimeType: `${kind}/${c.name}`,
    clockRate: c.clockRate,
    payloadType: c.payloadType,
    ...(kind === 'audio' ? { channels: c.channels ?? 2 } : {}),
    ...(parameters ? { parameters } : {}),
    rtcpFeedback: kind === 'video' ? VIDEO_FEEDBACK : [],
  });
}

export function webrtcVideoOrder(codecs: Codec[]): Codec[] {
  return [...codecs].sort((a, b) => Number(b.name === 'VP8') - Number(a.name === 'VP8'));
}

const NAMES: Record<string, CodecName> = { opus: 'opus', vp8: 'VP8', h264: 'H264' };

/** The negotiated werift codec as the engine's Codec, or null when the engine has no such codec. */
export function fromWerift(p: RTCRtpCodecParameters): Codec | null {
  const name = NAMES[p.mimeType.split('/')[1]?.toLowerCase() ?? ''];
  if (!name || p.payloadType === undefined) return null;
  const fmtp: Record<string, string> = {};
  for (const part of (p.parameters ?? '').split(';')) {
    const [k, v] = part.split('=');
    if (k && k.trim()) fmtp[k.trim().toLowerCase()] = (v ?? '').trim();
  }
  return { name, payloadType: p.payloadType, clockRate: p.clockRate, ...(name === 'opus' ? { channels: 2 } : {}), fmtp };
}
