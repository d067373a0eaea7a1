/** What one far-end m= section says about the far end, after session-level defaults apply. */
import type { Direction, MediaKind, RtpEndpoint } from '../../../core/media-types.js';
import type { SdpConnection, SdpMedia, SessionDescription } from './model.js';

export interface RemoteStreamView {
  endpoint: RtpEndpoint;
  /** The far end's declared direction (media level, else session level, else sendrecv). */
  direction: Direction;
  /** RFC 2543-style hold: c= is 0.0.0.0 (or ::), so the far end wants nothing sent to it. */
  held: boolean;
}

export function remoteView(sd: SessionDescription, m: SdpMedia): RemoteStreamView {
  // The parser guarantees a c= for every m= line with a non-zero port.
  const c: SdpConnection = m.connection ?? sd.connection ?? { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' };
  // RFC 3605 a=rtcp: honour the far end's RTCP port; its optional address cannot be represented
  // in RtpEndpoint, and in practice it equals the RTP address.
  const rtcpPort = m.rtcp ? m.rtcp.port : m.port + 1;
  return {
    endpoint: { address: c.address, rtpPort: m.port, rtcpPort },
    direction: m.direction ?? sd.direction ?? 'sendrecv',
    held: c.address === '0.0.0.0' || /^[0:]+$/.test(c.address),
  };
}

/** 'SAVP' for RTP/SAVP(F), 'AVP' for RTP/AVP(F); null for anything else (DTLS, TCP, ...). */
export function transportFamily(proto: string): 'SAVP' | 'AVP' | null {
  switch (proto.toUpperCase()) {
    case 'RTP/SAVP':
    case 'RTP/SAVPF':
      return 'SAVP';
    case 'RTP/AVP':
    case 'RTP/AVPF':
      return 'AVP';
    default:
      return null;
  }
}

export function mediaKind(m: SdpMedia): MediaKind | null {
  return m.media === 'audio' || m.media === 'video' ? m.media : null;
}
