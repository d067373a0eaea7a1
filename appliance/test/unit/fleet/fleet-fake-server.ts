/**
 * A small fleet server for the agent's tests, following protocol.ts: one-time enrollment
 * tokens, request signatures checked against the enrolled key, ETag / If-None-Match,
 * heartbeats checked against HeartbeatSchema. Behaviours can be switched to misbehave.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import type { Bundle } from '../../../src/fleet/bundle/types.js';
import {
  ApplyReportSchema, EnrollRequestSchema, HeartbeatSchema, MAX_CLOCK_SKEW_MS, signingString,
  type ApplyReport, type EnrollRequest, type FleetErrorCode, type Heartbeat,
} from '../../../src/fleet/protocol.js';

const ajv = new Ajv({ strict: true, allErrors: true });
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) && /T.*(Z|[+-]\d\d:\d\d)$/.test(s) });
const isEnroll = ajv.compile<EnrollRequest>(EnrollRequestSchema);
const isHeartbeat = ajv.compile<Heartbeat>(HeartbeatSchema);
const isReport = ajv.compile<ApplyReport>(ApplyReportSchema);

export interface FakeUnit { serial: string; signingKey: string; encryptionKey: string; revoked: boolean }

export class FakeFleetServer {
  readonly tokens = new Map<string, string>(); // token -> serial
  readonly units = new Map<string, FakeUnit>();
  readonly heartbeats: Heartbeat[] = [];
  readonly reports: ApplyReport[] = [];
  readonly requests: { method: string; url: string; ifNoneMatch: string | undefined; status: number }[] = [];
  /** The bundle text served per serial (any JSON text: tests can serve forged ones). */
  readonly bundles = new Map<string, { text: string; version: number }>();
  /** When set, /v1/heartbeat answers this raw body with 200. */
  malformedHeartbeatResponse: string | null = null;
  /** When set, /v1/enroll answers this raw body with 201. */
  malformedEnrollResponse: string | null = null;
  /** When set, every request is answered with this status (e.g. 503). */
  failWith: number | null = null;
  /** What enrollment tells the unit. */
  intervals = { heartbeatIntervalSeconds: 30, pollIntervalSeconds: 60 };
  private server: Server | null = null;

  /** With `tls` it serves HTTPS (its certificate names localhost). */
  constructor(readonly fleetPublicKey: string, private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return this.tls ? `https://localhost:${a.port}` : `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => { void this.handle(req, res); };
    this.server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  serve(serial: string, bundle: Bundle | string): void {
    const text = typeof bundle === 'string' ? bundle : JSON.stringify(bundle);
    const version = (JSON.parse(text) as { version: number }).version;
    this.bundles.set(serial, { text, version });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] as string | undefined, status });
      res.writeHead(status, { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const refuse = (status: number, code: FleetErrorCode) => send(status, { code, message: code });
    if (this.failWith) return send(this.failWith, { code: 'E_FLEET_INTERNAL', message: 'down' });
    if (req.method === 'POST' && req.url === '/v1/enroll') {
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { return refuse(400, 'E_REQUEST_MALFORMED'); }
      if (!isEnroll(parsed)) return refuse(400, 'E_REQUEST_MALFORMED');
      if (this.tokens.get(parsed.token) !== parsed.serial) return refuse(401, 'E_ENROLL_TOKEN');
      this.tokens.delete(parsed.token);
      if (this.malformedEnrollResponse !== null) return send(201, this.malformedEnrollResponse);
      this.units.set(parsed.serial, { serial: parsed.serial, signingKey: parsed.signingKey, encryptionKey: parsed.encryptionKey, revoked: false });
      return send(201, { serial: parsed.serial, fleetPublicKey: this.fleetPublicKey, ...this.intervals });
    }
    // Signed requests.
    const serial = req.headers['x-unit-serial'] as string | undefined;
    const date = req.headers['x-unit-date'] as string | undefined;
    const sig = req.headers['x-unit-signature'] as string | undefined;
    const unit = serial ? this.units.get(serial) : undefined;
    // The same answers, in the same order, as the real server (provisioning/src/server/unit-auth.ts).
    if (!serial || !date || !sig) return refuse(401, 'E_FLEET_AUTH');
    if (Math.abs(Date.parse(date) - Date.now()) > MAX_CLOCK_SKEW_MS) return refuse(401, 'E_FLEET_CLOCK_SKEW');
    if (!unit) return refuse(401, 'E_UNIT_UNKNOWN');
    const ok = verify(null, Buffer.from(signingString(req.method ?? '', req.url ?? '', date, body)), createPublicKey(unit.signingKey), Buffer.from(sig, 'base64'));
    if (!ok) return refuse(401, 'E_FLEET_AUTH');
    if (unit.revoked) return refuse(403, 'E_UNIT_REVOKED');
    if (req.method === 'GET' && req.url === '/v1/bundle') {
      const b = this.bundles.get(serial);
      // "No bundle yet" is a 404 with an empty body, as the real server answers it.
      if (!b) return send(404);
      const etag = `"${b.version}"`;
      if (req.headers['if-none-match'] === etag) return send(304, undefined, { etag });
      return send(200, b.text, { etag });
    }
    if (req.method === 'POST' && req.url === '/v1/heartbeat') {
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { return refuse(400, 'E_HEARTBEAT_MALFORMED'); }
      if (!isHeartbeat(parsed)) return send(400, { code: 'E_HEARTBEAT_MALFORMED', message: ajv.errorsText(isHeartbeat.errors) });
      this.heartbeats.push(parsed);
      if (this.malformedHeartbeatResponse !== null) return send(200, this.malformedHeartbeatResponse);
      return send(200, { acceptedMeetings: parsed.meetings.map((m) => m.id), bundleVersion: this.bundles.get(serial)?.version ?? 0 });
    }
    if (req.method === 'POST' && req.url === '/v1/apply-report') {
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { return refuse(400, 'E_REQUEST_MALFORMED'); }
      if (!isReport(parsed)) return refuse(400, 'E_REQUEST_MALFORMED');
      this.reports.push(parsed);
      return send(204);
    }
    return refuse(404, 'E_REQUEST_MALFORMED');
  }
}
