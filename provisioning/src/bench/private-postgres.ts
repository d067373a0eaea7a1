import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throwaway PostgreSQL cluster for tests and the benchmark: its own temp directory,
 * 127.0.0.1 on a free port, its unix socket inside the temp dir, a random password
 * (scram-sha-256 over TCP). PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` system user (runuser) in a directory that user owns.
 */
export interface PrivatePostgres {
  port: number;
  /** Connection string for a database of the cluster (default: postgres). */
  url(database?: string): string;
  /** Creates a fresh, empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether PostgreSQL's server binaries are installed (scripts/install-debian-packages.sh puts them there). */
export function postgresAvailable(): boolean {
  return existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl'));
}

export interface StartOptions {
  /** Extra server settings, e.g. { synchronous_commit: 'off' }. */
  settings?: Record<string, string>;
}

export async function startPrivatePostgres(options: StartOptions = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-pg-'));
  const asRoot = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    uid = Number(stdout.trim());
    gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const exec = (bin: string, args: string[]) => asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(BIN, bin), ...args], { cwd: dir })
    : run(join(BIN, bin), args, { cwd: dir });
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) chownSync(pwfile, uid, gid);
  const data = join(dir, 'data');
  let port = 0;
  let started = false;
  const stopCluster = async () => {
    if (started) await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await exec('initdb', ['-D', data, '-U', 'fleet', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '50', ...(options.settings ?? {}) };
    // A port probed free can be taken before the server binds it (others run tests too): retry.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const opts = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
      try {
        await exec('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', opts, 'start']);
        started = true;
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
  } catch (e) {
    await stopCluster();
    throw e;
  }
  const url = (database = 'postgres') => `postgres://fleet:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    stop: stopCluster,
  };
}
