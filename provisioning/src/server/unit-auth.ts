import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { MAX_CLOCK_SKEW_MS, signingString } from '../../../appliance/src/fleet/protocol.js';
import { refuse } from './errors.js';
import type { FleetRepository, UnitRecord } from './repository.js';

export interface UnitRequest {
  method: string;
  /** Path with query, exactly as the request line carried it. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const header = (h: UnitRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Parsed signing keys by PEM text: parsing a key costs more than verifying with it, and a
 * unit signs every request with the same key. Bounded so a churn of re-enrollments cannot
 * grow it without limit.
 */
class KeyCache {
  private readonly keys = new Map<string, KeyObject>();
  constructor(private readonly max: number) {}
  get(pem: string): KeyObject {
    let key = this.keys.get(pem);
    if (!key) {
      key = createPublicKey(pem);
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(pem, key);
    }
    return key;
  }
}

/** Longer than a heartbeat interval (30 s), or every heartbeat would miss. */
export const DEFAULT_UNIT_CACHE_MS = 120_000;

/**
 * Units as last read from storage, for a while: a heartbeat then costs one database
 * write and no read. This process drops a unit's entry whenever it changes it (enroll,
 * bundle, revoke, placement), so here those take effect at once; another server process
 * sharing the database sees them within `ttlMs`.
 */
class UnitCache {
  private readonly entries = new Map<string, { unit: UnitRecord; at: number }>();
  constructor(private readonly ttlMs: number, private readonly max: number) {}
  get(serial: string, now: number): UnitRecord | undefined {
    const e = this.entries.get(serial);
    if (!e) return undefined;
    if (now - e.at >= this.ttlMs || now < e.at) {
      this.entries.delete(serial);
      return undefined;
    }
    return e.unit;
  }
  set(unit: UnitRecord, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(unit.serial, { unit, at: now });
  }
  delete(serial: string): void {
    this.entries.delete(serial);
  }
}

export class UnitAuthenticator {
  private readonly keys = new KeyCache(50_000);
  private readonly units: UnitCache;
  constructor(private readonly repo: FleetRepository, options: { cacheTtlMs?: number } = {}) {
    this.units = new UnitCache(options.cacheTtlMs ?? DEFAULT_UNIT_CACHE_MS, 50_000);
  }

  /** Call after changing a unit in storage. */
  forget(serial: string): void {
    this.units.delete(serial);
  }

  private async lookup(serial: string, now: Date): Promise<UnitRecord | undefined> {
    const cached = this.units.get(serial, now.getTime());
    if (cached) return cached;
    const unit = await this.repo.getUnit(serial);
    if (unit) this.units.set(unit, now.getTime());
    return unit;
  }

  /**
   * The enrolled, unrevoked unit that signed this request; otherwise a coded refusal:
   * E_FLEET_AUTH (unsigned, bad signature, not enrolled), E_FLEET_CLOCK_SKEW,
   * E_UNIT_UNKNOWN, E_UNIT_REVOKED. The date is checked first: it is free.
   * Returns the request date too (a replayed old heartbeat must not overwrite a newer state).
   */
  async authenticate(req: UnitRequest, now: Date): Promise<{ unit: UnitRecord; sentAt: Date }> {
    const serial = header(req.headers, 'x-unit-serial');
    const date = header(req.headers, 'x-unit-date');
    const signature = header(req.headers, 'x-unit-signature');
    if (!serial || !date || !signature) throw refuse(401, 'E_FLEET_AUTH', 'request is not signed: x-unit-serial, x-unit-date and x-unit-signature are required');
    if (!RFC3339_UTC.test(date) || !Number.isFinite(Date.parse(date))) {
      throw refuse(401, 'E_FLEET_AUTH', 'x-unit-date must be an RFC 3339 UTC time such as 2025-03-04T10:00:00Z');
    }
    const sentAt = new Date(date);
    const skew = Math.abs(sentAt.getTime() - now.getTime());
    if (skew > MAX_CLOCK_SKEW_MS) {
      throw refuse(401, 'E_FLEET_CLOCK_SKEW', `request date is ${Math.round(skew / 1000)} s from the server time (at most ${MAX_CLOCK_SKEW_MS / 1000} s)`, { serverTime: now.toISOString() });
    }
    if (!BASE64.test(signature) || signature.length !== 88) throw refuse(401, 'E_FLEET_AUTH', 'x-unit-signature is not a base64 Ed25519 signature');
    const unit = await this.lookup(serial, now);
    if (!unit) throw refuse(401, 'E_UNIT_UNKNOWN');
    if (!unit.signingKey) throw refuse(401, 'E_FLEET_AUTH', 'this unit has not enrolled yet');
    const signed = verify(null, Buffer.from(signingString(req.method, req.url, date, req.body)), this.keys.get(unit.signingKey), Buffer.from(signature, 'base64'));
    if (!signed) throw refuse(401, 'E_FLEET_AUTH', "signature does not match the unit's enrolled key");
    if (unit.revokedAt !== null) throw refuse(403, 'E_UNIT_REVOKED');
    return { unit, sentAt };
  }
}
