/**
 * The install playbook (deploy/ansible) run for real against a Debian 12 minbase root over
 * ansible's chroot connection. The root comes from deploy/test/debian-root.sh: a debootstrap
 * tarball cached under /var/cache/bedside-test keyed by suite + packages (about 1.5 min to
 * build once; each run then unpacks it in seconds). Needs root, debootstrap and ansible.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { udevRuleProblems } from './install-udev-syntax.js';

const REPO = resolve(import.meta.dirname, '../../..');
const PLAYBOOK = join(REPO, 'deploy/ansible/playbook.yml');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const canRun = process.getuid?.() === 0 && has('debootstrap') && has('ansible-playbook') && has('tar');
if (!canRun) console.warn('install-playbook test skipped: needs root, debootstrap and ansible-playbook');

describe.skipIf(!canRun)('install playbook against a debootstrapped Debian root (chroot connection)', () => {
  let work = '';
  let root = '';
  let output = '';
  let status: number | null = null;
  const token = `enroll-${randomBytes(12).toString('hex')}`;
  const timings: Record<string, number> = {};

  const file = (p: string) => join(root, p);
  const passwd = () => readFileSync(file('etc/passwd'), 'utf8').split('\n').map((l) => l.split(':'));
  const uidOf = (user: string) => Number(passwd().find((f) => f[0] === user)?.[2]);
  const groupMembers = (group: string) => (readFileSync(file('etc/group'), 'utf8').split('\n').find((l) => l.startsWith(`${group}:`))?.split(':')[3] ?? '').split(',');

  beforeAll(() => {
    let t = Date.now();
    const tarball = execFileSync(join(REPO, 'deploy/test/debian-root.sh'), ['bookworm', 'python3,python3-apt,systemd,nodejs'], { encoding: 'utf8', timeout: 900_000 }).trim();
    timings.rootTarballMs = Date.now() - t;
    work = mkdtempSync(join(tmpdir(), 'bedside-install-'));
    root = join(work, 'root');
    t = Date.now();
    execFileSync('mkdir', ['-p', root]);
    execFileSync('tar', ['-C', root, '-xf', tarball]);
    timings.unpackMs = Date.now() - t;
    const dist = join(REPO, 'appliance/dist/main.js');
    if (!existsSync(dist)) throw new Error('appliance/dist is missing: run `npx tsc -b` first');
    const archive = join(work, 'appliance.tgz');
    execFileSync('tar', ['-C', REPO, '-czf', archive, 'appliance/package.json', 'appliance/dist']);
    writeFileSync(join(work, 'inventory.ini'), `[units]\n${root} ansible_connection=community.general.chroot ansible_python_interpreter=/usr/bin/python3\n`);
    writeFileSync(join(work, 'vars.json'), JSON.stringify({
      bedside_unit_id: 'BVU-0042', bedside_unit_name: 'Ward 4 bed 2', bedside_fleet_url: 'https://fleet.example.org',
      bedside_enrollment_token: token, bedside_own_room_uri: 'sip:bed42@meet.example.org', bedside_sip_proxy_host: 'sip.example.org',
      bedside_app_archive: archive,
      // The root already holds these (debootstrap --include): the apt task runs without network.
      bedside_packages: ['python3', 'nodejs', 'systemd'], bedside_apt_update: false, bedside_nodesource: false,
    }));
    t = Date.now();
    const run = spawnSync('ansible-playbook', ['-i', join(work, 'inventory.ini'), PLAYBOOK, '-e', `@${join(work, 'vars.json')}`], {
      encoding: 'utf8', timeout: 300_000,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_PIPELINING: '1', ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'), ANSIBLE_HOME: join(work, 'ansible-home'), ANSIBLE_RETRY_FILES_ENABLED: '0' },
    });
    timings.playbookMs = Date.now() - t;
    output = `${run.stdout}\n${run.stderr}`;
    status = run.status;
    console.log(`install test timings: ${JSON.stringify(timings)}`);
  }, 1_200_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the playbook to the end, skipping only what cannot run in a chroot', () => {
    expect(status, output.slice(-3000)).toBe(0);
    expect(output).toMatch(/failed=0/);
    expect(output).toMatch(/TASK \[Start the services now \(not in a chroot\)\][^]*?skipping:/);
    expect(output).not.toContain(token); // no_log on the token task
  });

  it('creates the service and kiosk users without a login or password', () => {
    for (const user of ['bedside', 'bedside-kiosk']) {
      const entry = passwd().find((f) => f[0] === user);
      expect(entry, user).toBeDefined();
      expect(entry![6]).toBe('/usr/sbin/nologin');
      expect(Number(entry![2])).toBeLessThan(1000);
      const shadow = readFileSync(file('etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
      expect(shadow?.split(':')[1]).toBe('!');
    }
    for (const g of ['audio', 'video', 'dialout']) expect(groupMembers(g)).toContain('bedside');
    expect(groupMembers('video')).toContain('bedside-kiosk');
  });

  it('installs the config dir, state dir and one-time token with tight permissions', () => {
    const uid = uidOf('bedside');
    const state = statSync(file('var/lib/bedside-unit'));
    expect([state.uid, state.mode & 0o777]).toEqual([uid, 0o700]);
    const tok = statSync(file('var/lib/bedside-unit/enrollment-token'));
    expect([tok.uid, tok.mode & 0o777]).toEqual([uid, 0o600]);
    expect(readFileSync(file('var/lib/bedside-unit/enrollment-token'), 'utf8').trim()).toBe(token);
    const conf = statSync(file('etc/bedside-unit/config.yaml'));
    expect([conf.uid, conf.mode & 0o777]).toEqual([0, 0o640]);
    expect(existsSync(file('opt/bedside-unit/appliance/dist/main.js'))).toBe(true);
  });

  it("writes a config the appliance's own loader accepts", async () => {
    const config = await loadConfigFile(file('etc/bedside-unit/config.yaml'));
    expect(config.unit.id).toBe('BVU-0042');
    expect(config.fleet).toMatchObject({ serverUrl: 'https://fleet.example.org', stateDir: '/var/lib/bedside-unit/fleet', enrollmentTokenFile: '/var/lib/bedside-unit/enrollment-token' });
    expect(config.hardware.mode).toBe('pi');
  });

  it('installs the daemon as an enabled Type=notify service with watchdog, restart and hardening, verified by systemd-analyze', () => {
    const unit = readFileSync(file('etc/systemd/system/bedside-unit.service'), 'utf8');
    for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30', 'Restart=on-failure', 'RestartForceExitStatus=75', 'User=bedside',
      'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=', 'ExecStart=/usr/bin/node /opt/bedside-unit/appliance/dist/main.js']) {
      expect(unit.split('\n'), line).toContain(line);
    }
    expect(readlinkSync(file('etc/systemd/system/multi-user.target.wants/bedside-unit.service'))).toBe('/etc/systemd/system/bedside-unit.service');
    const verify = spawnSync('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/bedside-unit.service'], { encoding: 'utf8' });
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
    expect(verify.status).toBe(0);
  });

  it('installs the kiosk: Chromium in kiosk mode on the panel under cage, enabled for graphical boot', () => {
    const unit = readFileSync(file('etc/systemd/system/bedside-kiosk.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/cage .*-- \/usr\/bin\/chromium --kiosk .* http:\/\/127\.0\.0\.1:8080\/$/m);
    expect(unit).toMatch(/^User=bedside-kiosk$/m);
    expect(readlinkSync(file('etc/systemd/system/graphical.target.wants/bedside-kiosk.service'))).toBe('/etc/systemd/system/bedside-kiosk.service');
    expect(readlinkSync(file('etc/systemd/system/default.target'))).toBe('/lib/systemd/system/graphical.target');
    expect(statSync(file('usr/local/lib/bedside-unit/wait-for-panel')).mode & 0o111).toBe(0o111);
    // The test root has no cage (nor chromium): that is the only complaint allowed.
    const verify = spawnSync('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/bedside-kiosk.service'], { encoding: 'utf8' });
    const complaints = `${verify.stdout}${verify.stderr}`.split('\n').filter((l) => l.trim() && !l.includes('/usr/bin/cage is not executable'));
    expect(complaints).toEqual([]);
  });

  it('installs udev rules that parse and give the I/O board a stable name by vendor/product', () => {
    const rules = readFileSync(file('etc/udev/rules.d/70-bedside-unit.rules'), 'utf8');
    expect(udevRuleProblems(rules)).toEqual([]);
    expect(rules).toMatch(/SUBSYSTEM=="tty", ATTRS\{idVendor\}=="1a86", ATTRS\{idProduct\}=="7523", SYMLINK\+="bedside-ioboard"/);
    // The checker itself catches broken rules.
    expect(udevRuleProblems('SUBSYSTEM="tty", SYMLINK=="x"\nKERNEL=="a" MODE="0660"\nFOO=="1", MODE="1"')).toHaveLength(4);
  });
});
