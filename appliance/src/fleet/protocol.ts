/**
 * The fleet protocol, version 1: what a unit and the fleet server say to each other over
 * HTTPS. The server (provisioning/src/server) and the unit's agent (appliance/src/fleet)
 * both import this file, so it is the one definition of the wire format.
 *
 *   unit -> server (JSON bodies; every request after enrollment is signed, see below)
 *     POST /v1/enroll       EnrollRequest -> 201 EnrollResponse   (one-time token; unsigned)
 *     GET  /v1/bundle       -> 200 Bundle (ETag: "<version>") | 304 with If-None-Match | 404 none yet
 *     POST /v1/heartbeat    Heartbeat -> 200 HeartbeatResponse
 *     POST /v1/apply-report ApplyReport -> 204                    (applied or rolled back)
 *
 *   IT -> server (Authorization: Bearer <IT token>)
 *     POST /api/units                  { serial, site, ward, room, bed, name } -> 201 { enrollmentToken }
 *     GET  /api/units                  -> units with keys, online state, faults, versions
 *     PUT  /api/units/:serial/bundle   Bundle (signed by the provision CLI) -> 204
 *     POST /api/units/:serial/revoke   -> 204
 *     GET  /fleet                      the fleet page (HTML, no external scripts)
 *     GET  /api/meetings.csv           meetings per ward per week
 *
 * Unit request signing: headers
 *   x-unit-serial:    the serial
 *   x-unit-date:      RFC 3339 UTC time of the request (the server refuses more than 5 minutes skew)
 *   x-unit-signature: base64 Ed25519 signature over signingString(...) with the unit's signing key
 * The server verifies against the signing key registered at enrollment.
 *
 * Errors: every refusal is JSON { code, message } with a code from FLEET_ERROR_CODES.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';

export const FLEET_PROTOCOL_VERSION = 1 as const;
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export const FLEET_ERROR_CODES = {
  E_FLEET_AUTH: 'The request is not signed by an enrolled unit, or the IT token is wrong',
  E_FLEET_CLOCK_SKEW: 'The request date is too far from the server time',
  E_ENROLL_TOKEN: 'The enrollment token is unknown, expired or already used',
  E_UNIT_UNKNOWN: 'No unit with this serial is in the fleet',
  E_UNIT_REVOKED: 'This unit has been revoked by IT',
  E_HEARTBEAT_MALFORMED: 'The heartbeat does not match its schema',
  E_REQUEST_MALFORMED: 'The request body does not match its schema',
  E_BUNDLE_REFUSED: 'The bundle was refused (not signed by the fleet key, wrong unit, or not newer)',
  E_FLEET_UNREACHABLE: 'The fleet server cannot be reached',
  E_FLEET_INTERNAL: 'The fleet server failed',
} as const;
export type FleetErrorCode = keyof typeof FLEET_ERROR_CODES;

export interface FleetErrorBody { code: FleetErrorCode; message: string }

const Serial = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const Pem = Type.String({ minLength: 40, maxLength: 1000, pattern: '^-----BEGIN PUBLIC KEY-----' });

export const EnrollRequestSchema = Type.Object({
  serial: Serial,
  token: Type.String({ minLength: 16, maxLength: 128 }),
  /** Ed25519 SPKI PEM: signs the unit's requests. */
  signingKey: Pem,
  /** X25519 SPKI PEM: bundles' secrets are encrypted to it. */
  encryptionKey: Pem,
  softwareVersion: Type.String({ minLength: 1, maxLength: 64 }),
}, { additionalProperties: false });
export type EnrollRequest = Static<typeof EnrollRequestSchema>;

export interface EnrollResponse {
  serial: string;
  /** The server's fleet public key (Ed25519 SPKI PEM) bundles are verified against. */
  fleetPublicKey: string;
  heartbeatIntervalSeconds: number;
  pollIntervalSeconds: number;
}

const DeviceStatus = Type.Union([Type.Literal('ok'), Type.Literal('fault'), Type.Literal('absent'), Type.Literal('unknown')]);

export const MeetingReportSchema = Type.Object({
  /** A random id made by the unit for the call: never a room URI or anyone's name. */
  id: Type.String({ minLength: 1, maxLength: 64 }),
  startedAt: Type.String({ format: 'date-time' }),
  durationSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
  source: Type.Union([Type.Literal('scheduled'), Type.Literal('own-room'), Type.Literal('inbound')]),
}, { additionalProperties: false });
export type MeetingReport = Static<typeof MeetingReportSchema>;

/** What a unit reports about itself. No patient data: no names, no room URIs, no SIP users. */
export const HeartbeatSchema = Type.Object({
  v: Type.Literal(FLEET_PROTOCOL_VERSION),
  softwareVersion: Type.String({ minLength: 1, maxLength: 64 }),
  bundleVersion: Type.Integer({ minimum: 0 }),
  uptimeSeconds: Type.Integer({ minimum: 0 }),
  callState: Type.Union([Type.Literal('idle'), Type.Literal('joining'), Type.Literal('in-call'), Type.Literal('leaving'), Type.Literal('failed')]),
  devices: Type.Object({
    camera: DeviceStatus,
    microphone: DeviceStatus,
    speaker: DeviceStatus,
    loop: DeviceStatus,
    ioBoard: DeviceStatus,
  }, { additionalProperties: false }),
  registration: Type.Union([Type.Literal('registered'), Type.Literal('unregistered'), Type.Literal('failed')]),
  /** Active fault codes (core/errors.ts codes). */
  faults: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^E_[A-Z0-9_]+$' }), { maxItems: 32 }),
  lastSelfTest: Type.Union([Type.Null(), Type.Object({
    at: Type.String({ format: 'date-time' }),
    passed: Type.Boolean(),
    failed: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 }),
  }, { additionalProperties: false })]),
  /** Meetings finished since the last acknowledged heartbeat. */
  meetings: Type.Array(MeetingReportSchema, { maxItems: 100 }),
}, { additionalProperties: false });
export type Heartbeat = Static<typeof HeartbeatSchema>;

export interface HeartbeatResponse {
  /** Meeting ids the server stored (the unit drops them from its outbox). */
  acceptedMeetings: string[];
  /** The newest bundle version the server holds for this unit (0 = none): poll when above the applied one. */
  bundleVersion: number;
}

export const ApplyReportSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  outcome: Type.Union([Type.Literal('applied'), Type.Literal('refused'), Type.Literal('rolled-back')]),
  code: Type.Optional(Type.String({ maxLength: 64, pattern: '^E_[A-Z0-9_]+$' })),
  message: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
export type ApplyReport = Static<typeof ApplyReportSchema>;

/** The exact bytes a unit signs: method, path (with query), date and the body's SHA-256, one per line. */
export function signingString(method: string, pathWithQuery: string, date: string, body: string | Uint8Array): string {
  const digest = createHash('sha256').update(body).digest('base64');
  return `${method.toUpperCase()}\n${pathWithQuery}\n${date}\n${digest}`;
}
