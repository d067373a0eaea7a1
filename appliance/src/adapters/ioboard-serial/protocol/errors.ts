import { ApplianceError, ERROR_CODES } from '../../../core/errors.js';

/** Error codes of the I/O board protocol (defined with the others in core/errors.ts). */
export const IOBOARD_ERROR_CODES = {
  E_IOBOARD_FRAME: ERROR_CODES.E_IOBOARD_FRAME,
  E_IOBOARD_PAYLOAD: ERROR_CODES.E_IOBOARD_PAYLOAD,
} as const;

export type IoBoardErrorCode = keyof typeof IOBOARD_ERROR_CODES;

/** Why a frame was rejected; mirrors frame_error_t in firmware/src/frame.h. */
export type FrameErrorReason = 'cobs' | 'short' | 'oversize' | 'crc' | 'length' | 'version';

export class IoBoardProtocolError extends ApplianceError {
  declare readonly code: IoBoardErrorCode;

  constructor(code: IoBoardErrorCode, message?: string, detail: Record<string, unknown> = {}) {
    super(code, message ?? IOBOARD_ERROR_CODES[code], detail);
    this.name = 'IoBoardProtocolError';
  }
}

export function frameError(reason: FrameErrorReason, detail: Record<string, unknown> = {}): IoBoardProtocolError {
  return new IoBoardProtocolError('E_IOBOARD_FRAME', `${IOBOARD_ERROR_CODES.E_IOBOARD_FRAME}: ${reason}`, { reason, ...detail });
}
