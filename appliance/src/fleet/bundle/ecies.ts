import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { privateKeyOf, publicKeyOf, rawPublicKey, x25519PublicKeyFromRaw, type KeyInput } from './keys.js';
import { ECIES_ALG, type SecretEnvelope } from './types.js';

/**
 * ECIES to a unit's X25519 key: a fresh ephemeral key pair per message, HKDF-SHA256 over
 * the shared secret (salted with both public keys, so the key is bound to this pair), and
 * AES-256-GCM with caller-chosen associated data binding the ciphertext to its bundle.
 */
const INFO = Buffer.from('bedside-unit bundle secrets v1');

function deriveKey(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), INFO, 32));
}

export function encryptTo(recipientPublicKey: KeyInput, plaintext: Buffer, aad: Buffer): SecretEnvelope {
  const recipient = publicKeyOf(recipientPublicKey, 'x25519');
  const eph = generateKeyPairSync('x25519');
  const epk = rawPublicKey(eph.publicKey);
  const key = deriveKey(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), epk, rawPublicKey(recipient));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { alg: ECIES_ALG, epk: epk.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

/** Throws when the key is not the recipient's, or anything was altered. */
export function decryptWith(recipientPrivateKey: KeyInput, envelope: SecretEnvelope, aad: Buffer): Buffer {
  const privateKey = privateKeyOf(recipientPrivateKey, 'x25519');
  const epk = Buffer.from(envelope.epk, 'base64');
  const shared = diffieHellman({ privateKey, publicKey: x25519PublicKeyFromRaw(epk) });
  const key = deriveKey(shared, epk, rawPublicKey(publicKeyOf(privateKey, 'x25519')));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]);
}
