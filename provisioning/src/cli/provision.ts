#!/usr/bin/env node
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFleetKeyPair, generateUnitKeyPair } from '../../../appliance/src/fleet/bundle/keys.js';
import { decryptSecrets, verifyBundle } from '../../../appliance/src/fleet/bundle/verify.js';
import { applySecrets } from '../../../appliance/src/fleet/bundle/secret-refs.js';
import { BundleError } from '../../../appliance/src/fleet/bundle/types.js';
import { buildBundles } from '../build/build-bundles.js';
import { loadInputs } from '../build/load-inputs.js';
import { formatProblem } from '../problems.js';
import { consoleIo, need, UsageError, type Io } from './cli-support.js';
import { FleetApiError } from './it-client.js';
import { enrollToken, itToken, publish, revoke, serve, simUnit } from './fleet-commands.js';

const USAGE = `usage: provision <command> [options]

  keygen [--out fleet.key]
      Create the fleet signing key (Ed25519): fleet.key (mode 0600) and fleet.pub.
  unit-keygen <serial> --units-dir keys/
      Create a unit's X25519 key pair, as a unit does when it enrolls (simulation, tests).
  validate <inventory.csv|.yaml> [--fleet fleet.yaml] [--secrets secrets.yaml]
      Print every problem as file:line:col CODE message; exit 1 if there is any.
  build --inventory <file> --fleet fleet.yaml --secrets secrets.yaml --key fleet.key
        --units-dir keys/ --out bundles/
      Write one signed bundle per unit with a public key; versions only ever go up.
  verify <bundle.json> --fleet-pub fleet.pub --unit <serial> [--last-version N] [--unit-key keys/<serial>.key]
      Check a bundle as the unit would; with --unit-key also decrypt its secrets.

Fleet server (docs/fleet.md):
  it-token [--out it.token]
      Create the IT token (mode 0600) the server and these commands authenticate with.
  serve --fleet-pub fleet.pub --it-token-file it.token [--db fleet.db] [--host 127.0.0.1] [--port 8443]
        [--tls-cert cert.pem --tls-key key.pem] [--heartbeat-interval 30] [--poll-interval 300]
        [--offline-after 90] [--token-ttl-hours 168] [--unit-cache-seconds 120]
      Run the fleet server. PostgreSQL instead of SQLite: FLEET_DATABASE_URL=postgres://... or --database-url-file.
  enroll-token --server URL --it-token-file it.token --inventory <file> [--unit SERIAL]... --out tokens/
      Register the inventory's units on the server; one one-time token per unit in tokens/<serial>.token.
  publish --server URL --it-token-file it.token --inventory <file> --fleet fleet.yaml --secrets secrets.yaml
          --key fleet.key --out bundles/
      Build signed bundles for every enrolled unit (secrets encrypted here to each unit's key) and upload them.
  revoke <serial> --server URL --it-token-file it.token
      Refuse a unit from now on (lost or stolen).
  sim-unit --server URL --serial SERIAL --state-dir dir [--token-file tokens/SERIAL.token]
           [--heartbeats 1] [--interval 30] [--meeting]
      A simulated unit: enroll (first time), fetch and verify its bundle, send heartbeats.
`;

export type { Io } from './cli-support.js';

/** Writes a new private key file; refuses to overwrite one (a lost fleet key strands every unit). */
async function writeKeyPair(privatePath: string, publicPath: string, pair: { privateKeyPem: string; publicKeyPem: string }): Promise<void> {
  await mkdir(dirname(privatePath), { recursive: true });
  await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await chmod(privatePath, 0o600); // whatever the umask was
  await writeFile(publicPath, pair.publicKeyPem, { mode: 0o644 });
}

async function keygen(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'fleet.key' } }, strict: true });
  const keyPath = values.out;
  const pubPath = keyPath.replace(/\.key$/, '') + '.pub';
  await writeKeyPair(keyPath, pubPath, generateFleetKeyPair());
  io.out(`wrote ${keyPath} (private, 0600) and ${pubPath}`);
  return 0;
}

