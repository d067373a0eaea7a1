import { ApplianceError } from '../../../core/errors.js';

/**
 * E_SDP_MALFORMED naming the 1-based line (0 = the description as a whole).
 * The line's text is deliberately not copied into the error: it may hold SRTP keys.
 */
export function sdpMalformed(line: number, reason: string): ApplianceError {
  const where = line > 0 ? `SDP line ${line}` : 'SDP';
  return new ApplianceError('E_SDP_MALFORMED', `${where}: ${reason}`, { line, reason });
}

/** A negotiation failure about one m= line (index is 0-based in m= order). */
export function streamError(
  code: 'E_SRTP_REFUSED' | 'E_CODEC_UNSUPPORTED' | 'E_SDP_MALFORMED',
  reason: string,
  stream?: { index: number; kind: string },
): ApplianceError {
  const where = stream ? `m=${stream.kind} line #${stream.index + 1}: ` : '';
  return new ApplianceError(code, `${where}${reason}`, { reason, ...(stream ? { stream: stream.index, kind: stream.kind } : {}) });
}
