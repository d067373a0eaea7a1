import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { signingString } from '../../../appliance/src/fleet/protocol.js';

/**
 * A unit's two key pairs as the agent makes them on first boot: Ed25519 to sign its
 * requests, X25519 to receive its bundles' secrets. Used by the simulated unit, the tests
 * and the benchmark; the real agent lives in the appliance.
 */
export interface UnitIdentity {
  serial: string;
  signingKey: KeyObject;
  signingPublicPem: string;
  encryptionKey: KeyObject;
  encryptionPublicPem: string;
}

export function newUnitIdentity(serial: string): UnitIdentity {
  const s = generateKeyPairSync('ed25519');
  const e = generateKeyPairSync('x25519');
  return {
    serial,
    signingKey: s.privateKey,
    signingPublicPem: s.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    encryptionKey: e.privateKey,
    encryptionPublicPem: e.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The x-unit-* headers for one request (protocol.ts: signingString). */
export function signRequest(id: Pick<UnitIdentity, 'serial' | 'signingKey'>, method: string, pathWithQuery: string, body: string, date: Date = new Date()): Record<string, string> {
  const d = date.toISOString();
  const signature = sign(null, Buffer.from(signingString(method, pathWithQuery, d, body)), id.signingKey).toString('base64');
  return { 'x-unit-serial': id.serial, 'x-unit-date': d, 'x-unit-signature': signature };
}