async function unitKeygen(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'units-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  const serial = positionals[0];
  if (!serial || positionals.length > 1) throw new UsageError('unit-keygen takes one unit serial');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(serial)) throw new UsageError(`"${serial}" is not a unit serial`);
  const dir = need(values, 'units-dir');
  await writeKeyPair(join(dir, `${serial}.key`), join(dir, `${serial}.pub`), generateUnitKeyPair());
  io.out(`wrote ${join(dir, `${serial}.pub`)} and ${join(dir, `${serial}.key`)} (private, 0600)`);
  return 0;
}

async function validate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args, options: { fleet: { type: 'string' }, secrets: { type: 'string' } }, allowPositionals: true, strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('validate takes one inventory file');
  const { units, problems } = await loadInputs({
    inventory: positionals[0]!,
    ...(values.fleet ? { fleet: values.fleet } : {}),
    ...(values.secrets ? { secrets: values.secrets } : {}),
  });
  for (const p of problems) io.out(formatProblem(p));
  if (problems.length > 0) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  io.err(`ok: ${units.length} unit${units.length === 1 ? '' : 's'}`);
  return 0;
}

async function build(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      inventory: { type: 'string' }, fleet: { type: 'string' }, secrets: { type: 'string' }, key: { type: 'string' },
      'units-dir': { type: 'string' }, out: { type: 'string' },
    },
    strict: true,
  });
  const report = await buildBundles({
    inventory: need(values, 'inventory'), fleet: need(values, 'fleet'), secrets: need(values, 'secrets'),
    key: need(values, 'key'), unitsDir: need(values, 'units-dir'), outDir: need(values, 'out'),
  });
  for (const b of report.built) io.out(`built ${b.path} (unit ${b.serial}, version ${b.version})`);
  for (const p of report.problems) io.out(formatProblem(p));
  const waiting = report.problems.filter((p) => p.code === 'E_UNIT_KEY_MISSING').length;
  io.err(`${report.built.length} bundle${report.built.length === 1 ? '' : 's'} built`
    + (waiting > 0 ? `; ${waiting} unit${waiting === 1 ? '' : 's'} waiting for a public key` : '')
    + (report.problems.length > waiting ? `; ${report.problems.length - waiting} other problem(s)` : ''));
  return report.problems.length > 0 ? 1 : 0;
}

async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'fleet-pub': { type: 'string' }, unit: { type: 'string' }, 'last-version': { type: 'string', default: '0' }, 'unit-key': { type: 'string' } },
    allowPositionals: true, strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('verify takes one bundle file');
  const last = Number(values['last-version']);
  if (!Number.isSafeInteger(last) || last < 0) throw new UsageError('--last-version must be a whole number');
  const result = verifyBundle(await readFile(positionals[0]!, 'utf8'), {
    fleetPublicKey: await readFile(need(values, 'fleet-pub'), 'utf8'), unitSerial: need(values, 'unit'), lastAppliedVersion: last,
  });
  if (!result.ok) {
    io.out(`${positionals[0]} ${result.code} ${result.message}`);
    return 1;
  }
  if (values['unit-key']) {
    try {
      const secrets = decryptSecrets(result.bundle, await readFile(values['unit-key'], 'utf8'));
      applySecrets(result.config, secrets);
      io.out(`ok: unit ${result.bundle.unit} version ${result.version}; ${Object.keys(secrets).length} secret(s) decrypted: ${Object.keys(secrets).join(', ') || '-'}`);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      io.out(`${positionals[0]} ${e.code} ${e.message}`);
      return 1;
    }
    return 0;
  }
  io.out(`ok: unit ${result.bundle.unit} version ${result.version}`);
  return 0;
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  keygen, 'unit-keygen': unitKeygen, validate, build, verify: verifyCommand,
  'it-token': itToken, serve, 'enroll-token': enrollToken, publish, revoke, 'sim-unit': simUnit,
};

/** The CLI as a function: argv without node and script; returns the exit code. */
export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
      || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof FleetApiError) {
      io.err(`${e.code} ${e.message}`);
      return 1;
    }
    if (err.code === 'EEXIST') {
      io.err(`refusing to overwrite an existing key: ${err.path ?? ''}`);
      return 1;
    }
    if (err.code === 'ENOENT' || err.code === 'EACCES') {
      io.err(`${err.message}`);
      return 1;
    }
    throw e;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
