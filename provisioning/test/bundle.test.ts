import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../appliance/src/fleet/bundle/canonical-json.js';
import { generateFleetKeyPair, generateUnitKeyPair } from '../../appliance/src/fleet/bundle/keys.js';
import { createBundle, type BundleContent } from '../../appliance/src/fleet/bundle/sign.js';
import { decryptSecrets, verifyBundle } from '../../appliance/src/fleet/bundle/verify.js';
import { applySecrets } from '../../appliance/src/fleet/bundle/secret-refs.js';
import { decryptWith, encryptTo } from '../../appliance/src/fleet/bundle/ecies.js';
import { BundleError, type Bundle } from '../../appliance/src/fleet/bundle/types.js';

const fleet = generateFleetKeyPair();
const otherFleet = generateFleetKeyPair();
const unitKeys = generateUnitKeyPair();
const otherUnitKeys = generateUnitKeyPair();

const content = (over: Partial<BundleContent> = {}): BundleContent => ({
  unit: 'BVU-1',
  version: 3,
  issuedAt: new Date('2025-03-04T10:00:00Z'),
  config: { unit: { id: 'BVU-1', name: 'Bed 1' }, sip: { account: { username: 'a', password: '$secret:sip.account.password' } } },
  audio: { speakerVolumePercent: 70, loop: { enabled: true, gainDb: -1.5 } },
  secrets: { 'sip.account.password': 'pw-Ω-1' },
  ...over,
});
const opts = { fleetPublicKey: fleet.publicKeyPem, unitSerial: 'BVU-1', lastAppliedVersion: 2 };
const make = (over: Partial<BundleContent> = {}, key = fleet.privateKeyPem): Bundle => createBundle(content(over), key, unitKeys.publicKeyPem);
const refusal = (bundle: unknown, o: Partial<typeof opts> = {}): string => {
  const r = verifyBundle(bundle, { ...opts, ...o });
  return r.ok ? 'accepted' : r.code;
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ z: true, y: null }, 'x'], c: { e: 'é', d: 1.5 } }))
      .toBe('{"a":[{"y":null,"z":true},"x"],"b":1,"c":{"d":1.5,"e":"é"}}');
  });
  it('is the same for objects built in different key orders', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });
  it('omits undefined members and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ a: NaN })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(TypeError);
  });
});

describe('signed bundles', () => {
  it('verifies a genuine bundle for this unit, also as JSON text', () => {
    const bundle = make();
    const r = verifyBundle(bundle, opts);
    expect(r).toMatchObject({ ok: true, version: 3, config: content().config });
    expect(verifyBundle(JSON.stringify(bundle, null, 2), opts).ok).toBe(true);
    expect(bundle).toMatchObject({ format: 1, unit: 'BVU-1', version: 3, issuedAt: '2025-03-04T10:00:00.000Z' });
  });

  it('refuses a tampered bundle, whatever field was changed', () => {
    const tamper = (f: (b: Bundle) => void): string => {
      const b = structuredClone(make());
      f(b);
      return refusal(b);
    };
    expect(tamper((b) => { (b.config.sip as { account: { username: string } }).account.username = 'evil'; })).toBe('E_BUNDLE_SIGNATURE');
    expect(tamper((b) => { b.version = 99; })).toBe('E_BUNDLE_SIGNATURE');
    expect(tamper((b) => { b.audio.speakerVolumePercent = 100; })).toBe('E_BUNDLE_SIGNATURE');
    expect(tamper((b) => { b.secrets.enc.ct = Buffer.from('x').toString('base64'); })).toBe('E_BUNDLE_SIGNATURE');
    expect(tamper((b) => { b.unit = 'BVU-2'; })).toBe('E_BUNDLE_SIGNATURE');
  });

  it('refuses a bundle signed by another key', () => {
    expect(refusal(make({}, otherFleet.privateKeyPem))).toBe('E_BUNDLE_SIGNATURE');
  });

  it('refuses a replayed or same-version bundle', () => {
    expect(refusal(make(), { lastAppliedVersion: 3 })).toBe('E_BUNDLE_REPLAY');
    expect(refusal(make(), { lastAppliedVersion: 7 })).toBe('E_BUNDLE_REPLAY');
    expect(refusal(make(), { lastAppliedVersion: 0 })).toBe('accepted');
  });

  it('refuses a genuine bundle meant for another unit', () => {
    expect(refusal(make(), { unitSerial: 'BVU-2' })).toBe('E_BUNDLE_UNIT');
    const mismatched = make({ config: { unit: { id: 'BVU-9' } } });
    expect(refusal(mismatched)).toBe('E_BUNDLE_UNIT');
  });

  it('refuses malformed bundles before checking anything else', () => {
    const good = make();
    const { signature: _s, ...unsigned } = good;
    expect(refusal('{not json')).toBe('E_BUNDLE_FORMAT');
    expect(refusal(null)).toBe('E_BUNDLE_FORMAT');
    expect(refusal([])).toBe('E_BUNDLE_FORMAT');
    expect(refusal(unsigned)).toBe('E_BUNDLE_FORMAT');
    expect(refusal({ ...good, format: 2 })).toBe('E_BUNDLE_FORMAT');
    expect(refusal({ ...good, version: 1.5 })).toBe('E_BUNDLE_FORMAT');
    expect(refusal({ ...good, extra: 1 })).toBe('E_BUNDLE_FORMAT');
    expect(refusal({ ...good, signature: 'short' })).toBe('E_BUNDLE_FORMAT');
    expect(refusal({ ...good, secrets: {} })).toBe('E_BUNDLE_FORMAT');
  });
});

