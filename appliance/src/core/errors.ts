/**
 * Stable error codes. Tests, logs, the UI and fleet reports key on these strings,
 * so a code is never renamed or reused for another meaning.
 */
export const ERROR_CODES = {
  E_CONFIG_INVALID: 'The configuration file is invalid',
  E_CONFIG_UNREADABLE: 'The configuration file cannot be read',
  E_SIP_AUTH: 'The SIP account was refused (wrong user name or password)',
  E_REGISTRATION_FAILED: 'The unit could not register with the SIP server',
  E_ROOM_NOT_FOUND: 'The meeting room does not exist',
  E_ROOM_BUSY: 'The meeting room is busy or refused the call',
  E_NO_ANSWER: 'The meeting room did not answer',
  E_CALL_REJECTED: 'The meeting room rejected the call',
  E_CALL_DROPPED: 'The call ended unexpectedly',
  E_SERVER_UNREACHABLE: 'The SIP server cannot be reached',
  E_TLS_UNTRUSTED: 'The SIP server certificate is not trusted',
  E_SRTP_REFUSED: 'The far end will not encrypt the media',
  E_CODEC_UNSUPPORTED: 'The far end offers no codec the unit supports',
  E_SDP_MALFORMED: 'The far end sent a malformed session description',
  E_SIP_MALFORMED: 'A malformed SIP message was received',
  E_SIP_TIMEOUT: 'The SIP server did not answer in time',
  E_INBOUND_REFUSED: 'An inbound call from a caller not on the allow list was refused',
  E_MEDIA_DEVICE: 'A camera, microphone or speaker could not be opened',
  E_MEDIA_PIPELINE: 'The media pipeline failed',
  E_STATE_TRANSITION: 'An action is not allowed in the current state',
  E_STORE: 'The local store failed',
  E_IOBOARD_FRAME: 'A malformed frame was received from the I/O board (COBS, length, CRC or version)',
  E_IOBOARD_PAYLOAD: 'An I/O board message has an unknown type or a payload that does not fit its type',
  E_IOBOARD_TIMEOUT: 'The I/O board did not acknowledge a message after all retries',
  E_IOBOARD_UNREACHABLE: 'The I/O board does not answer or its serial port is gone',
  E_IOBOARD_VERSION: 'The I/O board speaks another protocol version',
  E_IOBOARD_NACK: 'The I/O board refused a message',
  E_IOBOARD_BOARD_FAULT: 'The I/O board reported a fault (watchdog reset, lost bytes or host silence)',
  E_LOOP_OPEN_CIRCUIT: 'The hearing loop is open (no current flows): check the loop cable',
  E_LOOP_SHORT_CIRCUIT: 'The hearing loop is short-circuited: the amplifier was switched off',
  E_GPIO_UNAVAILABLE: 'A GPIO chip or line for the start button or status LED is missing or cannot be used',
  E_BUTTON_STUCK: 'A button has been held down far longer than anyone would press it (stuck or jammed)',
  E_CONTROL_INVALID: 'A control value is out of range or not allowed for this user',
  // Fleet agent (issue 6)
  E_FLEET_UNREACHABLE: 'The fleet server cannot be reached',
  E_FLEET_UNTRUSTED: "The fleet server's certificate is not trusted or names another host",
  E_FLEET_REFUSED: 'The fleet server refused the request (see the fleet code: unknown, revoked, token, auth)',
  E_FLEET_RESPONSE: 'The fleet server sent a malformed response',
  E_FLEET_KEYS: "The unit's fleet keys cannot be read or written",
  E_FLEET_STATE: "The fleet agent's state cannot be read or written",
  E_BUNDLE_REFUSED: 'A configuration bundle was refused (signature, unit, version, secrets or config)',
  E_BUNDLE_ROLLED_BACK: 'A new configuration failed its checks and the previous one was restored',
  // Touch panel (issue 5)
  E_SUPPORT_NOT_CONFIGURED: 'No IT support room is configured (sip.supportUri)',
  // hardware (issue 4): displays
  E_DISPLAY_CEC: 'The TV did not answer over HDMI-CEC (off at the wall, CEC disabled, or no cable)',
  E_DISPLAY_PANEL: 'The touch panel backlight cannot be switched',
  // WebRTC rooms (issue 7)
  E_ICE_FAILED: 'The media connection to the room could not be made or was lost (ICE failed)',
  E_DTLS_FAILED: 'The secure media handshake (DTLS-SRTP) failed or the far end certificate does not match its fingerprint',
  // audio chains (issue 3)
  E_AUDIO_OUTPUT_SILENT: 'The far end is talking but an audio output (speaker or hearing loop) plays nothing',
  E_ECHO_TEST: 'The echo test call could not measure the probe signal',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApplianceError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts (SIP status, field name, ...). Never secrets. */
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.name = 'ApplianceError';
    this.code = code;
    this.detail = Object.freeze({ ...detail });
  }
}

export function isApplianceError(e: unknown): e is ApplianceError {
  return e instanceof ApplianceError;
}

/** Wraps any thrown value as an ApplianceError, keeping an existing code. */
export function toApplianceError(e: unknown, fallback: ErrorCode): ApplianceError {
  if (isApplianceError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ApplianceError(fallback, message, {}, { cause: e });
}
