import { Type, type Static } from '@sinclair/typebox';

/** Bundle format 1. A new layout gets a new format number, never a silent change. */
export const BUNDLE_FORMAT = 1;

export const BUNDLE_REFUSAL_CODES = {
  E_BUNDLE_FORMAT: 'The bundle is malformed',
  E_BUNDLE_SIGNATURE: 'The bundle was altered or not signed by the fleet key',
  E_BUNDLE_UNIT: 'The bundle is for another unit',
  E_BUNDLE_REPLAY: 'The bundle is not newer than the one already applied',
  E_BUNDLE_SECRETS: "The bundle's secrets cannot be decrypted or do not fit its config",
} as const;

export type BundleRefusalCode = keyof typeof BUNDLE_REFUSAL_CODES;

export class BundleError extends Error {
  readonly code: BundleRefusalCode;
  constructor(code: BundleRefusalCode, message?: string) {
    super(message ?? BUNDLE_REFUSAL_CODES[code]);
    this.name = 'BundleError';
    this.code = code;
  }
}

const Base64 = (minLength: number, maxLength: number) => Type.String({ minLength, maxLength, pattern: '^[A-Za-z0-9+/]*={0,2}$' });

export const ECIES_ALG = 'X25519-HKDF-SHA256-A256GCM';

/** Secrets encrypted to one unit: ephemeral X25519 + HKDF-SHA256 + AES-256-GCM. */
export const SecretEnvelopeSchema = Type.Object({
  alg: Type.Literal(ECIES_ALG),
  /** Ephemeral X25519 public key, raw 32 bytes. */
  epk: Base64(44, 44),
  iv: Base64(16, 16),
  tag: Base64(24, 24),
  ct: Base64(0, 1_000_000),
}, { additionalProperties: false });

export const UnitAudioSchema = Type.Object({
  speakerVolumePercent: Type.Integer({ minimum: 0, maximum: 100 }),
  loop: Type.Object({
    enabled: Type.Boolean(),
    gainDb: Type.Number({ minimum: -20, maximum: 20 }),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export const BundleSchema = Type.Object({
  format: Type.Literal(BUNDLE_FORMAT),
  unit: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  issuedAt: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' }),
  /** The appliance config, validated by provisioning; secrets appear only as references. */
  config: Type.Record(Type.String(), Type.Unknown()),
  /** Speaker and loop settings (the appliance config has no fields for them yet). */
  audio: UnitAudioSchema,
  secrets: Type.Object({ enc: SecretEnvelopeSchema }, { additionalProperties: false }),
  /** Ed25519 over canonicalJson(bundle without signature), base64. */
  signature: Base64(88, 88),
}, { additionalProperties: false });

export type SecretEnvelope = Static<typeof SecretEnvelopeSchema>;
export type UnitAudio = Static<typeof UnitAudioSchema>;
export type Bundle = Static<typeof BundleSchema>;
export type UnsignedBundle = Omit<Bundle, 'signature'>;
