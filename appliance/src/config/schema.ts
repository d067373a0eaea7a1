import { Type, type Static } from '@sinclair/typebox';

/**
 * The unit's whole configuration: one schema, with defaults, no unknown properties.
 * provisioning/ imports this same schema to validate fleet inventories.
 */

const SipUri = Type.String({ pattern: '^sips?:[^\\s@]+@[^\\s@]+$', description: 'A SIP URI, e.g. sip:room@meet.example.org' });
const HostName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\-\\[\\]]+$' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const DeviceName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_:,./=\\-]+$' });

export const UnitSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Serial or stable identifier' }),
  name: Type.String({ minLength: 1, maxLength: 80, description: 'Name staff see, e.g. "Ward 4 bed 2"' }),
  site: Type.String({ default: '', maxLength: 80 }),
  ward: Type.String({ default: '', maxLength: 80 }),
  room: Type.String({ default: '', maxLength: 40 }),
  bed: Type.String({ default: '', maxLength: 40 }),
}, { additionalProperties: false });

export const MeetingSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  title: Type.String({ default: '', maxLength: 120, description: 'Never a patient name' }),
  roomUri: SipUri,
  startsAt: Type.String({ format: 'date-time' }),
  durationMinutes: Type.Integer({ minimum: 1, maximum: 240, default: 30 }),
}, { additionalProperties: false });

export const RoomsSchema = Type.Object({
  ownRoomUri: SipUri,
  meetings: Type.Array(MeetingSchema, { default: [], maxItems: 200 }),
  joinWindow: Type.Object({
    minutesBefore: Type.Integer({ minimum: 0, maximum: 120, default: 15 }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false });

export const SipAccountSchema = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  authUsername: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  password: Type.String({ minLength: 1, maxLength: 256, description: 'Secret; redacted in logs' }),
  domain: HostName,
  displayName: Type.String({ default: '', maxLength: 80 }),
}, { additionalProperties: false });

export const SipSchema = Type.Object({
  transport: Type.Union([Type.Literal('tls'), Type.Literal('tcp'), Type.Literal('wss')], { default: 'tls', description: 'tcp needs lab.allowInsecureSignaling; wss = SIP over secure WebSocket (RFC 7118) with WebRTC media' }),
  proxy: Type.Object({
    host: HostName,
    port: Type.Optional(Port),
  }, { additionalProperties: false, description: 'Outbound proxy / registrar the unit connects to' }),
  account: Type.Optional(SipAccountSchema),
  registerExpiresSeconds: Type.Integer({ minimum: 60, maximum: 3600, default: 600 }),
  trustedCaFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM bundle; default: the system store' })),
  tlsServerName: Type.Optional(HostName),
  allowInboundFrom: Type.Array(SipUri, { default: [], description: 'Callers allowed to call the unit; empty = nobody' }),
  keepaliveIntervalSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 25 }),
  noAnswerTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 120, default: 30 }),
  connectTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
  supportUri: Type.Optional(SipUri),
  /** An echo service the self-test calls (microphone, speaker, echo): baresip's echo module or the hospital's own. */
  echoTestUri: Type.Optional(SipUri),
  // WebRTC rooms (issue 7)
  wsPath: Type.String({ default: '/', maxLength: 200, pattern: '^/[\\x21-\\x7e]*$', description: 'wss: HTTP path of the WebSocket endpoint' }),
}, { additionalProperties: false });

