import { sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ApplianceError } from '../core/errors.js';
import { isCertificateError } from '../adapters/sip/transport/classify-socket-error.js';
import {
  FLEET_ERROR_CODES, signingString,
  type ApplyReport, type EnrollRequest, type EnrollResponse, type FleetErrorCode, type Heartbeat, type HeartbeatResponse,
} from './protocol.js';

/**
 * The unit's side of the fleet protocol (protocol.ts) over HTTPS: signs requests with the
 * unit's Ed25519 key and checks every response's shape before anything uses it. Failures
 * are ApplianceErrors: E_FLEET_UNREACHABLE (network, timeout, 5xx), E_FLEET_UNTRUSTED (TLS
 * certificate), E_FLEET_REFUSED (a coded
 * refusal; detail.fleetCode is the server's code) or E_FLEET_RESPONSE (malformed answer).
 */

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const ajv = new Ajv({ strict: true, allErrors: false });

const EnrollResponseSchema = Type.Object({
  serial: Type.String({ minLength: 1, maxLength: 64 }),
  fleetPublicKey: Type.String({ minLength: 40, maxLength: 1000, pattern: '^-----BEGIN PUBLIC KEY-----' }),
  heartbeatIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  pollIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
});
const HeartbeatResponseSchema = Type.Object({
  acceptedMeetings: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 }),
  bundleVersion: Type.Integer({ minimum: 0 }),
});
const ErrorBodySchema = Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) });

const checkEnroll = ajv.compile<EnrollResponse>(EnrollResponseSchema);
const checkHeartbeat = ajv.compile<HeartbeatResponse>(HeartbeatResponseSchema);
const checkErrorBody = ajv.compile<{ code: string; message: string }>(ErrorBodySchema as TSchema);

export interface FleetClientOptions {
  serverUrl: string;
  serial: string;
  /** Needed for every request but enrollment. */
  signingKey?: KeyObject;
  trustedCaFile?: string;
  timeoutMs: number;
  now?: () => Date;
}

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

export type BundleFetch =
  | { kind: 'unchanged' }
  | { kind: 'none' }
  | { kind: 'bundle'; text: string; etag: string | null };

export class FleetClient {
  private readonly base: URL;
  private readonly ca: string | undefined;

  constructor(private readonly options: FleetClientOptions) {
    this.base = new URL(options.serverUrl.endsWith('/') ? options.serverUrl : `${options.serverUrl}/`);
    this.ca = options.trustedCaFile ? readFileSync(options.trustedCaFile, 'utf8') : undefined;
  }

  withSigningKey(signingKey: KeyObject): FleetClient {
    return new FleetClient({ ...this.options, signingKey });
  }

  async enroll(body: EnrollRequest): Promise<EnrollResponse> {
    const res = await this.send('POST', 'v1/enroll', JSON.stringify(body), false);
    if (res.status !== 201 && res.status !== 200) throw this.refusal(res);
    const parsed = this.json(res, checkEnroll, 'enroll');
    if (parsed.serial !== this.options.serial) throw malformed(`enroll answered for serial ${parsed.serial}`);
    return parsed;
  }

  async fetchBundle(etag: string | null): Promise<BundleFetch> {
    const res = await this.send('GET', 'v1/bundle', '', true, etag ? { 'if-none-match': etag } : {});
    if (res.status === 304) return { kind: 'unchanged' };
    // "No bundle yet" is a 404 with an empty body. A 404 with a body is something else: a
    // coded refusal (no such endpoint), or a proxy's error page (a wrong path prefix), which
    // must show as a problem rather than pass for "nothing published".
    if (res.status === 404 && res.body.length === 0) return { kind: 'none' };
    if (res.status !== 200) throw this.refusal(res);
    const etagHeader = res.headers.etag;
    return { kind: 'bundle', text: res.body.toString('utf8'), etag: typeof etagHeader === 'string' ? etagHeader : null };
  }

  async heartbeat(hb: Heartbeat): Promise<HeartbeatResponse> {
    const res = await this.send('POST', 'v1/heartbeat', JSON.stringify(hb), true);
    if (res.status !== 200) throw this.refusal(res);
    return this.json(res, checkHeartbeat, 'heartbeat');
  }

  async applyReport(report: ApplyReport): Promise<void> {
    const res = await this.send('POST', 'v1/apply-report', JSON.stringify(report), true);
    if (res.status !== 204 && res.status !== 200) throw this.refusal(res);
  }

  private json<T>(res: RawResponse, check: ((v: unknown) => v is T) & { errors?: unknown }, what: string): T {
    let value: unknown;
    try {
      value = JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw malformed(`${what} response is not JSON`);
    }
    if (!check(value)) throw malformed(`${what} response does not match the protocol`);
    return value;
  }

  private refusal(res: RawResponse): ApplianceError {
    const body = parseErrorBody(res.body);
    if (res.status >= 500) {
      return new ApplianceError('E_FLEET_UNREACHABLE', `fleet server failed (HTTP ${res.status}${body ? ` ${body.code}` : ''})`, { status: res.status });
    }
    if (!body || !(body.code in FLEET_ERROR_CODES)) {
      return malformed(`fleet server answered HTTP ${res.status} without a known error code`, res.status);
    }
    return new ApplianceError('E_FLEET_REFUSED', `fleet server refused: ${body.code} (${FLEET_ERROR_CODES[body.code as FleetErrorCode]})`, { status: res.status, fleetCode: body.code });
  }

  private send(method: 'GET' | 'POST', path: string, body: string, signed: boolean, extra: Record<string, string> = {}): Promise<RawResponse> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (body) { headers['content-type'] = 'application/json'; headers['content-length'] = String(Buffer.byteLength(body)); }
    if (signed) {
      if (!this.options.signingKey) throw new ApplianceError('E_FLEET_KEYS', 'no signing key for a signed request');
      const date = (this.options.now?.() ?? new Date()).toISOString();
      const toSign = signingString(method, url.pathname + url.search, date, body);
      headers['x-unit-serial'] = this.options.serial;
      headers['x-unit-date'] = date;
      headers['x-unit-signature'] = sign(null, Buffer.from(toSign), this.options.signingKey).toString('base64');
    }
    const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = requester(url, { method, headers, timeout: this.options.timeoutMs, ...(this.ca ? { ca: this.ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) { req.destroy(malformed('fleet response too large')); return; }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(unreachable(e)));
      });
      req.on('timeout', () => req.destroy(new ApplianceError('E_FLEET_UNREACHABLE', `fleet server did not answer within ${this.options.timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof ApplianceError ? e : unreachable(e)));
      req.end(body || undefined);
    });
  }
}

function parseErrorBody(body: Buffer): { code: string; message: string } | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return checkErrorBody(v) ? v : null;
  } catch {
    return null;
  }
}

function malformed(message: string, status?: number): ApplianceError {
  return new ApplianceError('E_FLEET_RESPONSE', message, status ? { status } : {});
}

function unreachable(e: Error): ApplianceError {
  if (isCertificateError(e)) return new ApplianceError('E_FLEET_UNTRUSTED', `fleet server certificate rejected: ${e.message}`, {}, { cause: e });
  return new ApplianceError('E_FLEET_UNREACHABLE', `fleet server unreachable: ${e.message}`, {}, { cause: e });
}
