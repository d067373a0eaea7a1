/** The unit keeps its connection to the proxy alive with OPTIONS on a fixed interval. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/demo/peers/pki.js';
import { FakeSipProxy } from './fake-sip-proxy.js';
import { createTestUnit, eventually, type TestUnit } from './unit-harness.js';
import { header } from '../peers/sip-raw.js';

let pki: TestPki;
let proxy: FakeSipProxy;
let t: TestUnit;

beforeAll(async () => {
  pki = await createTestPki();
  proxy = new FakeSipProxy({ cert: pki.server.certPem, key: pki.server.keyPem });
  await proxy.start();
  proxy.autoAnswerRegister();
  t = createTestUnit({ proxyPort: proxy.port, caPath: pki.ca.certPath, roomUri: 'sip:room@localhost', username: 'unit1', password: 'pw', video: false, keepaliveIntervalSeconds: 5 });
  await t.unit.start();
  await eventually(() => t.unit.signaling.registrationState() === 'registered', 5_000, 'registration');
}, 30_000);

afterAll(async () => {
  await t?.cleanup();
  await proxy?.stop();
  await pki?.cleanup();
});

describe('OPTIONS keepalive', () => {
  it('sends OPTIONS to the proxy every interval over the same TLS connection', async () => {
    const optionsSent = () => proxy.received().filter((m) => m.method === 'OPTIONS');
    await eventually(() => optionsSent().length >= 2, 13_000, 'two OPTIONS');
    const options = optionsSent();
    expect(options.length).toBeGreaterThanOrEqual(2);
    expect(options[0]!.startLine).toMatch(/^OPTIONS sip:127\.0\.0\.1:\d+;transport=tls SIP\/2\.0$/);
    expect(header(options[0]!, 'via')).toMatch(/^SIP\/2\.0\/TLS /);
    expect(proxy.connections()).toHaveLength(1);
    expect(t.unit.signaling.registrationState()).toBe('registered');
  }, 30_000);
});