export const MediaSchema = Type.Object({
  audio: Type.Object({
    captureDevice: Type.Optional(DeviceName),
    playbackDevice: Type.Optional(DeviceName),
    simToneHz: Type.Integer({ minimum: 100, maximum: 8000, default: 1000 }),
    /** sim: speaker and microphone become a simulated room on this 127.0.0.1 UDP port (the microphone hears the speaker, for echo tests). */
    simRoomPort: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535 })),
    /** ALSA device of the hearing-loop amplifier (pi mode; usually a USB sound card); unset: no loop output. */
    loopDevice: Type.Optional(DeviceName),
    loop: Type.Object({
      referenceLevelDbfs: Type.Integer({ minimum: -40, maximum: -6, default: -18, description: 'Speech level (RMS dBFS) the loop chain delivers; the loop amplifier is calibrated at this level' }),
      maxBoostDb: Type.Integer({ minimum: 0, maximum: 40, default: 30, description: 'Compression gain of each loop compressor stage' }),
    }, { additionalProperties: false, default: {} }),
    processing: Type.Object({
      echoCancel: Type.Boolean({ default: true }),
      noiseSuppression: Type.Boolean({ default: true }),
      gainControl: Type.Boolean({ default: false, description: 'Microphone AGC; off: it lifts the residual echo (docs/audio.md)' }),
      highPassFilter: Type.Boolean({ default: true }),
      echoSuppression: Type.Union([Type.Literal('low'), Type.Literal('moderate'), Type.Literal('high')], { default: 'moderate' }),
    }, { additionalProperties: false, default: {}, description: 'Microphone processing (webrtcdsp)' }),
    jitterBufferMs: Type.Integer({ minimum: 20, maximum: 1000, default: 80, description: 'Receive jitter buffer (the far end\'s audio and video)' }),
  }, { additionalProperties: false, default: {} }),
  video: Type.Object({
    enabled: Type.Boolean({ default: true }),
    captureDevice: Type.Optional(DeviceName),
    display: Type.Union([Type.Literal('kms'), Type.Literal('wayland'), Type.Literal('auto'), Type.Literal('counter')], { default: 'kms' }),
    width: Type.Integer({ minimum: 160, maximum: 1920, default: 640 }),
    height: Type.Integer({ minimum: 120, maximum: 1080, default: 360 }),
    framerate: Type.Integer({ minimum: 5, maximum: 30, default: 25 }),
  }, { additionalProperties: false, default: {} }),
  rtpPortRange: Type.Object({
    min: Type.Integer({ minimum: 1024, maximum: 65000, default: 20000 }),
    max: Type.Integer({ minimum: 1026, maximum: 65534, default: 20999 }),
  }, { additionalProperties: false, default: {} }),
  simOutputDir: Type.Optional(Type.String({ minLength: 1, description: 'sim mode: where far-end audio WAVs and snapshots go' })),
  // WebRTC rooms (issue 7)
  webrtc: Type.Object({
    iceServers: Type.Array(Type.Object({
      urls: Type.Array(Type.String({ pattern: '^(stun|stuns|turn|turns):[^\\s]+$', maxLength: 300 }), { minItems: 1, maxItems: 8 }),
      username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      credential: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Secret; redacted in logs' })),
    }, { additionalProperties: false }), { default: [], maxItems: 8, description: 'STUN/TURN servers for ICE' }),
    additionalHostAddresses: Type.Array(Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$' }), { default: [], maxItems: 8, description: 'Extra host candidate addresses (e.g. 127.0.0.1 in a lab)' }),
    interfaceAddress: Type.Optional(Type.String({ minLength: 7, maxLength: 15, pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$', description: 'Use only this local IPv4 address for ICE (e.g. 127.0.0.1 in a lab); default every interface' })),
    connectTimeoutSeconds: Type.Integer({ minimum: 2, maximum: 60, default: 10, description: 'ICE + DTLS must connect within this time or the call ends with E_ICE_FAILED' }),
    disconnectGraceSeconds: Type.Integer({ minimum: 1, maximum: 30, default: 4, description: 'How long an ICE disconnect may last before the unit restarts ICE with a re-INVITE' }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

const gpioLine = (line: number) => Type.Integer({ minimum: 0, maximum: 511, default: line, description: 'Line offset on the chip: the BCM number on a Raspberry Pi header' });

export const GpioSchema = Type.Object({
  driver: Type.Union([Type.Literal('chardev'), Type.Literal('sysfs')], { default: 'chardev', description: 'chardev: libgpiod tools (Pi 5, current OS); sysfs: legacy /sys/class/gpio' }),
  chip: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.,:-]+$', description: 'Chip label (pinctrl-bcm2711) or name (gpiochip0); default: the Raspberry Pi header chip' })),
  buttonLine: gpioLine(17),
  ledLine: gpioLine(27),
  buttonActiveLow: Type.Boolean({ default: true, description: 'Button wired to ground with a pull-up' }),
  ledActiveLow: Type.Boolean({ default: false, description: 'LED lit when the pin is low (sinking)' }),
}, { additionalProperties: false, default: {} });

const UsbId = Type.String({ pattern: '^[0-9A-Fa-f]{4}$', description: '4 hex digits, as lsusb shows them' });

export const IoBoardSchema = Type.Object({
  enabled: Type.Boolean({ default: false, description: 'The bedside pod and loop amplifier board on USB serial. sim mode: the firmware in simavr unless path is set' }),
  path: Type.Optional(Type.String({ minLength: 2, maxLength: 256, pattern: '^/[A-Za-z0-9_./:+@-]+$', description: 'The tty, e.g. /dev/serial/by-id/usb-...; else found by usb' })),
  usb: Type.Optional(Type.Object({
    vendorId: UsbId,
    productId: UsbId,
    serial: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'USB serial number, when several boards of one model are plugged in' })),
  }, { additionalProperties: false })),
  reconnectInitialMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 500, description: 'First reconnect delay after an unplug; doubles each failed attempt' }),
  reconnectMaxMs: Type.Integer({ minimum: 50, maximum: 300_000, default: 30_000 }),
  loopReferenceGainDb: Type.Number({ minimum: -48, maximum: 0, default: -12, description: 'Amplifier gain at loopGainDb 0 (the calibrated level); loopGainDb is added to it, capped at 0 dB' }),
  loopRecheckSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 15, description: 'While a loop fault is active, re-arm the amplifier this often to see whether the loop was repaired' }),
}, { additionalProperties: false, default: {} });

