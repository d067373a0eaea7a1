import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { build, type FleetServerDeps } from '../../src/server/app.js';
import type { FleetRepository } from '../../src/server/repository.js';
import { newUnitIdentity, signRequest, type UnitIdentity } from '../../src/sim/unit-identity.js';
import { FLEET, IT_TOKEN } from './fixtures.js';

/** A fleet server on inject(), a settable clock, and helpers that act as IT or as a unit. */
export class FleetAppHarness {
  now = new Date('2025-03-04T10:00:00.000Z');
  readonly app: FastifyInstance;

  constructor(readonly repo: FleetRepository, deps: Partial<FleetServerDeps> = {}) {
    this.app = build({ repo, fleetPublicKey: FLEET.publicKeyPem, itToken: IT_TOKEN, clock: () => this.now, ...deps });
  }

  advance(seconds: number): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }

  it(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token = IT_TOKEN): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method, url, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  async addUnit(serial: string, ward = 'Ward 4'): Promise<string> {
    const r = await this.it('POST', '/api/units', { serial, name: `${ward} bed ${serial}`, site: 'St Mary', ward, room: '12', bed: '1' });
    if (r.statusCode !== 201) throw new Error(`addUnit ${serial}: ${r.statusCode} ${r.body}`);
    return (r.json() as { enrollmentToken: string }).enrollmentToken;
  }

  enroll(id: UnitIdentity, token: string, over: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST', url: '/v1/enroll', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ serial: id.serial, token, signingKey: id.signingPublicPem, encryptionKey: id.encryptionPublicPem, softwareVersion: '0.3.0', ...over }),
    });
  }

  async enrolledUnit(serial: string, ward = 'Ward 4'): Promise<UnitIdentity> {
    const id = newUnitIdentity(serial);
    const r = await this.enroll(id, await this.addUnit(serial, ward));
    if (r.statusCode !== 201) throw new Error(`enroll ${serial}: ${r.statusCode} ${r.body}`);
    return id;
  }

  /** A request signed by `signer` (default: the unit itself) at `date` (default: the server's now). */
  unit(id: UnitIdentity, method: 'GET' | 'POST', url: string, body?: unknown, o: { date?: Date; signer?: UnitIdentity; headers?: Record<string, string>; tamper?: (s: string) => string } = {}): Promise<LightMyRequestResponse> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = signRequest({ serial: id.serial, signingKey: (o.signer ?? id).signingKey }, method, url, text, o.date ?? this.now);
    return this.app.inject({
      method, url, headers: { ...headers, ...(text ? { 'content-type': 'application/json' } : {}), ...(o.headers ?? {}) },
      ...(text ? { payload: o.tamper ? o.tamper(text) : text } : {}),
    });
  }
}
