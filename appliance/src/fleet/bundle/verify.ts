import { verify } from 'node:crypto';
import { Ajv } from 'ajv';
import { decryptWith } from './ecies.js';
import { publicKeyOf, type KeyInput } from './keys.js';
import { bundleSigningInput, secretsAad } from './sign.js';
import { BundleError, BundleSchema, type Bundle, type BundleRefusalCode } from './types.js';

/**
 * What a unit does with a bundle before trusting any of it. Pure apart from crypto: no
 * files, no clock, no network, so the fleet agent can call it however it fetched the bundle.
 * Checks, in order: well-formed, signed by the fleet key, for this unit, newer than the
 * last applied version. A tampered bundle is therefore always E_BUNDLE_SIGNATURE, even
 * when the field altered was the unit or the version.
 */

const ajv = new Ajv({ allErrors: false, strict: true });
const isBundleShape = ajv.compile<Bundle>(BundleSchema);

export interface VerifyOptions {
  fleetPublicKey: KeyInput;
  unitSerial: string;
  /** The version currently applied on the unit; 0 when it has none. */
  lastAppliedVersion: number;
}

export type VerifyResult =
  | { ok: true; bundle: Bundle; config: Record<string, unknown>; version: number }
  | { ok: false; code: BundleRefusalCode; message: string };

const refuse = (code: BundleRefusalCode, message: string): VerifyResult => ({ ok: false, code, message });

/** `bundle` is the parsed JSON, or its text. */
export function verifyBundle(bundle: unknown, options: VerifyOptions): VerifyResult {
  let value = bundle;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString()) as unknown;
    } catch (e) {
      return refuse('E_BUNDLE_FORMAT', `bundle is not JSON: ${(e as Error).message}`);
    }
  }
  if (!isBundleShape(value)) {
    const e = isBundleShape.errors?.[0];
    return refuse('E_BUNDLE_FORMAT', `bundle is malformed: ${e ? `${e.instancePath || '(root)'} ${e.message ?? ''}` : 'unknown shape'}`.trim());
  }
  let signed: boolean;
  try {
    signed = verify(null, bundleSigningInput(value), publicKeyOf(options.fleetPublicKey, 'ed25519'), Buffer.from(value.signature, 'base64'));
  } catch (e) {
    return refuse('E_BUNDLE_SIGNATURE', `signature cannot be checked: ${(e as Error).message}`);
  }
  if (!signed) return refuse('E_BUNDLE_SIGNATURE', 'signature does not match: the bundle was altered or signed by another key');
  const configUnit = (value.config.unit as { id?: unknown } | undefined)?.id;
  if (value.unit !== options.unitSerial || configUnit !== options.unitSerial) {
    return refuse('E_BUNDLE_UNIT', `bundle is for unit ${value.unit}, this is ${options.unitSerial}`);
  }
  if (value.version <= options.lastAppliedVersion) {
    return refuse('E_BUNDLE_REPLAY', `bundle version ${value.version} is not newer than applied version ${options.lastAppliedVersion}`);
  }
  return { ok: true, bundle: value, config: value.config, version: value.version };
}

/** The bundle's secrets (dotted config path -> value). Throws BundleError E_BUNDLE_SECRETS. */
export function decryptSecrets(bundle: Bundle, unitPrivateKey: KeyInput): Record<string, string> {
  let plain: Buffer;
  try {
    plain = decryptWith(unitPrivateKey, bundle.secrets.enc, secretsAad(bundle.unit, bundle.version));
  } catch (e) {
    throw new BundleError('E_BUNDLE_SECRETS', `secrets cannot be decrypted with this unit's key: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new BundleError('E_BUNDLE_SECRETS', 'decrypted secrets are not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)
    || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new BundleError('E_BUNDLE_SECRETS', 'decrypted secrets are not a map of strings');
  }
  return parsed as Record<string, string>;
}
