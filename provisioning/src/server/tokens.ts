import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A one-time enrollment token: 32 random bytes, base64url (43 characters). */
export function newEnrollmentToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens are stored as their SHA-256 only. They carry 256 bits of randomness, so a fast
 * hash is enough: a stolen database gives nothing that enrolls a unit.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Equal strings in time independent of where they differ (and of their lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** The fleet page's session cookie value: derived from the IT token, never the token itself. */
export function pageSessionValue(itToken: string): string {
  return createHmac('sha256', itToken).update('bedside fleet page session v1').digest('base64url');
}

/** The shortest IT token the server accepts: no default or guessable passwords. */
export const MIN_IT_TOKEN_LENGTH = 32;

export function newItToken(): string {
  return randomBytes(32).toString('base64url');
}
