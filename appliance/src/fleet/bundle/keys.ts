import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A key given as a KeyObject or as PEM text. */
export type KeyInput = KeyObject | string;

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** The fleet signing key: Ed25519, PKCS#8 / SPKI PEM. */
export function generateFleetKeyPair(): PemKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A unit's own key pair for receiving secrets: X25519. Made on the unit; here for tests and simulation. */
export function generateUnitKeyPair(): PemKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function typed(key: KeyObject, type: 'ed25519' | 'x25519', kind: 'public' | 'private'): KeyObject {
  if (key.asymmetricKeyType !== type || key.type !== kind) {
    throw new TypeError(`expected an ${type} ${kind} key, got ${key.asymmetricKeyType ?? 'a symmetric'} ${key.type} key`);
  }
  return key;
}

export function privateKeyOf(input: KeyInput, type: 'ed25519' | 'x25519'): KeyObject {
  return typed(typeof input === 'string' ? createPrivateKey(input) : input, type, 'private');
}

export function publicKeyOf(input: KeyInput, type: 'ed25519' | 'x25519'): KeyObject {
  const key = typeof input === 'string' ? createPublicKey(input) : input.type === 'private' ? createPublicKey(input) : input;
  return typed(key, type, 'public');
}

/** The raw 32 bytes of an X25519 / Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TypeError('not an OKP public key');
  return Buffer.from(jwk.x, 'base64url');
}

export function x25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}