describe('secrets (ECIES to the unit key)', () => {
  it('keeps secrets out of the bundle text and decrypts them with the unit key only', () => {
    const bundle = make();
    expect(JSON.stringify(bundle)).not.toContain('pw-');
    const secrets = decryptSecrets(bundle, unitKeys.privateKeyPem);
    expect(secrets).toEqual({ 'sip.account.password': 'pw-Ω-1' });
    expect(applySecrets(bundle.config, secrets)).toEqual({ unit: { id: 'BVU-1', name: 'Bed 1' }, sip: { account: { username: 'a', password: 'pw-Ω-1' } } });
    let err: unknown;
    try { decryptSecrets(bundle, otherUnitKeys.privateKeyPem); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('E_BUNDLE_SECRETS');
  });

  it('binds the ciphertext to its associated data and uses a fresh ephemeral key each time', () => {
    const a = encryptTo(unitKeys.publicKeyPem, Buffer.from('hello'), Buffer.from('aad-1'));
    const b = encryptTo(unitKeys.publicKeyPem, Buffer.from('hello'), Buffer.from('aad-1'));
    expect(a.epk).not.toBe(b.epk);
    expect(a.ct).not.toBe(b.ct);
    expect(decryptWith(unitKeys.privateKeyPem, a, Buffer.from('aad-1')).toString()).toBe('hello');
    expect(() => decryptWith(unitKeys.privateKeyPem, a, Buffer.from('aad-2'))).toThrow();
    const flipped = { ...a, ct: Buffer.from(Buffer.from(a.ct, 'base64').map((x, i) => (i === 0 ? x ^ 1 : x))).toString('base64') };
    expect(() => decryptWith(unitKeys.privateKeyPem, flipped, Buffer.from('aad-1'))).toThrow();
  });

  it('refuses a secret reference with no secret, and a secret nothing refers to', () => {
    expect(() => applySecrets({ a: '$secret:x' }, {})).toThrow(/does not carry/);
    expect(() => applySecrets({ a: 'plain' }, { x: 'y' })).toThrow(/nothing refers to/);
  });

  it('refuses keys of the wrong kind', () => {
    expect(() => createBundle(content(), unitKeys.privateKeyPem, unitKeys.publicKeyPem)).toThrow(/ed25519/);
    expect(refusal(make(), { fleetPublicKey: unitKeys.publicKeyPem })).toBe('E_BUNDLE_SIGNATURE');
  });
});
