/**
 * SIP over secure WebSocket (RFC 7118) against kamailio's websocket module: the unit registers
 * with digest auth over WSS, refuses an untrusted certificate with its code, and re-registers
 * by itself after the proxy goes away and comes back on the same port.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Kamailio } from '../../src/demo/peers/kamailio.js';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import type { ApplianceError } from '../../src/core/errors.js';
import { createTestUnit, eventually, type TestUnit } from './unit-harness.js';

const USERS = [{ username: 'unit1', password: 'unit1-secret' }];
let pki: TestPki;
let kamailio: Kamailio;
let untrusted: Kamailio;
let current: TestUnit | null = null;

beforeAll(async () => {
  pki = await createTestPki();
  kamailio = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true });
  untrusted = new Kamailio({ users: USERS, certificatePath: pki.untrustedServer.certPath, privateKeyPath: pki.untrustedServer.keyPath, wss: true });
  await Promise.all([kamailio.start(), untrusted.start()]);
}, 30_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(`----- kamailio log (tail) -----\n${kamailio.log().slice(-4000)}`);
  await current?.cleanup();
  current = null;
});

afterAll(async () => {
  await Promise.all([kamailio?.stop(), untrusted?.stop()]);
  await pki?.cleanup();
});

function wssUnit(port: number, password = 'unit1-secret'): TestUnit {
  current = createTestUnit({
    transport: 'wss', proxyPort: port, caPath: pki.ca.certPath, roomUri: `sip:room@${kamailio.domain}`,
    username: 'unit1', password, video: false,
  });
  return current;
}

function registrationError(t: TestUnit): Promise<ApplianceError | undefined> {
  return new Promise((resolve) => {
    t.unit.signaling.on('registration', (state, error) => { if (state === 'failed') resolve(error); });
  });
}

describe('SIP over WSS with kamailio', () => {
  it('registers with digest auth over a WebSocket upgrade', async () => {
    const mark = kamailio.log().length;
    const t = wssUnit(kamailio.wssPort);
    await t.unit.start();
    await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'registered over WSS');
    await kamailio.waitForLog(/WebSocket upgrade from 127\.0\.0\.1/, 2_000, mark);
    await kamailio.waitForLog(/REQ REGISTER .* from 127\.0\.0\.1:\d+\/wss/, 2_000, mark);
  });

  it('refuses a wrong password with E_SIP_AUTH', async () => {
    const t = wssUnit(kamailio.wssPort, 'not-the-password');
    const failed = registrationError(t);
    await t.unit.start();
    expect((await failed)?.code).toBe('E_SIP_AUTH');
  });

  it('refuses a proxy whose certificate it does not trust with E_TLS_UNTRUSTED', async () => {
    const t = wssUnit(untrusted.wssPort);
    const failed = registrationError(t);
    await t.unit.start();
    expect((await failed)?.code).toBe('E_TLS_UNTRUSTED');
  });

  it('reports a plain TLS SIP port (no WebSocket upgrade) as unreachable, not as registered', async () => {
    const t = wssUnit(kamailio.tlsPort);
    const failed = registrationError(t);
    await t.unit.start();
    const error = await failed;
    expect(error?.code).toBe('E_SERVER_UNREACHABLE');
    expect(t.unit.signaling.registrationState()).toBe('failed');
  });

  it('re-registers by itself after the proxy restarts on the same port', async () => {
    const restarted = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: true });
    await restarted.start();
    const port = restarted.wssPort;
    try {
      const t = wssUnit(port);
      await t.unit.start();
      await eventually(() => t.unit.signaling.registrationState() === 'registered', 10_000, 'first registration');
      const lost = registrationError(t);
      await restarted.stop();
      expect((await lost)?.code).toBe('E_SERVER_UNREACHABLE');
      const again = new Kamailio({ users: USERS, certificatePath: pki.server.certPath, privateKeyPath: pki.server.keyPath, wss: port, sipPort: restarted.sipPort, tlsPort: restarted.tlsPort });
      await again.start();
      try {
        await eventually(() => t.unit.signaling.registrationState() === 'registered', 15_000, 'registration after the restart').catch((e) => { console.error(t.logs.filter((l) => /transport|regist/.test(l)).join('').slice(-6000)); console.error(again.log().slice(-3000)); throw e; });
      } finally {
        await current?.cleanup();
        current = null;
        await again.stop();
      }
    } finally {
      await restarted.stop();
    }
  }, 30_000);
});
