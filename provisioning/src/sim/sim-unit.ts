import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applySecrets } from '../../../appliance/src/fleet/bundle/secret-refs.js';
import { BundleError } from '../../../appliance/src/fleet/bundle/types.js';
import { decryptSecrets, verifyBundle } from '../../../appliance/src/fleet/bundle/verify.js';
import type { EnrollResponse, Heartbeat, HeartbeatResponse } from '../../../appliance/src/fleet/protocol.js';
import { UnitClient, refusalText } from './unit-client.js';
import { newUnitIdentity, type UnitIdentity } from './unit-identity.js';

/**
 * A simulated unit for trying the fleet server without an appliance: it enrolls (first
 * run), fetches and verifies its bundle as a unit does, and sends heartbeats. Its keys and
 * last applied bundle live in stateDir. The real agent is the appliance's (appliance/src/fleet).
 */
export interface SimUnitOptions {
  server: string;
  serial: string;
  stateDir: string;
  /** Needed on the first run only (the one-time enrollment token). */
  tokenFile?: string;
  heartbeats: number;
  intervalSeconds: number;
  /** Report one finished (simulated) meeting with the first heartbeat. */
  meeting: boolean;
  log: (line: string) => void;
}

const SIM_VERSION = 'sim-0.1.0';

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}

async function loadOrEnroll(o: SimUnitOptions): Promise<{ id: UnitIdentity; fleetPub: string } | undefined> {
  const p = (f: string) => join(o.stateDir, f);
  if (await exists(p('signing.key'))) {
    const signingKey = createPrivateKey(await readFile(p('signing.key'), 'utf8'));
    const encryptionKey = createPrivateKey(await readFile(p('encryption.key'), 'utf8'));
    const id: UnitIdentity = {
      serial: o.serial, signingKey, encryptionKey,
      signingPublicPem: createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }).toString(),
      encryptionPublicPem: createPublicKey(encryptionKey).export({ type: 'spki', format: 'pem' }).toString(),
    };
    return { id, fleetPub: await readFile(p('fleet.pub'), 'utf8') };
  }
  if (!o.tokenFile) {
    o.log(`${o.serial}: not enrolled yet and no --token-file given`);
    return undefined;
  }
  const token = (await readFile(o.tokenFile, 'utf8')).trim();
  const id = newUnitIdentity(o.serial);
  const r = await new UnitClient(o.server, id).send('POST', '/v1/enroll', {
    serial: o.serial, token, signingKey: id.signingPublicPem, encryptionKey: id.encryptionPublicPem, softwareVersion: SIM_VERSION,
  }, {}, false);
  if (r.status !== 201) {
    o.log(`${o.serial}: enrollment refused: ${refusalText(r)}`);
    return undefined;
  }
  const res = JSON.parse(r.text) as EnrollResponse;
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  await writePrivate(p('signing.key'), id.signingKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writePrivate(p('encryption.key'), id.encryptionKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(p('fleet.pub'), res.fleetPublicKey);
  o.log(`${o.serial}: enrolled (heartbeat every ${res.heartbeatIntervalSeconds} s, bundle poll every ${res.pollIntervalSeconds} s)`);
  return { id, fleetPub: res.fleetPublicKey };
}

async function appliedVersion(stateDir: string): Promise<number> {
  try {
    return (JSON.parse(await readFile(join(stateDir, 'bundle.json'), 'utf8')) as { version: number }).version;
  } catch {
    return 0;
  }
}

async function fetchBundle(o: SimUnitOptions, client: UnitClient, id: UnitIdentity, fleetPub: string): Promise<boolean> {
  const applied = await appliedVersion(o.stateDir);
  const r = await client.send('GET', '/v1/bundle', undefined, applied > 0 ? { 'if-none-match': `"${applied}"` } : {});
  if (r.status === 304) { o.log(`${o.serial}: bundle unchanged (version ${applied})`); return true; }
  if (r.status === 404) { o.log(`${o.serial}: no bundle published yet`); return true; }
  if (r.status !== 200) { o.log(`${o.serial}: bundle fetch refused: ${refusalText(r)}`); return false; }
  const v = verifyBundle(r.text, { fleetPublicKey: fleetPub, unitSerial: o.serial, lastAppliedVersion: applied });
  let refusal: { code: string; message: string } | undefined = v.ok ? undefined : { code: v.code, message: v.message };
  if (v.ok) {
    try {
      const secrets = decryptSecrets(v.bundle, id.encryptionKey);
      applySecrets(v.config, secrets);
      await writeFile(join(o.stateDir, 'bundle.json'), r.text);
      o.log(`${o.serial}: applied bundle version ${v.version} (signature ok; secrets decrypted: ${Object.keys(secrets).join(', ') || 'none'})`);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      refusal = { code: e.code, message: e.message };
    }
  }
  if (refusal) o.log(`${o.serial}: bundle refused: ${refusal.code} ${refusal.message}; keeping version ${applied}`);
  const report = v.ok && !refusal ? { version: v.version, outcome: 'applied' } : { version: v.ok ? v.version : Math.max(1, applied), outcome: 'refused', code: refusal!.code, message: refusal!.message.slice(0, 500) };
  const rr = await client.send('POST', '/v1/apply-report', report);
  if (rr.status !== 204) o.log(`${o.serial}: apply report refused: ${refusalText(rr)}`);
  return !refusal;
}

export async function runSimUnit(o: SimUnitOptions): Promise<{ ok: boolean; bundleVersion: number }> {
  const started = Date.now();
  const enrolled = await loadOrEnroll(o);
  if (!enrolled) return { ok: false, bundleVersion: 0 };
  const client = new UnitClient(o.server, enrolled.id);
  let ok = await fetchBundle(o, client, enrolled.id, enrolled.fleetPub);
  for (let i = 0; i < o.heartbeats; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, o.intervalSeconds * 1000));
    const meetings: Heartbeat['meetings'] = o.meeting && i === 0
      ? [{ id: randomUUID(), startedAt: new Date(Date.now() - 25 * 60_000).toISOString(), durationSeconds: 24 * 60, source: 'scheduled' }]
      : [];
    const hb: Heartbeat = {
      v: 1, softwareVersion: SIM_VERSION, bundleVersion: await appliedVersion(o.stateDir), uptimeSeconds: Math.round((Date.now() - started) / 1000),
      callState: 'idle', devices: { camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'ok', ioBoard: 'absent' },
      registration: 'registered', faults: [], lastSelfTest: null, meetings,
    };
    const r = await client.send('POST', '/v1/heartbeat', hb);
    if (r.status !== 200) {
      o.log(`${o.serial}: heartbeat refused: ${refusalText(r)}`);
      ok = false;
      continue;
    }
    const res = JSON.parse(r.text) as HeartbeatResponse;
    o.log(`${o.serial}: heartbeat accepted (${res.acceptedMeetings.length} meeting(s) stored; server holds bundle version ${res.bundleVersion})`);
    if (res.bundleVersion > hb.bundleVersion) ok = (await fetchBundle(o, client, enrolled.id, enrolled.fleetPub)) && ok;
  }
  return { ok, bundleVersion: await appliedVersion(o.stateDir) };
}
