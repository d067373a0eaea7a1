/**
 * A throwaway test PKI made with the `openssl` CLI in a temp dir.
 *
 * - `ca` signs `server` (SAN DNS:localhost, IP:127.0.0.1): kamailio's normal certificate.
 * - `otherCa` is unrelated; it signs `untrustedServer` (same SANs), so a client trusting
 *   only `ca` must refuse it for trust reasons alone.
 * - `selfSigned` is a self-signed server certificate with the same SANs.
 * - `wrongNameServer` is signed by the trusted `ca` but names `wrong-name.invalid` only,
 *   for host name verification tests.
 *
 * EC P-256 keys keep generation fast (the whole PKI takes well under a second).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PemFile {
  certPath: string;
  certPem: string;
}

export interface KeyPair extends PemFile {
  keyPath: string;
  keyPem: string;
}

export interface TestPki {
  dir: string;
  ca: KeyPair;
  server: KeyPair;
  otherCa: KeyPair;
  untrustedServer: KeyPair;
  selfSigned: KeyPair;
  wrongNameServer: KeyPair;
  /** Removes the temp dir. Safe to call twice. */
  cleanup(): Promise<void>;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const SERVER_SAN = 'DNS:localhost,IP:127.0.0.1';

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

async function load(dir: string, name: string): Promise<KeyPair> {
  const certPath = path.join(dir, `${name}.pem`);
  const keyPath = path.join(dir, `${name}.key`);
  return {
    certPath,
    keyPath,
    certPem: await readFile(certPath, 'utf8'),
    keyPem: await readFile(keyPath, 'utf8'),
  };
}

async function makeCa(dir: string, name: string, cn: string): Promise<KeyPair> {
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2',
    '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return load(dir, name);
}

async function makeSigned(dir: string, name: string, caName: string, san: string): Promise<KeyPair> {
  const ext = `${name}.ext`;
  await writeFile(
    path.join(dir, ext),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
  );
  await openssl(dir, ['req', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`,
    // Explicit random serials: -CAcreateserial would race on ca.srl between parallel signings.
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-out', `${name}.pem`, '-days', '2', '-extfile', ext,
  ]);
  return load(dir, name);
}

async function makeSelfSigned(dir: string, name: string, san: string): Promise<KeyPair> {
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2',
    '-subj', '/CN=localhost',
    '-addext', `subjectAltName=${san}`,
    '-addext', 'extendedKeyUsage=serverAuth',
  ]);
  return load(dir, name);
}

/** Creates the PKI in a new temp dir (or under `parentDir`). */
export async function createTestPki(parentDir: string = tmpdir()): Promise<TestPki> {
  const dir = await mkdtemp(path.join(parentDir, 'test-pki-'));
  try {
    const ca = await makeCa(dir, 'ca', 'Bedside Test CA');
    const otherCa = await makeCa(dir, 'other-ca', 'Unrelated Test CA');
    const [server, untrustedServer, selfSigned, wrongNameServer] = await Promise.all([
      makeSigned(dir, 'server', 'ca', SERVER_SAN),
      makeSigned(dir, 'untrusted-server', 'other-ca', SERVER_SAN),
      makeSelfSigned(dir, 'self-signed', SERVER_SAN),
      makeSigned(dir, 'wrong-name-server', 'ca', 'DNS:wrong-name.invalid'),
    ]);
    return {
      dir, ca, server, otherCa, untrustedServer, selfSigned, wrongNameServer,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
