import { BundleError } from './types.js';

/** A config string "$secret:<dotted path>" stands for the secret of that path. */
export const SECRET_REF_PREFIX = '$secret:';

/**
 * The config with every secret reference replaced by its decrypted value. A reference
 * without a secret, or a secret nothing refers to, is refused (E_BUNDLE_SECRETS).
 */
export function applySecrets(config: Record<string, unknown>, secrets: Readonly<Record<string, string>>): Record<string, unknown> {
  const used = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith(SECRET_REF_PREFIX)) {
      const ref = v.slice(SECRET_REF_PREFIX.length);
      const secret = secrets[ref];
      if (secret === undefined) throw new BundleError('E_BUNDLE_SECRETS', `config refers to secret "${ref}" that the bundle does not carry`);
      used.add(ref);
      return secret;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(config) as Record<string, unknown>;
  const unused = Object.keys(secrets).filter((k) => !used.has(k));
  if (unused.length > 0) throw new BundleError('E_BUNDLE_SECRETS', `bundle carries secrets nothing refers to: ${unused.join(', ')}`);
  return out;
}