export const DisplaySchema = Type.Object({
  cec: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Wake the TV over HDMI-CEC when a call starts, standby after' }),
    device: Type.String({ default: '/dev/cec0', pattern: '^/dev/[A-Za-z0-9_./-]+$' }),
    timeoutMs: Type.Integer({ minimum: 200, maximum: 30_000, default: 5000, description: 'A cec-ctl call that takes longer is a fault (E_DISPLAY_CEC), not a hang' }),
  }, { additionalProperties: false, default: {} }),
  backlight: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'Blank and wake the touch panel (sysfs backlight bl_power)' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Directory under /sys/class/backlight; default: the only one' })),
    blankWhenIdle: Type.Boolean({ default: false, description: 'Blank the panel with the TV after a call (the panel wakes when the next call starts)' }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

export const HardwareSchema = Type.Object({
  mode: Type.Union([Type.Literal('sim'), Type.Literal('pi')], { default: 'sim' }),
  gpio: GpioSchema,
  ioBoard: IoBoardSchema,
  display: DisplaySchema,
}, { additionalProperties: false, default: {} });

export const LabSchema = Type.Object({
  allowPlainRtp: Type.Boolean({ default: false, description: 'Lab only: accept unencrypted media' }),
  allowInsecureSignaling: Type.Boolean({ default: false, description: 'Lab only: SIP over plain TCP' }),
}, { additionalProperties: false, default: {} });

export const ServerSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  token: Type.Optional(Type.String({ minLength: 16, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$', description: 'Secret; lets a ward tablet use the panel from another address. Without it only loopback is served' })),
}, { additionalProperties: false, default: {} });

export const StoreSchema = Type.Object({
  path: Type.String({ minLength: 1, default: '/var/lib/bedside-unit/unit.db' }),
}, { additionalProperties: false, default: {} });

export const LogSchema = Type.Object({
  level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)), { default: 'info' }),
}, { additionalProperties: false, default: {} });

export const UiSchema = Type.Object({
  failureDisplaySeconds: Type.Integer({ minimum: 1, maximum: 600, default: 30, description: 'How long a failure stays on screen before the unit is ready again' }),
}, { additionalProperties: false, default: {} });

// Fleet agent (issue 6): enrollment, signed bundles, heartbeat. Without serverUrl the agent is off.
const FleetUrl = Type.String({ maxLength: 500, pattern: '^(https://[^\\s]+|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?(/[^\\s]*)?)$', description: 'https, or plain http to loopback only (lab)' });
export const FleetSchema = Type.Object({
  serverUrl: Type.Optional(FleetUrl),
  trustedCaFile: Type.Optional(Type.String({ minLength: 1, description: "PEM bundle for the fleet server's certificate; default: the system store" })),
  stateDir: Type.String({ minLength: 1, default: '/var/lib/bedside-unit/fleet', description: 'Keys (0600), applied and previous bundle + config, agent state' }),
  enrollmentToken: Type.Optional(Type.String({ minLength: 16, maxLength: 128, description: 'Secret; one-time. Prefer enrollmentTokenFile' })),
  enrollmentTokenFile: Type.String({ minLength: 1, default: '/var/lib/bedside-unit/enrollment-token', description: 'One-time token, deleted after enrollment' }),
  registrationCheckSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 30, description: 'A new SIP config must register within this long or it is rolled back' }),
  requestTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 10 }),
}, { additionalProperties: false, default: {} });

export const ConfigSchema = Type.Object({
  unit: UnitSchema,
  rooms: RoomsSchema,
  sip: SipSchema,
  media: MediaSchema,
  hardware: HardwareSchema,
  lab: LabSchema,
  server: ServerSchema,
  store: StoreSchema,
  log: LogSchema,
  ui: UiSchema,
  fleet: FleetSchema,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;
export type DeepReadonly<T> = T extends (infer U)[] ? ReadonlyArray<DeepReadonly<U>> : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type AppConfig = DeepReadonly<Config>;
