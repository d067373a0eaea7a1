/**
 * Maps socket and TLS failures to the two codes the nurse-facing status needs:
 * "the certificate is not trusted" (call IT, the unit's trust store or the server
 * certificate is wrong) versus "the server cannot be reached" (network or server down).
 */
import { ApplianceError } from '../../../core/errors.js';

export interface Endpoint {
  host: string;
  port: number;
  protocol: string;
}

// OpenSSL X509 verification results as Node reports them in `err.code`
// (https://nodejs.org/api/tls.html#x509-certificate-error-codes), plus Node's own
// hostname check.
const CERTIFICATE_ERROR_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CERTIFICATE_ERROR_CODES.has(code);
}

/** Classifies an error emitted by a net/tls socket. */
export function classifySocketError(err: unknown, endpoint: Endpoint): ApplianceError {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = { ...endpoint, code: typeof code === 'string' ? code : undefined };
  const reason = err instanceof Error ? err.message : String(err);
  if (isCertificateError(err)) {
    return new ApplianceError('E_TLS_UNTRUSTED', `TLS certificate of ${endpoint.host}:${endpoint.port} rejected: ${reason}`, detail, { cause: err });
  }
  return new ApplianceError('E_SERVER_UNREACHABLE', `${endpoint.protocol} ${endpoint.host}:${endpoint.port}: ${reason}`, detail, { cause: err });
}

export type LossReason = 'connect-timeout' | 'closed-during-connect' | 'closed-by-peer' | 'keepalive-timeout';

/** A failure we detect ourselves rather than one the socket reports. */
export function unreachable(reason: LossReason, endpoint: Endpoint): ApplianceError {
  return new ApplianceError('E_SERVER_UNREACHABLE', `${endpoint.protocol} ${endpoint.host}:${endpoint.port}: ${reason}`, { ...endpoint, reason });
}
