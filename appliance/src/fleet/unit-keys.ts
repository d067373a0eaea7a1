import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApplianceError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-file.js';

/** The unit's own keys, made on the unit on first start; the private halves never leave it. */
export interface UnitKeys {
  /** Ed25519: signs the unit's requests to the fleet server. */
  signingKey: KeyObject;
  signingPublicPem: string;
  /** X25519: bundles' secrets are encrypted to it. */
  encryptionKey: KeyObject;
  encryptionPublicPem: string;
}

const FILES = { ed25519: 'signing-key.pem', x25519: 'encryption-key.pem' } as const;

function loadOrCreate(dir: string, type: 'ed25519' | 'x25519'): KeyObject {
  const path = join(dir, FILES[type]);
  let pem: string | null = null;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw keysError(`cannot read ${path}`, e);
  }
  if (pem === null) {
    const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
    writeFileAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    return privateKey;
  }
  // A key file others can read is repaired rather than trusted as is silently.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw keysError(`${path} is not a private key`, e);
  }
  if (key.asymmetricKeyType !== type) throw keysError(`${path} holds an ${String(key.asymmetricKeyType)} key, expected ${type}`);
  return key;
}

function keysError(message: string, cause?: unknown): ApplianceError {
  // The message names the file, never its content.
  return new ApplianceError('E_FLEET_KEYS', message, {}, { cause });
}

export function loadOrCreateUnitKeys(stateDir: string): UnitKeys {
  const dir = join(stateDir, 'keys');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw keysError(`cannot create ${dir}`, e);
  }
  const signingKey = loadOrCreate(dir, 'ed25519');
  const encryptionKey = loadOrCreate(dir, 'x25519');
  const pub = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString();
  return { signingKey, signingPublicPem: pub(signingKey), encryptionKey, encryptionPublicPem: pub(encryptionKey) };
}
