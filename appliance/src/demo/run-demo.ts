/**
 * `make run`: a local demo room (kamailio as the TLS registrar/proxy, baresip answering as an
 * echo service) and the unit in simulation joined to it. Space joins, `h` (hold) leaves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { validateConfig } from '../config/validate.js';
import { createLogger } from '../log/logger.js';
import { createUnit } from '../unit.js';
import { attachKeyboard } from '../adapters/sim/keyboard-button.js';
import { Kamailio } from './peers/kamailio.js';
import { Baresip } from './peers/baresip.js';
import { createTestPki } from './peers/pki.js';
import { attachPodKeys } from './pod-keys.js';
import { simBoardUnavailable } from '../adapters/ioboard-serial/simavr-board.js';

async function main(): Promise<void> {
  const runDir = resolve(process.env.DEMO_DIR ?? '.run');
  mkdirSync(runDir, { recursive: true });
  const port = Number(process.env.DEMO_PORT ?? 8080);
  // Fresh credentials every run: the demo has no default passwords either.
  const unitPassword = randomBytes(12).toString('base64url');
  const roomPassword = randomBytes(12).toString('base64url');
  const supportPassword = randomBytes(12).toString('base64url');
  process.stdout.write('Starting the demo room (kamailio TLS proxy + baresip echo room)...\n');
  const pki = await createTestPki(runDir);
  const kamailio = new Kamailio({
    users: [{ username: 'unit1', password: unitPassword }, { username: 'demo-room', password: roomPassword }, { username: 'it-support', password: supportPassword }],
    certificatePath: pki.server.certPath,
    privateKeyPath: pki.server.keyPath,
  });
  await kamailio.start();
  const room = new Baresip({ username: 'demo-room', password: roomPassword, domain: kamailio.domain, proxyPort: kamailio.sipPort, mode: 'echo' });
  await room.start();
  // "Call IT support" on the panel dials this desk; it answers with a 500 Hz tone.
  const support = new Baresip({ username: 'it-support', password: supportPassword, domain: kamailio.domain, proxyPort: kamailio.sipPort, mode: 'auto', toneHz: 500 });
  await support.start();

  const raw = {
    unit: { id: 'DEMO-0001', name: 'Demo bed', site: 'Demo hospital', ward: 'Ward 4', room: '12', bed: '2' },
    rooms: { ownRoomUri: `sip:demo-room@${kamailio.domain}` },
    sip: {
      transport: 'tls',
      proxy: { host: '127.0.0.1', port: kamailio.tlsPort },
      tlsServerName: 'localhost',
      trustedCaFile: pki.ca.certPath,
      account: { username: 'unit1', password: unitPassword, domain: kamailio.domain, displayName: 'Demo bed' },
      supportUri: `sip:it-support@${kamailio.domain}`,
      // The demo room is baresip's echo service, so the self-test's echo call can use it too.
      echoTestUri: `sip:demo-room@${kamailio.domain}`,
      allowInboundFrom: [`sip:it-support@${kamailio.domain}`],
    },
    media: { video: { display: 'counter' }, simOutputDir: join(runDir, 'media') },
    // The pod is the real I/O board firmware in simavr when it is built (make -C firmware all sim).
    hardware: { mode: process.env.APPLIANCE_HW ?? 'sim', ioBoard: { enabled: simBoardUnavailable() === null } },
    server: { host: '127.0.0.1', port },
    store: { path: join(runDir, 'unit.db') },
    log: { level: process.env.LOG_LEVEL ?? 'info' },
  };
  const config = validateConfig(raw);
  writeFileSync(join(runDir, 'unit.yaml'), stringify({ ...raw, sip: { ...raw.sip, account: { ...raw.sip.account, password: '(generated for this run)' } } }));
  mkdirSync(join(runDir, 'media'), { recursive: true });
  const logger = createLogger({ level: config.log.level });
  const unit = createUnit(config, logger);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    detach();
    process.stdout.write('Stopping the unit and the demo room...\n');
    await unit.stop();
    logger.debug('stopping the demo room');
    await room.stop();
    await support.stop();
    await kamailio.stop();
    await pki.cleanup();
    process.exit(0);
  };
  const detachButton = attachKeyboard(unit.simButton, () => void stop());
  const detachPod = attachPodKeys(() => unit.ioBoardSim());
  const detach = () => { detachPod(); detachButton(); };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await unit.start();
  const api = `http://127.0.0.1:${unit.address().port}`;
  process.stdout.write([
    '',
    '  Bedside unit (simulation) is ready, registered to the demo room over TLS.',
    `  Room: sip:demo-room@${kamailio.domain} (baresip echo service: you hear and see yourself)`,
    `  IT support: sip:it-support@${kamailio.domain} (the panel's "call IT support"; may also call the unit)`,
    '',
    '  SPACE / Enter  press the start button (joins; a short press never ends a meeting)',
    '  h              hold the button 2.2 s (leaves a meeting, cancels a join)',
    ...(config.hardware.ioBoard.enabled
      ? ['  + / - / l      bedside pod (firmware in simavr): volume up / down, hearing loop on/off',
        '  p / P          pod call button: tap (join) / hold 2.2 s (leave);  o / n: open / normal loop']
      : [`  (no bedside pod: ${simBoardUnavailable() ?? ''})`]),
    '  q / Ctrl-C     quit',
    '',
    `  Touch panel:   ${api}/  (open in a browser on this machine)`,
    `  Status:        curl ${api}/status`,
    `  Press:         curl -X POST ${api}/sim/button`,
    `  Hold:          curl -X POST '${api}/sim/button?ms=2200'`,
    `  Far-end audio: ${join(runDir, 'media', 'far-end-audio.wav')}`,
    '',
  ].join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
