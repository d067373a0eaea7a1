import { FLEET_ERROR_CODES, type FleetErrorBody, type FleetErrorCode } from '../../../appliance/src/fleet/protocol.js';

/** A refusal: HTTP status plus the protocol's { code, message } body (and, rarely, more detail). */
export class FleetHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: FleetErrorCode,
    message: string = FLEET_ERROR_CODES[code],
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'FleetHttpError';
  }

  body(): FleetErrorBody & Record<string, unknown> {
    return { ...this.detail, code: this.code, message: this.message };
  }
}

export const refuse = (status: number, code: FleetErrorCode, message?: string, detail?: Record<string, unknown>): FleetHttpError =>
  new FleetHttpError(status, code, message, detail);
