import { sign } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { encryptTo } from './ecies.js';
import { privateKeyOf, type KeyInput } from './keys.js';
import { BUNDLE_FORMAT, type Bundle, type UnitAudio } from './types.js';

export interface BundleContent {
  unit: string;
  version: number;
  issuedAt: Date;
  config: Record<string, unknown>;
  audio: UnitAudio;
  /** Dotted config path -> secret value; encrypted to the unit. */
  secrets: Record<string, string>;
}

/** Associated data for the secrets: ties the ciphertext to one unit and one version. */
export function secretsAad(unit: string, version: number): Buffer {
  return Buffer.from(`bedside-bundle/${BUNDLE_FORMAT}/${unit}/${version}`);
}

export function bundleSigningInput(bundle: Omit<Bundle, 'signature'> & { signature?: unknown }): Buffer {
  const { signature: _ignored, ...unsigned } = bundle;
  return Buffer.from(canonicalJson(unsigned));
}

export function createBundle(content: BundleContent, fleetPrivateKey: KeyInput, unitPublicKey: KeyInput): Bundle {
  const plaintext = Buffer.from(canonicalJson(content.secrets));
  const unsigned = {
    format: BUNDLE_FORMAT,
    unit: content.unit,
    version: content.version,
    issuedAt: content.issuedAt.toISOString(),
    config: content.config,
    audio: content.audio,
    secrets: { enc: encryptTo(unitPublicKey, plaintext, secretsAad(content.unit, content.version)) },
  } as const;
  const signature = sign(null, bundleSigningInput(unsigned), privateKeyOf(fleetPrivateKey, 'ed25519')).toString('base64');
  return { ...unsigned, signature };
}
