import { ApplianceError, type ErrorCode } from '../../core/errors.js';

/**
 * Maps a final SIP failure response to an error a nurse-facing screen can explain.
 * `authAttempted`: a 401/407 after SIP.js already answered one challenge means the
 * credentials are wrong, not merely that a challenge is pending.
 */
export function errorForSipStatus(status: number, reason: string, context: 'register' | 'invite'): ApplianceError {
  const code = codeForStatus(status, context);
  return new ApplianceError(code, `${context === 'register' ? 'REGISTER' : 'INVITE'} failed: ${status} ${reason}`, { sipStatus: status, sipReason: reason });
}

function codeForStatus(status: number, context: 'register' | 'invite'): ErrorCode {
  if (status === 401 || status === 407 || status === 403) return 'E_SIP_AUTH';
  if (status === 408) return context === 'register' ? 'E_SIP_TIMEOUT' : 'E_NO_ANSWER';
  if (context === 'register') return status === 503 ? 'E_SERVER_UNREACHABLE' : 'E_REGISTRATION_FAILED';
  switch (status) {
    case 404: case 604: case 484: case 410: return 'E_ROOM_NOT_FOUND';
    case 486: case 600: return 'E_ROOM_BUSY';
    case 480: case 487: return 'E_NO_ANSWER';
    // 488/606 answer an offer whose media the far end will not take; the unit only ever
    // offers Opus/H.264/VP8 over SRTP, so in practice that is a room that refuses encryption.
    case 488: case 606: return 'E_SRTP_REFUSED';
    case 415: return 'E_CODEC_UNSUPPORTED';
    case 503: return 'E_SERVER_UNREACHABLE';
    default: return 'E_CALL_REJECTED';
  }
}
